"""JSON Schemas (draft 2020-12) of the JSON edimap writes, made from the classes that write
it, so they cannot drift: the canonical document (:mod:`edimap.json`), the ``--report``
of ``convert`` and the output of ``validate --format json``.

``python -m edimap._json_schemas DIR`` writes them as ``DIR/*.schema.json``; the
repository keeps them in ``schemas/json/`` and the wheel ships them as package data
(``edimap._schemas.json``).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import sys
import types
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from edimap.findings import Location, Severity
from edimap.model import DocumentKind, Invoice, Order, OrderResponse

__all__ = ["REPORT_VERSION", "schemas"]

REPORT_VERSION = "1"
"""The ``version`` of the ``--report`` and ``validate --format json`` layouts; it changes
when a key is removed or changes meaning (added keys keep it)."""

DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE = "https://edimap.invalid/schemas/"  # an $id base that names no real host
DECIMAL = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
           "description": "a decimal in plain notation, exact (never a float)"}
DATE = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}


def _type(annotation: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The schema of one field's type (nested attrs classes go into ``defs``)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        inner = _type(options[0], defs) if len(options) == 1 else {
            "anyOf": [_type(a, defs) for a in options]}
        return {"anyOf": [inner, {"type": "null"}]}
    if origin is tuple:
        return {"type": "array", "items": _type(typing.get_args(annotation)[0], defs)}
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return {"enum": [m.value for m in annotation]}
    simple = {str: {"type": "string"}, bool: {"type": "boolean"},
              int: {"type": "integer"}, Decimal: DECIMAL, dt.date: DATE}
    if annotation in simple:
        return dict(simple[annotation])
    if attrs.has(annotation):
        name = annotation.__name__
        if name not in defs:
            defs[name] = {}  # (a placeholder first: classes may nest)
            defs[name] = _object(annotation, defs)
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema for {annotation!r}")


def _object(cls: type, defs: dict[str, Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """An attrs class as an object with exactly its fields; the ones without a default
    are required."""
    attrs.resolve_types(cls)
    fields = [f for f in attrs.fields(cls) if f.name not in skip]
    out: dict[str, Any] = {"type": "object",
                           "properties": {f.name: _type(f.type, defs) for f in fields},
                           "additionalProperties": False}
    required = [f.name for f in fields if f.default is attrs.NOTHING]
    if required:
        out["required"] = required
    if cls.__doc__:
        out["description"] = cls.__doc__.strip().split("\n\n")[0].replace("\n", " ")
    return out


def document_schema() -> dict[str, Any]:
    """The canonical JSON of one document: an order, an invoice or credit note, or an
    order response, told by its ``document`` key."""
    defs: dict[str, Any] = {}
    kinds = {"order": (Order, ()), "invoice": (Invoice, ("kind",)),
             "credit_note": (Invoice, ("kind",)), "order_response": (OrderResponse, ())}
    variants = []
    for kind, (cls, skip) in kinds.items():
        body = _object(cls, defs, skip)
        body["properties"] = {"document": {"const": DocumentKind(kind).value},
                              **body["properties"]}
        body["required"] = ["document", *body.get("required", [])]
        variants.append(body)
    return {"$schema": DIALECT, "$id": BASE + "document.schema.json",
            "title": "edimap canonical document JSON",
            "description": "One document as edimap.json writes it; an array of them is "
                           "several documents.",
            "oneOf": variants, "$defs": defs}


def _finding_defs() -> dict[str, Any]:
    location = _object(Location, {})
    return {
        "location": location,
        "finding": {
            "type": "object", "additionalProperties": False,
            "required": ["code", "severity", "message", "location"],
            "properties": {
                "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9-]*$",
                         "description": "a registered code: edimap codes"},
                "severity": {"enum": [s.value for s in Severity]},
                "message": {"type": "string"},
                "location": {"$ref": "#/$defs/location"},
            },
        },
    }


def report_schema() -> dict[str, Any]:
    """``edimap convert --report FILE``: a summary and one item per message or
    document."""
    counts = {k: {"type": "integer", "minimum": 0}
              for k in ("inputs", "converted", "failed", "warnings", "stopped")}
    item = {"type": "object", "additionalProperties": False,
            "required": ["input", "reference", "outcome", "output", "profile", "findings"],
            "properties": {
                "input": {"type": "string"},
                "reference": {"type": ["string", "null"]},
                "outcome": {"enum": ["converted", "failed", "stopped", "input"],
                            "description": "input: findings about the input as a whole "
                                           "(envelopes), without an error"},
                "output": {"type": ["string", "null"]},
                "profile": {"type": ["string", "null"]},
                "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
            }}
    return {"$schema": DIALECT, "$id": BASE + "report.schema.json",
            "title": "edimap convert --report", "type": "object",
            "additionalProperties": False, "required": ["version", "summary", "items"],
            "properties": {
                "version": {"const": REPORT_VERSION},
                "summary": {"type": "object", "additionalProperties": False,
                            "required": list(counts), "properties": counts},
                "items": {"type": "array", "items": item},
            },
            "$defs": _finding_defs()}


def validate_schema() -> dict[str, Any]:
    """``edimap validate --format json``: one entry per input."""
    entry = {"type": "object", "additionalProperties": False,
             "required": ["input", "ok", "findings"],
             "properties": {
                 "input": {"type": "string"}, "ok": {"type": "boolean"},
                 "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}}}}
    return {"$schema": DIALECT, "$id": BASE + "validate.schema.json",
            "title": "edimap validate --format json", "type": "object",
            "additionalProperties": False, "required": ["version", "inputs"],
            "properties": {"version": {"const": REPORT_VERSION},
                           "inputs": {"type": "array", "items": entry}},
            "$defs": _finding_defs()}


def schemas() -> dict[str, dict[str, Any]]:
    """File name → schema, for every JSON layout edimap writes."""
    return {"document.schema.json": document_schema(),
            "report.schema.json": report_schema(),
            "validate.schema.json": validate_schema()}


def main(folder: str) -> None:
    for name, schema in schemas().items():
        (Path(folder) / name).write_text(json.dumps(schema, indent=2, ensure_ascii=False)
                                         + "\n", "utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
