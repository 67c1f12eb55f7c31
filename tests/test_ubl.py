"""UBL / OIOUBL: safe parsing, the official schemas, reading the official examples."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from lxml import etree

import edimap
from edimap import DocumentKind, Invoice, Order, TaxCategory

PACKAGE = "OIOUBL_Schematron_2026-05-01_v1.17.2.zip"


def ubl(shared: Path, name: str) -> Path:
    path = shared / "corpus" / "ubl" / name
    if not path.exists():
        pytest.skip(f"{name} not in the corpus")
    return path


def test_official_invoice_values(shared: Path) -> None:
    result = edimap.read(ubl(shared, "oioubl-2.1-official/OIOUBL_Invoice_v2p2.xml"))
    (item,) = result.items
    assert item.ok, item.findings
    invoice = item.document
    assert isinstance(invoice, Invoice)
    assert (invoice.id, invoice.issue_date, invoice.kind, invoice.currency) == (
        "A00095678", dt.date(2005, 11, 20), DocumentKind.INVOICE, "DKK")
    assert invoice.order_id == "5002701"
    assert invoice.seller is not None
    assert invoice.seller.cvr == "16356706"
    assert invoice.seller.endpoint_scheme is None  # the CVR endpoint is the CVR
    assert invoice.buyer is not None
    assert invoice.buyer.gln == "5798009811578"
    assert invoice.buyer.address is not None
    assert invoice.buyer.address.building_number == "10"
    assert invoice.delivery_date == dt.date(2005, 11, 15)
    (means,) = invoice.payment_means
    # DK:BANK is the channel code 42 implies: kept as None (implied).
    assert (means.code, means.channel, means.account_id, means.bank_reg_no) == (
        "42", None, "1234567890", "1234")
    assert (invoice.line_total, invoice.tax_total, invoice.payable) == (
        Decimal("5050.00"), Decimal("1262.50"), Decimal("6312.50"))
    (sub,) = invoice.tax_subtotals
    assert (sub.category, sub.percent) == (TaxCategory.STANDARD, Decimal("25"))
    first, second = invoice.lines
    assert (first.gtin, first.quantity, first.unit, first.price, first.line_amount) == (
        "5712345780121", Decimal("1.00"), "EA", Decimal("5000.00"), Decimal("5000.00"))
    # The example's second GTIN has a wrong check digit: kept as sent, with a warning.
    assert second.gtin == "5712345780111"
    codes = [f.code for f in item.findings]
    assert codes.count("UBL-IDENTIFIER") == 2
    assert "UBL-NOT-CARRIED" in codes


@pytest.mark.parametrize("name", [
    "oioubl-2.02-official/OIOUBL_Invoice_v2p2.xml",
    "oioubl-2.02-official/OIOUBL_CreditNote_v2p2.xml",
    "oioubl-2.02-official/OIOUBL_Order_v2p2.xml",
    "oioubl-2.1-official/OIOUBL_CreditNote_v2p2.xml",
    "oioubl-2.1-official/OIOUBL_Order_v2p2.xml",
    "oioubl-2.02-scenarios/BASPRO_01_01_00_Invoice_v2p2.xml",
    "oioubl-2.02-scenarios/BASPRO_01_01_00_Order_v2p2.xml",
    "oioubl-2.02-scenarios/InvoiceStor_v2p2.xml",
    "oioubl-gobl/examples-out-credit-note.xml",
    "oioubl-gobl/excise-registration-tax_real.xml",
    "oioubl-gobl/happy-path_real.xml",
    "oioubl-gobl/negative-rounding_real.xml",
    "peppol-bis3/billing-base-example.xml",
    "peppol-bis3/billing-base-creditnote-correction.xml",
    "peppol-bis3/ordering-Order_Example.xml",
])
def test_supported_corpus_documents_read(shared: Path, name: str) -> None:
    (item,) = edimap.read(ubl(shared, name)).items
    assert item.ok, [str(f) for f in item.findings if f.severity.value == "error"]
    document = item.document
    assert isinstance(document, Invoice | Order)
    assert document.id
    assert document.lines


def test_official_order(shared: Path) -> None:
    (order,) = edimap.read(ubl(shared, "oioubl-2.1-official/OIOUBL_Order_v2p2.xml")).documents
    assert isinstance(order, Order)
    assert order.buyer is not None
    assert order.seller is not None
    assert order.lines[0].quantity > 0


def test_credit_note_kind(shared: Path) -> None:
    (note,) = edimap.read(ubl(shared, "oioubl-2.1-official/OIOUBL_CreditNote_v2p2.xml")
                          ).documents
    assert isinstance(note, Invoice)
    assert note.kind is DocumentKind.CREDIT_NOTE


def test_unsupported_document_types_are_reported(shared: Path) -> None:
    (item,) = edimap.read(ubl(shared, "oioubl-2.1-official/OIOUBL_ApplicationResponse_v2p2.xml")
                          ).items
    assert [f.code for f in item.findings] == ["UBL-DOCUMENT-UNSUPPORTED"]


# --- XML attacks: refused, nothing read, nothing fetched -----------------------------------

SECRET = Path(__file__)  # a file whose content must never show up


ATTACKS = {
    "xxe-file": f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{SECRET}">]>'
                '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
                "&x;</Invoice>",
    "xxe-network": '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM '
                   '"http://127.0.0.1:9/steal">]><Invoice>&x;</Invoice>',
    "billion-laughs": '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                      + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'
                                if i else '<!ENTITY lol0 "&lol;&lol;">' for i in range(10))
                      + ']><Invoice>&lol9;</Invoice>',
    "quadratic": '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "' + "A" * 50_000 + '">]>'
                 "<Invoice>" + "&a;" * 50_000 + "</Invoice>",
    "external-dtd": '<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/x.dtd">'
                    "<Invoice/>",
    "doctype-lower": '<?xml version="1.0"?><!doctype r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                     "<r>&x;</r>",
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_xml_attacks_are_refused(name: str) -> None:
    result = edimap.read(ATTACKS[name].encode())
    assert [f.code for f in result.all_findings] == ["XML-DOCTYPE"]
    assert result.documents == ()
    assert "test_xml_attacks_are_refused" not in repr(result)


def test_xinclude_is_never_processed() -> None:
    data = (
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" '
        'xmlns:xi="http://www.w3.org/2001/XInclude"><cbc:ID>1</cbc:ID>'
        f'<cbc:IssueDate>2026-11-25</cbc:IssueDate><xi:include href="{SECRET}" parse="text"/>'
        "</Invoice>").encode()
    result = edimap.read(data)
    assert "test_xinclude_is_never_processed" not in repr(result)
    assert "XML-DOCTYPE" not in [f.code for f in result.all_findings]


def test_malformed_xml_has_a_location() -> None:
    (finding,) = edimap.read(b"<Invoice>\n  <a>\n</Invoice>").findings
    assert finding.code == "XML-SYNTAX"
    assert finding.location.line == 3


# --- schemas and XSD ------------------------------------------------------------------------

def test_xsd_validation_with_the_official_schemas(installed: Path, shared: Path) -> None:
    good = ubl(shared, "oioubl-2.1-official/OIOUBL_Invoice_v2p2.xml")
    assert [f for f in edimap.validate(good) if f.severity.value == "error"] == []
    bad = good.read_bytes().replace(b"<cbc:IssueDate>2005-11-20</cbc:IssueDate>",
                                    b"<cbc:IssueDate>2005-11-20</cbc:IssueDate><cbc:Bogus/>")
    xsd = [f for f in edimap.validate(bad) if f.code == "UBL-XSD"]
    assert len(xsd) == 1
    assert xsd[0].location.xpath == "/*/cbc:Bogus"
    assert "cbc:Bogus" in xsd[0].message
    assert "This element is not expected" in xsd[0].message


def test_xsd_errors_explained_by_xmlschema(installed: Path, shared: Path) -> None:
    good = ubl(shared, "oioubl-2.1-official/OIOUBL_Invoice_v2p2.xml")
    assert [f for f in edimap.validate(good, explain=True) if f.severity.value == "error"] == []
    bad = good.read_bytes().replace(b"<cbc:Percent>25</cbc:Percent>",
                                    b"<cbc:Percent>x25</cbc:Percent>", 1)
    findings = edimap.validate(bad, rules=False, explain=True)
    (error,) = [f for f in findings if f.code == "UBL-XSD"]
    (explained,) = [f for f in findings if f.code == "UBL-XSD-EXPLAIN"]
    assert explained.severity.value == "info"
    assert explained.location.xpath == ("/Invoice/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory"
                                        "/cbc:Percent")
    assert explained.location.line == error.location.line
    assert "invalid value 'x25' for xs:decimal" in explained.message
    assert not [f for f in edimap.validate(bad, rules=False) if f.code == "UBL-XSD-EXPLAIN"]


def test_cli_schemas_and_validate(installed: Path, shared: Path) -> None:
    env = {**os.environ}
    status = subprocess.run([sys.executable, "-m", "edimap", "schemas", "status"],
                            capture_output=True, text=True, env=env, check=False)
    assert status.returncode == 0
    assert "OIOUBL schematron package: 1.17.2" in status.stdout
    good = ubl(shared, "oioubl-2.1-official/OIOUBL_Invoice_v2p2.xml")
    proc = subprocess.run([sys.executable, "-m", "edimap", "validate", str(good)],
                          capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stdout
    assert f"{good}: ok" in proc.stdout


def test_schemas_install_refuses_other_zips(tmp_path: Path) -> None:
    import zipfile

    from edimap.ubl import schemas

    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../evil.txt", "x")
    with pytest.raises(edimap.UsageError):
        schemas.install(path)


# --- writing OIOUBL ---------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from edimap import strategies as eds  # noqa: E402
from edimap.ubl.validate import validate_xsd  # noqa: E402
from edimap.ubl.xml import parse  # noqa: E402


def _expected(document: Any) -> Any:
    """What OIOUBL keeps of a document: EANCOM's PCE (or no unit) is written as EA, an
    allowance on a
    line carries the line's VAT category, an item always has a name."""
    import attrs

    def line_fix(line: Any) -> Any:
        changes: dict[str, Any] = {}
        if line.unit in ("PCE", None):  # OIOUBL quantities always have a unit
            changes["unit"] = "EA"
        if line.description is None:
            changes["description"] = line.gtin or line.seller_item_id or line.line_id
        if line.price_basis == 1:
            changes["price_basis"] = None
        if isinstance(line, edimap.InvoiceLine) and line.allowance_charges:
            changes["allowance_charges"] = [attrs.evolve(
                ac, tax_category=ac.tax_category or line.tax_category,
                tax_percent=ac.tax_percent if ac.tax_percent is not None else line.tax_percent)
                for ac in line.allowance_charges]
        return attrs.evolve(line, **changes)

    if isinstance(document, edimap.OrderResponse):
        return document
    changes: dict[str, Any] = {"lines": [line_fix(ln) for ln in document.lines]}
    terms = getattr(document, "payment_terms", None)
    if isinstance(document, Invoice) and terms is not None and terms.net_days is not None:
        # OIOUBL has no payment period in days: net days travel as the due date.
        changes["payment_terms"] = attrs.evolve(
            terms, net_days=None,
            due_date=terms.due_date or document.issue_date + dt.timedelta(days=terms.net_days))
    return attrs.evolve(document, **changes)


