"""Batch conversion: many inputs, one file per document, nothing lost.

Every input ends up converted or listed in the report with its findings; one bad file or
message never stops the run. Workers (``jobs``) only read and convert; the parent writes
every file in input order, so the output of ``jobs=N`` is identical to ``jobs=1``.
"""

from __future__ import annotations

import collections
import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import attrs

from edimap._files import expand_inputs, publish, stage, unique_name, write_atomically
from edimap._stop import StopCheck, ignore_signals, never
from edimap.findings import Severity
from edimap.pipeline import Outcome, convert_input, stopped_entry

__all__ = ["Outcome", "convert_files", "expand_inputs", "quarantine_input", "unique_name",
           "write_atomically"]


Staged = tuple[Outcome, Path | None]
"""An outcome, and the temporary file its bytes were written to (None: not staged)."""


def _convert_and_stage(path: str, to_format: str, from_format: str,
                       options: dict[str, Any], output_dir: Path) -> list[Staged]:
    """(In a worker.) Convert the input and write each document's bytes, flushed to the
    disk, under a temporary name in ``output_dir``: the parent only renames them, and the
    bytes never travel back to it."""
    staged: list[Staged] = []
    for outcome in convert_input(path, to_format, from_format, options):
        if outcome.converted and outcome.data is not None and outcome.output_name:
            tmp = stage(output_dir / outcome.output_name, outcome.data)
            staged.append((attrs.evolve(outcome, data=None), tmp))
        else:
            staged.append((outcome, None))
    return staged


def _run(files: Sequence[Path], to_format: str, from_format: str, options: dict[str, Any],
         jobs: int, output_dir: Path, stop: StopCheck = never) -> Iterator[list[Staged]]:
    """The outcomes of each input, in input order; none started once ``stop`` says so
    (what is in hand is finished)."""
    if jobs <= 1 or len(files) <= 1:
        for path in files:
            if stop():
                return
            # Staged as they are written, as a worker does: an input's documents are never
            # all held at once.
            yield _convert_and_stage(str(path), to_format, from_format, options, output_dir)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=ignore_signals) as pool:
        # A few inputs ahead of the one written, not all at once: a stop starts no more.
        waiting: collections.deque[Future[list[Staged]]] = collections.deque()
        ahead = iter(files)
        while True:
            while len(waiting) < 2 * jobs and not stop():
                following = next(ahead, None)
                if following is None:
                    break
                waiting.append(pool.submit(_convert_and_stage, str(following), to_format,
                                           from_format, options, output_dir))
            if not waiting:
                return
            yield waiting.popleft().result()


def convert_files(files: Sequence[Path], *, to_format: str, from_format: str,
                  output_dir: Path, options: dict[str, Any], jobs: int = 1,
                  quarantine: Path | None = None,
                  progress: Callable[[int], None] | None = None, stop: StopCheck = never,
                  ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Convert ``files`` into ``output_dir``; return the report entries and a summary.
    Once ``stop`` says so, the inputs in hand are finished and the rest are reported as
    ``stopped``."""
    output_dir.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    entries: list[dict[str, Any]] = []
    summary = {"inputs": len(files), "converted": 0, "failed": 0, "warnings": 0,
               "stopped": 0}
    done = 0
    for staged in _run(files, to_format, from_format, options, jobs, output_dir, stop):
        done += 1
        input_entries = []
        failed = False
        outcomes = [outcome for outcome, _ in staged]
        for outcome, tmp in staged:
            output = None
            if outcome.about_input and outcome.converted:
                pass  # (findings about the input as a whole: no document)
            elif outcome.converted and outcome.output_name and (
                    tmp is not None or outcome.data is not None):
                name = unique_name(outcome.output_name, used)
                if tmp is not None:
                    publish(tmp, output_dir / name)
                else:
                    write_atomically(output_dir / name, outcome.data or b"")
                output = str(output_dir / name)
                summary["converted"] += 1
            else:
                summary["failed"] += 1
                failed = True
            summary["warnings"] += sum(f["severity"] == Severity.WARNING.value
                                       for f in outcome.findings)
            input_entries.append(outcome.to_dict(output))
        entries.extend(input_entries)
        if failed and quarantine is not None and outcomes:
            quarantine_input(Path(outcomes[0].input), quarantine, input_entries)
        if progress is not None:
            progress(1)
    for path in files[done:]:  # never started: the run was stopped
        summary["stopped"] += 1
        entries.append(stopped_entry(str(path)))
    return entries, summary


def quarantine_input(path: Path, folder: Path, entries: list[dict[str, Any]]) -> None:
    """Copy the failed input ``path`` into ``folder`` (under a free name), its report
    entries beside it as ``NAME.report.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}-{n}{path.suffix}"
    if path.is_file():
        shutil.copyfile(path, target)
    write_atomically(target.with_name(target.name + ".report.json"),
                     (json.dumps(entries, indent=2, ensure_ascii=False) + "\n").encode())
