"""Canonical JSON for edimap documents: lossless, stable, documented in docs/json.md.

A document is a JSON object whose ``document`` key says what it is (``order``, ``invoice``
or ``credit_note``); the other keys are the model's field names. Decimals are JSON strings
in plain notation (``"1250.00"``, never ``1.25E+3``), dates are ISO ``YYYY-MM-DD``, enums
are their code values, absent values are ``null`` and empty sequences ``[]``. Output keys
follow the model's field order, so the same document always gives the same bytes.

Reading accepts decimals as strings or JSON numbers (parsed exactly, never through float)
and refuses unknown keys: a misspelt ``delivery_dat`` is an error, not a silently lost date.
"""

from __future__ import annotations

import datetime as dt
import enum
import json as _json
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)

from edimap.findings import FieldError, UsageError, ValidationError
from edimap.model import Document, DocumentKind, Invoice, Order, OrderResponse, TaxCategory

__all__ = ["dumps", "encode", "encode_bytes", "from_dict", "loads", "schema", "to_dict"]

_converter = cattrs.Converter(forbid_extra_keys=True)


def _decimal_out(value: Decimal) -> str:
    return format(value, "f")


def _decimal_in(value: Any, _: type) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f"must be a decimal string like \"12.50\", not {type(value).__name__}")
    try:
        result = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