def _oioubl_writable(document: Any) -> bool:
    """OIOUBL has no line delivery dates beside the order's own (F-ORD250), which the
    writer refuses, and no negative invoice totals (F-LIB016): such an invoice is written
    as a credit note (tests/test_writing.py); neither reads back as it was."""
    if isinstance(document, Invoice) and document.payable is not None and \
            document.payable < 0:
        return False
    return not (isinstance(document, Order) and (
        document.delivery_date or document.earliest_delivery_date or
        document.latest_delivery_date) and any(ln.delivery_date for ln in document.lines))


def test_a_negative_invoice_whose_stated_totals_do_not_add_up_is_refused_as_stated() -> None:
    invoice = edimap.read(Path("fixtures/invoice.json")).documents[0]
    assert isinstance(invoice, Invoice)
    import attrs

    from edimap.model import AllowanceCharge
    discount = AllowanceCharge(is_charge=False, amount=Decimal("1000000"),
                               tax_category=TaxCategory.STANDARD, tax_percent=Decimal(25))
    # (it would be written as a credit note; its stated totals are the positive ones)
    with pytest.raises(edimap.ValidationError, match=r"payable: states 656.25, but the "
                       r"lines and allowances give -1249343.75 \(BR-CO-16\)"):
        edimap.write(attrs.evolve(invoice, allowance_charges=[discount]), format="oioubl")


