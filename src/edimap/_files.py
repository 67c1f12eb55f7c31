"""Output files: how edimap puts them in place without ever leaving a half-written one.

A file is first written in full under a temporary name in its own folder (``stage``), then
renamed to its real name (``publish``), which is atomic on every system edimap runs on. With
``durable`` the file's bytes and the folder's entry are flushed to the disk, so the new name
survives a power cut once the call returns (on systems where a folder cannot be opened, such
as Windows, the rename itself is what the file system keeps).

And the names of files: the inputs a folder holds (:func:`expand_inputs`), and the name a
document's file gets when another already has its name (:func:`unique_name`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

__all__ = ["StagedOutput", "expand_inputs", "process_alive", "publish", "stage",
           "staged_output", "sync_folder", "temporary_owner", "unique_name",
           "write_atomically"]

TEMPORARY_SUFFIX = ".tmp"


def temporary_name(path: Path) -> Path:
    """A fresh hidden name beside ``path``: ``.NAME.PID-TOKEN.tmp`` (the PID tells a later
    run whether the process that wrote it is still alive)."""
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}"
                          f"{TEMPORARY_SUFFIX}")


def temporary_owner(tmp: Path) -> int | None:
    """The PID in a name made by :func:`temporary_name` (or the older ``.NAME.PID.tmp``)."""
    middle = tmp.name.removesuffix(TEMPORARY_SUFFIX).rsplit(".", 1)[-1]
    pid = middle.split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


def process_alive(pid: int) -> bool:
    """Whether a process with this PID runs on this host (POSIX; elsewhere assumed, so the
    lease decides). A killed process its parent has not reaped yet (a zombie) is gone."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no /proc (macOS): the signal answered, so it runs
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def sync_folder(folder: Path) -> None:
    """Flush the folder's entries to the disk (POSIX; a no-op where folders cannot be
    opened)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def stage(path: Path, data: bytes) -> Path:
    """Write ``data`` in full, flushed to the disk, under a temporary name beside ``path``
    and return that name. Missing parent folders are created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def publish(tmp: Path, path: Path, *, durable: bool = False) -> None:
    """Rename the staged ``tmp`` to ``path`` (replacing it), syncing the folder with
    ``durable``."""
    os.replace(tmp, path)
    if durable:
        sync_folder(path.parent)


def write_atomically(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Stage, then publish: never a half-written file at ``path``."""
    tmp = stage(path, data)
    try:
        publish(tmp, path, durable=durable)
    finally:
        tmp.unlink(missing_ok=True)


class StagedOutput:
    """An output written piece by piece (:func:`staged_output`); ``publish`` says whether
    it goes in place when the block ends."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.publish = True

    def write(self, data: bytes) -> int:
        return self.stream.write(data)


@contextlib.contextmanager
def staged_output(output: str) -> Iterator[StagedOutput]:
    """A file written piece by piece under a temporary name beside ``output`` and renamed to
    it when the block ends well and ``publish`` is still set; removed otherwise. ``-`` is
    standard output, written as it comes."""
    if output == "-":
        yield StagedOutput(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path)
    try:
        with open(tmp, "wb") as fh:
            staged = StagedOutput(fh)
            yield staged
            fh.flush()
            os.fsync(fh.fileno())
        if staged.publish:
            publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def expand_inputs(inputs: Sequence[str]) -> list[Path]:
    """Files named, and every file below the folders named (sorted, hidden ones skipped)."""
    files: list[Path] = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and not any(
                part.startswith(".") for part in p.relative_to(path).parts)))
        else:
            files.append(path)
    return files


def unique_name(name: str, used: set[str]) -> str:
    """``name``, or ``NAME-2.EXT``, ``NAME-3.EXT`` … when ``used`` has it; recorded there."""
    stem, dot, ext = name.rpartition(".")
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{stem}-{n}{dot}{ext}"
    used.add(candidate)
    return candidate
