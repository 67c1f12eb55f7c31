"""Windows-ready: nothing POSIX-only is needed to import or run edimap, and the data folder
is where each system keeps it. Linux stands in for the other systems by taking the POSIX
parts away."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest

from edimap import _files
from edimap._home import data_dir


def test_edimap_and_its_winfinans_commands_import_without_fcntl(tmp_path: Path) -> None:
    # A None in sys.modules makes "import fcntl" fail, as it does on Windows.
    code = ("import sys; sys.modules['fcntl'] = None; sys.modules['termios'] = None\n"
            "import edimap, edimap.cli, edimap.winfinans, edimap.winfinans.sync\n"
            "from edimap.cli import main\n"
            "main(['winfinans', '--help'], standalone_mode=False)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "push-orders" in proc.stdout


def test_files_are_published_without_folder_sync_off_posix(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Path] = []
    real_open = os.open

    def open_spy(path: object, *args: object, **kwargs: object) -> int:
        opened.append(Path(str(path)))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_files.os, "open", open_spy)
    monkeypatch.setattr(_files.os, "name", "nt")
    target = tmp_path / "out" / "INV-1.xml"
    _files.write_atomically(target, b"<Invoice/>", durable=True)
    assert target.read_bytes() == b"<Invoice/>"
    assert not opened  # a folder is never opened where folders cannot be
    assert [p.name for p in target.parent.iterdir()] == ["INV-1.xml"]


def test_the_data_folder_follows_the_system(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDIMAP_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "edimap"
    monkeypatch.setenv("EDIMAP_HOME", str(tmp_path / "home"))
    assert data_dir() == tmp_path / "home"
    # Elsewhere the folder is platformdirs' (%LOCALAPPDATA%\edimap on Windows).
    monkeypatch.delenv("EDIMAP_HOME")
    assert data_dir() == platformdirs.user_data_path("edimap", appauthor=False)
