"""Reading one document at a time: :func:`iter_read`, whose memory does not grow with the
input (EANCOM is read message by message, a JSON array element by element and JSON Lines
line by line; XML documents and a single JSON object, read whole, stay within the input
limit).

    >>> with iter_read("fixtures/orders-d96a.edi") as stream:
    ...     [item.document.id for item in stream], stream.format, stream.findings
    (['4500012345', '4500012346'], 'eancom', [])
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from types import TracebackType
from typing import IO, Any

from edimap import formats
from edimap._detect import check_format_name, format_of
from edimap._limits import input_limit
from edimap.findings import Finding, Location, UsageError
from edimap.formats.base import Item
from edimap.profiles import ProfileSet
from edimap.profiles.apply import apply as apply_profile

__all__ = ["ItemStream", "iter_read", "read_stream"]

_HEAD = 4096


class ItemStream:
    """The items of one input as they are read: an iterator, once through. :attr:`findings`
    (about the input as a whole: envelopes, data outside messages) is complete when the
    items are. A context manager that closes the input it opened (so does reaching the
    end)."""

    def __init__(self, items: Iterator[Item], findings: list[Finding], fmt: str | None,
                 source: str | None, opened: IO[bytes] | None) -> None:
        self._items = items
        self.findings = findings
        self.format = fmt
        self.source = source
        self._opened = opened

    def __iter__(self) -> ItemStream:
        return self

    def __next__(self) -> Item:
        try:
            return next(self._items)
        except StopIteration:
            self.close()
            raise

    def close(self) -> None:
        if self._opened is not None:
            self._opened.close()
            self._opened = None

    def __enter__(self) -> ItemStream:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def _open(source: Any) -> tuple[IO[bytes], str | None, IO[bytes] | None]:
    """(binary input, its name, what to close)."""
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source)), None, None
    if isinstance(source, str | os.PathLike):
        from edimap._fs import open_binary

        path = os.fspath(source)
        opened = open_binary(path)  # (a local path, or a URL through fsspec)
        return opened, path, opened
    if callable(getattr(source, "read", None)):
        name = getattr(source, "name", None)
        return source, name if isinstance(name, str) else None, None
    raise UsageError(f"cannot read from {type(source).__name__}: pass bytes, a path or a "
                     "binary file")


def _head(stream: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    """The first bytes of ``stream`` and a stream that still starts with them."""
    if stream.seekable():
        position = stream.tell()
        head = stream.read(_HEAD)
        stream.seek(position)
        return head, stream
    if not isinstance(stream, io.BufferedReader):  # (standard input already is one)
        data = stream.read()
        return data[:_HEAD], io.BytesIO(data)
    return stream.peek(_HEAD)[:_HEAD], stream


def iter_read(source: Any, *, format: str = "auto", profile: Any = None,
              profiles: str | os.PathLike[str] | None = None,
              max_input_bytes: int | None = None) -> ItemStream:
    """The items of ``source`` (bytes, a path or a binary file) one at a time, each read
    under its profile as :func:`edimap.read` reads it. EANCOM is read message by message,
    a JSON array element by element and JSON Lines line by line, whatever the input's size
    (no one document larger than the input limit, ``max_input_bytes`` as for
    :func:`edimap.read`); XML and a single JSON object are read whole, within it. A JSON
    array with a syntax error gives the elements before it, then the error. ``read``
    collects the same items and findings."""
    check_format_name(format)
    chosen = ProfileSet.of(profile, profiles)
    stream, name, opened = _open(source)
    return read_stream(stream, name, format, max_input_bytes, chosen, opened)


def read_stream(stream: IO[bytes], name: str | None, format: str,
                max_input_bytes: int | None, chosen: ProfileSet,
                opened: IO[bytes] | None = None) -> ItemStream:
    """:func:`iter_read` of an open binary ``stream`` (``opened``: the file to close with
    it), the format name already checked; :func:`edimap.read` collects it."""
    from edimap._limits import TOO_LARGE

    head, stream = _head(stream)
    where = Location(source=name)
    if not head.strip() and len(head) == _HEAD:  # white space so far: look further
        head = stream.read()
        stream = io.BytesIO(head)
    fmt, fail = format_of(head, format, name, whole=len(head) < _HEAD or not head.strip())
    if fail is not None or fmt is None:
        if opened is not None:
            opened.close()
        return ItemStream(iter(()), [fail] if fail else [], None, name, None)
    reader = formats.get(fmt)
    if not reader.streams:  # read whole: held to the input limit
        with input_limit(max_input_bytes) as limit:
            data = stream.read(limit + 1)
        if len(data) > limit:
            if opened is not None:
                opened.close()
            return ItemStream(iter(()), [TOO_LARGE(
                f"the input is larger than {limit} bytes", where)], fmt, name, None)
        stream = io.BytesIO(data)
    with input_limit(max_input_bytes):  # (a streaming format's limit on one document)
        items, findings = reader.stream(stream, name, profiles=chosen)
    return ItemStream((apply_profile(chosen, item, name) for item in items), findings, fmt,
                      name, opened)
