"""Reading canonical JSON one document at a time: the elements of a top-level array one by
one, JSON Lines line by line. Memory holds one document (a document larger than the input
limit is a finding); what is not an array or JSON Lines (one object, spread over lines)
is read whole.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from edimap.findings import Location

__all__ = ["ArrayReader"]

_CHUNK = 1 << 20
_WHITE = " \t\r\n"


class ArrayReader:
    """The elements of a top-level JSON array from a binary stream, one at a time
    (:meth:`values`); a syntax error ends the array with :attr:`error` set (its line,
    column and character offset are those of the whole input)."""

    def __init__(self, stream: IO[bytes], limit: int, chunk: int = _CHUNK) -> None:
        self.stream, self.limit, self.chunk = stream, limit, chunk
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.decoder_json = json.JSONDecoder(parse_float=Decimal)
        self.text, self.pos, self.eof = "", 0, False
        self.dropped_chars, self.dropped_lines = 0, 0  # what was dropped from ``text``
        self.dropped_line_start = 0  # the character offset its last line starts at
        self.error: tuple[str, int] | None = None  # (message, offset in ``text``)
        self.bad_byte: str | None = None

    def _more(self, at_least: int = _CHUNK) -> bool:
        """Read on (at least ``at_least`` more bytes); False at the end of the input."""
        if self.eof:
            return False
        if self.pos > self.chunk:  # drop what is read, counting its lines for positions
            gone = self.text[:self.pos]
            newlines = gone.count("\n")
            if newlines:
                self.dropped_lines += newlines
                self.dropped_line_start = self.dropped_chars + gone.rfind("\n") + 1
            self.dropped_chars += self.pos
            self.text, self.pos = self.text[self.pos:], 0
        data = self.stream.read(max(at_least, self.chunk))
        self.eof = not data
        try:
            self.text += self.decoder.decode(data, final=self.eof)
        except UnicodeDecodeError as exc:
            self.eof = True  # (nothing more is read: the error ends the array)
            self.bad_byte = f"the input is not UTF-8: byte 0x{data[exc.start]:02X}"
            return False
        return not self.eof or bool(data)

    def _skip_white(self) -> str:
        """The next character that is not white space ("" at the end)."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WHITE:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self._more():
                return ""

    def location(self, source: str | None) -> Location:
        """Where the syntax error is, in the whole input."""
        offset = self.error[1] if self.error else self.pos
        before = self.text[:offset]
        lines = before.count("\n")
        line_start = (self.dropped_chars + before.rfind("\n") + 1) if lines else \
            self.dropped_line_start
        absolute = self.dropped_chars + offset
        return Location(source=source, line=self.dropped_lines + lines + 1,
                        column=absolute - line_start + 1, offset=absolute)

    def _value(self) -> tuple[bool, Any]:
        """(True, the value at the cursor), or (False, None) with :attr:`error` set."""
        while True:
            try:
                value, end = self.decoder_json.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(self.text) or exc.msg.startswith("Unterminated")
                if cut and len(self.text) - self.pos > self.limit:
                    self.error = (f"a document is larger than {self.limit} bytes", self.pos)
                    return False, None
                if cut and self._more(len(self.text)):
                    continue  # (the element goes on past what is read)
                self.error = (self.bad_byte or exc.msg, exc.pos)
                return False, None
            except RecursionError:
                self.error = ("the JSON is nested too deeply", self.pos)
                return False, None
            except (ArithmeticError, ValueError) as exc:
                self.error = (f"a number is out of range: {type(exc).__name__}", self.pos)
                return False, None
            if end >= len(self.text) and not self.eof and self._more():
                continue  # (a number at the end of what is read may go on)
            self.pos = end
            return True, value

    def values(self) -> Iterator[Any]:
        """Each element of the array, in order."""
        if self._skip_white() != "[":
            self.error = (self.bad_byte or "Expecting '['", self.pos)
            return
        self.pos += 1
        if self._skip_white() == "]":
            self.pos += 1
            return self._end()
        while True:
            ok, value = self._value()
            if not ok:
                return
            yield value
            following = self._skip_white()
            if following == ",":
                self.pos += 1
                self._skip_white()
                continue
            if following == "]":
                self.pos += 1
                return self._end()
            self.error = (self.bad_byte or "Expecting ',' delimiter", self.pos)
            return

    def _end(self) -> None:
        if self._skip_white():
            self.error = ("Extra data", self.pos)
