"""The registry of formats: every caller — ``edimap.read``/``write``/``validate``, the
command line's choices, batch conversion, the Winfinans pickup — asks it, and nothing else
lists format names.

    >>> from edimap import formats
    >>> formats.names()
    ('json', 'eancom', 'oioubl', 'jsonl')
    >>> formats.get("oioubl").extension
    'xml'
    >>> formats.detect(b"UNA:+.? 'UNB+UNOC:3+5790000274017:14")
    'eancom'

A package adds a format by registering an instance of its :class:`Format` subclass, on import
or through the ``edimap.formats`` entry point group (an object or a class; loaded the first
time the registry is asked). ``docs/architecture.md`` shows one.
"""

from __future__ import annotations

from edimap.findings import UsageError
from edimap.formats.base import FILE_KINDS, DocumentSink, Format, Item, safe_file_id
from edimap.formats.eancom import EancomFormat
from edimap.formats.json import JsonFormat, JsonLinesFormat
from edimap.formats.oioubl import OioublFormat

__all__ = ["BUILTIN", "FILE_KINDS", "DocumentSink", "Format", "Item", "detect", "get", "names",
           "register", "safe_file_id", "unregister"]

_FORMATS: dict[str, Format] = {}
_entry_points_loaded = False


def register(fmt: Format) -> Format:
    """Add ``fmt`` (replacing a format of the same name) and return it."""
    if not isinstance(fmt, Format):
        raise UsageError(f"{fmt!r} is not an edimap.formats.Format")
    _FORMATS[fmt.name] = fmt
    return fmt


def unregister(name: str) -> None:
    """Remove the format ``name`` (tests that register one of their own use this)."""
    _FORMATS.pop(name, None)


def _load_entry_points() -> bool:
    """Register the formats of the ``edimap.formats`` entry point group, the first time;
    whether any was new. (Looked for only when a name or content is not one of the formats
    registered already: scanning installed packages costs tens of milliseconds.)"""
    global _entry_points_loaded
    if _entry_points_loaded:
        return False
    _entry_points_loaded = True
    import importlib.metadata

    before = len(_FORMATS)
    for entry in importlib.metadata.entry_points(group="edimap.formats"):
        plugin = entry.load()
        register(plugin() if isinstance(plugin, type) else plugin)
    return len(_FORMATS) > before


def names() -> tuple[str, ...]:
    """The registered formats' names, edimap's own first."""
    _load_entry_points()
    return tuple(_FORMATS)


def get(name: str) -> Format:
    """The format called ``name``; :class:`~edimap.UsageError` naming the known ones
    otherwise."""
    if name not in _FORMATS:
        _load_entry_points()
    try:
        return _FORMATS[name]
    except KeyError:
        raise UsageError(f"unknown format {name!r}; use one of {', '.join(_FORMATS)}") from None


def _head(data: bytes) -> bytes:
    head = data[:4096]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return head.lstrip()


def detect(data: bytes) -> str | None:
    """The name of the first registered format that recognises ``data``, or None."""
    head = _head(data)
    found = next((fmt.name for fmt in _FORMATS.values() if fmt.detect(head)), None)
    if found is None and _load_entry_points():
        found = next((fmt.name for fmt in _FORMATS.values() if fmt.detect(head)), None)
    return found


for _builtin in (JsonFormat(), EancomFormat(), OioublFormat(), JsonLinesFormat()):
    register(_builtin)
BUILTIN = tuple(_FORMATS)
"""The names of edimap's own formats."""
