"""Writers carry what they can and refuse, with a location, only what the target requires
and neither the document nor the profile gives: the fixture invoice and order, changed
one field at a time, written through the pipeline with the official rules checking the
output."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

import edimap
from edimap.model import Document, Invoice, Order, Party
from edimap.pipeline import Outcome, write_document
from edimap.profiles import Profile, ProfileSet

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture(name: str) -> Any:
    return edimap.read(FIXTURES / name).documents[0]


def written(document: Document, target: str, profile: Profile | None = None,
            **options: str) -> tuple[bool, list[edimap.Finding], bytes | None]:
    """(converted, findings, bytes) of ``document`` written as ``target``."""
    settings: dict[str, Any] = {"control_ref": "1", **options}
    if profile is not None:
        settings["profiles"] = ProfileSet.of(profile)
    outcome = write_document(Outcome("in.json", document.id, True, (), document=document),
                             edimap.formats.get(target), settings)
    return (outcome.converted, [edimap.Finding.from_dict(f) for f in outcome.findings],
            outcome.data)


def coded(findings: list[edimap.Finding], code: str) -> list[edimap.Finding]:
    return [f for f in findings if f.code == code]


def converted(document: Document, target: str, profile: Profile | None = None,
              **options: str) -> tuple[list[edimap.Finding], bytes]:
    """(findings, bytes) of ``document`` written as ``target``, which must convert."""
    ok, findings, data = written(document, target, profile, **options)
    assert ok, [str(f) for f in findings if f.is_error]
    assert data is not None
    return findings, data


def refusal_of(document: Document, target: str) -> edimap.Finding:
    """The one WRITE-REFUSED finding of writing ``document`` as ``target``."""
    ok, findings, data = written(document, target)
    assert not ok
    assert data is None
    (refusal,) = coded(findings, "WRITE-REFUSED")
    return refusal


def note_at(findings: list[edimap.Finding], field: str) -> edimap.Finding:
    """The one WRITE-NOT-CARRIED note at ``field``."""
    (note,) = [f for f in coded(findings, "WRITE-NOT-CARRIED") if f.location.field == field]
    return note


def test_an_invoice_to_a_buyer_without_gln_is_addressed_to_its_cvr_number(
        installed: Path) -> None:
    invoice: Invoice = fixture("invoice.json")
    buyer = attrs.evolve(invoice.buyer, gln=None)
    ok, findings, data = written(attrs.evolve(invoice, buyer=buyer), "eancom")
    assert ok, findings
    assert data is not None
    assert b"+5798000000001:14+13585628:ZZ+" in data  # UNB S002, S003
    (note,) = [f for f in coded(findings, "WRITE-NOT-CARRIED") if f.location.field ==
               "buyer.gln"]
    assert "its CVR number 13585628 stands in under qualifier ZZ" in note.message
    assert "--recipient names another" in note.message
    # An option still wins, under GLN's qualifier.
    findings, data = converted(attrs.evolve(invoice, buyer=buyer), "eancom",
                                 recipient="5790000274017")
    assert b"+5790000274017:14+" in data


def test_a_reference_type_that_is_no_rff_qualifier_is_noted_not_written(
        installed: Path) -> None:
    order: Order = fixture("order.json")
    refs = (edimap.DocumentReference(kind="Timesheet", id="TS-1"),
            edimap.DocumentReference(kind="CT", id="K-9"))
    ok, findings, data = written(attrs.evolve(order, references=refs), "eancom")
    assert ok, findings
    assert data is not None
    assert b"RFF+CT:K-9'" in data
    assert b"TS-1" not in data
    (note,) = coded(findings, "WRITE-NOT-CARRIED")
    assert note.location.field == "references[0]"
    assert "'Timesheet' is none" in note.message


def test_an_invoice_line_without_price_takes_its_amount_over_its_quantity(
        installed: Path) -> None:
    invoice: Invoice = fixture("invoice.json")
    line = attrs.evolve(invoice.lines[0], price=None)  # 24 PCE, 300.00
    findings, data = converted(attrs.evolve(invoice, lines=(line, *invoice.lines[1:])),
                                 "oioubl")
    assert b">12.50</cbc:PriceAmount>" in data
    assert "(12.50) stands in" in note_at(findings, "lines[0].price").message
    # A division that does not come out exact is refused at the line, not rounded.
    odd = attrs.evolve(line, quantity=Decimal(7))
    refusal = refusal_of(attrs.evolve(invoice, lines=(odd, *invoice.lines[1:])), "oioubl")
    assert refusal.location.field == "lines[0].price"
    assert "add the price (PRI)" in refusal.message


@pytest.mark.parametrize("unit", ["GBND",  # no Rec 20 code at all
                                  "BOU"])  # Rec 20's shape, not on the rules' list
def test_a_unit_that_is_no_rec20_code_is_refused_naming_the_units_setting(
        installed: Path, unit: str) -> None:
    # Refused before writing (F-LIB318), at each line, all at once.
    order: Order = fixture("order.json")
    lines = tuple(attrs.evolve(line, unit=unit) for line in order.lines)
    ok, findings, _ = written(attrs.evolve(order, lines=lines), "oioubl")
    assert not ok
    refusals = coded(findings, "WRITE-REFUSED")
    assert [f.location.field for f in refusals] == [f"lines[{n}].unit"
                                                    for n in range(len(lines))]
    assert "(F-LIB318)" in refusals[0].message
    assert f"[units] {unit} = \"EA\"" in refusals[0].message
    assert not coded(findings, "WRITE-INVALID")


def test_payment_means_without_the_account_its_code_needs_are_left_out_and_noted(
        installed: Path) -> None:
    # OIOUBL does not require payment means; it requires an account for code 31.
    invoice: Invoice = fixture("invoice.json")
    sound = invoice.payment_means[0]
    means = (edimap.PaymentMeans(code="31"), sound, edimap.PaymentMeans(code="ZZZ"))
    ok, findings, data = written(attrs.evolve(invoice, payment_means=means), "oioubl")
    assert ok
    assert not coded(findings, "WRITE-REFUSED")
    noted = {f.location.field: f.message for f in coded(findings, "WRITE-NOT-CARRIED")}
    assert "account or IBAN (F-LIB107) and the bank's BIC (to an IBAN) (F-LIB113)" in noted[
        "payment_means[0]"]
    assert "[own.payment]" in noted["payment_means[0]"]
    assert "F-LIB100" in noted["payment_means[2]"]
    assert data is not None
    assert data.count(b"<cac:PaymentMeans>") == 1
    assert f"<cbc:PaymentMeansCode>{sound.code}<".encode() in data
    # A foreign postgiro's reference is no Danish giro card type; OIOUBL's card payment
    # needs the card account edimap does not carry (Peppol's giro and card snippets).
    foreign = (edimap.PaymentMeans(code="50", account_id="98765432",
                                   payment_id="PgPaymRef-345"),
               edimap.PaymentMeans(code="54", account_id="1234"), sound)
    findings, data = converted(attrs.evolve(invoice, payment_means=foreign), "oioubl")
    assert "a payment id of 01, 04, 15, not 'PgPaymRef-345' (F-LIB147)" in note_at(
        findings, "payment_means[0]").message
    assert "(cac:CardAccount, F-LIB342)" in note_at(findings, "payment_means[1]").message
    assert data.count(b"<cac:PaymentMeans>") == 1


def own_profile(tmp_path: Path, extra: str = "") -> Profile:
    path = tmp_path / "own.toml"
    path.write_text('name = "own"\n[own]\ngln = "5798000000001"\ncvr = "10150817"\n'
                    '[own.payment]\ncode = "42"\naccount_id = "0099999999"\n'
                    'bank_reg_no = "4321"\n' + extra, "utf-8")
    return Profile.load(path)


def test_the_own_account_fills_own_payment_means_only(tmp_path: Path) -> None:
    invoice: Invoice = fixture("invoice.json")
    bare = attrs.evolve(invoice, payment_means=(edimap.PaymentMeans(code="42"),))
    findings: list[edimap.Finding] = []
    data = edimap.write(bare, format="json", profile=own_profile(tmp_path),
                        findings=findings)
    means = edimap.read(data, format="json").documents[0].payment_means
    assert [(m.code, m.account_id, m.bank_reg_no) for m in means] == [
        ("42", "0099999999", "4321")]
    assert [f.location.field for f in findings if f.code == "DEFAULT-APPLIED"] == [
        "payment_means"]
    # Another company's invoice (another CVR number) gets none of ours.
    other = attrs.evolve(bare, seller=attrs.evolve(invoice.seller, gln=None,
                                                   cvr="25313763"))
    findings = []
    data = edimap.write(other, format="json", profile=own_profile(tmp_path),
                        findings=findings)
    document = edimap.read(data, format="json").documents[0]
    assert document.payment_means[0].account_id is None
    assert document.seller.gln is None
    assert not [f for f in findings if f.code == "DEFAULT-APPLIED"]


def test_the_partner_profile_gives_the_buyer_the_endpoint_oioubl_needs(
        installed: Path, tmp_path: Path) -> None:
    order: Order = fixture("order.json")
    store = Party(name="Butik 17", ids=(edimap.PartyId(value="17", scheme="92"),))
    anonymous = attrs.evolve(order, buyer=store)
    ok, findings, _ = written(anonymous, "oioubl")
    assert not ok
    (refusal,) = coded(findings, "WRITE-REFUSED")
    assert refusal.location.field == "buyer"
    assert "(supplied by the partner's identity under [partner] in its profile" in \
        refusal.message
    profile = own_profile(tmp_path, '[partner]\ngln = "5790000274017"\n')
    item = edimap.formats.Item(index=0, reference=order.id, document=anonymous)
    from edimap.profiles.apply import apply

    applied = apply(ProfileSet.of(profile), item)
    assert applied.document is not None
    assert applied.document.buyer is not None
    assert (applied.document.buyer.gln, applied.document.buyer.name) == (
        "5790000274017", "Butik 17")
    assert [f.location.field for f in applied.findings if f.code == "DEFAULT-APPLIED"] \
        == ["buyer.gln"]
    findings, data = converted(applied.document, "oioubl", profile)
    assert b'schemeID="GLN">5790000274017</cbc:EndpointID>' in data


@pytest.mark.parametrize("other", [{"gln": "5790000000005"}, {"cvr": "25313763"}])
def test_the_partner_profile_leaves_a_buyer_that_names_another_company(
        tmp_path: Path, other: dict[str, str]) -> None:
    order: Order = fixture("order.json")
    buyer = Party(name="Butik 17", **other)
    profile = own_profile(tmp_path, '[partner]\ngln = "5790000274017"\ncvr = "13585628"\n')
    item = edimap.formats.Item(index=0, reference=order.id,
                               document=attrs.evolve(order, buyer=buyer))
    from edimap.profiles.apply import apply

    applied = apply(ProfileSet.of(profile), item)
    assert applied.document is not None
    assert applied.document.buyer == buyer


@pytest.mark.parametrize(("means", "code"), [
    (edimap.PaymentMeans(code="30", iban="DK5000400440116243", bic="DABADKKK"), "31"),
    (edimap.PaymentMeans(code="30", account_id="0012345678", bank_reg_no="1234"), "42"),
    (edimap.PaymentMeans(code="42", account_id="0012345678", bank_reg_no="1234"), "42"),
])
def test_peppol_payment_means_codes_are_written_as_oioubls(
        installed: Path, means: edimap.PaymentMeans, code: str) -> None:
    invoice: Invoice = fixture("invoice.json")
    findings, data = converted(attrs.evolve(invoice, payment_means=(means,)), "oioubl")
    assert f">{code}</cbc:PaymentMeansCode>".encode() in data
    notes = [f for f in coded(findings, "WRITE-NOT-CARRIED")
             if f.location.field == "payment_means[0].code"]
    assert len(notes) == (means.code != code)


def test_a_payment_means_code_oioubl_lacks_is_left_out_and_noted(installed: Path) -> None:
    invoice: Invoice = fixture("invoice.json")
    means = edimap.PaymentMeans(code="57", account_id="0012345678")
    ok, findings, data = written(attrs.evolve(invoice, payment_means=(means,)), "oioubl")
    assert ok
    (noted,) = [f for f in coded(findings, "WRITE-NOT-CARRIED")
                if f.location.field == "payment_means[0]"]
    assert "payment means code 57 has no OIOUBL equivalent (F-LIB100)" in noted.message
    assert data is not None
    assert b"<cac:PaymentMeans>" not in data


def test_a_peppol_order_translates_to_a_valid_oioubl_order(shared: Path,
                                                          installed: Path) -> None:
    (item,) = edimap.read(shared / "corpus" / "ubl" / "peppol-bis3" /
                          "ordering-Order_Example.xml").items
    order = item.document
    assert isinstance(order, Order)
    assert order.delivery is not None
    # The delivery location's GLN and address join the delivery party's name and id.
    assert (order.delivery.gln, order.delivery.name, order.delivery.address.city
            if order.delivery.address else None) == (
        "7300010000001", "Helseavdeling", "Lørenskog")
    # Peppol: PriceAmount is the price, BaseAmount the gross price, line allowances apart.
    first = order.lines[0]
    assert (first.price, first.gross_price, len(first.allowance_charges)) == (
        Decimal("50.000"), Decimal("60.00"), 2)
    findings, data = converted(order, "oioubl")
    assert b"SalesOrderID" not in data
    noted = {f.location.field for f in coded(findings, "WRITE-NOT-CARRIED")}
    assert {"seller_order_id", "lines[0].allowance_charges[0]",
            "lines[0].allowance_charges[1]", "lines[0].price"} <= noted


def test_an_endpoint_oioubl_would_refuse_gives_way_to_the_next_identifier(
        installed: Path) -> None:
    # The Peppol examples' seller: EAS 0088 with 19 digits, and a foreign VAT number.
    invoice: Invoice = fixture("invoice.json")
    seller = attrs.evolve(invoice.seller, gln=None, cvr=None, vat_id="GB1232434",
                          endpoint_id="9482348239847239874", endpoint_scheme="0088")
    findings, data = converted(attrs.evolve(invoice, seller=seller), "oioubl")
    assert b'<cbc:EndpointID schemeID="GB:VAT">GB1232434</cbc:EndpointID>' in data
    skipped = [f for f in coded(findings, "WRITE-NOT-CARRIED")
               if f.location.field == "seller.endpoint_id" and "F-LIB181" in f.message]
    assert len(skipped) == 1
    assert "9482348239847239874 is not a GLN OIOUBL takes: it has 19 characters, not 13 " \
           "(F-LIB181); the VAT number stands in" in skipped[0].message


def test_a_mistaken_gln_with_nothing_to_stand_in_is_refused_at_the_gln(
        installed: Path) -> None:
    order: Order = fixture("order.json")
    buyer = Party(gln="PARTNER1", name="Kunde")
    ok, findings, data = written(attrs.evolve(order, buyer=buyer), "oioubl")
    assert not ok
    assert data is None
    (refusal,) = coded(findings, "WRITE-REFUSED")
    assert refusal.location.field == "buyer.gln"
    assert "PARTNER1 is not a GLN OIOUBL takes: it has 8 characters, not 13 (F-LIB181)" \
        in refusal.message
    # Not "supplied by [partner]": a partner profile does not replace a GLN the buyer has.
    assert "[partner]" not in refusal.message
    assert "correct it in the input" in refusal.message


def test_a_refusal_for_totals_names_a_standard_rate_of_zero_as_the_cause(
        shared: Path) -> None:
    # The gobl credit note: an allowance StandardRated at 0 % (BR-S-06), while the stated
    # VAT base counts it at 25 %.
    source = shared / "corpus/ubl/oioubl-gobl/negative-rounding_real.xml"
    (note,) = edimap.read(source).documents
    ok, findings, _ = written(note, "eancom", sender="5798000000001",
                              recipient="5790000274017")
    assert not ok
    first, *rest = coded(findings, "WRITE-REFUSED")
    assert first.location.field == "allowance_charges[0]"
    assert "is standard rated (S) at 0 %, which BR-S-06 forbids" in first.message
    assert [f.location.field for f in rest] == ["tax_total", "payable", "tax_subtotals[0]"]


def test_every_refusal_of_a_document_is_given_at_once(installed: Path) -> None:
    # A buyer known only by a mutually defined number and a partner's own unit: both
    # refusals come in one run, so one correction round is enough.
    order: Order = fixture("order.json")
    buyer = Party(name="Kunde", ids=(edimap.model.PartyId(value="5450534008617",
                                                           scheme="ZZ"),))
    lines = (attrs.evolve(order.lines[0], unit="GBND"), *order.lines[1:])
    ok, findings, _ = written(attrs.evolve(order, buyer=buyer, lines=lines), "oioubl")
    assert not ok
    refusals = coded(findings, "WRITE-REFUSED")
    assert [f.location.field for f in refusals] == ["buyer", "lines[0].unit"]
    assert "(its identifiers, 5450534008617 under ZZ, are from no register OIOUBL routes " \
           "by)" in refusals[0].message


def _without_stated_totals(invoice: Invoice) -> Invoice:
    return attrs.evolve(invoice, tax_subtotals=(), line_total=None, tax_total=None,
                        payable=None, allowance_total=None, charge_total=None)


def test_vat_oioubl_cannot_state_is_refused_at_the_line_naming_the_rule(
        installed: Path) -> None:
    invoice = _without_stated_totals(fixture("invoice.json"))
    cases = [
        # Lower rate: OIOUBL has no category for it.
        ({"tax_category": edimap.model.TaxCategory.LOWER_RATE, "tax_percent": Decimal(12)},
         "lines[1].tax_category", "OIOUBL has no tax category for UNCL 5305 AA (F-LIB309)"),
        # Two standard rates: OIOUBL has one TaxSubtotal per category.
        ({"tax_percent": Decimal(15)},
         "tax_subtotals", "(F-LIB315), and this invoice has S at 15 % and 25 %"),
    ]
    for change, field, says in cases:
        line = attrs.evolve(invoice.lines[1], **change)
        ok, findings, _ = written(attrs.evolve(invoice, lines=(invoice.lines[0], line)),
                                  "oioubl")
        assert not ok
        (refusal,) = coded(findings, "WRITE-REFUSED")
        assert refusal.location.field == field
        assert says in refusal.message


def test_exempt_vat_is_written_to_oioubl_as_zero_rated_joining_its_subtotal(
        installed: Path) -> None:
    # As NemHandel's own Peppol-to-OIOUBL conversion writes it: both are VAT at 0 %.
    invoice = fixture("invoice.json")
    Z, E = edimap.model.TaxCategory.ZERO, edimap.model.TaxCategory.EXEMPT
    zero = attrs.evolve(invoice.lines[0], tax_category=Z, tax_percent=Decimal(0))
    exempt = attrs.evolve(invoice.lines[1], tax_category=E, tax_percent=Decimal(0))
    stated = edimap.totals.with_computed_totals(attrs.evolve(
        invoice, lines=(zero, exempt), tax_subtotals=()))
    categories = [s.category for s in stated.tax_subtotals]
    assert sorted(categories) == sorted([Z, E])
    findings, data = converted(stated, "oioubl")
    from lxml import etree

    root = etree.fromstring(data)
    cac = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
    assert len(root.findall(f"{cac}TaxTotal/{cac}TaxSubtotal")) == 1  # the document's
    assert b">E</cbc:ID>" not in data
    for field in ("lines[1].tax_category", f"tax_subtotals[{categories.index(E)}].category"):
        assert "E has no OIOUBL tax category (F-LIB309): written as ZeroRated at 0 %" in \
            note_at(findings, field).message
    (back,) = edimap.read(data).documents
    assert isinstance(back, Invoice)
    assert (back.lines[1].tax_category, back.payable) == (Z, stated.payable)


def test_piece_and_package_units_oioubl_lacks_are_written_as_its_own(installed: Path) -> None:
    invoice = _without_stated_totals(fixture("invoice.json"))
    lines = (attrs.evolve(invoice.lines[0], unit="H87"), attrs.evolve(invoice.lines[1],
                                                                      unit="XBX"))
    findings, data = converted(attrs.evolve(invoice, lines=lines), "oioubl")
    assert b'unitCode="EA">' in data
    assert b'unitCode="BX">' in data
    assert "no H87 (piece): written as EA (each)" in note_at(findings, "lines[0].unit").message
    assert "XBX is a UN/ECE Rec 21 package code OIOUBL's units lack: written as BX" in \
        note_at(findings, "lines[1].unit").message
    pallets = attrs.evolve(invoice, lines=(lines[0], attrs.evolve(lines[1], unit="XPX")))
    refusal = refusal_of(pallets, "oioubl")  # no PX in OIOUBL's units
    assert refusal.location.field == "lines[1].unit"


def _returned(invoice: Invoice, charge: edimap.model.AllowanceCharge) -> Invoice:
    """``invoice`` with every line's quantity and amount negative (goods returned) and
    ``charge``, its totals as they come out."""
    lines = [attrs.evolve(line, quantity=-line.quantity, line_amount=-line.line_amount)
             for line in invoice.lines]
    return edimap.totals.with_computed_totals(_without_stated_totals(attrs.evolve(
        invoice, lines=lines, allowance_charges=(charge,))))


def test_a_negative_invoice_is_written_to_oioubl_as_a_credit_note_with_signs_turned(
        installed: Path) -> None:
    # Peppol's negative invoice correction; NemHandel's conversion writes a credit note.
    invoice = fixture("invoice.json")
    negative = _returned(invoice, edimap.model.AllowanceCharge(
        is_charge=True, amount=Decimal("10.00"), reason="Gebyr"))
    assert negative.payable is not None
    assert negative.payable < 0
    findings, data = converted(negative, "oioubl")
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<CreditNote ")
    assert "written as a credit note with every amount's sign turned" in note_at(
        findings, "kind").message
    assert edimap.formats.get("oioubl").output_name(negative) == f"CreditNote-{invoice.id}.xml"
    (back,) = edimap.read(data).documents
    assert isinstance(back, Invoice)
    assert back.kind is edimap.model.DocumentKind.CREDIT_NOTE
    assert (back.payable, back.line_total) == (-negative.payable, -negative.line_total)
    assert [line.quantity for line in back.lines] == [line.quantity for line in invoice.lines]
    # The fee charged on the negative invoice is an allowance on the credit note.
    assert [(a.is_charge, a.amount) for a in back.allowance_charges] == [(False,
                                                                          Decimal("10.00"))]


def test_a_negative_invoice_with_a_signed_charge_is_an_eancom_credit_note() -> None:
    # ALC states amounts unsigned; turned, the charge of -25 is one of 25 on a credit note.
    invoice = fixture("invoice.json")
    negative = _returned(invoice, edimap.model.AllowanceCharge(
        is_charge=True, amount=Decimal("-25"), reason="Insurance"))
    findings, data = converted(negative, "eancom")
    assert b"BGM+381+" in data
    assert b"ALC+C++++:::Insurance'MOA+23:25'" in data
    assert "with every amount's sign turned" in note_at(findings, "kind").message
    assert edimap.formats.get("eancom").output_name(negative) == \
        f"CreditNote-{invoice.id}.edi"
    (back,) = edimap.read(data).documents
    assert isinstance(back, Invoice)
    assert negative.payable is not None
    assert (back.kind, back.payable) == (edimap.model.DocumentKind.CREDIT_NOTE,
                                         -negative.payable)


def test_a_contact_id_longer_than_cta_holds_is_left_out_of_eancom_and_noted() -> None:
    invoice: Invoice = fixture("invoice.json")
    seller = attrs.evolve(invoice.seller, contact=edimap.model.Contact(
        id="support@nemhandel.dk", name="Support"))
    findings, data = converted(attrs.evolve(invoice, seller=seller), "eancom")
    assert b"CTA+IC+:Support'" in data
    assert "CTA C056 3413 holds 17 characters and 'support@nemhandel.dk' has 20" in note_at(
        findings, "seller.contact.id").message


def test_a_value_too_long_for_its_element_is_refused_naming_the_documents_field() -> None:
    invoice: Invoice = fixture("invoice.json")
    long = "PO-" + "9" * 40
    ok, findings, _ = written(attrs.evolve(invoice, order_id=long), "eancom")
    assert not ok
    (invalid,) = coded(findings, "WRITE-INVALID")
    assert (invalid.location.segment_tag, invalid.location.element,
            invalid.location.field) == ("RFF", 1, "order_id")
    assert invalid.message.endswith(f"RFF 1154 is an..35: {long!r} has 43 characters (the "
                                    "document's order_id: correct it in the input)")


def test_a_long_item_description_goes_on_in_the_next_imd_and_reads_back_whole() -> None:
    # Item names from ERPs overrun IMD's two lines of 35; EANCOM repeats IMD for them.
    invoice: Invoice = fixture("invoice.json")
    name = "Hejsetavle med " + "ekstra lang beskrivelse " * 5 + "og beslag"
    long = attrs.evolve(invoice, lines=(attrs.evolve(invoice.lines[0], description=name),
                                        *invoice.lines[1:]))
    for version in ("d96a", "d01b"):
        _, data = converted(long, "eancom", version=version)
        assert data.count(b"IMD+F++:::") == 3 + len(invoice.lines) - 1
        (back,) = edimap.read(data).documents
        assert isinstance(back, Invoice)
        assert back.lines[0].description == name
    order: Order = fixture("order.json")
    long_order = attrs.evolve(order, lines=(attrs.evolve(order.lines[0], description=name),
                                            *order.lines[1:]))
    _, data = converted(long_order, "eancom")
    assert edimap.read(data).documents[0].lines[0].description == name
    refusal = refusal_of(attrs.evolve(long, lines=(attrs.evolve(
        invoice.lines[0], description="x " * 400),)), "eancom")
    assert refusal.location.field == "lines[0].description"
    assert "longer than 10 IMD segments carry (700 characters)" in refusal.message


def test_a_negative_allowance_reads_and_eancom_refuses_it_by_its_path() -> None:
    invoice = _without_stated_totals(fixture("invoice.json"))
    charge = edimap.model.AllowanceCharge(is_charge=True, amount=Decimal("-25"),
                                          reason="Insurance")
    negative = attrs.evolve(invoice, allowance_charges=(charge,))
    back = edimap.read(edimap.write(negative, format="json")).documents[0]
    assert back.allowance_charges[0].amount == Decimal("-25")
    ok, findings, _ = written(negative, "eancom")
    assert not ok
    (refusal,) = coded(findings, "WRITE-REFUSED")
    assert refusal.location.field == "allowance_charges[0].amount"
    assert "EANCOM states an allowance or charge unsigned" in refusal.message


def test_a_vat_register_endpoint_is_written_under_oioubls_scheme(installed: Path) -> None:
    # EAS 9933 (Greece VAT number) is OIOUBL's GR:VAT; a Greek VAT number is EL… in VIES.
    invoice: Invoice = fixture("invoice.json")
    anonymous = attrs.evolve(invoice.seller, gln=None, cvr=None, vat_id=None)
    for seller in (attrs.evolve(anonymous, endpoint_id="EL123456789", endpoint_scheme="9933"),
                   attrs.evolve(anonymous, vat_id="EL123456789")):
        _, data = converted(attrs.evolve(invoice, seller=seller), "oioubl")
        assert b'<cbc:EndpointID schemeID="GR:VAT">EL123456789</cbc:EndpointID>' in data


def test_a_zero_charge_is_left_out_of_oioubl_and_noted(installed: Path) -> None:
    # OCA's orders carry freight of 0 (ALC+C … MOA+23:0); OIOUBL refuses a zero amount.
    order: Order = fixture("order.json")
    free = edimap.model.AllowanceCharge(is_charge=True, amount=Decimal(0),
                                        reason="FRAIS DE PORT")
    findings, data = converted(attrs.evolve(order, allowance_charges=(free,)), "oioubl")
    assert b"FRAIS DE PORT" not in data
    assert "OIOUBL refuses a zero amount (F-LIB019): left out" in note_at(
        findings, "allowance_charges[0]").message


def test_a_zero_charge_left_out_of_an_oioubl_invoice_leaves_no_note_on_its_total(
        installed: Path) -> None:
    invoice: Invoice = fixture("invoice.json")
    free = edimap.model.AllowanceCharge(is_charge=True, amount=Decimal(0), reason="Fragt",
                                        tax_category=edimap.model.TaxCategory.STANDARD,
                                        tax_percent=Decimal(25))
    invoice = _without_stated_totals(attrs.evolve(invoice, allowance_charges=(free,)))
    findings, data = converted(invoice, "oioubl")
    assert b"ChargeTotalAmount" not in data
    assert "F-LIB019" in note_at(findings, "allowance_charges[0]").message
    assert not [f for f in findings if f.location.field == "charge_total"]
    # EANCOM writes the charge, and its total as computed.
    findings, _ = converted(invoice, "eancom")
    assert "written as computed (0.00)" in note_at(findings, "charge_total").message


def test_a_credit_note_with_a_tax_point_date_and_a_prepaid_amount_is_valid_oioubl(
        installed: Path) -> None:
    # UBL 2.0's CreditNote (OIOUBL's) has TaxPointDate before its notes and no
    # PrepaidPayment; the Invoice has both elsewhere.
    import datetime as dt

    invoice = _without_stated_totals(fixture("invoice.json"))
    credit = attrs.evolve(invoice, kind=edimap.model.DocumentKind.CREDIT_NOTE,
                          tax_point_date=dt.date(2026, 11, 30), prepaid=Decimal("10.00"),
                          notes=("Kreditering",))
    _, data = converted(credit, "oioubl")
    assert data.index(b"<cbc:TaxPointDate>") < data.index(b"<cbc:Note>")
    assert b"PrepaidPayment" not in data
    assert b'<cbc:PrepaidAmount currencyID="DKK">10.00</cbc:PrepaidAmount>' in data
    _, data = converted(attrs.evolve(credit, kind=edimap.model.DocumentKind.INVOICE), "oioubl")
    assert data.index(b"<cbc:Note>") < data.index(b"<cbc:TaxPointDate>")
    assert b"<cac:PrepaidPayment>" in data


def test_what_a_refusal_names_supplied_by_partner_profiles_converts(
        shared: Path, installed: Path, tmp_path: Path) -> None:
    # The OCA order names its parties under agency ZZ, no code of list 3055: refused at
    # reading, and under tolerant (ZZ kept as sent) by the OIOUBL writer for its buyer;
    # the partner profile of tools/conformance-partners maps the agency and the unit, and
    # it converts.
    import subprocess
    import sys

    root = FIXTURES.parent
    source = shared / "corpus/edifact/oca_orders_d96a_utf8_in_unoc_pia_alc.txt"
    base = ["convert", str(source), "--to", "oioubl", "-o", f"{tmp_path}/out/",
            "--profile", str(root / "tools" / "conformance-profile.toml")]
    refused = subprocess.run([sys.executable, "-m", "edimap", *base],
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1
    assert "NAD+BY C082 3055 'ZZ' is no code of the agency list" in refused.stderr
    assert '[agencies] says what it means: ZZ = "9"' in refused.stderr
    base_profile = root / "tools" / "conformance-profile.toml"
    lenient = tmp_path / "lenient.toml"  # the agency kept as sent
    lenient.write_text(f'name = "lenient"\nextends = "{base_profile}"\n[severity]\n'
                       'EANCOM-CODE = "warning"\n', "utf-8")
    kept = subprocess.run([sys.executable, "-m", "edimap", *base[:-1], str(lenient)],
                          capture_output=True, text=True, timeout=120)
    assert kept.returncode == 1
    assert "(its identifiers, 5450534008617 under ZZ, are from no register OIOUBL routes " \
           "by)" in kept.stderr
    done = subprocess.run([sys.executable, "-m", "edimap", *base, "--profiles",
                           str(root / "tools" / "conformance-partners")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 converted, 0 failed" in done.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["Order-467819.xml"]


def test_what_oioubl_orders_do_with_lines_named_by_the_buyer_and_with_delivery(
        installed: Path) -> None:
    # A Peppol order: a delivery party named by a contact only, lines named by the buyer.
    order: Order = fixture("order.json")
    assert order.buyer is not None
    delivery = Party(name="Lager Vest", address=order.buyer.address,
                     contact=edimap.model.Contact(name="Jens"))
    findings, data = converted(attrs.evolve(order, delivery=delivery), "oioubl")
    assert b"<cbc:Description>Lager Vest</cbc:Description>" in data  # a DeliveryLocation
    assert "written as a DeliveryLocation" in note_at(findings, "delivery.contact").message
    anonymous = attrs.evolve(order.lines[0], gtin=None, seller_item_id=None,
                             buyer_item_id="B-1")
    findings, data = converted(attrs.evolve(order, lines=(anonymous, *order.lines[1:])),
                               "oioubl")
    # The simple ordering profile needs the seller's number (F-ORD185); advanced does not.
    assert b">Procurement-OrdAdv-BilSim-1.0</cbc:ProfileID>" in data
    assert edimap.read(data, format="oioubl").documents[0].lines[0].buyer_item_id == "B-1"
    note = note_at(findings, "lines[0].seller_item_id")
    assert "1 line(s)" in note.message
    assert "(F-ORD185)" in note.message
    assert b">Procurement-OrdSim-BilSim-1.0</cbc:ProfileID>" in converted(order, "oioubl")[1]


def test_an_address_part_longer_than_nad_holds_is_left_out_and_noted() -> None:
    order: Order = fixture("order.json")
    assert order.buyer is not None
    assert order.buyer.address is not None
    address = attrs.evolve(order.buyer.address, region="Region West")
    buyer = attrs.evolve(order.buyer, address=address)
    findings, data = converted(attrs.evolve(order, buyer=buyer), "eancom")
    assert b"Region West" not in data
    assert "NAD 3229 holds 9 characters and 'Region West' has 11" in note_at(
        findings, "buyer.address.region").message


def test_a_line_with_a_gross_price_and_a_percentage_allowance_is_priced_net(
        installed: Path) -> None:
    # EANCOM INVOIC: QTY+47:40, MOA+203:2160, PRI+AAB:60, ALC+A PCD+1:10 (no MOA, no PRI+AAA).
    invoice = _without_stated_totals(fixture("invoice.json"))
    ten_percent = edimap.model.AllowanceCharge(is_charge=False, percent=Decimal(10))
    line = attrs.evolve(invoice.lines[0], quantity=Decimal(40), price=None,
                        gross_price=Decimal(60), line_amount=Decimal(2160),
                        allowance_charges=(ten_percent,))
    findings, data = converted(attrs.evolve(invoice, lines=(line, *invoice.lines[1:])),
                                 "oioubl")
    assert b">54.00</cbc:PriceAmount>" in data
    assert b'<cbc:Amount currencyID="DKK">240.00</cbc:Amount>' in data
    assert b'<cbc:BaseAmount currencyID="DKK">2400.00</cbc:BaseAmount>' in data
    assert "the line's gross amount (2400.00, quantity × price) is its base" in note_at(
        findings, "lines[0].allowance_charges[0].base_amount").message
    assert "the price after the line's allowances" in note_at(findings,
                                                               "lines[0].price").message


def test_an_order_without_lines_is_refused_by_oioubl_at_lines_and_written_elsewhere(
        installed: Path) -> None:
    # A real order (bots' EAN008 demo) with no LIN at all: EANCOM and JSON carry it.
    order = attrs.evolve(fixture("order.json"), lines=())
    refusal = refusal_of(order, "oioubl")
    assert refusal.location.field == "lines"
    assert "at least one line (cac:OrderLine" in refusal.message
    assert b"CNT+2:0'" in converted(order, "eancom")[1]


def test_a_line_breaking_an_official_rule_is_named_as_the_documents_line(
        installed: Path) -> None:
    # bots' demo order: MOA+203:1 for 10 at 1.00 (F-ORD255 allows ±1.00).
    order: Order = fixture("order.json")
    wrong = attrs.evolve(order.lines[1], line_amount=Decimal("200.00"))
    ok, findings, data = written(attrs.evolve(order, lines=(order.lines[0], wrong)), "oioubl")
    assert not ok
    assert data is None
    (invalid,) = coded(findings, "WRITE-INVALID")
    assert invalid.message.startswith("order 4500012345 was not written as oioubl: the output "
                                      "would break F-ORD255")
    assert invalid.location.field == "lines[1]"
    assert invalid.location.xpath == "/Order[1]/cac:OrderLine[2]/cac:LineItem[1]"


def test_a_text_longer_than_one_ftx_goes_on_in_the_next() -> None:
    words = " ".join(f"ord{n}" for n in range(300))
    order: Order = fixture("order.json")
    long_line = attrs.evolve(order.lines[0], note=words[:1200])
    findings, data = converted(attrs.evolve(order, notes=(words[:800], "kort"),
                                            lines=(long_line, *order.lines[1:])), "eancom")
    back = edimap.read(data, format="eancom").documents[0]
    # A line's FTXs are one note; the header's are one note each, so the split is noted.
    assert back.lines[0].note == words[:1200]
    assert " ".join(back.notes[:3]) == words[:800]
    assert back.notes[3] == "kort"
    assert "written across 3 FTX+AAI, which read back as 3 notes" in note_at(
        findings, "notes[0]").message
    invoice: Invoice = fixture("invoice.json")
    terms = attrs.evolve(invoice.payment_terms, note=words[:600])
    _, data = converted(attrs.evolve(invoice, payment_terms=terms), "eancom")
    assert data.count(b"FTX+AAB") == 2
    read = edimap.read(data, format="eancom").documents[0]
    assert read.payment_terms.note == words[:600]
    assert read.notes == invoice.notes
    too_long = attrs.evolve(order.lines[0], note=words * 3)
    refusal = refusal_of(attrs.evolve(order, lines=(too_long,)), "eancom")
    assert refusal.location.field == "lines[0].note"
    assert "longer than 5 FTX segments carry" in refusal.message


def test_numbers_failing_their_check_digit_are_left_out_of_eancom_unless_tolerated() -> None:
    # The official OIOUBL and Peppol examples carry such GTINs; EANCOM readers refuse them.
    invoice: Invoice = fixture("invoice.json")
    assert invoice.delivery is not None
    bad = attrs.evolve(invoice, delivery=attrs.evolve(invoice.delivery, gln="5798000012378"),
                       lines=(attrs.evolve(invoice.lines[0], gtin="5790000000123"),
                              attrs.evolve(invoice.lines[1], gtin="5790000000124")))
    findings, data = converted(bad, "eancom")
    assert "(EANCOM-GTIN)" in note_at(findings, "lines[1].gtin").message  # each one noted
    assert b"5790000000123" not in data
    assert b"5798000012378" not in data
    assert note_at(findings, "lines[0].gtin").message.endswith(
        "check digit should be 8, not 3: EANCOM readers refuse it (EANCOM-GTIN), so it is "
        "left out; to write it as sent, tolerate EANCOM-GTIN in the document's profile "
        "([severity] EANCOM-GTIN = \"warning\")")
    assert "(EANCOM-GLN)" in note_at(findings, "delivery.gln").message
    back = edimap.read(data, format="eancom")
    assert [f for f in back.all_findings if f.is_error] == []
    assert back.documents[0].lines[0].gtin is None
    # A profile that tolerates them writes them as sent.
    _, kept = converted(bad, "eancom", Profile.builtin("tolerant"))
    assert b"LIN+1++5790000000123:EN'" in kept
    assert b"NAD+DP+5798000012378::9" in kept
    # A GLN among the identifiers goes in NAD C082 as one: held to its check digit too.
    listed = attrs.evolve(invoice.delivery, gln=None, ids=(
        edimap.PartyId(value="5798000012378", scheme="0088"),
        edimap.PartyId(value="12345678", scheme="ZZZ")))
    findings, data = converted(attrs.evolve(invoice, delivery=listed), "eancom")
    assert b"NAD+DP+12345678::ZZZ+" in data
    assert "(EANCOM-GLN)" in note_at(findings, "delivery.ids[0]").message


def test_each_document_in_one_interchange_is_held_to_its_own_profile() -> None:
    import io

    invoice: Invoice = fixture("invoice.json")
    typo = attrs.evolve(invoice, lines=(attrs.evolve(invoice.lines[0], gtin="5790000000123"),
                                        *invoice.lines[1:]))
    out = io.BytesIO()
    sink = edimap.formats.get("eancom").sink(out, control_ref="1")
    assert sink is not None
    sink.add(typo, tolerated=frozenset({"EANCOM-GTIN"}))  # a partner whose typos we keep
    with pytest.warns(edimap.NotCarriedWarning, match="lines.0..gtin"):
        sink.add(attrs.evolve(typo, id="INV-2"))  # under strict: left out
    sink.close()
    assert out.getvalue().count(b"5790000000123") == 1
