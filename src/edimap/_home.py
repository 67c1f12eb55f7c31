"""edimap's data directory (installed schemas, control-number counters, journals) and the
definitions edimap ships (``schemas/`` in the repository, ``edimap._schemas`` installed)."""

from __future__ import annotations

import os
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

__all__ = ["bundled_schemas", "data_dir"]


def data_dir() -> Path:
    """``EDIMAP_HOME`` if set, else ``$XDG_DATA_HOME/edimap`` (``~/.local/share/edimap``)."""
    home = os.environ.get("EDIMAP_HOME")
    if home:
        return Path(home)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "edimap"


def bundled_schemas() -> Traversable:
    """The folder of definitions edimap ships: EANCOM messages, the Winfinans contract.

    Join one part at a time: an installed namespace package's MultiplexedPath takes one.
    """
    try:
        return files("edimap._schemas")
    except ModuleNotFoundError:  # an editable checkout: the repository's own folder
        return Path(__file__).resolve().parents[2] / "schemas"
