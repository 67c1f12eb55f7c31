"""The package as users install it (a wheel, not the editable checkout) works: the message
definitions ship inside it and are found."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import edimap

from .conftest import FIXTURES, ROOT


@pytest.mark.slow
def test_installed_wheel_converts_eancom(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(tmp_path / "wheel"), str(ROOT)],
        capture_output=True, text=True, timeout=600, check=False)
    if build.returncode != 0 and "No module named" in build.stderr:
        pytest.skip(f"cannot build a wheel here: {build.stderr.strip()[:200]}")
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp_path / "wheel").glob("edimap-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        # The licence and the metadata a package index shows.
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
        metadata = archive.read(next(n for n in names if n.endswith(
            ".dist-info/METADATA"))).decode()
        assert "License-Expression: MIT" in metadata
        assert "Classifier: Operating System :: Microsoft :: Windows" in metadata
        assert f"Version: {edimap.__version__}" in metadata
        # The strategies extra is Hypothesis alone; the plugin is Hypothesis's entry point.
        extra = [line for line in metadata.splitlines()
                 if line.startswith("Requires-Dist:") and "extra == \"strategies\"" in line]
        assert [re.split(r"[<>=;\s]", line.split(maxsplit=1)[1])[0] for line in extra] == [
            "hypothesis"]
        plugins = archive.read(next(n for n in names if n.endswith(
            ".dist-info/entry_points.txt"))).decode()
        assert "[hypothesis]\nedimap = edimap._hypothesis:_hypothesis_setup_hook" in plugins
        # Every package of the source tree ships (the list in pyproject.toml is by hand).
        for init in (ROOT / "src").rglob("__init__.py"):
            assert init.relative_to(ROOT / "src").as_posix() in names, init
        assert "edimap/_schemas/eancom/ORDERS_D96A.def" in names
        assert "edimap/_schemas/eancom/INVOIC_D01B.def" in names
        assert "edimap/_schemas/winfinans/service.toml" in names
        archive.extractall(site)
    # -S: no .pth files, so the editable checkout's finder cannot stand in for a module
    # the wheel lacks; the dependencies come from this environment's site-packages.
    libs = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sorted(libs)])}
    code = ("import edimap, sys; r = edimap.read(sys.argv[1]); "
            "assert edimap.__file__.startswith(sys.argv[2]), edimap.__file__; "
            "print(len(r.documents), [f.code for f in r.all_findings])")
    proc = subprocess.run([sys.executable, "-S", "-c", code, str(FIXTURES / "orders-d96a.edi"),
                           str(site)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("2 ")
    # The Winfinans contract loads from the installed package data.
    contract = subprocess.run(
        [sys.executable, "-S", "-c", "from edimap.winfinans._contract import contract; "
         "print(sorted(contract().operations)[0], 'SalesOrderAdd' in contract().operations)"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)
    assert contract.returncode == 0, contract.stderr
    assert contract.stdout.split() == ["AddressLookup", "True"]


def test_the_changelog_describes_this_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text("utf-8")
    first = next(line for line in changelog.splitlines() if line.startswith("## ["))
    assert first.startswith(f"## [{edimap.__version__}] - "), first
    assert (ROOT / "LICENSE").read_text("utf-8").startswith("MIT License")


def test_an_installation_without_its_eancom_definitions_says_so(tmp_path: Path) -> None:
    # The package alone, without the definitions it ships: a message must not read as
    # unknown segments (an order with no lines, exit 0) but stop with the reason.
    import shutil

    shutil.copytree(ROOT / "src" / "edimap", tmp_path / "pkg" / "edimap",
                    ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run(
        [sys.executable, "-m", "edimap", "convert", str(FIXTURES / "orders-d96a.edi"),
         "--to", "json"], capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "pkg")})
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert "edimap's EANCOM definitions are missing" in proc.stderr
    assert "reinstall edimap" in proc.stderr
