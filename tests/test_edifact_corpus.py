"""Every file of the public EDIFACT corpus reads cleanly or gives exactly the findings listed
here; clean files agree with pydifact, the differential oracle."""

from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path

import pytest

import edimap
from edimap.edifact import EdifactReader, read_interchanges
from edimap.edifact import contrl as contrl_mod
from edimap.edifact.interop import from_pydifact, to_pydifact

MISMATCH = "EDI-CHARSET-MISMATCH"
REPERTOIRE = "EDI-CHARSET-REPERTOIRE"

EXPECTED: dict[str, dict[str, int]] = {
    "bots_aperak_d96a.edi": {},
    "bots_invoic_d96a_ean008_alc_tax_2msg.edi": {},
    "bots_invoic_d96a_unoc_multi_vat_odd.edi": {"EDI-UNH-DUPLICATE-REF": 1},
    "bots_orders_d96a_ali_tod_dtm203.edi": {},
    "bots_orders_d96a_ean008_2msg_unoa2.edi": {},
    "bots_orders_d96a_leading_garbage.edi": {"EDI-PREAMBLE": 1},
    "bots_orders_d96a_linewrapped_mid_segment.edi": {},
    "bots_orders_d96a_two_interchanges.edi": {},
    "edifabric_invoic_d00a_escaped_release.txt": {MISMATCH: 1, REPERTOIRE: 1},
    "edifabric_invoic_d00a_latin1_byte_in_unob.txt": {MISMATCH: 1, REPERTOIRE: 1},
    "edifabric_invoic_d00a_una_pipe_separator.txt": {MISMATCH: 1, REPERTOIRE: 1},
    "edifabric_invoic_d00a_utf8_bom.txt": {"EDI-PREAMBLE": 1, MISMATCH: 1, REPERTOIRE: 1},
    "effektor_contrl_d3_no_segment_terminator.edi": {"EDI-TERMINATOR-NEWLINE": 1},
    "effektor_desadv_d01b_bad_una_smart_quotes.edi": {
        # The typographic quotes join two MEA segments: one segment, one finding.
        "EDI-UNA-INVALID": 1, "EDI-UNZ-MISSING": 1, MISMATCH: 1, "EDI-UNT-COUNT": 1},
    "effektor_orders_d96a_gs1_example_128576.edi": {},
    "effektor_orders_d97a_no_segment_terminator.edi": {"EDI-TERMINATOR-NEWLINE": 1},
    "medcom_contrl_d93a_danish.edi": {},
    "medcom_medref_unoc_latin1_danish_oneline.edi": {},
    "oca_orders_d96a_bad_unt_count.txt": {"EDI-UNT-COUNT": 1},
    "oca_orders_d96a_placeholders_no_gtin.txt": {REPERTOIRE: 1},
    "oca_orders_d96a_utf8_in_unoc_pia_alc.txt": {MISMATCH: 3},
    "phpedifact_orders_d01b_ean010_unescaped_colon.edi": {MISMATCH: 20, "EDI-CHARSET-MORE": 1},
    "phpedifact_paores_release_char_torture.edi": {"EDI-CHARSET-UNKNOWN": 1,
                                                   "EDI-UNT-COUNT": 1},
    "pydifact_invoic_d97a_creditnote_381.edi": {},
    "pydifact_orders_d96a_decimal_comma_no_unz.edi": {"EDI-UNB-DATE": 1,
                                                      "EDI-UNZ-MISSING": 1},
    "pydifact_orders_d96a_wikipedia_de.edi": {"EDI-UNZ-REF": 1},
    "staedi_invoic_d93a_decimal_comma.edi": {MISMATCH: 2, REPERTOIRE: 5},
    "staedi_invoic_d97b_bad.edi": {REPERTOIRE: 1},
    "staedi_invoic_d97b_custom_delimiters_release.edi": {},
    "staedi_orders_eancom_ung_une_group.edi": {"EDI-UNT-COUNT": 1},
}


def _findings(path: Path) -> tuple[list, EdifactReader]:  # type: ignore[type-arg]
    reader = EdifactReader(path)
    messages = list(reader)
    found = list(reader.findings)
    for message in messages:
        found.extend(message.findings)
    return found, reader


def test_every_corpus_file_is_listed(edifact_corpus: list[Path]) -> None:
    assert sorted(p.name for p in edifact_corpus) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_findings(name: str, shared: Path) -> None:
    path = shared / "corpus" / "edifact" / name
    if not path.exists():
        pytest.skip(f"{name} is not in this corpus")
    found, _ = _findings(path)
    assert dict(Counter(f.code for f in found)) == EXPECTED[name]
    for finding in found:
        assert finding.location.source == str(path)
        assert finding.location.offset is not None


