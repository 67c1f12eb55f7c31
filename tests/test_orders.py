"""EANCOM ORDERS ⇄ Order: the structure validator, the reader, the writer, round trips."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import edimap
from edimap import Order
from edimap import strategies as eds
from edimap.edifact import EdifactReader
from edimap.edifact.orders import order_to_message, read_order
from edimap.edifact.structure import validate_structure
from edimap.edifact.writer import write_interchange

from .conftest import FIXTURES

WHEN = dt.datetime(2026, 11, 25, 8, 30)

ORDER_96A = """UNA:+,? '
UNB+UNOC:3+5790000274017:14+5798000000001:14+261125:0830+4711'
UNH+1+ORDERS:D:96A:UN:EAN008'
BGM+220+4500012345+9'
DTM+137:20261124:102'
DTM+2:202611270600:203'
FTX+AAI+++Levering ved bagdøren?: ring ?+45 først'
RFF+CT:K-2026-7'
DTM+171:20260101:102'
NAD+BY+5790000274017::9++Købmand Hansen A/S+Vestergade 12+Aarhus C++8000+DK'
RFF+VA:DK13585628'
CTA+IC+:Jens Jensen'
COM+86123456:TE'
NAD+SU+5798000000001::9'
NAD+DP+5790000100019::9++Købmand Hansen, lager+Havnevej 4+Aarhus C++8000+DK'
LIN+1++5701234567899:EN'
PIA+5+RUG-500:SA'
IMD+F++:::Rugbrød 500 g'
QTY+21:24:PCE'
QTY+59:6'
PRI+AAA:12,5'
LIN+2++5790000100026:EN'
IMD+F++:::Æblemost 1 l'
QTY+21:12,5:LTR'
MOA+203:234,38'
PRI+AAA:18,75'
UNS+S'
CNT+2:2'
UNT+27+1'
UNZ+1+4711'
""".replace("\n", "\r\n").encode("latin-1")


def read_one(data: bytes) -> tuple[Order | None, list[edimap.Finding]]:
    (message,) = EdifactReader(data)
    assert message.findings == ()
    return read_order(message)


def test_reads_a_danish_order_with_decimal_comma_and_release_characters() -> None:
    order, findings = read_one(ORDER_96A)
    assert order is not None, findings
    assert [f.code for f in findings if f.severity.value != "info"] == []
    assert order.id == "4500012345"
    assert order.issue_date == dt.date(2026, 11, 24)
    assert order.delivery_date == dt.date(2026, 11, 27)
    assert order.notes == ("Levering ved bagdøren: ring +45 først",)
    assert order.references[0].kind == "CT"
    assert order.references[0].date == dt.date(2026, 1, 1)
    assert order.buyer is not None
    assert order.buyer.gln == "5790000274017"
    assert order.buyer.name == "Købmand Hansen A/S"
    assert order.buyer.vat_id == "DK13585628"
    assert order.buyer.address is not None
    assert order.buyer.address.city == "Aarhus C"
    assert order.buyer.contact is not None
    assert order.buyer.contact.phone == "86123456"
    assert order.seller is not None
    assert order.seller.gln == "5798000000001"
    assert order.delivery is not None
    assert order.delivery.gln == "5790000100019"
    first, second = order.lines
    assert (first.line_id, first.gtin, first.seller_item_id, first.description) == (
        "1", "5701234567899", "RUG-500", "Rugbrød 500 g")
    assert (first.quantity, first.unit, first.units_per_package, first.price) == (
        Decimal("24"), "PCE", Decimal("6"), Decimal("12.5"))
    assert (second.quantity, second.unit, second.price, second.line_amount) == (
        Decimal("12.5"), "LTR", Decimal("18.75"), Decimal("234.38"))
    assert order.currency == "DKK"
    (info,) = [f for f in findings if f.code == "EANCOM-NOT-CARRIED"]
    assert "time of day in DTM+2" in info.message


def test_bad_gln_is_an_error_on_the_party() -> None:
    order, findings = read_one(ORDER_96A.replace(b"NAD+SU+5798000000001", b"NAD+SU+5798000000002"))
    # Kept as sent; the error finding (a profile may lower it) keeps it from being used.
    assert order is not None
    assert order.seller is not None
    assert order.seller.gln == "5798000000002"
    (error,) = [f for f in findings if f.severity.value == "error"]
    assert error.code == "EANCOM-GLN"
    assert "check digit should be 1, not 2" in error.message
    assert (error.location.segment_tag, error.location.segment_index, error.location.element) == (
        "NAD", 12, 2)


def test_bad_gtin_and_missing_quantity() -> None:
    data = ORDER_96A.replace(b"5701234567899:EN", b"5701234567898:EN").replace(
        b"QTY+21:12,5:LTR'\r\n", b"")
    data = data.replace(b"UNT+27+1", b"UNT+26+1")
    order, findings = read_one(data)
    codes = sorted(f.code for f in findings if f.severity.value == "error")
    assert codes == ["EANCOM-GTIN", "EANCOM-MISSING"]
    # The line without a quantity cannot be built; the GTIN's line is kept as sent.
    assert order is not None
    assert [line.gtin for line in order.lines] == ["5701234567898"]


def test_ambiguous_document_date() -> None:
    data = ORDER_96A.replace(
        b"DTM+137:20261124:102'", b"DTM+137:20261124:102'DTM+137:20261125:102'")
    data = data.replace(b"UNT+27+1", b"UNT+28+1")
    _, findings = read_one(data)
    assert [f.code for f in findings if f.severity.value == "error"] == ["EANCOM-AMBIGUOUS"]


def test_structure_validator_names_the_group_path_of_a_misplaced_segment() -> None:
    data = ORDER_96A.replace(b"PRI+AAA:12,5'", b"PRI+AAA:12,5'BGM+220+X+9'")
    data = data.replace(b"UNT+27+1", b"UNT+28+1")
    (message,) = EdifactReader(data)
    structure = validate_structure(message)
    (finding,) = structure.findings
    assert finding.code == "EANCOM-STRUCTURE-ORDER"
    assert finding.location.group_path == "SG25/SG28"
    assert finding.location.segment_tag == "BGM"
    assert "BGM is not allowed here (SG25/SG28); expected one of" in finding.message
    assert "LIN" in finding.message
    assert "UNS" in finding.message
    paths = dict(zip([s.tag + str(i) for i, s in enumerate(message.segments)],
                     structure.group_paths, strict=True))
    assert paths["PRI18"] == "SG25/SG28"
    assert paths["NAD7"] == "SG2"
    assert paths["RFF8"] == "SG2/SG3"


def test_structure_missing_unknown_and_repeats() -> None:
    data = ORDER_96A.replace(b"BGM+220+4500012345+9'", b"").replace(b"UNT+27+1", b"UNT+26+1")
    (message,) = EdifactReader(data)
    codes = [f.code for f in validate_structure(message).findings]
    assert codes == ["EANCOM-STRUCTURE-MISSING"]
    data = ORDER_96A.replace(b"UNS+S'", b"XYZ+1'UNS+S'").replace(b"UNT+27+1", b"UNT+28+1")
    (message,) = EdifactReader(data)
    (finding,) = validate_structure(message).findings
    assert finding.code == "EANCOM-STRUCTURE-UNKNOWN"
    data = ORDER_96A.replace(b"UNS+S'", b"UNS+S'UNS+S'").replace(b"UNT+27+1", b"UNT+28+1")
    (message,) = EdifactReader(data)
    assert [f.code for f in validate_structure(message).findings] == ["EANCOM-STRUCTURE-REPEAT"]


@pytest.mark.parametrize("version", ["d96a", "d01b"])
@given(order=eds.orders())
def test_write_then_read_is_identity(version: str, order: Order) -> None:
    data = write_interchange([order_to_message(order, reference="1", version=version)],
                             sender="5790000274017", recipient="5798000000001",
                             control_ref="1", prepared=WHEN)
    (message,) = EdifactReader(data)
    assert message.findings == ()
    structure = validate_structure(message)
    assert structure.findings == ()
    read, findings = read_order(message)
    assert [f for f in findings if f.severity.value != "info"] == []
    assert read == order


@pytest.mark.parametrize("version", ["d96a", "d01b"])
def test_written_messages_pass_envelope_and_structure_checks(version: str) -> None:
    order = edimap.read(FIXTURES / "order.json").documents[0]
    data = edimap.write(order, format="eancom", version=version, control_ref="9",
                        prepared=WHEN)
    (message,) = EdifactReader(data)
    assert message.identifier == ("ORDERS:D:96A:UN:EAN008" if version == "d96a"
                                  else "ORDERS:D:01B:UN:EAN010")
    assert validate_structure(message).findings == ()
    assert edimap.read(data).documents == (order,)


def test_corpus_orders_round_trip(edifact_corpus: list[Path]) -> None:
    checked = 0
    for path in edifact_corpus:
        result = edimap.read(path)
        for item in result.items:
            if not item.ok or not isinstance(item.document, Order):
                continue
            for version in ("d96a", "d01b"):
                again = edimap.read(edimap.write(item.document, format="eancom",
                                                 version=version, control_ref="1",
                                                 syntax_id="UNOY",
                                                 sender="1", recipient="2"))
                assert again.documents == (item.document,), path.name
            checked += 1
    assert checked >= 3


def test_real_orders_values(shared: Path) -> None:
    gs1 = edimap.read(shared / "corpus/edifact/effektor_orders_d96a_gs1_example_128576.edi")
    (order,) = gs1.documents
    assert (order.id, order.issue_date, order.currency) == ("128576", dt.date(2002, 8, 30),
                                                            "GBP")
    assert order.buyer is not None
    assert order.buyer.gln == "5412345000013"
    (line,) = order.lines
    assert (line.gtin, line.quantity, line.price, line.line_amount) == (
        "4000862141404", Decimal("48"), Decimal("14.58"), Decimal("699.84"))
    path = shared / "corpus/edifact/phpedifact_orders_d01b_ean010_unescaped_colon.edi"
    # Its units are the wholesaler's own (QTY+21:2:GBND): strict refuses, tolerant keeps.
    (strict,) = edimap.read(path).items
    assert {f.code for f in strict.findings if f.is_error} == {"EANCOM-UNIT"}
    (order,) = edimap.read(path, profile="tolerant").documents
    assert len(order.lines) == 146
    assert order.lines[0].seller_item_id == "1001"
    assert order.lines[0].buyer_item_id == "6001001"
    comma = edimap.read(shared / "corpus/edifact/pydifact_orders_d96a_decimal_comma_no_unz.edi")
    (order,) = comma.documents
    assert [ln.gtin for ln in order.lines] == ["5020436373085", "5020436373108"]


def test_json_to_eancom_to_json_is_identity() -> None:
    data = json.loads((FIXTURES / "order.json").read_text("utf-8"))
    order = edimap.read(json.dumps(data).encode()).documents[0]
    edi = edimap.write(order, format="eancom", control_ref="5", prepared=WHEN)
    assert json.loads(edimap.write(edimap.read(edi).documents, format="json"))[0] == data


@given(st.sampled_from(["d96a", "d01b"]), eds.orders(max_lines=2))
def test_edimap_write_default_envelope(version: str, order: Order) -> None:
    data = edimap.write(order, format="eancom", version=version, prepared=WHEN)
    assert data.startswith(b"UNA:+.? 'UNB+UNOC:3+")
    assert order.buyer is not None
    assert order.buyer.gln is not None
    assert f"+{order.buyer.gln}:14+".encode() in data
