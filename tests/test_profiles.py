"""Partner profiles: tolerant reading under an explicit profile, values kept as sent, bad
profile files refused with file, line and key."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import edimap
from edimap import REGISTRY
from edimap.findings import UsageError
from edimap.profiles import TOLERATED, Profile, ProfileSet

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
ORDERS = (FIXTURES / "orders-d96a.edi").read_bytes()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edimap", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def profile_file(tmp_path: Path, text: str, name: str = "partner.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


# --- the built-in profiles ---------------------------------------------------------------


def test_every_tolerated_code_is_registered_and_tolerant_makes_it_a_warning() -> None:
    from edimap._catalogue import codes

    codes()
    tolerant = Profile.builtin("tolerant")
    for code in TOLERATED:
        assert code in REGISTRY, code
        assert tolerant.severity[code] is edimap.Severity.WARNING
    assert Profile.builtin("strict").severity == {}
    with pytest.raises(UsageError, match="no built-in profile 'lenient'"):
        Profile.builtin("lenient")


def test_a_placeholder_gln_is_kept_as_sent_and_written_back_unchanged() -> None:
    data = ORDERS.replace(b"NAD+BY+5790000274017::9", b"NAD+BY+0001::9")
    (strict, _) = edimap.read(data).items
    assert not strict.ok
    (error,) = [f for f in strict.findings if f.is_error]
    assert error.code == "EANCOM-GLN"
    assert (error.location.segment_tag, error.location.element) == ("NAD", 2)
    assert "--profile tolerant" in error.message
    assert 'EANCOM-GLN = "warning"' in error.message
    (item, _) = edimap.read(data, profile="tolerant").items
    assert item.ok
    assert item.profile == "tolerant"
    assert [f.severity.value for f in item.findings if f.code == "EANCOM-GLN"] == ["warning"]
    order = item.document
    assert order is not None
    assert order.buyer is not None
    assert order.buyer.gln == "0001"
    assert '"gln": "0001"' in edimap.write(order, format="json").decode()
    # Written as sent under the profile it was read with; else left out, reported.
    assert b"'NAD+BY+0001::9+" in edimap.write(order, format="eancom", control_ref="1",
                                                profile="tolerant")
    notes: list[edimap.Finding] = []
    assert b"NAD+BY+0001" not in edimap.write(order, format="eancom", control_ref="1",
                                              findings=notes)
    assert [f.location.field for f in notes if "EANCOM-GLN" in f.message] == ["buyer.gln"]
    back = edimap.read(edimap.write(order, format="json"), profile="tolerant").documents
    assert back == (order,)


def test_a_wrong_gtin_and_a_partner_unit_are_kept_as_sent() -> None:
    data = ORDERS.replace(b"5701234567899:EN", b"5701234567898:EN").replace(
        b"QTY+21:24:PCE", b"QTY+21:24:GBND")
    (item, _) = edimap.read(data, profile="tolerant").items
    assert item.ok
    assert item.document is not None
    line = item.document.lines[0]
    assert (line.gtin, line.unit) == ("5701234567898", "GBND")
    unit = next(f for f in item.findings if f.code == "EANCOM-UNIT")
    assert (unit.location.field, unit.location.segment_tag) == ("lines[0].unit", "LIN")


def test_a_document_that_breaks_the_model_fails_with_the_reason_under_tolerant() -> None:
    # The placeholder's error becomes a warning; the repeated line number still stops the
    # order, and the error that says so is given, at the second LIN.
    data = ORDERS.replace(b"NAD+BY+5790000274017::9", b"NAD+BY+0001::9").replace(
        b"LIN+2++5790000100026:EN", b"LIN+1++5790000100026:EN", 1)
    (item, _) = edimap.read(data, profile="tolerant").items
    assert not item.ok
    (error,) = [f for f in item.findings if f.is_error]
    assert error.code == "EANCOM-MODEL"
    assert (error.location.segment_tag, error.location.segment_index,
            error.location.field) == ("LIN", 16, "lines[1].line_id")
    assert error.message == "'1' is used by lines[0] too"


def test_an_official_example_with_a_wrong_endpoint_gln_reads_under_tolerant(
        shared: Path) -> None:
    data = (shared / "corpus/ubl/oioubl-2.02-official/OIOUBL_Order_v2p2.xml").read_bytes()
    data = data.replace(b">5798000416604</cbc:EndpointID>", b">5798000416605</cbc:EndpointID>")
    (strict,) = edimap.read(data).items
    assert [f.code for f in strict.findings if f.is_error] == ["UBL-ENDPOINT"]
    (item,) = edimap.read(data, profile="tolerant").items
    assert item.ok
    assert item.document is not None
    parties = [p for p in (item.document.buyer, item.document.seller) if p is not None]
    assert "5798000416605" in [p.gln for p in parties]  # as sent


TOLERANT_LEFT = {"EANCOM-MISSING", "EANCOM-NUMBER", "EANCOM-DATE",
                 "EANCOM-MESSAGE-UNSUPPORTED"}
"""What stays an error under tolerant: content that is missing or is not a value of its
type, and message types edimap does not map."""


def test_under_tolerant_every_corpus_order_and_invoice_reads_unless_content_is_missing(
        edifact_corpus: list[Path]) -> None:
    read = refused = 0
    for path in edifact_corpus:
        result = edimap.read(path, profile="tolerant")
        for item in result.items:
            if item.ok:
                read += 1
                continue
            refused += 1
            codes = {f.code for f in item.findings if f.is_error}
            assert codes <= TOLERANT_LEFT, (path.name, item.reference, codes)
    assert read >= 25
    assert refused <= read // 3


# --- choosing a profile --------------------------------------------------------------------


def test_the_partner_profile_is_chosen_by_sender_then_gln_then_endpoint(
        tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    profile_file(folder, '[match]\nsenders = ["5790000274017"]\n', "by-sender.toml")
    profile_file(folder, 'extends = "tolerant"\n[match]\nglns = ["5798000000001"]\n',
                 "by-gln.toml")
    profiles = ProfileSet.of("strict", folder)
    first, second = edimap.read(ORDERS, profiles=folder).items
    assert (first.profile, second.profile) == ("by-sender", "by-sender")
    assert first.profile_reason is not None
    assert "UNB sender 5790000274017" in first.profile_reason
    other = ORDERS.replace(b"UNB+UNOC:3+5790000274017:14", b"UNB+UNOC:3+5790000999999:14")
    first, _ = edimap.read(other, profile=profiles).items
    assert first.profile == "by-gln"
    assert "seller GLN 5798000000001" in (first.profile_reason or "")
    chosen, why = profiles.select([("UNB sender", "1"), ("buyer GLN", "2")])
    assert chosen.name == "strict"
    assert why.startswith("no partner profile matches")


def test_two_profiles_for_one_partner_and_a_partner_profile_without_match_are_refused(
        tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    profile_file(folder, '[match]\nglns = ["5790000274017"]\n', "a.toml")
    profile_file(folder, '[match]\nglns = ["5790000274017"]\n', "b.toml")
    with pytest.raises(UsageError, match="both match glns 5790000274017"):
        ProfileSet.of(None, folder)
    (folder / "b.toml").write_text('extends = "tolerant"\n', "utf-8")
    with pytest.raises(UsageError, match="needs a \\[match\\]"):
        ProfileSet.of(None, folder)


# --- defaults and code maps ------------------------------------------------------------------


def test_defaults_and_unit_codes_are_applied_with_an_info_finding_naming_the_profile(
        tmp_path: Path) -> None:
    path = profile_file(tmp_path, 'name = "eurobuyer"\n[defaults]\ncurrency = "EUR"\n'
                                  '[units]\nGBND = "PK"\n')
    data = ORDERS.replace(b"QTY+21:24:PCE", b"QTY+21:24:GBND")
    (item, _) = edimap.read(data, profile=path).items
    assert item.document is not None
    assert item.document.currency == "EUR"
    assert item.document.lines[0].unit == "PK"
    notes = {f.code: f for f in item.findings if f.code in ("DEFAULT-APPLIED",
                                                           "PROFILE-MAPPED")}
    assert notes["DEFAULT-APPLIED"].message == ("currency EUR: not in the document; from "
                                                "profile eurobuyer: defaults.currency")
    assert notes["PROFILE-MAPPED"].message == ("lines[0].unit GBND read as PK (profile "
                                               "eurobuyer: units.GBND)")
    assert "EANCOM-UNIT" not in [f.code for f in item.findings]
    assert item.ok
    (plain, _) = edimap.read(ORDERS).items
    assert plain.document is not None
    assert plain.document.currency == "DKK"
    (default,) = [f for f in plain.findings if f.code == "DEFAULT-APPLIED"]
    assert "edimap's default (the message has no CUX+2)" in default.message


def test_the_own_company_fills_what_the_document_leaves_out(tmp_path: Path) -> None:
    path = profile_file(tmp_path, '''
[own]
gln = "5798000000001"
cvr = "13585628"
name = "Leverandøren A/S"
endpoint_id = "5798000000001"
endpoint_scheme = "GLN"
[own.address]
street = "Industrivej 1"
city = "Vejle"
postal_code = "7100"
country = "DK"
[own.payment]
code = "42"
account_id = "1234567890"
bank_reg_no = "1234"
''')
    (item, _) = edimap.read(ORDERS, profile=path).items
    order = item.document
    assert order is not None
    assert order.seller is not None
    # What the message gives stays as sent (its name); only what it leaves out is filled.
    assert (order.seller.gln, order.seller.cvr, order.seller.name) == (
        "5798000000001", "13585628", "Grøn Grossist ApS")
    filled = sorted(f.location.field or "" for f in item.findings
                    if f.code == "DEFAULT-APPLIED" and "own" in f.message)
    assert filled == ["seller.address", "seller.cvr", "seller.endpoint_id",
                      "seller.endpoint_scheme"]
    invoice = edimap.read(FIXTURES / "invoice.json", profile=path).documents[0]
    assert isinstance(invoice, edimap.Invoice)
    assert invoice.payment_means


# --- bad profiles --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ('name = "x"\n\n[severity]\nEANCOM-GLN = "warn"\n',
     "line 4: severity.EANCOM-GLN: must be one of 'error', 'warning', 'info'"),
    ('[severity]\nEANCOM-GLM = "warning"\n',
     "line 2: severity.EANCOM-GLM: must be a registered finding code"),
    ('[defaults]\ncurrency = "DKK"\nvat = "S"\n',
     "line 3: defaults.vat: unknown key (known here: currency)"),
    ('[winfinans]\nsales_location = "1"\n',
     "line 2: winfinans.sales_location: must be a whole number, not '1'"),
    ('[match]\nsenders = "5790000274017"\n',
     "line 2: match.senders: must be a list of strings"),
    ('colour = "blue"\n', "line 1: colour: unknown key"),
    ('[units]\nGBND = "package"\n', "line 2: units.GBND: must be a UN/ECE Rec 20 unit code"),
    ('[own]\ncvr = "DK13585628"\n[own.addres]\ncity = "Vejle"\n',
     "line 3: own.addres: unknown key"),
    ("[severity\n", "not valid TOML"),
])
def test_a_bad_profile_names_the_file_the_line_and_the_key(tmp_path: Path, text: str,
                                                           message: str) -> None:
    path = profile_file(tmp_path, text)
    with pytest.raises(UsageError) as info:
        Profile.load(path)
    assert str(info.value).startswith(f"profile {path}")
    assert message in str(info.value)


def test_the_cli_refuses_a_bad_profile_with_exit_2_and_shows_a_good_one(tmp_path: Path) -> None:
    bad = profile_file(tmp_path, '[severity]\nEANCOM-GLN = "ignore"\n', "bad.toml")
    proc = cli("convert", str(FIXTURES / "orders-d96a.edi"), "--to", "json", "--profile",
               str(bad))
    assert proc.returncode == 2
    assert f"profile {bad}, line 2: severity.EANCOM-GLN" in proc.stderr
    assert "Traceback" not in proc.stderr
    good = profile_file(tmp_path, 'extends = "tolerant"\n[match]\nsenders = '
                                  '["5790000274017"]\n[winfinans]\nprices = "order"\n',
                        "salling.toml")
    shown = cli("profile", "show", str(FIXTURES / "orders-d96a.edi"), "--profiles",
                str(tmp_path / "none"))
    assert shown.returncode == 2
    (tmp_path / "bad.toml").unlink()
    shown = cli("profile", "show", str(FIXTURES / "orders-d96a.edi"), "--profiles",
                str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    assert "message 1: profile salling" in shown.stdout
    assert f"why: UNB sender 5790000274017 is in match.senders of {good}" in shown.stdout
    assert 'severity.EANCOM-GLN = "warning"' in shown.stdout
    assert 'winfinans.prices = "order"' in shown.stdout


def test_convert_under_tolerant_reads_a_partner_file_strict_refuses(tmp_path: Path) -> None:
    partner = tmp_path / "partner.edi"
    partner.write_bytes(ORDERS.replace(b"5701234567899:EN", b"5701234567898:EN"))
    strict = cli("convert", str(partner), "--to", "json", "--report",
                 str(tmp_path / "strict.json"))
    assert strict.returncode == 1
    assert "--profile tolerant" in strict.stderr
    tolerant = cli("convert", str(partner), "--to", "json", "--profile", "tolerant",
                   "--report", str(tmp_path / "tolerant.json"))
    assert tolerant.returncode == 0, tolerant.stderr
    assert '"gtin": "5701234567898"' in tolerant.stdout
    import json

    report = json.loads((tmp_path / "tolerant.json").read_text("utf-8"))
    assert {entry["profile"] for entry in report["items"]} == {"tolerant"}
    assert Decimal("24") == Decimal(json.loads(tolerant.stdout)[0]["lines"][0]["quantity"])


def test_the_documented_profile_loads_and_every_key_is_documented(tmp_path: Path) -> None:
    from edimap.profiles._toml import KEYS

    doc = (ROOT / "docs" / "profiles.md").read_text("utf-8")
    example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    path = profile_file(tmp_path, example, "salling.toml")
    profile = Profile.load(path)
    assert (profile.name, profile.currency, profile.units["GBND"], profile.prices) == (
        "salling", "DKK", "PK", "order-else-item")
    assert profile.severity["EANCOM-UNUSUAL"] is edimap.Severity.INFO
    assert profile.severity["UBL-ENDPOINT"] is edimap.Severity.WARNING  # from tolerant
    assert profile.own is not None
    assert profile.payment is not None

    def leaves(table: dict[str, object], prefix: str = "") -> list[str]:
        out = []
        for key, spec in table.items():
            if isinstance(spec, dict):
                out += leaves(spec, f"{prefix}{key}.")
            else:
                out.append(f"{prefix}{key}")
        return out

    for key in leaves(KEYS):
        assert f"`{key}" in doc or f"`{key.rsplit('.', 1)[-1]}`" in doc, key


def test_a_partners_qualifiers_are_read_as_the_standard_ones(tmp_path: Path) -> None:
    profile_file(tmp_path, '[match]\nsenders = ["5790000274017"]\n'
                           '[qualifiers.NAD]\nXX = "DP"\n', "partner.toml")
    data = ORDERS.replace(b"NAD+DP+", b"NAD+XX+")
    (plain, _) = edimap.read(data).items
    assert plain.document is not None
    assert plain.document.delivery is None  # NAD+XX means nothing: listed as not carried
    (item, _) = edimap.read(data, profiles=tmp_path).items
    assert item.profile == "partner"
    assert item.document is not None
    assert item.document.delivery is not None
    assert item.document.delivery.gln == "5790000100019"
    (note,) = [f for f in item.findings if f.code == "PROFILE-QUALIFIER"]
    assert note.message == "NAD+XX read as NAD+DP (profile partner: qualifiers.NAD.XX)"
    assert (note.location.segment_tag, note.location.element) == ("NAD", 1)
    bad = profile_file(tmp_path, '[qualifiers.nad]\nXX = "DP"\n', "bad.toml")
    with pytest.raises(UsageError, match=r"line 1: qualifiers\.nad: must be an EDIFACT "
                                         r"segment tag"):
        Profile.load(bad)


def test_write_takes_the_own_company_from_the_profile(tmp_path: Path) -> None:
    path = profile_file(tmp_path, '[own]\ngln = "5798000000001"\nname = "Grossisten"\n')
    order = edimap.read(FIXTURES / "order.json").documents[0]
    assert isinstance(order, edimap.Order)
    bare = edimap.Order(id=order.id, issue_date=order.issue_date, buyer=order.buyer,
                        lines=order.lines)
    with pytest.raises(edimap.ValidationError, match="seller"):
        edimap.write(bare, format="oioubl")
    findings: list[edimap.Finding] = []
    data = edimap.write(bare, format="oioubl", profile=path, findings=findings)
    assert b"5798000000001" in data
    (supplied,) = [f for f in findings if f.code == "DEFAULT-APPLIED"]
    assert supplied.message == "seller Grossisten: not in the document; from profile partner: own"


def test_a_partners_placeholders_and_own_numbers_are_read_as_the_glns_its_profile_names(
        tmp_path: Path) -> None:
    # Test files name the parties PARTNER1; a chain names its stores by numbers of its own.
    path = profile_file(tmp_path, 'name = "p"\n[identities]\nPARTNER1 = "5790000274017"\n'
                                  '"1234" = "5790000100019"\n')
    data = ORDERS.replace(b"NAD+BY+5790000274017::9", b"NAD+BY+PARTNER1::9", 1)
    data = data.replace(b"NAD+DP+5790000100019::9", b"NAD+DP+1234::92", 1)
    (strict, _) = edimap.read(data).items
    assert [(f.code, f.location.field) for f in strict.findings if f.is_error] == [
        ("EANCOM-GLN", "buyer.gln")]
    assert "a partner profile's [identities] names the GLN it stands for" in next(
        f for f in strict.findings if f.is_error).message
    (item, _) = edimap.read(data, profile=path).items
    assert item.ok, [str(f) for f in item.findings if f.is_error]
    document = item.document
    assert document is not None
    assert document.buyer is not None
    assert document.delivery is not None
    assert (document.buyer.gln, document.delivery.gln, document.delivery.ids) == (
        "5790000274017", "5790000100019", ())
    mapped = sorted(f.message for f in item.findings if f.code == "PROFILE-MAPPED")
    assert mapped == ["buyer PARTNER1 read as GLN 5790000274017 (profile p: "
                      "identities.PARTNER1)",
                      "delivery 1234 read as GLN 5790000100019 (profile p: identities.1234)"]
    # A value that is no GLN is refused with the file and key.
    bad = profile_file(tmp_path, '[identities]\nPARTNER1 = "5790000274018"\n', "bad.toml")
    with pytest.raises(UsageError, match=r"identities.*a valid GLN"):
        Profile.load(bad)


def test_a_partners_agency_is_read_as_the_standard_one(tmp_path: Path) -> None:
    # Partners that give their GLNs under the mutually defined agency ZZ.
    path = profile_file(tmp_path, 'name = "zz"\n[agencies]\nZZ = "9"\n"92" = "16"\n')
    data = ORDERS.replace(b"NAD+BY+5790000274017::9", b"NAD+BY+5790000274017::ZZ", 1)
    data = data.replace(b"NAD+DP+5790000100019::9", b"NAD+DP+5790000100018::ZZ", 1)
    (item, _) = edimap.read(data, profile=path).items
    document = item.document
    assert document is not None
    assert document.buyer is not None
    assert (document.buyer.gln, document.buyer.ids) == ("5790000274017", ())
    (mapped,) = [f for f in item.findings if f.code == "PROFILE-MAPPED"]
    assert mapped.message == ("buyer.ids[0] 5790000274017 (ZZ) read as the party's GLN "
                              "(profile zz: agencies.ZZ)")
    assert mapped.location.field == "buyer.gln"
    # A number that is no GLN is kept as sent, and said so.
    assert document.delivery is not None
    assert [i.value for i in document.delivery.ids] == ["5790000100018"]
    (unmapped,) = [f for f in item.findings if f.code == "PROFILE-UNMAPPED"]
    assert "is not read as a GLN: it is no valid GLN (profile zz: agencies.ZZ)" in \
        unmapped.message
    assert not [f for f in item.findings if f.is_error]
    # Without the profile, ZZ is no code of the agency list (3055 has ZZZ): an error at
    # NAD C082 3055, and the number stays an identifier of its own under tolerant.
    (plain, _) = edimap.read(data).items
    assert not plain.ok
    bad = [f for f in plain.findings if f.code == "EANCOM-CODE"]
    assert [(f.location.segment_tag, f.location.element, f.location.component,
             f.location.field) for f in bad] == [("NAD", 2, 3, "buyer.ids[0]"),
                                                  ("NAD", 2, 3, "delivery.ids[0]")]
    assert bad[0].message.startswith("NAD+BY C082 3055 'ZZ' is no code of the agency list")
    (kept, _) = edimap.read(data, profile="tolerant").items
    assert kept.document is not None
    assert kept.document.buyer is not None
    assert kept.document.buyer.gln is None
    assert kept.document.buyer.ids[0].scheme == "ZZ"
