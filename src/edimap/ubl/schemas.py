"""The official schemas and rules, installed from the packages users download.

``install(zip_path)`` accepts the official OIOUBL schematron package
(``OIOUBL_Schematron_<date>_v<version>.zip``: UBL 2.1 XSDs under ``Schemas/UBL_v2.1``, rule
stylesheets under ``Stylesheets``, the rule list) and the OASIS UBL 2.1 package (XSDs under
``xsd/``), and unpacks the parts edimap uses into ``EDIMAP_HOME/schemas``. Nothing official
is copied into edimap itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from edimap._home import data_dir
from edimap.findings import ConfigurationError, UsageError

__all__ = ["install", "installed", "schema_dir", "status", "stylesheet"]

_MAX_UNPACKED = 512 * 1024 * 1024


def _root() -> Path:
    return data_dir() / "schemas"


def _safe_members(archive: zipfile.ZipFile, prefixes: tuple[str, ...]) -> list[zipfile.ZipInfo]:
    members = []
    total = 0
    for info in archive.infolist():
        name = PurePosixPath(info.filename)
        if info.is_dir() or name.is_absolute() or ".." in name.parts:
            continue
        if not any(info.filename.startswith(p) for p in prefixes):
            continue
        total += info.file_size
        if total > _MAX_UNPACKED:
            raise UsageError("the package unpacks to more than 512 MiB; refused")
        members.append(info)
    return members


def install(path: str | Path) -> dict[str, Any]:
    """Install an official package; return what was installed."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path} is not a file")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UsageError(f"{path} is not a zip package: {exc}") from None
    with archive:
        names = set(archive.namelist())
        if "Schemas/UBL_v2.1/maindoc/UBL-Invoice-2.1.xsd" in names:
            kind = "oioubl"
            match = re.search(r"_(\d{4}-\d{2}-\d{2})_v([\d.]+)\.zip$", path.name)
            version = match.group(2) if match else "unknown"
            released = match.group(1) if match else None
            prefixes: tuple[str, ...] = ("Schemas/", "Stylesheets/", "Dokumentation/")
        elif any(n.endswith("xsd/maindoc/UBL-Invoice-2.1.xsd") for n in names):
            kind, version, released = "ubl", "2.1", None
            prefixes = tuple(sorted({n[: n.index("xsd/") + 4] for n in names if "xsd/" in n}))
        else:
            raise UsageError(f"{path.name} is neither the OIOUBL schematron package nor the "
                             "OASIS UBL 2.1 package")
        target = _root() / kind
        staging = target.with_name(target.name + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for info in _safe_members(archive, prefixes):
            destination = staging / info.filename
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, open(destination, "wb") as dst:
                shutil.copyfileobj(src, dst)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest = {"kind": kind, "version": version, "released": released,
                "package": path.name, "sha256": digest}
    (staging / "installed.json").write_text(json.dumps(manifest, indent=2), "utf-8")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    installed.cache_clear()
    _schema_dirs.clear()
    return manifest


def _manifest(kind: str) -> dict[str, Any] | None:
    file = _root() / kind / "installed.json"
    if not file.is_file():
        return None
    data: dict[str, Any] = json.loads(file.read_text("utf-8"))
    return data


class _Installed:
    """Cached lookup of what is installed (cleared on install)."""

    def __init__(self) -> None:
        self._cache: dict[str, dict[str, Any] | None] = {}

    def __call__(self, kind: str) -> dict[str, Any] | None:
        key = f"{data_dir()}:{kind}"
        if key not in self._cache:
            self._cache[key] = _manifest(kind)
        return self._cache[key]

    def cache_clear(self) -> None:
        self._cache.clear()


installed = _Installed()


def status() -> list[str]:
    """One line per package kind: installed with its version, or not installed."""
    lines = []
    for kind, label in (("oioubl", "OIOUBL schematron package"), ("ubl", "OASIS UBL 2.1")):
        info = installed(kind)
        where = _root() / kind
        if info:
            lines.append(f"{label}: {info['version']} ({info['package']}) in {where}")
        elif kind == "ubl" and installed("oioubl"):
            lines.append(f"{label}: the XSDs inside the OIOUBL schematron package")
        else:
            lines.append(f"{label}: not installed")
    return lines


# schema_dir() by the environment that decides the data directory: it is asked once per
# document validated, and the answer changes only with an install (which clears this).
_schema_dirs: dict[tuple[str | None, ...], Path] = {}


def schema_dir() -> Path:
    """The folder of the UBL 2.1 XSDs (``maindoc`` and ``common``)."""
    key = tuple(os.environ.get(name) for name in ("EDIMAP_HOME", "XDG_DATA_HOME", "HOME",
                                                  "LOCALAPPDATA"))
    found = _schema_dirs.get(key)
    if found is None:
        found = _schema_dirs[key] = _find_schema_dir()
    return found


def _find_schema_dir() -> Path:
    if installed("oioubl"):
        return _root() / "oioubl" / "Schemas" / "UBL_v2.1"
    info = installed("ubl")
    if info:
        base = _root() / "ubl"
        for candidate in base.rglob("maindoc"):
            return candidate.parent
    raise ConfigurationError("the UBL 2.1 schemas are not installed: run 'edimap schemas "
                             "install OIOUBL_Schematron_<date>_v<version>.zip'")


def stylesheet(document_type: str) -> Path | None:
    """The official OIOUBL rule stylesheet for a document type, if installed."""
    if not installed("oioubl"):
        return None
    path = _root() / "oioubl" / "Stylesheets" / f"OIOUBL_{document_type}_Schematron.xsl"
    return path if path.is_file() else None
