"""The canonical JSON format (``edimap.json``): an object per document, an array for
several; and JSON Lines (``jsonl``), one document per line, for pipelines."""

from __future__ import annotations

import io
import itertools
import json as _stdjson
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

from edimap import content
from edimap.findings import Finding, Location, Severity, UsageError, ValidationError, register
from edimap.formats.base import DocumentSink, Format, Item
from edimap.model import Document

JSON_SYNTAX = register(
    "JSON-SYNTAX", Severity.ERROR,
    "The input is not well-formed JSON (or not UTF-8).",
    "Fix the JSON at the given line and column; a JSON linter shows the same place.",
    example='{"document": "order", "id": "PO1",}',
)
JSON_INVALID = register(
    "JSON-INVALID", Severity.ERROR,
    "A JSON document breaks the edimap document contract: a missing or unknown key, a "
    "value of the wrong type, or a broken invariant such as a negative quantity.",
    "Correct the field at the given path; docs/json.md documents every key, and "
    "schemas/json/document.schema.json holds them all.",
    example='{"document": "order", "id": "PO1", "issue_date": "2026-13-01", …}',
)


JSON_IDENTIFIER = register(
    "JSON-IDENTIFIER", Severity.ERROR,
    "A GLN, GTIN, CVR number or GLN endpoint in a JSON document fails its check (digit, "
    "length or form); it is kept as given.",
    "Correct it at the given path, or accept it as given with a profile.",
    example='"buyer": {"gln": "5790000274018"}')
JSON_CODE = register(
    "JSON-CODE", Severity.ERROR,
    "A currency, country or unit code in a JSON document does not have the shape of its "
    "code list (ISO 4217, ISO 3166-1 alpha-2, UN/ECE Rec 20); it is kept as given.",
    "Correct it at the given path, or accept it as given with a profile.",
    example='"currency": "kr"')


def _content_findings(document: Document, source: str | None,
                      prefix: str) -> tuple[Finding, ...]:
    """The identifiers and codes of ``document`` that do not meet their standards."""
    out = []
    for problem in content.problems(document):
        code = JSON_CODE if problem.kind in ("country", "currency", "unit") \
            else JSON_IDENTIFIER
        out.append(code(problem.message, Location(source=source,
                                                  field=f"{prefix}{problem.path}"
                                                  if not prefix else
                                                  f"{prefix}.{problem.path}")))
    return tuple(out)


