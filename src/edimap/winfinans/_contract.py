"""SOAP 1.1 envelopes for the Winfinans webservice, driven by ``schemas/winfinans/service.toml``.

Records are plain dicts keyed by the DataContract member names; values are ``int``,
``Decimal``, ``bool``, ``datetime.datetime``, ``str`` (GUIDs as their 36-character text,
enums as member names), lists of records, or None (``xsi:nil``). Members are written in
ordinal order, as .NET's DataContractSerializer reads them: a member out of order is
ignored by the real service without a word, so the order is derived here, never written by
hand.

The client builds requests and reads responses; the test double reads requests and builds
responses, with the same code, so both speak one contract.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
from lxml import etree

from edimap._home import bundled_schemas
from edimap.findings import ConfigurationError
from edimap.ubl.xml import not_xml_character
from edimap.ubl.xml import parse as parse_xml

__all__ = [
    "Contract",
    "Operation",
    "Param",
    "SoapFault",
    "WireError",
    "contract",
    "limit",
]

GUID_EMPTY = "00000000-0000-0000-0000-000000000000"
# .NET's DateTime.MinValue: what an unset date is on the wire.
DATETIME_MIN = dt.datetime(1, 1, 1)
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SCALARS = {"int", "long", "decimal", "money", "bool", "dateTime", "guid", "string"}


class SoapFault(Exception):
    """A SOAP fault: ``code`` is the fault code's local name, ``reason`` its text."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class WireError(Exception):
    """A message that does not follow the contract (not SOAP, unknown operation, bad value)."""


@attrs.frozen
class Param:
    name: str
    type: str
    by_ref: bool


@attrs.frozen
class Operation:
    name: str
    params: tuple[Param, ...]
    returns: str
    safe: bool


def limit(type_name: str) -> int | None:
    """The stored length of a ``string:N`` member, or None."""
    if type_name.startswith("string:"):
        return int(type_name.split(":", 1)[1])
    return None


