"""The canonical JSON format (``edimap.json``): an object per document, an array for
several."""

from __future__ import annotations

import json as _stdjson
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from edimap import content
from edimap.findings import Finding, Location, Severity, UsageError, ValidationError, register
from edimap.formats.base import Format, Item
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
    from edimap import json as canonical  # (cattrs: imported when JSON is first read)

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [JSON_SYNTAX(f"the input is not UTF-8: byte 0x{data[exc.start]:02X} at "
                                f"offset {exc.start}", Location(source=source,
                                                                offset=exc.start))]
    try:
        payload: Any = _stdjson.loads(text, parse_float=Decimal)
    except _stdjson.JSONDecodeError as exc:
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
    items: list[Item] = []
    for index, entry in enumerate(entries):
        prefix = f"[{index}]" if array else ""
        reference = entry.get("id") if isinstance(entry, dict) else None
        try:
            document = canonical.from_dict(entry)
        except ValidationError as exc:
            findings = tuple(
                JSON_INVALID(err.message, Location(
                    source=source, field=(err.prefixed(prefix).path if prefix else err.path)
                    or None))
                for err in exc.errors
            )
            items.append(Item(index=index, reference=reference if isinstance(reference, str)
                              else prefix or None, document=None, findings=findings))
        else:
            items.append(Item(index=index, reference=document.id, document=document,
                              findings=_content_findings(document, source, prefix)))
    return items, []


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
