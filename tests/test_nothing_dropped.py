"""Nothing dropped in silence: every value of every corpus message is either in the model
(its canonical JSON) or in the reader's not-carried finding.

EDIFACT: each segment of a message is listed in ``EANCOM-NOT-CARRIED`` (by its position),
or every value in it that is not a code (a qualifier, a code list, a format code) is found
in the document. UBL: each element with text is listed in ``UBL-NOT-CARRIED`` (by its
path), or its text is found in the document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree

import edimap
from edimap.edifact.reader import EdifactReader

CODE = re.compile(r"[A-Z0-9]{1,3}")
"""A qualifier or code (BY, 9, 137, 102, EN, PCE): its meaning is the field it fills."""


STRUCTURAL = ("AddressFormatCode", "TaxScheme/Name", "Price/AllowanceCharge/Amount",
              "Price/AllowanceCharge/ChargeIndicator")
"""UBL elements that say how the document is written, not what it says (a writer states
them anew: the address format, the name of the VAT scheme), and the price discount, which
the model carries as the gross price less the net price."""

MAPPED = {"true", "false", "StandardRated", "ZeroRated", "ReverseCharge", "ExemptRated",
          "DK:BANK", "DK:GIRO", "DK:FIK", "DK:NEMKONTO", "IBAN"}
"""Codes the model holds in its own terms: booleans, OIOUBL tax category ids (UNCL 5305 in
the model), the payment channel a payment means code implies."""


def leaves(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for inner in value.values():
            yield from leaves(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from leaves(inner)
    elif value is not None:
        yield str(value)


class Model:
    """What a document holds, in the forms an input value may take."""

    def __init__(self, document: edimap.Document) -> None:
        values = list(leaves(json.loads(edimap.write(document, format="json"))))
        self.text = "\n".join(values)
        self.numbers = {number for v in values if (number := _number(v)) is not None}
        self.dates = {v.replace("-", "") for v in values if re.fullmatch(r"\d{4}-\d\d-\d\d", v)}

    def holds(self, value: str) -> bool:
        number = _number(value)
        if number is not None and number in self.numbers:
            return True
        if re.fullmatch(r"\d{8}(\d{4})?(\d\d)?", value) and value[:8] in self.dates:
            return True  # DTM 102/203/204 (a time of day is listed as not carried)
        if value in MAPPED:
            return True
        if re.fullmatch(r"DK\d{8}", value):  # a CVR number with its country code
            return value[2:] in self.text
        return value.strip() in self.text


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ".")) if re.fullmatch(r"-?[\d.,]+", text) else None
    except InvalidOperation:
        return None


def listed_segments(findings: tuple[edimap.Finding, ...]) -> set[int]:
    """The positions the not-carried finding lists, and those of findings that say how a
    value was read otherwise (a signed allowance read as its magnitude)."""
    out = {f.location.segment_index for f in findings
           if f.code == "EANCOM-SIGN" and f.location.segment_index is not None}
    for finding in findings:
        if finding.code != "EANCOM-NOT-CARRIED":
            continue
        for group in re.findall(r"\(segments? ([\d, -]+)\)", finding.message):
            for part in group.split(", "):
                first, _, last = part.partition("-")
                out.update(range(int(first), int(last or first) + 1))
    return out


def test_every_edifact_value_is_in_the_model_or_listed(edifact_corpus: list[Path]) -> None:
    checked = 0
    for path in edifact_corpus:
        items = edimap.read(path, profile="tolerant").items
        messages = list(EdifactReader(path.read_bytes()))
        for item, message in zip(items, messages, strict=True):
            if not item.ok or item.document is None:
                continue
            model, listed = Model(item.document), listed_segments(item.findings)
            for position, segment in enumerate(message.segments, start=1):
                if segment.tag in ("UNH", "UNT", "UNS", "CNT") or position in listed:
                    continue
                for e, element in enumerate(segment.elements, start=1):
                    for c, value in enumerate(element[0], start=1):
                        if value and not CODE.fullmatch(value):
                            assert model.holds(value), (
                                path.name, item.reference, position, segment.tag, e, c, value)
                            checked += 1
    assert checked > 500


def test_every_ubl_value_is_in_the_model_or_listed(shared: Path) -> None:
    checked = 0
    for path in sorted((shared / "corpus" / "ubl").rglob("*.xml")):
        (item,) = edimap.read(path, profile="tolerant").items
        if not item.ok or item.document is None:
            continue
        model = Model(item.document)
        listed = {p.split(" ×")[0] for f in item.findings if f.code == "UBL-NOT-CARRIED"
                  for p in f.message.split(": ", 1)[1].split("; ")}
        root = etree.fromstring(path.read_bytes())
        for element in root.iter():
            text = (element.text or "").strip() if isinstance(element.tag, str) else ""
            if not text or len(element):
                continue
            generic = "/".join(etree.QName(e).localname for e in reversed(list(
                element.iterancestors())) if e is not root)
            name = f"{generic}/{etree.QName(element).localname}".lstrip("/")
            if name in listed or CODE.fullmatch(text) or name.endswith(STRUCTURAL):
                continue
            assert model.holds(text), (path.name, name, text)
            checked += 1
    assert checked > 500