@attrs.frozen
class Contract:
    namespaces: Mapping[str, str]
    enums: Mapping[str, tuple[str, ...]]
    types: Mapping[str, Mapping[str, str]]
    operations: Mapping[str, Operation]

    def soap_action(self, op: Operation) -> str:
        """The quoted SOAPAction header of ``op`` (``"http://tempuri.org/IService/Op"``)."""
        return f'"{self.namespaces["service"]}IService/{op.name}"'

    # --- encoding -----------------------------------------------------------------------

    def _q(self, ns: str, name: str) -> str:
        return f"{{{self.namespaces[ns]}}}{name}"

    def _encode(self, parent: etree._Element, tag: str, type_name: str, value: Any) -> None:
        el = etree.SubElement(parent, tag)
        if value is None:
            el.set(self._q("instance", "nil"), "true")
            return
        if type_name.endswith("[]"):
            item_type = type_name[:-2]
            item_tag = self._q("arrays", item_type) if item_type in _SCALARS else self._q(
                "contract", item_type)
            for item in value:
                self._encode(el, item_tag, item_type, item)
            return
        if type_name in self.types:
            members = self.types[type_name]
            for name in sorted(value):
                if name not in members:
                    raise WireError(f"{type_name} has no member {name!r}")
            for name in sorted(members):
                if name in value:
                    self._encode(el, self._q("contract", name), members[name], value[name])
            return
        text = self._scalar_text(type_name, value)
        bad = not_xml_character(text)
        if bad:
            raise WireError(f"{type_name} value holds {bad}, which XML cannot carry")
        el.text = text

    def _scalar_text(self, type_name: str, value: Any) -> str:
        base = type_name.split(":", 1)[0]
        if base == "bool":
            return "true" if value else "false"
        if base in ("int", "long"):
            return str(int(value))
        if base in ("decimal", "money"):
            if not isinstance(value, Decimal):
                raise WireError(f"{type_name} value {value!r} is not a Decimal")
            return format(value, "f")
        if base == "dateTime":
            if isinstance(value, dt.datetime):
                return value.isoformat()
            return dt.datetime(value.year, value.month, value.day).isoformat()
        if base in self.enums:
            if value not in self.enums[base]:
                raise WireError(f"{value!r} is not a {base}")
            return str(value)
        return str(value)

    def envelope(self, tag: str, children: Sequence[tuple[str, str, Any]]) -> bytes:
        """A SOAP envelope whose body holds ``<tag>`` with one child per (name, type, value)."""
        nsmap = {"s": self.namespaces["soap"], "a": self.namespaces["contract"],
                 "i": self.namespaces["instance"], "b": self.namespaces["arrays"]}
        env = etree.Element(self._q("soap", "Envelope"), nsmap=nsmap)
        body = etree.SubElement(env, self._q("soap", "Body"))
        wrapper = etree.SubElement(body, self._q("service", tag),
                                   nsmap={None: self.namespaces["service"]})
        for name, type_name, value in children:
            self._encode(wrapper, self._q("service", name), type_name, value)
        return bytes(etree.tostring(env, xml_declaration=False, encoding="utf-8"))

    def request(self, op: Operation, args: Mapping[str, Any]) -> bytes:
        """The request envelope: one child per parameter, in declaration order."""
        return self.envelope(op.name, [(p.name, p.type, args.get(p.name)) for p in op.params])

    def response(self, op: Operation, result: Any, refs: Mapping[str, Any]) -> bytes:
        """The response envelope: ``<OpResult>``, then every by-reference parameter."""
        children = [(f"{op.name}Result", op.returns, result)]
        children += [(p.name, p.type, refs.get(p.name)) for p in op.params if p.by_ref]
        return self.envelope(f"{op.name}Response", children)

    def fault(self, code: str, reason: str) -> bytes:
        """A SOAP 1.1 fault whose fault code has the local name ``code``."""
        nsmap = {"s": self.namespaces["soap"]}
        env = etree.Element(self._q("soap", "Envelope"), nsmap=nsmap)
        body = etree.SubElement(env, self._q("soap", "Body"))
        fault = etree.SubElement(body, self._q("soap", "Fault"))
        etree.SubElement(fault, "faultcode", nsmap={"a": self.namespaces["contract"]}).text = (
            f"a:{code}")
        etree.SubElement(fault, "faultstring").text = reason
        return bytes(etree.tostring(env, encoding="utf-8"))

    # --- decoding -----------------------------------------------------------------------

    def _decode(self, el: etree._Element, type_name: str) -> Any:
        if el.get(self._q("instance", "nil")) == "true":
            return None
        if type_name.endswith("[]"):
            item_type = type_name[:-2]
            return [self._decode(child, item_type) for child in el
                    if isinstance(child.tag, str)]
        if type_name in self.types:
            members = self.types[type_name]
            record: dict[str, Any] = {}
            for child in el:
                if not isinstance(child.tag, str):
                    continue
                name = etree.QName(child).localname
                if name in members:  # members edimap does not know are passed over
                    record[name] = self._decode(child, members[name])
            return record
        return self._scalar(type_name, el.text or "")

    def _scalar(self, type_name: str, text: str) -> Any:
        base = type_name.split(":", 1)[0]
        try:
            if base == "bool":
                if text not in ("true", "false", "1", "0"):
                    raise WireError(f"{text!r} is not a boolean")
                return text in ("true", "1")
            if base in ("int", "long"):
                return int(text)
            if base in ("decimal", "money"):
                value = Decimal(text)
                if not value.is_finite():
                    raise WireError(f"{text!r} is not a finite decimal")
                return value
            if base == "dateTime":
                return dt.datetime.fromisoformat(text[:19]) if text else DATETIME_MIN
            if base == "guid":
                if not _GUID.fullmatch(text):
                    raise WireError("a GUID member has no GUID")
                return text.lower()
        except (ValueError, InvalidOperation) as exc:
            raise WireError(f"{type_name} value {text[:40]!r} cannot be read") from exc
        if base in self.enums and text not in self.enums[base]:
            raise WireError(f"{text[:40]!r} is not a {base}")
        return text

    def _body_child(self, data: bytes) -> etree._Element:
        root, findings = parse_xml(data, max_bytes=MAX_MESSAGE_BYTES)
        if root is None:
            raise WireError(findings[0].message if findings else "not XML")
        if root.tag != self._q("soap", "Envelope"):
            raise WireError("not a SOAP 1.1 envelope")
        body = root.find(self._q("soap", "Body"))
        child = None if body is None else next(
            (c for c in body if isinstance(c.tag, str)), None)
        if child is None:
            raise WireError("the SOAP body is empty")
        return child

    def read_request(self, data: bytes) -> tuple[Operation, dict[str, Any]]:
        """The operation a request calls and its arguments (missing ones are absent)."""
        wrapper = self._body_child(data)
        name = etree.QName(wrapper).localname
        op = self.operations.get(name)
        if op is None or etree.QName(wrapper).namespace != self.namespaces["service"]:
            raise WireError(f"unknown operation {name[:60]!r}")
        params = {p.name: p for p in op.params}
        args: dict[str, Any] = {}
        for child in wrapper:
            if not isinstance(child.tag, str):
                continue
            local = etree.QName(child).localname
            if local in params:
                args[local] = self._decode(child, params[local].type)
        return op, args

    def read_response(self, op: Operation, data: bytes) -> tuple[Any, dict[str, Any]]:
        """The result and the echoed by-reference parameters of a response.

        Raises :class:`SoapFault` for a fault and :class:`WireError` for anything that does
        not follow the contract.
        """
        child = self._body_child(data)
        if child.tag == self._q("soap", "Fault"):
            code_text = child.findtext("faultcode") or ""
            raise SoapFault(code_text.rpartition(":")[2] or "Fault",
                            child.findtext("faultstring") or "")
        if etree.QName(child).localname != f"{op.name}Response":
            raise WireError(f"expected {op.name}Response, got {etree.QName(child).localname}")
        result: Any = None
        refs: dict[str, Any] = {}
        by_ref = {p.name: p for p in op.params if p.by_ref}
        for el in child:
            if not isinstance(el.tag, str):
                continue
            local = etree.QName(el).localname
            if local == f"{op.name}Result":
                result = self._decode(el, op.returns)
            elif local in by_ref:
                refs[local] = self._decode(el, by_ref[local].type)
        return result, refs


MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""Largest SOAP message edimap reads (a response listing 10,000 orders is a few MB)."""


def _param(text: str) -> Param:
    parts = text.split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "ref"):
        raise ConfigurationError(f"service.toml: bad parameter {text!r}")
    return Param(parts[0], parts[1], len(parts) == 3)


@functools.cache
def contract() -> Contract:
    """The bundled contract (``schemas/winfinans/service.toml``), read once."""
    entry = bundled_schemas().joinpath("winfinans").joinpath("service.toml")
    raw = tomllib.loads(entry.read_text("utf-8"))
    operations = {
        name: Operation(name, tuple(_param(p) for p in spec["params"]), spec["returns"],
                        bool(spec["safe"]))
        for name, spec in raw["operations"].items()
    }
    return Contract(namespaces=raw["namespaces"],
                    enums={k: tuple(v) for k, v in raw["enums"].items()},
                    types=raw["types"], operations=operations)
