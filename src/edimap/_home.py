"""edimap's data directory (installed schemas, control-number counters, journals) and the
definitions edimap ships (``schemas/`` in the repository, ``edimap._schemas`` installed)."""

from __future__ import annotations

import os
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import platformdirs

__all__ = ["bundled_schemas", "data_dir"]


def data_dir() -> Path:
    """``EDIMAP_HOME`` if set, else the user's data folder for edimap where the system keeps
    it: ``$XDG_DATA_HOME/edimap`` or ``~/.local/share/edimap`` on Linux,
    ``%LOCALAPPDATA%\\edimap`` on Windows, ``~/Library/Application Support/edimap`` on
    macOS."""
    home = os.environ.get("EDIMAP_HOME")
    if home:
        return Path(home)
    return platformdirs.user_data_path("edimap", appauthor=False)


def bundled_schemas() -> Traversable:
    """The folder of definitions edimap ships: EANCOM messages, the Winfinans contract.

    Join one part at a time: an installed namespace package's MultiplexedPath takes one.
    """
    try:
        return files("edimap._schemas")
    except ModuleNotFoundError:  # an editable checkout: the repository's own folder
        return Path(__file__).resolve().parents[2] / "schemas"
