"""EANCOM INVOIC ⇄ Invoice: reading, reconciliation, writing, round trips."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given

import edimap
from edimap import DocumentKind, Invoice, TaxCategory
from edimap import strategies as eds
from edimap.edifact import EdifactReader
from edimap.edifact.invoic import invoice_to_message, read_invoice
from edimap.edifact.structure import validate_structure
from edimap.edifact.writer import write_interchange
from edimap.totals import with_computed_totals

from .conftest import FIXTURES

WHEN = dt.datetime(2026, 11, 28, 9, 0)

INVOIC_96A = """UNA:+.? '
UNB+UNOC:3+5798000000001:14+5790000274017:14+261128:0900+88'
UNH+1+INVOIC:D:96A:UN:EAN008'
BGM+380+INV-2026-1001+9'
DTM+137:20261128:102'
DTM+35:20261127:102'
PAI+::42'
RFF+ON:4500012345'
NAD+SU+5798000000001::9++Grøn Grossist ApS'
FII+RB+0012345678+:::1234'
RFF+VA:DK10150817'
NAD+BY+5790000274017::9++Købmand Hansen A/S'
PAT+1++5:3:D:30'
DTM+13:20261228:102'
LIN+1++5701234567899:EN'
IMD+F++:::Rugbrød 500 g'
QTY+47:24:PCE'
MOA+203:300.00'
PRI+AAA:12.50'
TAX+7+VAT+++:::25+S'
LIN+2++5790000100026:EN'
IMD+F++:::Æblemost 1 l'
QTY+47:12:PCE'
MOA+203:225.00'
PRI+AAA:18.75'
TAX+7+VAT+++:::25+S'
UNS+S'
CNT+2:2'
MOA+79:525.00'
MOA+125:525.00'
MOA+176:131.25'
MOA+86:656.25'
MOA+9:656.25'
TAX+7+VAT+++:::25+S'
MOA+124:131.25'
MOA+125:525.00'
UNT+35+1'
UNZ+1+88'
""".replace("\n", "\r\n").encode("latin-1")


def read_one(data: bytes) -> tuple[Invoice | None, list[edimap.Finding]]:
    (message,) = EdifactReader(data)
    assert message.findings == ()
    assert validate_structure(message).findings == ()
    return read_invoice(message)


def errors(findings: list[edimap.Finding]) -> list[edimap.Finding]:
    return [f for f in findings if f.severity.value == "error"]


def test_a_line_moa_after_its_pri_is_read_as_the_lines_and_said_so() -> None:
    # Partners send a line's MOA+203 after PRI, also on the last line before UNS; the
    # summary's place is after UNS, which is still to come, so the MOA is the line's.
    data = INVOIC_96A.replace(b"MOA+203:300.00'\r\nPRI+AAA:12.50'",
                              b"PRI+AAA:12.50'\r\nMOA+203:300.00'")
    data = data.replace(b"MOA+203:225.00'\r\nPRI+AAA:18.75'", b"PRI+AAA:18.75'\r\nMOA+203:225.00'")
    (message,) = EdifactReader(data)
    structure = validate_structure(message)
    assert [(f.code, f.location.segment_tag, f.location.group_path) for f in
            structure.findings] == [("EANCOM-STRUCTURE-PLACE", "MOA", "SG25/SG26")] * 2
    assert structure.findings[0].message == (
        "MOA stands after segments that follow it in SG25; read where the definition puts "
        "it (SG25/SG26)")
    (item,) = edimap.read(data).items
    assert not item.ok  # strict: the order of segments is the directory's
    (item,) = edimap.read(data, profile="tolerant").items
    assert isinstance(item.document, Invoice)
    assert [ln.line_amount for ln in item.document.lines] == [Decimal("300.00"),
                                                              Decimal("225.00")]
    assert item.document.payable == Decimal("656.25")


def test_summary_amounts_without_uns_stay_the_summarys() -> None:
    (message,) = EdifactReader(INVOIC_96A.replace(b"UNS+S'\r\n", b""))
    codes = [(f.code, f.message) for f in validate_structure(message).findings]
    assert codes[0] == ("EANCOM-STRUCTURE-MISSING", "mandatory UNS is missing")
    assert "EANCOM-STRUCTURE-PLACE" not in [c for c, _ in codes]


def test_reads_a_danish_invoice() -> None:
    invoice, findings = read_one(INVOIC_96A)
    assert invoice is not None, findings
    assert [f for f in findings if f.severity.value != "info"] == []
    assert (invoice.id, invoice.kind, invoice.issue_date, invoice.delivery_date) == (
        "INV-2026-1001", DocumentKind.INVOICE, dt.date(2026, 11, 28), dt.date(2026, 11, 27))
    assert invoice.order_id == "4500012345"
    assert invoice.seller is not None
    assert invoice.seller.vat_id == "DK10150817"
    assert invoice.payment_terms is not None
    assert (invoice.payment_terms.net_days, invoice.payment_terms.due_date) == (
        30, dt.date(2026, 12, 28))
    (means,) = invoice.payment_means
    assert (means.code, means.account_id, means.bank_reg_no) == ("42", "0012345678", "1234")
    assert [(ln.gtin, ln.quantity, ln.price, ln.line_amount, ln.tax_percent)
            for ln in invoice.lines] == [
        ("5701234567899", Decimal("24"), Decimal("12.50"), Decimal("300.00"), Decimal("25")),
        ("5790000100026", Decimal("12"), Decimal("18.75"), Decimal("225.00"), Decimal("25"))]
    assert (invoice.line_total, invoice.tax_total, invoice.payable) == (
        Decimal("525.00"), Decimal("131.25"), Decimal("656.25"))
    (sub,) = invoice.tax_subtotals
    assert (sub.category, sub.percent, sub.taxable_amount, sub.tax_amount) == (
        TaxCategory.STANDARD, Decimal("25"), Decimal("525.00"), Decimal("131.25"))


def test_vat_total_off_by_five_is_reported_with_both_values() -> None:
    data = INVOIC_96A.replace(b"MOA+176:131.25", b"MOA+176:136.25")
    invoice, findings = read_one(data)
    assert invoice is not None
    assert invoice.tax_total == Decimal("136.25")  # as stated
    (finding,) = errors(findings)
    assert finding.code == "EANCOM-RECONCILE"
    assert finding.message == "MOA+176 tax total 136.25 but the tax breakdown sums to 131.25"
    assert (finding.location.segment_tag, finding.location.segment_index) == ("MOA", 29)


def test_tax_per_rate_and_line_amount_checks() -> None:
    data = INVOIC_96A.replace(b"MOA+124:131.25", b"MOA+124:126.25").replace(
        b"MOA+203:225.00", b"MOA+203:226.00")
    _, findings = read_one(data)
    messages = sorted(f.message for f in errors(findings))
    assert messages == sorted([
        "line 2: MOA+203 line amount 226.00 but quantity 12 × net price 18.75 = 225.00",
        "MOA+79 line total 525.00 but the line amounts sum to 526.00",
        "tax at 25 % (MOA+124) is 126.25 but 25 % of 525.00 is 131.25",
        "MOA+176 tax total 131.25 but the tax breakdown sums to 126.25",
        "invoice total 656.25 but taxable amount 526.00 + tax 126.25 = 652.25",
    ])


def test_small_rounding_differences_are_tolerated() -> None:
    data = INVOIC_96A.replace(b"MOA+124:131.25", b"MOA+124:131.75")
    data = data.replace(b"MOA+176:131.25", b"MOA+176:131.75").replace(
        b"MOA+86:656.25", b"MOA+86:656.75")
    invoice, findings = read_one(data)
    assert invoice is not None, errors(findings)


def test_credit_note() -> None:
    data = INVOIC_96A.replace(b"BGM+380", b"BGM+381").replace(
        b"RFF+ON:4500012345'", b"RFF+ON:4500012345'RFF+IV:INV-2026-0999'")
    data = data.replace(b"UNT+35+1", b"UNT+36+1")
    invoice, findings = read_one(data)
    assert invoice is not None, findings
    assert invoice.kind is DocumentKind.CREDIT_NOTE
    assert invoice.type_code is None
    assert invoice.corrected_invoice_id == "INV-2026-0999"


@pytest.mark.parametrize("version", ["d96a", "d01b"])
@given(invoice=eds.invoices() | eds.credit_notes())
def test_write_then_read_is_identity(version: str, invoice: Invoice) -> None:
    data = write_interchange([invoice_to_message(invoice, reference="1", version=version)],
                             sender="5798000000001", recipient="5790000274017",
                             control_ref="1", prepared=WHEN)
    (message,) = EdifactReader(data)
    assert message.findings == ()
    assert validate_structure(message).findings == ()
    read, findings = read_invoice(message)
    assert [f for f in findings if f.severity.value != "info"] == []
    assert read == invoice


def test_writer_refuses_stated_totals_the_lines_do_not_give() -> None:
    invoice = edimap.read(FIXTURES / "invoice.json").documents[0]
    assert isinstance(invoice, Invoice)
    stale = attrs.evolve(invoice, line_total=Decimal("1"), tax_total=Decimal("2"))
    with pytest.raises(edimap.ValidationError) as info:
        edimap.write(stale, format="eancom", control_ref="3", prepared=WHEN)
    assert [e.path for e in info.value.errors] == ["line_total", "tax_total"]
    assert "states 1, but the lines and allowances give 525.00 (BR-CO-10)" in str(info.value)
    # Unstated totals are written as computed, and said so.
    bare = attrs.evolve(invoice, line_total=None, tax_total=None, payable=None,
                        tax_subtotals=())
    notes: list[edimap.Finding] = []
    data = edimap.write(bare, format="eancom", control_ref="3", prepared=WHEN, findings=notes)
    assert b"MOA+79:525.00'" in data
    assert b"MOA+176:131.25'" in data
    assert sorted(f.location.field or "" for f in notes) == [
        "line_total", "payable", "tax_subtotals", "tax_total"]
    assert {f.code for f in notes} == {"WRITE-NOT-CARRIED"}
    assert edimap.read(data).documents == (invoice,)


def test_corpus_invoices_round_trip(edifact_corpus: list[Path]) -> None:
    checked = 0
    for path in edifact_corpus:
        for item in edimap.read(path).items:
            if not item.ok or not isinstance(item.document, Invoice):
                continue
            for version in ("d96a", "d01b"):
                again = edimap.read(edimap.write(item.document, format="eancom",
                                                 version=version, control_ref="1",
                                                 sender="1", recipient="2",
                                                 syntax_id="UNOY"))
                assert again.documents == (with_computed_totals(item.document),), path.name
            checked += 1
    assert checked >= 3


def test_invoice_json_to_eancom_to_json() -> None:
    invoice = edimap.read(FIXTURES / "invoice.json").documents[0]
    for version in ("d96a", "d01b"):
        data = edimap.write(invoice, format="eancom", version=version, control_ref="4",
                            prepared=WHEN)
        assert data.startswith(b"UNA:+.? 'UNB+UNOC:3+5798000000001:14+5790000274017:14+")
        assert edimap.read(data).documents == (invoice,)


def test_a_message_total_without_moa_9_is_the_amount_payable() -> None:
    data = INVOIC_96A.replace(b"MOA+9:656.25'", b"")
    data = data.replace(b"UNT+%d+" % _segments(INVOIC_96A),
                        b"UNT+%d+" % (_segments(INVOIC_96A) - 1))
    invoice, findings = read_one(data)
    assert invoice is not None
    assert invoice.payable == Decimal("656.25")
    (note,) = [f for f in findings if f.code == "DEFAULT-APPLIED" and
               f.location.field == "payable"]
    assert "from MOA+86 (the tax-inclusive total)" in note.message


def _segments(data: bytes) -> int:
    text = data.decode("latin-1")
    return int(text.split("UNT+", 1)[1].split("+", 1)[0])
