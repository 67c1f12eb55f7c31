"""Converting many inputs on a Dask cluster (the ``dask`` extra: ``distributed``, fsspec).

:func:`convert` does what ``edimap convert INPUTS -o OUT`` does — one file per document,
named by type and id, the same report — with the work spread over a cluster's workers.
Inputs and the output folder are local paths (a disk every worker sees) or fsspec URLs.

How the work flows:

* a large EANCOM interchange is split at message boundaries (:mod:`edimap.edifact.split`),
  each part a task of its own; any other input is one task;
* a task reads its input or part from storage and writes each document it converts to a
  staging name under ``OUT/.edimap/work/`` (written whole, then renamed); it returns
  only the outcome of each document — report entry and staging name — never the
  documents themselves;
* this process takes the tasks' outcomes in input order, gives each document its final
  name (``Order-4500012345.xml``, ``-2`` on a second document of that name, as a local run
  does), moves it there and records the input as done in ``OUT/.edimap/done/``.

Tasks write nothing anywhere else and may run twice (a worker lost mid-task: Dask runs it
again elsewhere), so a lost worker loses nothing. A rerun skips the inputs recorded as
done and gives their documents the same names, so a run can be stopped and resumed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs

from edimap._files import expand_inputs, unique_name
from edimap._fs import filesystem, is_url, size_of
from edimap._split_run import exact, min_part_bytes
from edimap._stop import StopCheck, never
from edimap.findings import EdimapError, Finding, UsageError
from edimap.pipeline import (
    Outcome,
    convert_input,
    input_outcome,
    outcome_of,
    stopped_entry,
    write_document,
)

__all__ = ["Folder", "connect", "convert", "expand"]

_STATE = ".edimap"


@contextlib.contextmanager
def connect(address: str) -> Iterator[Any]:
    """A ``distributed.Client`` of the cluster at ``address`` (``tcp://HOST:8786``), or of
    a local cluster of N worker processes started for it and stopped after
    (``local:N``)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--cluster needs Dask: pip install 'edimap[dask]'") from None
    if address.startswith("local:"):
        count = address.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise UsageError(f"--cluster {address}: give local:N with N workers (local:2)")
        with LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=int(count), threads_per_worker=1, processes=True,
                dashboard_address=":0") as cluster, \
                Client(cluster) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    try:
        client = Client(address, timeout=30)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise UsageError(f"--cluster {address}: cannot reach the scheduler ({exc})") from None
    with client:
        yield client


class Folder:
    """The output folder, a local path or a URL, through fsspec."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.fs, self.path = filesystem(url if is_url(url) else f"file://{os.path.abspath(url)}")
        self.fs.makedirs(self.path, exist_ok=True)

    def name(self, *parts: str) -> str:
        return "/".join((self.path, *parts))

    def shown(self, *parts: str) -> str:
        """How the report names a file in the folder: as the folder was given."""
        return "/".join((self.url, *parts))

    def write(self, target: str, data: bytes) -> None:
        """``data`` into ``target`` whole: written under a temporary name, then renamed."""
        self.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
        temporary = f"{target}.{secrets.token_hex(4)}.tmp"
        with self.fs.open(temporary, "wb") as out:
            out.write(data)
        self.fs.mv(temporary, target)

    def read(self, target: str) -> bytes | None:
        try:
            with self.fs.open(target, "rb") as source:
                return source.read()  # type: ignore[no-any-return]
        except FileNotFoundError:
            return None


def expand(inputs: Sequence[str]) -> list[str]:
    """The files named, and those below the folders named (sorted, hidden ones skipped), as
    a local run expands them; URLs through fsspec."""
    found: list[str] = []
    for name in inputs:
        if not is_url(name):
            found.extend(str(p) for p in expand_inputs([name]))
            continue
        fs, path = filesystem(name)
        scheme = name.split("://", 1)[0]
        if fs.isdir(path):
            below = sorted(p for p in fs.find(path) if not any(
                part.startswith(".") for part in p[len(path):].split("/") if part))
            found.extend(f"{scheme}://{p}" if not p.startswith(f"{scheme}://") else p
                         for p in below)
        else:
            found.append(name)
    return found


def _key(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:24]


@attrs.frozen
class TaskDone:
    """What a task returns: each item's report entry, output name and staging name, and
    for a part what the split checks need."""

    items: tuple[tuple[dict[str, Any], str | None, str | None], ...]
    references: tuple[str, ...] = ()
    envelope: tuple[Finding, ...] = ()
    trailing: tuple[Finding, ...] = ()
    exact: bool = True
    index: int = 0


def _stage(folder: Folder, key: str, part: int, outcomes: Iterator[Outcome]
           ) -> list[tuple[dict[str, Any], str | None, str | None]]:
    items = []
    for n, outcome in enumerate(outcomes):
        staged = None
        if outcome.converted and outcome.data is not None:
            staged = folder.name(_STATE, "work", key, f"{part:05d}-{n:06d}")
            folder.write(staged, outcome.data)
        items.append((outcome.to_dict(None), outcome.output_name, staged))
    return items


def convert_task(name: str, plan: Any, part: int, from_format: str, to_format: str,
                 options: dict[str, Any], output: str) -> TaskDone:
    """(On a worker.) Convert the input ``name`` — or part ``part`` of its ``plan`` — and
    stage each document it converts."""
    from edimap import formats

    folder, fmt = Folder(output), formats.get(to_format)
    if plan is None:
        written = convert_input(name, to_format, from_format, options)
        return TaskDone(tuple(_stage(folder, _key(name), 0, written)))
    from edimap._split_run import read_part

    items, reading = read_part(name, name, plan, part, from_format, options)
    read = list(items)
    written = (write_document(outcome_of(item, name), fmt, options) for item in read)
    staged = _stage(folder, _key(name), part, written)
    return TaskDone(tuple(staged), tuple(i.reference or "" for i in read),
                    tuple(reading.envelope), tuple(reading.trailing), reading.exact, part)


def plan_task(name: str, from_format: str, to_format: str, parts: int, min_bytes: int
              ) -> tuple[str, Any]:
    """(On a worker.) The input's format and how to split it (None: one task)."""
    from edimap import formats
    from edimap._split_run import source_format

    fmt = source_format(name, from_format)
    if fmt == "auto":
        return fmt, None
    return fmt, formats.get(fmt).plan_split(name, parts, min_part_bytes=min_bytes)


