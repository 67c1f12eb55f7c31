"""Telling an input's format: by its content, or by the name a caller gives."""

from __future__ import annotations

from edimap import formats
from edimap.findings import Finding, Location, Severity, UsageError, register

__all__ = ["EMPTY", "UNKNOWN_FORMAT", "check_format_name", "detect_format", "format_of"]

UNKNOWN_FORMAT = register(
    "IO-UNKNOWN-FORMAT", Severity.ERROR,
    "The input is neither JSON, EDIFACT nor XML.",
    "Check that the file is the message itself and not, say, an e-mail or a zip; or name "
    "the format with --from.",
    example="%PDF-1.7 …",
)
EMPTY = register(
    "IO-EMPTY", Severity.ERROR,
    "The input is empty (or holds only white space): there is nothing to read.",
    "Check that the file was completely written or transferred before it was read.",
    example="a 0-byte file left by an interrupted transfer",
)


def detect_format(data: bytes) -> str | None:
    """Guess the format from the content: ``json``, ``eancom``, ``oioubl`` (or a plug-in's
    name), or None."""
    return formats.detect(data)


def check_format_name(format: str) -> None:
    if format != "auto" and format not in formats.BUILTIN and format not in formats.names():
        raise UsageError(f"unknown format {format!r}; use auto or one of "
                         f"{', '.join(formats.names())}")


def format_of(head: bytes, format: str, name: str | None, *, whole: bool
              ) -> tuple[str | None, Finding | None]:
    """The format of an input that starts with ``head`` (``whole``: all of it), or the
    finding that says why it has none (empty, or not like any format)."""
    location = Location(source=name)
    if not head.strip() and whole:
        return None, EMPTY(f"the input is empty ({len(head)} bytes"
                           + (", white space only)" if head else ")"), location)
    fmt = detect_format(head) if format == "auto" else format
    if fmt is None:
        return None, UNKNOWN_FORMAT("cannot tell the format: the content does not start like "
                                    "JSON, EDIFACT (UNA/UNB) or XML", location)
    return fmt, None
