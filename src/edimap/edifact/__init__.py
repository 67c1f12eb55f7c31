"""EDIFACT: the syntax layer (streaming reader, writer, envelope checks, CONTRL)."""

from edimap.edifact.reader import (
    EdifactReader,
    GroupHeader,
    Interchange,
    InterchangeHeader,
    Limits,
    Message,
    iter_messages,
    read_interchanges,
)
from edimap.edifact.syntax import (
    DEFAULT_V3,
    DEFAULT_V4,
    Delimiters,
    Repeat,
    Segment,
    escape,
    format_decimal,
    parse_decimal_text,
)

__all__ = [
    "DEFAULT_V3",
    "DEFAULT_V4",
    "Delimiters",
    "EdifactReader",
    "GroupHeader",
    "Interchange",
    "InterchangeHeader",
    "Limits",
    "Message",
    "Repeat",
    "Segment",
    "escape",
    "format_decimal",
    "iter_messages",
    "parse_decimal_text",
    "read_interchanges",
]
