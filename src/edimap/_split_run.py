"""One large input converted by several processes at once (``convert --jobs N``).

The input's format splits it (:meth:`~edimap.formats.base.Format.plan_split`: EANCOM at
message boundaries); each worker reads one part under the run's profiles and writes what
it made — each document's report entry and its bytes (a sink's piece, or the file a
one-document-per-file format writes) — into a file of its own in a work folder. The parent
then puts the parts together in input order, so the output and the report are those of a
run in one process. Workers return only what the parent needs to check that: the
message references, the findings about the envelope, and whether the part read exactly as
the whole would. When one did not (a message reference used in two parts, character set
findings counted per interchange), :func:`convert_parts` returns None and the caller reads
the input whole.
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
from edimap.pipeline import outcome_of, write_document
from edimap.profiles import ProfileSet
from edimap.profiles.apply import apply as apply_profile

__all__ = ["PartDone", "convert_part", "convert_parts", "documents", "exact", "min_part_bytes",
           "part_references", "plan_for"]

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


def convert_part(path: str, name: str, plan: Any, index: int, from_format: str,
                 to_format: str, options: dict[str, Any], folder: str) -> PartDone:
    """(In a worker.) Convert part ``index`` of ``plan`` as a whole run converts each of
    its items, writing each one's report entry, output name and bytes into the part's
    file in ``folder``."""
    fmt, chosen = formats.get(to_format), profiles_of(options)
    items, reading = formats.get(from_format).stream_part(path, name, plan, index,
                                                          profiles=chosen)
    sink = fmt.sink(io.BytesIO())
    references, converted = [], 0
    with open(_part_file(folder, index), "wb") as out:
        for item in items:
            item = apply_profile(chosen, item, name)
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


def convert_parts(path: str, name: str, plan: Any, from_format: str, to_format: str,
                  options: dict[str, Any], jobs: int, folder: str,
                  stop: StopCheck = never) -> list[PartDone] | None:
    """Convert the parts of ``plan`` in ``jobs`` processes, each into its file in
    ``folder``; what each says, in order (fewer than the parts once ``stop`` says so: the
    parts in hand are finished, no other is started). None when the parts did not read
    exactly as the whole."""
    done: list[PartDone] = []
    with ProcessPoolExecutor(max_workers=jobs, initializer=ignore_signals) as pool:
        waiting: collections.deque[Future[PartDone]] = collections.deque()
        ahead = iter(range(len(plan.parts)))
        while True:
            while len(waiting) < 2 * jobs and not stop():
                index = next(ahead, None)
                if index is None:
                    break
                waiting.append(pool.submit(convert_part, path, name, plan, index,
                                           from_format, to_format, options, folder))
            if not waiting:
                break
            try:
                done.append(waiting.popleft().result())
            except Exception:
                for future in waiting:
                    future.cancel()
                return None
    return done if exact(plan, done) else None


def exact(plan: Any, done: Sequence[Any]) -> bool:
    """Whether the parts read as the whole: each exact, with the messages the plan
    counted, and no message reference in two parts (a whole reading reports those)."""
    seen: set[str] = set()
    for part in done:
        if not part.exact or len(part.references) != plan.part_messages(part.index):
            return False
        mine = set(part.references)
        if not seen.isdisjoint(mine):
            return False
        seen |= mine
    return True


def plan_for(path: str, from_format: str, to_format: str, jobs: int) -> tuple[str, Any]:
    """(the input's format, how to split it) for ``jobs`` processes; (…, None) when the
    input is read whole (one job, a format or target that does not split, a small or
    irregular input)."""
    if jobs < 2:
        return from_format, None
    from edimap._fs import open_binary

    with open_binary(path) as source:
        head = source.read(4096)
    fmt = from_format if from_format != "auto" else formats.detect(head) or "auto"
    target = formats.get(to_format)
    sink = target.sink(io.BytesIO())
    if fmt == "auto" or not (target.one_document_per_file or (
            sink is not None and sink.independent_pieces)):
        return fmt, None
    # Many more parts than processes (as many as the smallest part size gives, up to 64
    # per process): they share out evenly, the last ones end close together, and a stop
    # leaves whole parts.
    return fmt, formats.get(fmt).plan_split(path, max(64 * jobs, 4),
                                            min_part_bytes=min_part_bytes())


def min_part_bytes() -> int:
    """The smallest part worth a process: ``EDIMAP_MIN_PART_BYTES``, or 2 MiB."""
    from edimap.edifact.split import MIN_PART_BYTES

    value = os.environ.get("EDIMAP_MIN_PART_BYTES", "")
    return int(value) if value.isdigit() and int(value) > 0 else MIN_PART_BYTES