def convert(inputs: Sequence[str], *, to_format: str, output: str, options: dict[str, Any],
            client: Any, from_format: str = "auto", stop: StopCheck = never,
            progress: Callable[[int], None] | None = None,
            ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Convert ``inputs`` (paths or URLs, files or folders) on the cluster of ``client``
    into the folder ``output``; the report entries and summary of a local run. Inputs
    recorded as done by an earlier run are not converted again; once ``stop`` says so, no
    input is started and the rest are reported as stopped."""
    folder, files = Folder(output), expand(inputs)
    run = _Run(folder, client, from_format, to_format, options)
    entries: list[dict[str, Any]] = []
    summary = {"inputs": len(files), "converted": 0, "failed": 0, "warnings": 0,
               "stopped": 0}
    tasks = run.submit(files)
    used: set[str] = set()
    for name in files:
        if stop():
            run.cancel()
            summary["stopped"] += 1
            entries.append(stopped_entry(name))
            continue
        mine = run.assemble(name, tasks.get(name), used)
        for entry in mine:
            converted = entry["outcome"] == "converted"
            summary["converted" if converted else "failed"] += 1
            summary["warnings"] += sum(f["severity"] == "warning" for f in entry["findings"])
        entries.extend(mine)
        if progress is not None:
            progress(1)
    return entries, summary


class _Run:
    """One run on the cluster: its tasks, and the outputs it names."""

    def __init__(self, folder: Folder, client: Any, from_format: str, to_format: str,
                 options: dict[str, Any]) -> None:
        self.folder, self.client = folder, client
        self.from_format, self.to_format, self.options = from_format, to_format, options
        self.plans: dict[str, tuple[str, Any]] = {}
        self.futures: list[Any] = []

    def _done_name(self, name: str) -> str:
        return self.folder.name(_STATE, "done", f"{_key(name)}.json")

    def submit(self, files: list[str]) -> dict[str, list[Any]]:
        """The tasks of every input not done yet (large ones split, as planned on the
        workers)."""
        workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        smallest = min_part_bytes()
        pending = [f for f in files if self.folder.read(self._done_name(f)) is None]
        planning = {}
        for name in pending:
            try:
                large = size_of(name) >= 2 * smallest
            except EdimapError:
                large = False  # (the task reports it)
            if large:
                planning[name] = self.client.submit(
                    plan_task, name, self.from_format, self.to_format, 4 * workers,
                    smallest, pure=False)
        self.plans = {name: future.result() for name, future in planning.items()}
        tasks = {}
        for name in pending:
            fmt, plan = self.plans.get(name, (self.from_format, None))
            parts = range(len(plan.parts)) if plan is not None else range(1)
            tasks[name] = [self.client.submit(
                convert_task, name, plan, part, fmt, self.to_format, self.options,
                self.folder.url, pure=False) for part in parts]
            self.futures.extend(tasks[name])
        return tasks

    def cancel(self) -> None:
        self.client.cancel([f for f in self.futures if not f.done()])

    def assemble(self, name: str, tasks: list[Any] | None, used: set[str]
                 ) -> list[dict[str, Any]]:
        """The report entries of input ``name``: recorded by an earlier run, or its tasks'
        outcomes with each document moved to its final name."""
        recorded = self.folder.read(self._done_name(name))
        if recorded is not None or tasks is None:
            entries: list[dict[str, Any]] = json.loads(recorded or b"[]")
            used.update(e["output"].rsplit("/", 1)[-1] for e in entries if e["output"])
            return entries
        done: list[TaskDone] = [task.result() for task in tasks]
        fmt, plan = self.plans.get(name, (self.from_format, None))
        if plan is not None and not exact(plan, done):
            done = [self.client.submit(convert_task, name, None, 0, fmt, self.to_format,
                                       self.options, self.folder.url, pure=False).result()]
        items = [item for task in done for item in task.items]
        if plan is not None and len(done) > 1:  # after the documents, as a whole reading
            whole = input_outcome(name, [*(f for t in done for f in t.envelope),
                                         *(f for t in done for f in t.trailing)], bool(items))
            if whole is not None:
                items.append((whole.to_dict(None), None, None))
        entries = [self._place(entry, output_name, staged, used)
                   for entry, output_name, staged in items]
        self.folder.write(self._done_name(name), json.dumps(entries).encode("utf-8"))
        self.folder.fs.rm(self.folder.name(_STATE, "work", _key(name)), recursive=True) \
            if self.folder.fs.exists(self.folder.name(_STATE, "work", _key(name))) else None
        return entries

    def _place(self, entry: dict[str, Any], output_name: str | None, staged: str | None,
               used: set[str]) -> dict[str, Any]:
        if entry["outcome"] == "converted" and staged is not None and output_name:
            final = unique_name(output_name, used)
            self.folder.fs.mv(staged, self.folder.name(final))
            entry["output"] = self.folder.shown(final)
        return entry
