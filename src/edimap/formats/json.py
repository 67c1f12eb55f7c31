"""The canonical JSON format (``edimap.json``): an object per document, an array for
several; and JSON Lines (``jsonl``), one document per line, for pipelines."""

from __future__ import annotations

import io
import json as _stdjson
from collections.abc import Sequence
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
    items: list[Item] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        index = len(items)
        try:
            entry = _stdjson.loads(line, parse_float=Decimal)
        except (_stdjson.JSONDecodeError, RecursionError, ArithmeticError, ValueError) as exc:
            message = exc.msg if isinstance(exc, _stdjson.JSONDecodeError) else str(exc)
            items.append(Item(index=index, reference=f"line {number}", document=None,
                              findings=(JSON_SYNTAX(f"line {number}: {message}", Location(
                                  source=source, line=number)),)))
            continue
        items.append(_entry(index, entry, source, f"[{index}]", number))
    return items, []


class _ArraySink(DocumentSink):
    """The JSON array of :func:`edimap.json.dumps`, a document at a time: the same bytes."""

    def __init__(self, out: IO[bytes], indent: int | None) -> None:
        self.out, self.indent, self.count = out, indent, 0

    def piece(self, document: Document) -> bytes:
        from edimap import json as canonical

        text = canonical.encode(canonical.to_dict(document), self.indent)
        if self.indent is None:
            return text.encode("utf-8")
        pad = " " * self.indent  # (every line of the document one level in)
        return (pad + text.replace("\n", "\n" + pad)).encode("utf-8")

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

        return canonical.encode(canonical.to_dict(document), compact=True
                                ).encode("utf-8") + b"\n"

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
