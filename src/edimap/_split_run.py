"""One large input converted by several processes at once (``convert --jobs N``).

The input's format splits it (:meth:`~edimap.formats.base.Format.plan_split`: EANCOM at
message boundaries); each worker reads one part under the run's profiles and writes what
it made — each document's report entry and its bytes (a sink's piece, or the file a
one-document-per-file format writes) — into a file of its own in a work folder. The parent
then puts the parts together in input order, so the output and the report are those of a
run in one process. Workers return only what the parent needs to check that: the
message references, the findings about the envelope, and whether the part read exactly as
the whole would. When one did not (a message reference used in two parts, character set
findings counted per interchange), :func:`iter_parts` raises :class:`InexactSplit` and the
caller reads the input whole.
"""

from __future__ import annotations

import collections
import io
import json
import os
import struct
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import IO, Any

import attrs

from edimap import formats
from edimap._stop import StopCheck, ignore_signals, never
from edimap.findings import Finding
from edimap.formats.base import Item, PartReading
from edimap.pipeline import outcome_of, write_document
from edimap.profiles import ProfileSet
from edimap.profiles.apply import apply as apply_profile

__all__ = ["InexactSplit", "PartDone", "convert_part", "convert_parts", "documents", "exact",
           "iter_parts", "min_part_bytes", "part_references", "plan_for", "read_part",
           "source_format"]

_LENGTH = struct.Struct(">Q")


@attrs.frozen
class PartDone:
    """What a worker says of the part it converted (its documents are in its file)."""

    index: int
    references: tuple[str, ...]
    envelope: tuple[Finding, ...]
    trailing: tuple[Finding, ...]
    exact: bool
    converted: int


def _part_file(folder: str | Path, index: int) -> Path:
    return Path(folder) / f"part-{index:05d}.bin"


def _put(out: IO[bytes], data: bytes) -> None:
    out.write(_LENGTH.pack(len(data)))
    out.write(data)


def _take(source: IO[bytes]) -> bytes | None:
    head = source.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    return source.read(_LENGTH.unpack(head)[0])


def profiles_of(options: dict[str, Any]) -> ProfileSet:
    chosen = options.get("profiles")
    return chosen if isinstance(chosen, ProfileSet) else ProfileSet.of(None)


def read_part(path: str, name: str, plan: Any, index: int, from_format: str,
              options: dict[str, Any]) -> tuple[Iterator[Item], PartReading]:
    """The items of part ``index`` of ``plan``, each read under its profile as a whole
    reading reads it, and what the reading found besides."""
    chosen = profiles_of(options)
    items, reading = formats.get(from_format).stream_part(path, name, plan, index,
                                                          profiles=chosen)
    return (apply_profile(chosen, item, name) for item in items), reading


def convert_part(path: str, name: str, plan: Any, index: int, from_format: str,
                 to_format: str, options: dict[str, Any], folder: str) -> PartDone:
    """(In a worker.) Convert part ``index`` of ``plan`` as a whole run converts each of
    its items, writing each one's report entry, output name and bytes into the part's
    file in ``folder``."""
    fmt = formats.get(to_format)
    items, reading = read_part(path, name, plan, index, from_format, options)
    sink = fmt.sink(io.BytesIO())
    references, converted = [], 0
    with open(_part_file(folder, index), "wb") as out:
        for item in items:
            references.append(item.reference or "")
            outcome = outcome_of(item, name)
            body = b""
            if outcome.converted and outcome.document is not None:
                if sink is not None:
                    body = sink.piece(outcome.document)
                else:
                    outcome = write_document(outcome, fmt, options)
                    body = outcome.data or b""
            converted += outcome.converted
            _put(out, json.dumps([outcome.to_dict(None), outcome.output_name],
                                 ensure_ascii=False).encode("utf-8"))
            _put(out, body)
    return PartDone(index, tuple(references), tuple(reading.envelope),
                    tuple(reading.trailing), reading.exact, converted)


def documents(folder: str | Path, index: int
              ) -> Iterator[tuple[dict[str, Any], str | None, bytes]]:
    """(report entry, output name, bytes) of each item of part ``index``, in order."""
    with open(_part_file(folder, index), "rb") as source:
        while (record := _take(source)) is not None:
            entry, output_name = json.loads(record)
            yield entry, output_name, _take(source) or b""


def part_references(path: str, name: str, plan: Any, index: int, from_format: str
                    ) -> list[str | None]:
    """The references of the items of a part that was not converted (a stopped run)."""
    items, _ = formats.get(from_format).stream_part(path, name, plan, index)
    return [item.reference for item in items]