def _date_in(value: Any, _: type) -> dt.date:
    if not isinstance(value, str):
        raise ValueError(f"must be an ISO date string like \"2026-11-25\", not {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None


def _str_in(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {type(value).__name__}")
    return value


def _int_in(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be a whole number, not {value!r}")
    return value


def _bool_in(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {value!r}")
    return value


_converter.register_unstructure_hook(Decimal, _decimal_out)
_converter.register_structure_hook(Decimal, _decimal_in)
_converter.register_unstructure_hook(dt.date, lambda d: d.isoformat())
_converter.register_structure_hook(dt.date, _date_in)
_converter.register_structure_hook(str, _str_in)
_converter.register_structure_hook(int, _int_in)
_converter.register_structure_hook(bool, _bool_in)


def _enum_in(value: Any, kind: type[enum.Enum]) -> enum.Enum:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in kind)
        raise ValueError(f"{value!r} is not one of {allowed}") from None


# StrEnums are str subclasses: each needs its own hook, or the str hook above takes them.
for _enum in (DocumentKind, TaxCategory):
    _converter.register_structure_hook(_enum, _enum_in)

_KINDS = {k.value: k for k in DocumentKind}


def to_dict(document: Document) -> dict[str, Any]:
    """The canonical JSON object of ``document`` (``document`` key first)."""
    if isinstance(document, Order):
        kind = DocumentKind.ORDER
    elif isinstance(document, Invoice):
        kind = document.kind
    elif isinstance(document, OrderResponse):
        kind = DocumentKind.ORDER_RESPONSE
    else:
        raise TypeError(f"not an edimap document: {type(document).__name__}")
    body = _plain(document)
    body.pop("kind", None)  # (an invoice's kind is the ``document`` key)
    return {"document": kind.value, **body}


_OBJECTS: dict[type, Callable[[Any], dict[str, Any]]] = {}
"""An attrs class → the function that makes one of its instances a plain object."""


def _plain(value: Any) -> Any:
    """``value`` as plain JSON values, as the converter unstructures the model's types
    (Decimal as a plain-notation string, dates in ISO 8601, code lists by value, tuples as
    lists, attrs classes as objects in field order) — by the value's own type, a few times
    as fast (a property test holds the two to the same result)."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:
        return value
    if kind is Decimal:
        return format(value, "f")
    if kind is tuple or kind is list:
        return [_plain(item) for item in value]
    to_object = _OBJECTS.get(kind)
    if to_object is None:
        if isinstance(value, enum.Enum):
            return value.value
        if kind is dt.date:
            return value.isoformat()
        if not attrs.has(kind):
            return _converter.unstructure(value)
        to_object = _OBJECTS[kind] = _object_function(kind)
    return to_object(value)


_AS_IS: set[Any] = {str, int, bool, str | None, int | None, bool | None}
_FIELD_CODE: dict[Any, str] = {
    Decimal: "format(o.{0}, 'f')",
    Decimal | None: "None if o.{0} is None else format(o.{0}, 'f')",
    dt.date: "o.{0}.isoformat()",
    dt.date | None: "None if o.{0} is None else o.{0}.isoformat()",
}


def _object_function(cls: type) -> Callable[[Any], dict[str, Any]]:
    """A function that makes an instance of the attrs class ``cls`` a plain object, written
    out field by field: a text or number field is taken as it is, a Decimal or a date
    formatted in place, anything else through :func:`_plain` — most of a document's fields
    then cost no call at all."""
    hints = typing.get_type_hints(cls)
    items = []
    for field in attrs.fields(cls):
        hint = hints.get(field.name)
        code = "o.{0}" if hint in _AS_IS else _FIELD_CODE.get(hint, "_plain(o.{0})")
        items.append(f"{field.name!r}: " + code.format(field.name))
    source = "def to_object(o):\n    return {" + ", ".join(items) + "}\n"
    namespace: dict[str, Any] = {"_plain": _plain}
    exec(compile(source, f"<edimap.json plain {cls.__name__}>", "exec"), namespace)
    return namespace["to_object"]  # type: ignore[no-any-return]


def _unstructured(document: Document) -> dict[str, Any]:
    """What the converter itself makes of ``document`` (the reference for :func:`_plain`)."""
    body = _converter.unstructure(document, type(document))
    body.pop("kind", None)
    return body  # type: ignore[no-any-return]


def _walk(exc: BaseException, path: str) -> Iterator[FieldError]:
    """Flatten cattrs' exception groups into field errors with paths like ``lines[3].gtin``."""
    for note in getattr(exc, "__notes__", ()):
        if isinstance(note, AttributeValidationNote):
            path = f"{path}.{note.name}" if path else note.name
        elif isinstance(note, IterableValidationNote):
            path = f"{path}[{note.index}]"
    if isinstance(exc, ValidationError):
        for err in exc.errors:
            yield err.prefixed(path)
    elif isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            yield FieldError(f"{path}.{key}" if path else key, "unknown key")
    elif isinstance(exc, BaseExceptionGroup):
        for sub in exc.exceptions:
            yield from _walk(sub, path)
    elif isinstance(exc, KeyError):
        key = exc.args[0] if exc.args else "?"
        yield FieldError(f"{path}.{key}" if path else str(key), "is required")
    elif isinstance(exc, TypeError) and "missing" in str(exc) and "argument" in str(exc):
        yield FieldError(path, f"is incomplete: {exc}")
    else:
        message = str(exc) or type(exc).__name__
        if isinstance(exc, ValueError) and "is not a valid" in message:
            message = f"unknown code: {message}"
        yield FieldError(path, message)


def from_dict(data: Mapping[str, Any]) -> Document:
    """Build a document from its canonical JSON object.

    Raises :class:`~edimap.ValidationError` listing every bad field with its path.
    """
    if not isinstance(data, Mapping):
        raise ValidationError(f"a document must be a JSON object, not {type(data).__name__}")
    body = dict(data)
    kind_name = body.pop("document", None)
    if not isinstance(kind_name, str) or kind_name not in _KINDS:
        allowed = ", ".join(sorted(_KINDS))
        raise ValidationError([FieldError("document", f"must be one of {allowed}, "
                                                       f"not {kind_name!r}")])
    kind = _KINDS[kind_name]
    target: type[Order] | type[Invoice] | type[OrderResponse]
    if kind is DocumentKind.ORDER:
        target = Order
    elif kind is DocumentKind.ORDER_RESPONSE:
        target = OrderResponse
    else:
        if "kind" in body:
            raise ValidationError([FieldError("kind", "unknown key (the kind is `document`)")])
        body["kind"] = kind.value
        target = Invoice
    try:
        return _converter.structure(body, target)
    except ValidationError:
        raise
    except Exception as exc:  # cattrs wraps field errors in exception groups
        raise ValidationError(list(_walk(exc, ""))) from None


def dumps(documents: Document | Sequence[Document], *, indent: int | None = 2) -> str:
    """Serialise one document as an object, or a sequence of documents as an array."""
    if isinstance(documents, Document):
        payload: Any = to_dict(documents)
    else:
        payload = [to_dict(d) for d in documents]
    return encode(payload, indent) + "\n"


def _load_orjson() -> Any:
    try:  # the "fast" extra
        import orjson
    except ImportError:  # the standard library's encoder then
        return None
    return orjson


_orjson = _load_orjson()


def encode(value: Any, indent: int | None = 2, *, compact: bool = False) -> str:
    """Canonical JSON text of a JSON-ready ``value``: indented by ``indent`` (2: the
    canonical form), or ``compact`` (no spaces, for JSON Lines). orjson, when installed
    (``pip install 'edimap[fast]'``), gives the same bytes several times as fast; the suite
    compares the two."""
    if _orjson is not None and (compact or indent == 2):
        return encode_bytes(value, indent, compact=compact).decode("utf-8")
    if compact:
        return _json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _json.dumps(value, indent=indent, ensure_ascii=False)


def encode_bytes(value: Any, indent: int | None = 2, *, compact: bool = False) -> bytes:
    """:func:`encode` as UTF-8 bytes (orjson's own output, without a round trip through
    text)."""
    if _orjson is not None and (compact or indent == 2):
        data: bytes = _orjson.dumps(value, option=0 if compact else _orjson.OPT_INDENT_2)
        return data
    return encode(value, indent, compact=compact).encode("utf-8")


def loads(text: str | bytes) -> list[Document]:
    """Parse one document or an array of documents. Raises on the first bad document;
    :func:`edimap.read` is the batch-friendly reader that reports each one as findings."""
    payload = _json.loads(text, parse_float=Decimal)
    items = payload if isinstance(payload, list) else [payload]
    return [from_dict(item) for item in items]


def schema(name: str = "document") -> dict[str, Any]:
    """The published JSON Schema (draft 2020-12) ``document`` (one canonical document),
    ``report`` (``convert --report``) or ``validate`` (``validate --format json``).

    >>> schema("report")["properties"]["version"]
    {'const': '1'}
    """
    from edimap._home import bundled_schemas

    if name not in ("document", "report", "validate"):
        raise UsageError(f"no JSON Schema {name!r}: document, report or validate")
    text = bundled_schemas().joinpath("json").joinpath(f"{name}.schema.json").read_text(
        "utf-8")
    loaded: dict[str, Any] = _json.loads(text)
    return loaded