def test_line_delivery_dates_beside_the_orders_are_not_carried() -> None:
    order = edimap.read(Path("fixtures/order.json")).documents[0]
    assert isinstance(order, Order)
    import attrs
    both = attrs.evolve(order, delivery_date=dt.date(2026, 12, 1), lines=[
        attrs.evolve(order.lines[0], delivery_date=dt.date(2026, 12, 2))])
    notes: list[edimap.Finding] = []
    data = edimap.write(both, format="oioubl", findings=notes)
    assert b"2026-12-02" not in data
    assert b"2026-12-01" in data
    (note,) = [f for f in notes if f.location.field == "lines[0].delivery_date"]
    assert "F-ORD250" in note.message


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(document=eds.documents().filter(_oioubl_writable))
def test_written_oioubl_passes_the_official_xsd_and_reads_back(
        installed: Path, document: Any) -> None:
    data = edimap.write(document, format="oioubl")
    root, findings = parse(data)
    assert root is not None
    assert findings == []
    assert validate_xsd(root) == []
    result = edimap.read(data)
    assert [f for f in result.all_findings if f.severity.value == "error"] == []
    assert result.documents == (_expected(document),)


def test_convert_eancom_orders_to_oioubl_folder(installed: Path, tmp_path: Path) -> None:
    from .conftest import FIXTURES

    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "edimap", "convert",
                           str(FIXTURES / "orders-d96a.edi"), "--to", "oioubl", "-o", str(out)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files == ["Order-4500012345.xml", "Order-4500012346.xml"]
    for name in files:
        root, _ = parse((out / name).read_bytes())
        assert root is not None
        assert validate_xsd(root) == []
    (order,) = edimap.read(out / "Order-4500012345.xml").documents
    assert isinstance(order, Order)
    assert order.lines[0].gtin == "5701234567899"


RULE_FAILURES = {
    "oioubl-2.02-scenarios/InvoiceStor_v2p2.xml": {"F-LIB310", "F-LIB402", "W-INV323"},
    "oioubl-gobl/excise-registration-tax_real.xml": {"F-LIB402"},
    "oioubl-gobl/negative-rounding_real.xml": {"F-LIB382"},
    "oioubl-2.1-official/OIOUBL_Invoice_v2p2.xml": set(),
    "oioubl-2.1-official/OIOUBL_Order_v2p2.xml": set(),
    "oioubl-2.1-official/OIOUBL_CreditNote_v2p2.xml": set(),
}