def test_bad_unt_count_points_at_the_unt(shared: Path) -> None:
    found, _ = _findings(shared / "corpus/edifact/oca_orders_d96a_bad_unt_count.txt")
    (finding,) = found
    loc = finding.location
    assert (loc.interchange_ref, loc.message_ref, loc.segment_index, loc.segment_tag,
            loc.element, loc.line) == ("2", "000011956901", 21, "UNT", 1, 23)
    assert "UNT says 267" in finding.message


def test_danish_letters_in_unoc(shared: Path) -> None:
    (message,) = EdifactReader(shared / "corpus/edifact/medcom_medref_unoc_latin1_danish_oneline"
                                        ".edi")
    text = " ".join(v for s in message.segments for e in s.elements for o in e for v in o)
    assert "Hillerød" in text
    assert "Vandværksvej" in text


def test_custom_delimiters_and_release(shared: Path) -> None:
    path = shared / "corpus/edifact/staedi_invoic_d97b_custom_delimiters_release.edi"
    (ich,) = read_interchanges(path)
    assert ich.header is not None
    assert ich.header.delimiters == ich.messages[0].delimiters
    assert (ich.header.delimiters.component, ich.header.delimiters.element,
            ich.header.delimiters.terminator) == ("=", "*", "~")
    # "006?415160": the release character is dropped, as before any character.
    assert ich.header.recipient == "006415160"
    assert ich.header.sender == "005435656"


def test_decimal_comma_file_keeps_its_mark(shared: Path) -> None:
    (message,) = EdifactReader(shared / "corpus/edifact/staedi_invoic_d93a_decimal_comma.edi")
    assert message.delimiters.decimal == ","
    amounts = [s.get(1, 2) for s in message.body if s.tag == "MOA"]
    assert "777,4" in amounts


def test_two_interchanges_in_one_file(shared: Path) -> None:
    interchanges = read_interchanges(shared / "corpus/edifact/bots_orders_d96a_two_"
                                              "interchanges.edi")
    assert [len(i.messages) for i in interchanges] == [2, 1]
    assert all(i.trailer is not None for i in interchanges)


def _pydifact_segments(data: bytes) -> list:  # type: ignore[type-arg]
    from pydifact.parser import Parser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(Parser().parse(data.decode("latin-1")))


PYDIFACT_DIVERGES = {
    # pydifact 0.2.3 keeps a line break that a network's hard wrap put inside a value.
    "bots_orders_d96a_linewrapped_mid_segment.edi": "pydifact keeps the wrapped line break",
}


@pytest.mark.parametrize("name", sorted(n for n, f in EXPECTED.items() if not f))
def test_clean_files_agree_with_pydifact(name: str, shared: Path) -> None:
    if name in PYDIFACT_DIVERGES:
        pytest.skip(PYDIFACT_DIVERGES[name])
    path = shared / "corpus" / "edifact" / name
    data = path.read_bytes()
    try:
        theirs = _pydifact_segments(data)
    except Exception as exc:  # pydifact fails on some real files; that is its limitation
        pytest.skip(f"pydifact cannot parse {name}: {type(exc).__name__}")
    ours = [s for ich in read_interchanges(data) for s in
            ([ich.header.segment] if ich.header else []) +
            [seg for m in ich.messages for seg in m.segments] +
            ([ich.trailer] if ich.trailer else [])]
    theirs_plain = [from_pydifact(s).normalized() for s in theirs if s.tag != "UNA"]
    ours_plain = [s.normalized() for s in ours]
    if any(o.tag == "UNG" for o in theirs_plain):
        pytest.skip("pydifact keeps UNG/UNE in the segment list")
    assert ours_plain == theirs_plain
    for segment in ours[:5]:
        if all(len(e) == 1 for e in segment.elements):
            assert from_pydifact(to_pydifact(segment)) == segment


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_edimap_read_and_contrl_never_raise(name: str, shared: Path) -> None:
    path = shared / "corpus" / "edifact" / name
    result = edimap.read(path)
    assert result.format == "eancom"
    assert len(result.items) >= 1
    for ich in read_interchanges(path):
        if ich.header is not None:
            ack = contrl_mod.build(ich)
            errors = [f for f in ich.all_findings if f.severity.value == "error"
                      and f.code.startswith("EDI-")]
            assert ack.accepted == (not errors or (len(ack.rejected_messages) <
                                    len(ich.messages) and not
                                    [f for f in ich.findings if f.severity.value == "error"]))
