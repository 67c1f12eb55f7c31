"""edimap's data directory: installed schemas, control-number counters, journals."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_dir"]


def data_dir() -> Path:
    """``EDIMAP_HOME`` if set, else ``$XDG_DATA_HOME/edimap`` (``~/.local/share/edimap``)."""
    home = os.environ.get("EDIMAP_HOME")
    if home:
        return Path(home)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "edimap"