class InexactSplit(Exception):
    """The parts did not read exactly as the whole (or a worker failed): read it whole."""


def iter_parts(path: str, name: str, plan: Any, from_format: str, to_format: str,
               options: dict[str, Any], jobs: int, folder: str,
               stop: StopCheck = never) -> Iterator[PartDone]:
    """Convert the parts of ``plan`` in ``jobs`` processes, each into its file in
    ``folder``, and give what each says in order as soon as it and those before it are
    done (fewer than the parts once ``stop`` says so: the parts in hand are finished, no
    other is started). Raises :class:`InexactSplit` at the first part that did not read
    exactly as the whole would."""
    with ProcessPoolExecutor(max_workers=jobs, initializer=ignore_signals) as pool:
        waiting: collections.deque[Future[PartDone]] = collections.deque()
        ahead = iter(range(len(plan.parts)))
        seen: set[str] = set()
        while True:
            while len(waiting) < 2 * jobs and not stop():
                index = next(ahead, None)
                if index is None:
                    break
                waiting.append(pool.submit(convert_part, path, name, plan, index,
                                           from_format, to_format, options, folder))
            if not waiting:
                return
            try:
                part = waiting.popleft().result()
            except Exception as exc:  # the whole reading reports what it was, exactly
                for future in waiting:
                    future.cancel()
                raise InexactSplit(str(exc)) from exc
            if not _exact_part(plan, part, seen):
                for future in waiting:
                    future.cancel()
                raise InexactSplit(f"part {part.index} does not read as the whole")
            yield part


def _exact_part(plan: Any, part: Any, seen: set[str]) -> bool:
    """Whether ``part`` reads as the whole: exact, with the messages the plan counted, and
    no message reference of a part before it (``seen``, to which it adds its own)."""
    if not part.exact or len(part.references) != plan.part_messages(part.index):
        return False
    mine = set(part.references)
    if not seen.isdisjoint(mine):
        return False
    seen |= mine
    return True


def convert_parts(path: str, name: str, plan: Any, from_format: str, to_format: str,
                  options: dict[str, Any], jobs: int, folder: str,
                  stop: StopCheck = never) -> list[PartDone] | None:
    """All that :func:`iter_parts` gives, or None when the parts did not read exactly as
    the whole."""
    try:
        return list(iter_parts(path, name, plan, from_format, to_format, options, jobs,
                               folder, stop))
    except InexactSplit:
        return None


def exact(plan: Any, done: Sequence[Any]) -> bool:
    """Whether the parts ``done`` read as the whole (see :func:`iter_parts`)."""
    seen: set[str] = set()
    return all(_exact_part(plan, part, seen) for part in done)


def plan_for(path: str, from_format: str, to_format: str, jobs: int) -> tuple[str, Any]:
    """(the input's format, how to split it) for ``jobs`` processes; (…, None) when the
    input is read whole (one job, a format or target that does not split, a small or
    irregular input)."""
    if jobs < 2:
        return from_format, None
    fmt = source_format(path, from_format)
    target = formats.get(to_format)
    sink = target.sink(io.BytesIO())
    if fmt == "auto" or not (target.one_document_per_file or (
            sink is not None and sink.independent_pieces)):
        return fmt, None
    # Several parts per process (as many as the smallest part size gives, up to 64), and
    # a multiple of the processes: every round keeps them all busy, the last parts end
    # together, and a stop leaves whole parts.
    from edimap._fs import size_of

    smallest = min_part_bytes()
    rounds = max(1, min(64, size_of(path) // (smallest * jobs)))
    return fmt, formats.get(fmt).plan_split(path, rounds * jobs, min_part_bytes=smallest)


def source_format(path: str, from_format: str) -> str:
    """The format of the input ``path`` (a path or URL): ``from_format``, or the one its
    first bytes show ("auto" when none does)."""
    if from_format != "auto":
        return from_format
    from edimap._fs import open_binary

    with open_binary(path) as source:
        return formats.detect(source.read(4096)) or "auto"


def min_part_bytes() -> int:
    """The smallest part worth a process: ``EDIMAP_MIN_PART_BYTES``, or 2 MiB."""
    from edimap.edifact.split import MIN_PART_BYTES

    value = os.environ.get("EDIMAP_MIN_PART_BYTES", "")
    return int(value) if value.isdigit() and int(value) > 0 else MIN_PART_BYTES
