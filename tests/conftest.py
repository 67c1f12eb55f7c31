"""Shared test set-up: where ../shared is, and hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

# Bounded example counts keep the suite fast; EDIMAP_HYPOTHESIS=thorough raises them.
settings.register_profile(
    "default", max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("EDIMAP_HYPOTHESIS", "default"))


@pytest.fixture(autouse=True, scope="session")
def _edimap_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Control-number counters and installed schemas go to a temporary EDIMAP_HOME."""
    os.environ["EDIMAP_HOME"] = str(tmp_path_factory.mktemp("edimap-home"))


def shared_dir() -> Path:
    """The shared material: EDIMAP_SHARED, else ../shared beside the repository."""
    return Path(os.environ.get("EDIMAP_SHARED", ROOT.parent / "shared")).resolve()


@pytest.fixture(scope="session")
def shared() -> Path:
    path = shared_dir()
    if not path.is_dir():
        pytest.skip(f"shared material not found at {path} (set EDIMAP_SHARED to its folder)")
    return path


@pytest.fixture(scope="session")
def edifact_corpus(shared: Path) -> list[Path]:
    folder = shared / "corpus" / "edifact"
    if not folder.is_dir():
        pytest.skip(f"EDIFACT corpus not found at {folder}")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name != "MANIFEST.tsv")


PACKAGE = "OIOUBL_Schematron_2026-05-01_v1.17.2.zip"


@pytest.fixture(scope="session")
def installed(shared: Path) -> Path:
    """The official OIOUBL package installed, as a user installs it, into the session's
    EDIMAP_HOME."""
    package = shared / "packages" / PACKAGE
    if not package.exists():
        pytest.skip(f"{package} not found")
    from edimap.ubl import schemas

    info = schemas.install(package)
    assert (info["kind"], info["version"]) == ("oioubl", "1.17.2")
    return Path(os.environ["EDIMAP_HOME"])
