"""Splitting one large interchange at message boundaries, so that several processes (or
machines) can read its parts at once.

:func:`plan` scans the raw bytes once (no tokenizing: a regular expression over chunks, at
the speed of the disk) for the segment starts that matter: UNH after an unescaped
terminator, and the service segments that would make a split inexact. It returns the cut
points with what a part's reader needs to go on where the previous part stopped: the byte
offset, the line and where that line starts, and the number of messages before it.
``EdifactReader(path, part=(plan, k))`` then reads part ``k`` with the interchange's
UNA/UNB in front, the positions of every finding the same as in a reading of the whole, and
the UNZ count checked against the whole interchange.

A plan is made only for what a split reads exactly as a whole: one interchange, starting
at UNA or UNB, no functional groups, an explicit terminator (not line breaks), a known
character set, and no more messages than the interchange limit. Anything else has no plan
(None), and is read whole. The runner still checks each part's message count against the
plan, and reads the whole input again if one differs.

    >>> data = b"UNB+UNOC:3+1+2+200101:1200+7'" + b"".join(
    ...     b"UNH+%d+ORDERS:D:96A:UN:EAN008'BGM+220+%d'UNT+3+%d'" % (n, n, n)
    ...     for n in range(1, 7)) + b"UNZ+6+7'"
    >>> split = plan(data, 3, min_part_bytes=1)
    >>> [(p.start, p.messages_before) for p in split.parts]
    [(0, 0), (123, 2), (217, 4)]
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from typing import IO

import attrs

from edimap.edifact.syntax import CHARSETS

__all__ = ["MIN_PART_BYTES", "Part", "Plan", "Window", "plan"]

MIN_PART_BYTES = 2 * 1024 * 1024
"""Below this many bytes a part is not worth a process of its own."""

_CHUNK = 8 * 1024 * 1024
_OVERLAP = 64  # longer than any terminator + line breaks + tag the pattern matches


@attrs.frozen
class Part:
    """One part of a split interchange: bytes ``start`` to ``end``."""

    start: int
    end: int
    line: int
    """The line number at ``start`` (counted from 1)."""
    line_start: int
    """The offset at which that line starts (for columns)."""
    messages_before: int


@attrs.frozen
class Plan:
    """How one interchange is split: its header (UNA and UNB, ``0`` to ``header_end``),
    the parts, and the number of messages in all."""

    header_end: int
    parts: tuple[Part, ...]
    messages: int

    def part_messages(self, index: int) -> int:
        """How many messages part ``index`` holds."""
        following = (self.parts[index + 1].messages_before if index + 1 < len(self.parts)
                     else self.messages)
        return following - self.parts[index].messages_before


class Window(io.RawIOBase):
    """Bytes ``start`` to ``end`` of an open binary file, as a file of their own."""

    def __init__(self, stream: IO[bytes], start: int, end: int) -> None:
        super().__init__()
        stream.seek(start)
        self._stream, self._left = stream, end - start

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._stream.read(size) if size else b""
        self._left -= len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


def _service_characters(head: bytes) -> tuple[bytes, bytes, bytes, int] | None:
    """(element separator, release, terminator, offset of UNB) from the head, or None
    when it does not start with a six-character UNA or with UNB."""
    if head.startswith(b"UNB"):
        return b"+", b"?", b"'", 0
    if not head.startswith(b"UNA") or len(head) < 12:
        return None
    chars = head[3:9]
    element, release, terminator = chars[1:2], chars[3:4], chars[5:6]
    if len(set(chars[:4] + chars[5:6])) != 5 or terminator in b"\r\n" or \
            terminator.isalnum():
        return None
    at = 9 + len(head[9:]) - len(head[9:].lstrip(b"\r\n"))
    return (element, release, terminator, at) if head.startswith(b"UNB", at) else None


def _released(buffer: bytes, position: int, release: bytes) -> bool | None:
    """Whether the terminator at ``position`` is released (an odd run of release
    characters before it); None when the run reaches the start of ``buffer``."""
    run = position
    while run > 0 and buffer[run - 1:run] == release:
        run -= 1
    if run == 0 and position > 0:
        return None
    return (position - run) % 2 == 1


def _header(head: bytes) -> tuple[re.Pattern[bytes], bytes, int] | None:
    """The pattern of a service segment start, the release character and the end of UNB,
    for a head an exact split can read; None otherwise."""
    found = _service_characters(head)
    if found is None:
        return None
    element, release, terminator, unb = found
    end = unb
    while True:
        end = head.find(terminator, end)
        if end < 0:
            return None
        released = _released(head[unb:], end - unb, release)
        if released is False:
            break
        end += 1
    syntax = head[unb + 4:end].split(element, 1)[0]
    identifier, _, version = syntax.decode("latin-1").partition(
        ":" if head.startswith(b"UNB") else chr(head[3]))
    if identifier.upper() not in CHARSETS or (version == "4" and head.startswith(b"UNB")):
        return None  # (syntax 4 without UNA has other default separators)
    pattern = re.compile(re.escape(terminator) + rb"[\r\n]*(UN[BGEHZ])" + re.escape(element))
    return pattern, release, end + 1


def _source(source: bytes | str | os.PathLike[str]) -> tuple[IO[bytes], int]:
    """(the input opened, its size); a name may be a URL (:mod:`edimap._fs`)."""
    if isinstance(source, bytes):
        return io.BytesIO(source), len(source)
    from edimap._fs import open_binary, size_of

    path = os.fspath(source)
    return open_binary(path), size_of(path)


def plan(source: bytes | str | os.PathLike[str], parts: int, *,
         min_part_bytes: int = MIN_PART_BYTES, max_messages: int | None = None
         ) -> Plan | None:
    """How to split the interchange ``source`` (bytes or a path) into at most ``parts``
    parts of at least ``min_part_bytes``; None when it is not worth it or a split would
    not read exactly as the whole (see the module docstring)."""
    stream, size = _source(source)
    with stream:
        count = min(parts, size // max(min_part_bytes, 1))
        if count < 2:
            return None
        header = _header(stream.read(64 * 1024))
        if header is None:
            return None
        pattern, release, header_end = header
        stream.seek(0)
        targets = [size * k // count for k in range(1, count)]
        return _scan(_chunks(stream), pattern, release, header_end, targets, max_messages)


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk


def _scan(chunks: Iterator[bytes], pattern: re.Pattern[bytes], release: bytes,
          header_end: int, targets: list[int], max_messages: int | None) -> Plan | None:
    """One pass over the bytes: the cuts nearest after each of ``targets``, or None when
    a service segment makes the split inexact."""
    parts = [Part(0, 0, 1, 0, 0)]
    messages = lines = 0
    last_newline = -1  # absolute offset of the last line break before the buffer
    carried, base, last_match = b"", 0, -1  # the overlap and the offset of buffer[0]
    for chunk in chunks:
        buffer = carried + chunk
        for match in pattern.finditer(buffer):
            at = base + match.start()
            if at <= last_match or at < header_end - 1:  # (UNA's terminator before UNB)
                continue
            released = _released(buffer, match.start(), release)
            if released is None:
                return None
            if released:
                continue
            last_match = at
            tag = match.group(1)
            if tag in (b"UNB", b"UNG", b"UNE"):
                return None
            if tag != b"UNH":
                continue
            start = base + match.start(1)
            if targets and start >= targets[0] and start > parts[-1].start:
                inside = match.start(1)
                newline = buffer.rfind(b"\n", 0, inside)
                parts.append(Part(start, 0, 1 + lines + buffer.count(b"\n", 0, inside),
                                  base + newline + 1 if newline >= 0 else last_newline + 1,
                                  messages))
                while targets and targets[0] <= start:
                    targets.pop(0)
            messages += 1
        keep = min(_OVERLAP, len(buffer))
        counted = buffer[:len(buffer) - keep]
        lines += counted.count(b"\n")
        newline = counted.rfind(b"\n")
        if newline >= 0:
            last_newline = base + newline
        carried, base = buffer[len(buffer) - keep:], base + len(buffer) - keep
    lines += carried.count(b"\n")
    if len(parts) < 2 or (max_messages is not None and messages > max_messages):
        return None
    end = base + len(carried)
    ends = [p.start for p in parts[1:]] + [end]
    return Plan(header_end, tuple(attrs.evolve(p, end=e) for p, e in zip(parts, ends,
                                                                         strict=True)),
                messages)