def _read(data: bytes, source: str | None) -> tuple[list[Item], list[Finding]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [JSON_SYNTAX(f"the input is not UTF-8: byte 0x{data[exc.start]:02X} at "
                                f"offset {exc.start}", Location(source=source,
                                                                offset=exc.start))]
    try:
        payload: Any = _stdjson.loads(text, parse_float=Decimal)
    except _stdjson.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text.lstrip().startswith("{"):
            return _read_lines(text, source)  # JSON Lines: one document per line
        return [], [JSON_SYNTAX(exc.msg, Location(source=source, line=exc.lineno,
                                                  column=exc.colno, offset=exc.pos))]
    except RecursionError:
        return [], [JSON_SYNTAX("the JSON is nested too deeply", Location(source=source))]
    except (ArithmeticError, ValueError) as exc:
        # A number no Decimal or int holds (1e999999999, a 5,000-digit integer).
        return [], [JSON_SYNTAX(f"a number is out of range: {type(exc).__name__}",
                                Location(source=source))]
    array = isinstance(payload, list)
    entries = payload if array else [payload]
    return [_entry(index, entry, source, f"[{index}]" if array else "", None)
            for index, entry in enumerate(entries)], []


def _entry(index: int, entry: Any, source: str | None, prefix: str, line: int | None
           ) -> Item:
    """One JSON value as an item: a document, or the findings that say why not."""
    from edimap import json as canonical

    reference = entry.get("id") if isinstance(entry, dict) else None
    try:
        document = canonical.from_dict(entry)
    except ValidationError as exc:
        findings = tuple(JSON_INVALID(err.message, Location(
            source=source, line=line,
            field=(err.prefixed(prefix).path if prefix else err.path) or None))
            for err in exc.errors)
        return Item(index=index, reference=reference if isinstance(reference, str)
                    else prefix or None, document=None, findings=findings)
    return Item(index=index, reference=document.id, document=document,
                findings=_content_findings(document, source, prefix))


def _read_lines(text: str, source: str | None) -> tuple[list[Item], list[Finding]]:
    """JSON Lines: each line that is not blank one document."""
    return list(_line_items(enumerate(text.splitlines(), start=1), source)), []


def _line_items(lines: Iterable[tuple[int, str]], source: str | None) -> Iterator[Item]:
    """An item for each numbered line that is not blank."""
    index = 0
    for number, line in lines:
        if not line.strip():
            continue
        try:
            entry = _stdjson.loads(line, parse_float=Decimal)
        except (_stdjson.JSONDecodeError, RecursionError, ArithmeticError, ValueError) as exc:
            message = exc.msg if isinstance(exc, _stdjson.JSONDecodeError) else str(exc)
            yield Item(index=index, reference=f"line {number}", document=None,
                       findings=(JSON_SYNTAX(f"line {number}: {message}", Location(
                           source=source, line=number)),))
        else:
            yield _entry(index, entry, source, f"[{index}]", number)
        index += 1


def _stream(source: IO[bytes], name: str | None, limit: int
            ) -> tuple[Iterator[Item], list[Finding]]:
    """One document at a time: a top-level array element by element, JSON Lines line by
    line; anything else (one object, over several lines) read whole, within ``limit``."""
    from edimap.formats._json_stream import ArrayReader

    if getattr(source, "peek", None) is None:  # (a BytesIO: read alike, for the same items)
        source = io.BufferedReader(source)  # type: ignore[type-var]
    peek: Callable[[int], bytes] = source.peek  # type: ignore[attr-defined]
    start = peek(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    findings: list[Finding] = []
    if start == b"[":
        reader = ArrayReader(source, limit)

        def elements() -> Iterator[Item]:
            for index, value in enumerate(reader.values()):
                yield _entry(index, value, name, f"[{index}]", None)
            if reader.error is not None:
                findings.append(JSON_SYNTAX(reader.error[0], reader.location(name)))
        return elements(), findings
    # JSON Lines when the first line is a value of its own and another line follows.
    first = source.readline(limit + 1)
    read = [first]
    while (line := source.readline(limit + 1)) and not line.strip():
        read.append(line)
    if line:
        read.append(line)
    if line and _one_value(first):
        lines = itertools.chain(read, iter(lambda: source.readline(limit + 1), b""))
        return _line_items(_decoded(lines), name), findings
    return _whole(b"".join(read) + source.read(limit + 1), name, limit)


def _decoded(lines: Iterable[bytes]) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line; one that is not UTF-8 stands as text that is not
    JSON either, so that its line is reported."""
    for number, line in enumerate(lines, start=1):
        try:
            yield number, line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield number, f"not UTF-8: byte 0x{line[exc.start]:02X}"


def _one_value(line: bytes) -> bool:
    """Whether ``line`` is a JSON value on its own (a JSON Lines line)."""
    try:
        _stdjson.loads(line.decode("utf-8-sig"), parse_float=Decimal)
    except (_stdjson.JSONDecodeError, RecursionError, ArithmeticError, ValueError):
        return False
    return True


def _whole(data: bytes, name: str | None, limit: int) -> tuple[Iterator[Item], list[Finding]]:
    if len(data) > limit:
        from edimap._limits import TOO_LARGE

        return iter(()), [TOO_LARGE(f"the input is larger than {limit} bytes",
                                    Location(source=name))]
    items, findings = _read(data, name)
    return iter(items), findings


class _ArraySink(DocumentSink):
    """The JSON array of :func:`edimap.json.dumps`, a document at a time: the same bytes."""

    def __init__(self, out: IO[bytes], indent: int | None) -> None:
        self.out, self.indent, self.count = out, indent, 0

    def piece(self, document: Document) -> bytes:
        from edimap import json as canonical

        data = canonical.encode_bytes(canonical.to_dict(document), self.indent)
        if self.indent is None:
            return data
        pad = b" " * self.indent  # (every line of the document one level in)
        return pad + data.replace(b"\n", b"\n" + pad)

    def add_piece(self, piece: bytes) -> None:
        if self.indent is None:
            self.out.write((b", " if self.count else b"[") + piece)
        else:
            self.out.write((b",\n" if self.count else b"[\n") + piece)
        self.count += 1

    def close(self) -> None:
        if not self.count:
            self.out.write(b"[]\n")
        else:
            self.out.write(b"]\n" if self.indent is None else b"\n]\n")


class _LinesSink(DocumentSink):
    """JSON Lines: each document's canonical JSON on one line."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out

    def piece(self, document: Document) -> bytes:
        from edimap import json as canonical

        return canonical.encode_bytes(canonical.to_dict(document), compact=True) + b"\n"

    def add_piece(self, piece: bytes) -> None:
        self.out.write(piece)

    def close(self) -> None:
        return None


class JsonFormat(Format):
    """Canonical JSON: ``{"document": "order", …}``, or an array of such objects."""

    name = "json"
    extension = "json"
    carries_everything = True
    writer_options = frozenset({"indent"})

    def detect(self, head: bytes) -> bool:
        return head[:1] in (b"{", b"[")

    def read(self, data: bytes, source: str | None) -> tuple[list[Item], list[Finding]]:
        return _read(data, source)

    def write(self, documents: Document | Sequence[Document], **options: Any) -> bytes:
        indent: int | None = options.pop("indent", 2)
        if options:
            raise UsageError(f"the JSON writer takes no option {', '.join(options)}")
        from edimap import json as canonical

        return canonical.dumps(documents, indent=indent).encode("utf-8")

    def sink(self, out: IO[bytes], **options: Any) -> DocumentSink:
        return _ArraySink(out, options.get("indent", 2))

    streams = True

    def stream(self, source: IO[bytes], name: str | None, *, profiles: Any = None
               ) -> tuple[Iterator[Item], list[Finding]]:
        """An array element by element, JSON Lines line by line (a document larger than
        the input limit is a finding); one object read whole."""
        from edimap._limits import input_limit

        with input_limit(None) as limit:
            return _stream(source, name, limit)


class JsonLinesFormat(Format):
    """JSON Lines, for pipelines: one canonical document per line, compact. Read as JSON
    (a JSON input of several lines of objects is JSON Lines)."""

    name = "jsonl"
    extension = "jsonl"
    carries_everything = True

    def detect(self, head: bytes) -> bool:
        return False  # (read by the JSON format, which knows the lines)

    def read(self, data: bytes, source: str | None) -> tuple[list[Item], list[Finding]]:
        return _read(data, source)

    def write(self, documents: Document | Sequence[Document], **options: Any) -> bytes:
        if options:
            raise UsageError(f"the JSON Lines writer takes no option {', '.join(options)}")
        out = io.BytesIO()
        sink = _LinesSink(out)
        for document in [documents] if isinstance(documents, Document) else documents:
            sink.add(document)
        return out.getvalue()

    def sink(self, out: IO[bytes], **options: Any) -> DocumentSink:
        return _LinesSink(out)

    streams = True

    def stream(self, source: IO[bytes], name: str | None, *, profiles: Any = None
               ) -> tuple[Iterator[Item], list[Finding]]:
        """Line by line (or an array element by element, as JSON is read)."""
        from edimap._limits import input_limit

        with input_limit(None) as limit:
            return _stream(source, name, limit)