@pytest.mark.parametrize("name", sorted(RULE_FAILURES))
def test_official_rules_name_the_rule_ids(installed: Path, shared: Path, name: str) -> None:
    findings = edimap.validate(ubl(shared, name))
    official = {f.code for f in findings if f.code[:2] in ("F-", "W-")}
    assert official == RULE_FAILURES[name]
    for finding in findings:
        if finding.code.startswith("W-"):
            assert finding.severity.value == "warning"
        if finding.code.startswith("F-"):
            assert finding.severity.value == "error"
            assert finding.location.xpath


def test_cli_validate_names_the_rule_id(installed: Path, shared: Path) -> None:
    path = ubl(shared, "oioubl-gobl/negative-rounding_real.xml")
    proc = subprocess.run([sys.executable, "-m", "edimap", "validate", str(path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "error F-LIB382 at" in proc.stdout
    # Without the official rules the native checks still find it.
    quiet = subprocess.run([sys.executable, "-m", "edimap", "validate", "--no-rules",
                            str(path)], capture_output=True, text=True, check=False)
    assert quiet.returncode == 1, quiet.stdout
    assert "error F-LIB382 at" in quiet.stdout


# --- native rules, held to the official ones ---------------------------------------------

def _differential(data: bytes, kind: str) -> tuple[set[str], set[str]]:
    from edimap.ubl import native_rules
    from edimap.ubl.rules import check

    root, _ = parse(data)
    assert root is not None
    native = {f.code for f in native_rules.check(root)}
    official = {f.code for f in check(data, kind)} & set(native_rules.RULES)
    return native, official


@pytest.mark.parametrize("name", sorted(
    p for p in [
        "oioubl-2.02-official/OIOUBL_Invoice_v2p2.xml",
        "oioubl-2.02-official/OIOUBL_CreditNote_v2p2.xml",
        "oioubl-2.02-official/OIOUBL_Order_v2p2.xml",
        "oioubl-2.02-scenarios/InvoiceStor_v2p2.xml",
        "oioubl-2.02-scenarios/BASPRO_01_01_00_Invoice_v2p2.xml",
        "oioubl-2.1-official/OIOUBL_Invoice_v2p2.xml",
        "oioubl-2.1-official/OIOUBL_CreditNote_v2p2.xml",
        "oioubl-2.1-official/OIOUBL_Order_v2p2.xml",
        "oioubl-gobl/examples-out-credit-note.xml",
        "oioubl-gobl/excise-registration-tax_real.xml",
        "oioubl-gobl/happy-path_real.xml",
        "oioubl-gobl/negative-rounding_real.xml",
    ]))
def test_native_rules_agree_with_the_official_ones_on_the_corpus(
        installed: Path, shared: Path, name: str) -> None:
    path = ubl(shared, name)
    root, _ = parse(path.read_bytes())
    assert root is not None
    native, official = _differential(path.read_bytes(), etree.QName(root).localname)
    assert native == official


MUTATIONS = [
    (b"<cbc:TaxExclusiveAmount currencyID=\"DKK\">1262.50", b"<cbc:TaxExclusiveAmount "
     b"currencyID=\"DKK\">1262.51"),
    (b"<cbc:LineExtensionAmount currencyID=\"DKK\">5050.00", b"<cbc:LineExtensionAmount "
     b"currencyID=\"DKK\">5050.01"),
    (b"DK:BANK", b"IBAN"),
    (b"<cbc:Percent>25</cbc:Percent>", b"<cbc:Percent>0</cbc:Percent>"),
    (b'"DKK">1250.00</cbc:TaxAmount>\n                <cac:TaxCategory>',
     b'"DKK">1252.00</cbc:TaxAmount>\n                <cac:TaxCategory>'),
    (b'schemeID="GLN">5798009811578', b'schemeID="GLN">579800981157'),
    (b'schemeID="DK:CVR">DK16356706</cbc:EndpointID>',
     b'schemeID="DK:CVR">16356706</cbc:EndpointID>'),
    (b'<cbc:PayableAmount currencyID="DKK">', b'<cbc:PayableAmount currencyID="EUR">'),
    (b'<cbc:LineExtensionAmount currencyID="DKK">5050.00',
     b'<cbc:LineExtensionAmount currencyID="SEK">5050.00'),
    (b'<cbc:LineExtensionAmount currencyID="DKK">5000.00',
     b'<cbc:LineExtensionAmount currencyID="EUR">5000.00'),
]


@pytest.mark.parametrize(("old", "new"), MUTATIONS)
def test_native_rules_agree_on_mutations(installed: Path, shared: Path, old: bytes,
                                         new: bytes) -> None:
    data = ubl(shared, "oioubl-2.1-official/OIOUBL_Invoice_v2p2.xml").read_bytes()
    data = data.replace(b"\r\n", b"\n")
    assert old in data
    native, official = _differential(data.replace(old, new, 1), "Invoice")
    assert native == official
    assert native  # every mutation breaks a covered rule


@settings(max_examples=25, deadline=None)
@given(document=st.one_of(eds.invoices(), eds.credit_notes(), eds.orders()).filter(
    _oioubl_writable))
def test_native_rules_agree_on_generated_documents(
        installed: Path, document: Invoice | Order) -> None:
    kind = "Order" if isinstance(document, Order) else (
        "CreditNote" if document.kind is DocumentKind.CREDIT_NOTE else "Invoice")
    native, official = _differential(edimap.write(document, format="oioubl"), kind)
    assert native == official == set()


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(document=eds.documents().filter(_oioubl_writable))
def test_written_oioubl_passes_the_official_rules(installed: Path, document: Any) -> None:
    data = edimap.write(document, format="oioubl")
    errors = [str(f) for f in edimap.validate(data, rules=True)
              if f.severity.value == "error"]
    assert errors == []


def test_official_order_response_values(shared: Path) -> None:
    (response,) = edimap.read(ubl(shared, "oioubl-2.1-official/"
                                          "OIOUBL_OrderResponseSimple_v2p2.xml")).documents
    assert isinstance(response, edimap.OrderResponse)
    assert response.kind is DocumentKind.ORDER_RESPONSE
    assert (response.id, response.accepted, response.order_id) == ("65830", True, "5002701")
    assert response.issue_date == dt.date(2005, 11, 2)
    assert response.order_issue_date == dt.date(2005, 11, 1)
    assert response.seller is not None
    assert response.buyer is not None
    assert (response.seller.name, response.seller.cvr) == ("Tavleverandøren", "16356706")
    assert response.buyer.gln == "5798009811578"
    assert response.buyer.contact is not None
    assert response.buyer.contact.email == "Hans@dls.dk"


@pytest.mark.parametrize("name", [
    "oioubl-2.02-official/OIOUBL_OrderResponseSimple_v2p2.xml",
    "oioubl-2.02-scenarios/BASPRO_01_01_00_OrderResponseSimple_v2p2.xml",
    "oioubl-2.1-official/OIOUBL_OrderResponseSimple_v2p2.xml",
])
def test_order_responses_convert_to_oioubl_21_that_passes_the_rules(
        installed: Path, shared: Path, name: str) -> None:
    (response,) = edimap.read(ubl(shared, name)).documents
    data = edimap.write(response, format="oioubl")
    assert b"<cbc:CustomizationID>OIOUBL-2.1</cbc:CustomizationID>" in data
    assert [f.code for f in edimap.validate(data, rules=True)
            if f.severity.value == "error"] == []
    assert edimap.read(data).documents == (response,)


def test_rejected_order_response_needs_a_note() -> None:
    with pytest.raises(edimap.ValidationError, match="rejection_note: is required"):
        edimap.OrderResponse(id="1", issue_date=dt.date(2026, 1, 1), accepted=False,
                             order_id="PO-1")


def test_order_response_has_no_eancom_mapping(shared: Path) -> None:
    (response,) = edimap.read(ubl(shared, "oioubl-2.1-official/"
                                          "OIOUBL_OrderResponseSimple_v2p2.xml")).documents
    with pytest.raises(edimap.ValidationError, match="no EANCOM mapping"):
        edimap.write(response, format="eancom")


def test_line_allowance_writes_the_net_price_and_reads_back_the_price(installed: Path) -> None:
    import attrs

    from edimap import totals
    from edimap.model import AllowanceCharge

    invoice = edimap.read(Path("fixtures/invoice.json")).documents[0]
    assert isinstance(invoice, Invoice)
    line = attrs.evolve(invoice.lines[0], quantity=Decimal(3), price=Decimal("100.00"),
                        price_basis=None, allowance_charges=[
                            AllowanceCharge(is_charge=False, amount=Decimal("10.00"))])
    line = attrs.evolve(line, line_amount=Decimal("290.00"))
    discounted = totals.with_computed_totals(attrs.evolve(invoice, lines=[line]))
    data = edimap.write(discounted, format="oioubl")
    assert b'<cbc:PriceAmount currencyID="DKK">96.666667</cbc:PriceAmount>' in data
    assert b'<cbc:BaseAmount currencyID="DKK">100.00</cbc:BaseAmount>' in data
    assert [f.code for f in edimap.validate(data, rules=True)
            if f.severity.value == "error"] == []
    (back,) = edimap.read(data).documents
    assert isinstance(back, Invoice)
    assert back.lines[0].price == Decimal("100.00")
    assert back.lines[0].line_amount == Decimal("290.00")


def test_allowance_percent_is_an_oioubl_factor_and_a_peppol_percentage(
        installed: Path, shared: Path) -> None:
    # OIOUBL holds Amount to BaseAmount × MultiplierFactorNumeric (F-LIB228): 5 % is 0.05.
    invoice = edimap.read(Path("fixtures/invoice.json")).documents[0]
    assert isinstance(invoice, Invoice)
    line = invoice.lines[0]
    gross = line.quantity * (line.price or Decimal(0))
    discount = edimap.AllowanceCharge(is_charge=False, percent=Decimal(5),
                                      amount=gross * Decimal("0.05"), base_amount=gross)
    from edimap import totals

    changed = totals.with_computed_totals(attrs.evolve(invoice, lines=[attrs.evolve(
        line, allowance_charges=[discount], line_amount=gross - discount.amount)]))
    data = edimap.write(changed, format="oioubl")
    root = etree.fromstring(data)
    factor = root.findtext(".//{*}InvoiceLine/{*}AllowanceCharge/{*}MultiplierFactorNumeric")
    assert factor == "0.05"
    findings = edimap.validate(data, rules=True)
    assert [f.code for f in findings if f.is_error] == []
    (read_back,) = edimap.read(data).documents
    assert read_back.lines[0].allowance_charges[0].percent == Decimal(5)
    # The OIOUBL scenario file states a factor of 1 for 800.00 of 800.00: 100 %.
    (stor,) = edimap.read(ubl(shared, "oioubl-2.02-scenarios/InvoiceStor_v2p2.xml")).documents
    assert isinstance(stor, Invoice)
    percents = [ac.percent for ac in stor.allowance_charges if ac.percent is not None]
    percents += [ac.percent for ln in stor.lines for ac in ln.allowance_charges
                 if ac.percent is not None]
    assert Decimal(100) in percents
    # Peppol BIS 3 states a percentage: 10 for 652.50 of 6525.00.
    (peppol,) = edimap.read(ubl(shared, "peppol-bis3/ordering-Order_Example.xml")).documents
    assert isinstance(peppol, Order)
    assert [ac.percent for ac in peppol.allowance_charges if ac.percent is not None] == [
        Decimal(10)]


def test_values_with_markup_characters_and_line_breaks_read_back_unchanged() -> None:
    invoice = edimap.read(Path("fixtures/invoice.json")).documents[0]
    assert isinstance(invoice, Invoice)
    assert invoice.seller is not None
    seller = attrs.evolve(invoice.seller, name='Ørsted & Søn <"A/S">')
    notes = ["first line\r\nsecond\tline ]]> & <end>"]
    written = edimap.write(attrs.evolve(invoice, seller=seller, notes=notes), format="oioubl")
    assert b"\xc3\x98rsted &amp; S\xc3\xb8n &lt;\"A/S\"&gt;" in written
    document = edimap.read(written).documents[0]
    assert document.seller is not None
    assert document.seller.name == seller.name
    assert document.notes == tuple(notes)


@pytest.mark.parametrize("bad", ["\x01", "\x1f", "\ufffe", "\ud800"])
def test_a_value_xml_cannot_carry_is_refused_with_its_path(bad: str) -> None:
    invoice = edimap.read(Path("fixtures/invoice.json")).documents[0]
    assert isinstance(invoice, Invoice)
    assert invoice.seller is not None
    seller = attrs.evolve(invoice.seller, name=f"Brugsen{bad}")
    with pytest.raises(edimap.ValidationError) as raised:
        edimap.write(attrs.evolve(invoice, seller=seller), format="oioubl")
    assert raised.value.errors[0].path == \
        "Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name"
    assert f"U+{ord(bad):04X}" in raised.value.errors[0].message


@settings(max_examples=150, deadline=None)
@given(document=eds.documents())
def test_the_text_writer_writes_what_libxml2_writes_for_the_same_tree(document: Any) -> None:
    """libxml2 as the oracle for the writer's own serialisation: parsing the output and
    serialising the tree again gives the same bytes (escaping, empty elements, quoting)."""
    try:
        written = edimap.write(document, format="oioubl")
    except edimap.ValidationError:
        return  # a document OIOUBL cannot carry (tested elsewhere)
    again = etree.tostring(etree.fromstring(written), xml_declaration=True, encoding="UTF-8")
    assert again + b"\n" == written  # (the line break after the root is not in the tree)


def _invoice_xml() -> str:
    from .conftest import FIXTURES

    (invoice,) = edimap.read(FIXTURES / "invoice.json").documents
    return edimap.write(invoice, format="oioubl").decode("utf-8")


def test_the_official_rules_read_a_document_in_its_own_encoding(installed: Path,
                                                                tmp_path: Path) -> None:
    text = _invoice_xml().replace("encoding='UTF-8'", "encoding='ISO-8859-1'")
    path = tmp_path / "latin1.xml"
    path.write_bytes(text.encode("iso-8859-1"))
    assert "ø" in text or "æ" in text or "å" in text  # bytes UTF-8 would refuse
    proc = subprocess.run([sys.executable, "-m", "edimap", "validate", str(path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith(f"{path}: ok")
    assert "internal error" not in proc.stderr


def test_a_document_the_rules_cannot_evaluate_is_a_finding_not_a_crash(
        installed: Path, tmp_path: Path) -> None:
    import re

    text = _invoice_xml()
    element = re.search(r"<cbc:AddressFormatCode[ >][^<]*</cbc:AddressFormatCode>", text)
    assert element is not None
    path = tmp_path / "twice.xml"
    path.write_text(text[:element.end()] + element.group(0) + text[element.end():])
    findings = edimap.validate(path)
    (failed,) = [f for f in findings if f.code == "OIOUBL-RULES-FAILED"]
    assert failed.severity.value == "error"
    assert failed.message.startswith("the official Invoice rules could not be evaluated: "
                                     "Type error")
    assert any(f.code == "UBL-XSD" for f in findings)  # the XSD result still stands
    proc = subprocess.run([sys.executable, "-m", "edimap", "validate", str(path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "internal error" not in proc.stderr


@pytest.mark.parametrize("amount", ["-1E-999999999", "1E-5001", "1" * 32, "1e999999999"])
def test_an_amount_the_model_cannot_hold_is_a_located_finding(amount: str) -> None:
    import re

    text = re.sub(r"(<cbc:TaxableAmount[^>]*>)[^<]*", lambda m: m.group(1) + amount,
                  _invoice_xml(), count=1)
    result = edimap.read(text.encode())  # never raises
    assert result.documents == ()
    (error,) = [f for f in result.all_findings if f.severity.value == "error"]
    assert error.code == "UBL-MODEL"
    assert error.message.startswith("taxable_amount: ")
    assert error.location.xpath == "/*/cac:TaxTotal/cac:TaxSubtotal"
    assert error.location.line is not None


def test_a_peppol_invoice_keeps_its_bic_as_the_bic(shared: Path) -> None:
    path = shared / "corpus/ubl/peppol-bis3/billing-base-example.xml"
    (item,) = edimap.read(path).items
    assert item.document is not None
    assert isinstance(item.document, edimap.Invoice)
    (means,) = item.document.payment_means
    # BT-86 (the payment service provider) stands where OIOUBL has the registration number.
    assert (means.bic, means.bank_reg_no, means.account_id) == (
        "BIC324098", None, "IBAN32423940")


def test_validate_runs_the_oioubl_rules_on_oioubl_documents_only(shared: Path) -> None:
    peppol = edimap.validate(shared / "corpus/ubl/peppol-bis3/billing-base-example.xml")
    codes = [f.code for f in peppol]
    assert "OIOUBL-RULE" not in codes
    assert not [f for f in peppol if f.is_error]
    (note,) = [f for f in peppol if f.code == "UBL-RULES-NOT-RUN"]
    assert "the Peppol BIS 3 rules (EN 16931 and PEPPOL) were not run" in note.message
    oioubl = edimap.validate(shared / "corpus/ubl/oioubl-2.1-official/OIOUBL_Invoice_v2p2.xml")
    assert "UBL-RULES-NOT-RUN" not in [f.code for f in oioubl]


def test_a_total_of_excise_duty_alone_is_not_the_vat_total(shared: Path) -> None:
    # The Danish registration tax stands in a TaxTotal of its own, before the VAT one.
    source = shared / "corpus/ubl/oioubl-gobl/excise-registration-tax_real.xml"
    result = edimap.read(source, profile="tolerant")
    (invoice,) = result.documents
    assert invoice.tax_total == Decimal("25710.40")
    assert [s.tax_amount for s in invoice.tax_subtotals] == [Decimal("25710.40"),
                                                             Decimal("0.00")]
    noted = " ".join(f.message for f in result.items[0].findings
                     if f.code == "UBL-NOT-CARRIED")
    assert "TaxTotal/TaxSubtotal/TaxCategory/PerUnitAmount" in noted
    assert "TaxTotal/TaxSubtotal/TaxableAmount" in noted


def test_a_zero_rated_duty_is_read_as_a_charge_and_translates_to_eancom(
        shared: Path) -> None:
    # Registration tax 78,169 DKK, zero rated for VAT: a document-level charge (as EN 16931
    # carries excise duty), so the payable of 180,000 and the zero-rated base of 51,448
    # (the duty less the trade-in car) add up in every format.
    source = shared / "corpus/ubl/oioubl-gobl/excise-registration-tax_real.xml"
    result = edimap.read(source)
    (invoice,) = result.documents
    duty = invoice.allowance_charges[-1]
    assert (duty.is_charge, duty.amount, duty.reason) == (
        True, Decimal("78169.00"), "Registreringsafgift")
    assert (duty.tax_category, duty.tax_percent) == (edimap.model.TaxCategory.ZERO, 0)
    (info,) = [f for f in result.items[0].findings if f.code == "UBL-DUTY-AS-CHARGE"]
    assert info.location.line == 131
    written = edimap.write(invoice, format="eancom", sender="5798000000001",
                           recipient="5790000274017", control_ref="1").decode("latin-1")
    assert "ALC+C++++:::Registreringsafgift'MOA+23:78169.00'TAX+7+VAT+++:::0+Z'" in written
    assert "MOA+9:180000.00'" in written
    (back,) = edimap.read(written.encode("latin-1")).documents
    assert back.payable == Decimal("180000.00")


def test_a_standard_rated_duty_is_a_charge_at_the_documents_standard_rate(
        shared: Path, tmp_path: Path) -> None:
    source = shared / "corpus/ubl/oioubl-gobl/excise-registration-tax_real.xml"
    changed = tmp_path / "duty.xml"
    changed.write_bytes(source.read_bytes().replace(
        b">ZeroRated</cbc:TaxTypeCode>", b">StandardRated</cbc:TaxTypeCode>"))
    (item,) = edimap.read(changed, profile="tolerant").items
    assert item.document is not None
    duty = item.document.allowance_charges[-1]
    assert (duty.tax_category, duty.tax_percent) == (edimap.model.TaxCategory.STANDARD,
                                                     Decimal("25.00"))
    (info,) = [f for f in item.findings if f.code == "UBL-DUTY-AS-CHARGE"]
    assert "StandardRated (25 % VAT)" in info.message


def test_a_wrong_gln_endpoint_is_an_error_only_where_nemhandel_routes_by_it() -> None:
    invoice = edimap.read(Path(__file__).resolve().parent.parent / "fixtures" /
                          "invoice.json").documents[0]
    xml = edimap.write(invoice, format="oioubl")
    party = (b'<cac:DeliveryParty><cbc:EndpointID schemeID="GLN">5798000416607'
             b'</cbc:EndpointID><cac:PartyName><cbc:Name>Lager</cbc:Name></cac:PartyName>'
             b'</cac:DeliveryParty></cac:Delivery>')
    delivery = xml.replace(b"</cac:Delivery>", party, 1)
    (item,) = edimap.read(delivery).items
    assert item.ok, [str(f) for f in item.findings if f.is_error]
    (warning,) = [f for f in item.findings if "5798000416607" in f.message]
    assert (warning.code, warning.severity) == ("UBL-IDENTIFIER", edimap.Severity.WARNING)
    # The seller's endpoint routes the document: a wrong one is an error.
    seller = xml.replace(b">5798000000001</cbc:EndpointID>", b">5798000000002</cbc:EndpointID>",
                         1)
    (item,) = edimap.read(seller).items
    assert not item.ok
    assert [f.code for f in item.findings if f.is_error] == ["UBL-ENDPOINT"]


def test_a_stated_charge_total_counts_the_duties_read_as_charges(shared: Path,
                                                                  tmp_path: Path) -> None:
    source = shared / "corpus/ubl/oioubl-gobl/excise-registration-tax_real.xml"
    stated = tmp_path / "charges.xml"
    stated.write_bytes(source.read_bytes().replace(
        b'<cbc:AllowanceTotalAmount currencyID="DKK">0.40</cbc:AllowanceTotalAmount>',
        b'<cbc:AllowanceTotalAmount currencyID="DKK">0.40</cbc:AllowanceTotalAmount>'
        b'<cbc:ChargeTotalAmount currencyID="DKK">0.00</cbc:ChargeTotalAmount>', 1))
    (invoice,) = edimap.read(stated).documents
    assert invoice.charge_total == Decimal("78169.00")
    written = edimap.write(invoice, format="eancom", sender="5798000000001",
                           recipient="5790000274017", control_ref="1")
    assert b"MOA+9:180000.00'" in written


def test_a_price_for_another_unit_with_its_factor_is_read_per_the_lines_unit(
        installed: Path) -> None:
    # Two cases of twelve at 12.50 a piece: the rules hold the line to 2 × 12.50 × 12.
    invoice = edimap.read(Path("fixtures/invoice.json")).documents[0]
    data = edimap.write(invoice, format="oioubl").decode()
    data = data.replace('<cbc:InvoicedQuantity unitCode="EA">24.00<',
                        '<cbc:InvoicedQuantity unitCode="CS">2<', 1)
    data = data.replace('<cbc:BaseQuantity unitCode="EA">1</cbc:BaseQuantity>',
                        '<cbc:BaseQuantity unitCode="EA">1</cbc:BaseQuantity>'
                        "<cbc:OrderableUnitFactorRate>12</cbc:OrderableUnitFactorRate>", 1)
    assert [f for f in edimap.validate(data.encode(), format="oioubl") if f.is_error] == []
    result = edimap.read(data.encode(), format="oioubl")
    line = result.documents[0].lines[0]
    assert (line.quantity, line.unit, line.price, line.line_amount) == (
        Decimal("2"), "CS", Decimal("150.00"), Decimal("300.00"))
    (read_so,) = [f for f in result.all_findings if f.code == "UBL-PRICE-PER-UNIT"]
    assert read_so.message.startswith("price 12.50 per 1 EA × OrderableUnitFactorRate 12 = "
                                      "150.00 per CS")
    eancom = edimap.write(result.documents[0], format="eancom")
    assert b"QTY+47:2:CS'" in eancom
    assert b"PRI+AAA:150.00'" in eancom
