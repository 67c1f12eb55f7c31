"""The EDIFACT syntax layer: reading, writing, escaping and envelope findings."""

from __future__ import annotations

import datetime as dt
import io
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import edimap
from edimap.edifact import (
    Delimiters,
    EdifactReader,
    Limits,
    Repeat,
    Segment,
    format_decimal,
    parse_decimal_text,
    read_interchanges,
)
from edimap.edifact.syntax import UNOA_REPERTOIRE, UNOB_REPERTOIRE
from edimap.edifact.writer import (
    ControlNumbers,
    EncodingError,
    InterchangeWriter,
    MessageDraft,
    write_interchange,
)

WHEN = dt.datetime(2026, 11, 25, 8, 30)


def read(data: bytes) -> tuple[list, list]:  # type: ignore[type-arg]
    reader = EdifactReader(data)
    messages = list(reader)
    return messages, reader.findings


def codes(findings: list) -> list[str]:  # type: ignore[type-arg]
    return [f.code for f in findings]


# --- property: write → read is the identity -----------------------------------------------

_SERVICE_POOL = "+:'?*|=~!#^\\@"


def _charset_alphabet(syntax_id: str) -> st.SearchStrategy[str]:
    if syntax_id == "UNOA":
        return st.sampled_from(sorted(UNOA_REPERTOIRE))
    if syntax_id == "UNOB":
        return st.sampled_from(sorted(UNOB_REPERTOIRE))
    if syntax_id == "UNOC":
        return st.sampled_from([chr(c) for c in range(0x20, 0x7F)] +
                               [chr(c) for c in range(0xA0, 0x100)])
    if syntax_id == "UNOD":
        chars = bytes(range(0x20, 0x7F)) + bytes(range(0xA0, 0x100))
        return st.sampled_from(sorted(set(chars.decode("iso8859-2"))))
    return st.characters(blacklist_categories=("Cs", "Cc"))  # UNOY: anything but controls


@st.composite
def interchanges(draw: st.DrawFn) -> tuple[Delimiters, str, int, list[MessageDraft]]:
    syntax_id = draw(st.sampled_from(["UNOA", "UNOB", "UNOC", "UNOD", "UNOY"]))
    version = draw(st.sampled_from([3, 4]))
    pool = draw(st.permutations(_SERVICE_POOL))
    component, element, release, terminator, repetition = pool[:5]
    if syntax_id == "UNOA":  # UNOA service characters must be in the UNOA repertoire
        component, element, release, terminator, repetition = ":", "+", "?", "'", "*"
    delimiters = Delimiters(component, element, draw(st.sampled_from(".,")), release,
                            repetition if version == 4 else " ", terminator)
    specials = delimiters.service_characters() + "??"
    alphabet = _charset_alphabet(syntax_id)
    value = st.lists(alphabet | st.sampled_from(specials), max_size=12).map("".join)
    occurrence = st.lists(value, min_size=1, max_size=4)
    max_occ = 3 if version == 4 else 1
    element_st = st.lists(occurrence, min_size=1, max_size=max_occ)
    tag = st.text(string.ascii_uppercase, min_size=3, max_size=3).filter(
        lambda t: not t.startswith("UN"))
    segment = st.builds(lambda t, els: Segment(t, [tuple(map(tuple, e)) for e in els]),
                        tag, st.lists(element_st, max_size=6))
    messages = [
        MessageDraft(reference=str(i), identifier=("ORDERS", "D", "96A", "UN", "EAN008"),
                     body=draw(st.lists(segment, max_size=6)))
        for i in range(1, draw(st.integers(1, 3)) + 1)
    ]
    return delimiters, syntax_id, version, messages


@given(interchanges())
def test_write_then_read_is_identity(case: tuple[Delimiters, str, int, list[MessageDraft]]) -> (
        None):
    delimiters, syntax_id, version, messages = case
    data = write_interchange(messages, sender="5790000274017", recipient="5798000000001",
                             control_ref="42", syntax_id=syntax_id, syntax_version=version,
                             delimiters=delimiters, prepared=WHEN)
    read_back, findings = read(data)
    assert findings == []
    assert [m.findings for m in read_back] == [()] * len(messages)
    assert [m.reference for m in read_back] == [m.reference for m in messages]
    for original, got in zip(messages, read_back, strict=True):
        assert list(got.body) == [s.normalized() for s in original.body]
        assert got.interchange.delimiters == delimiters
    assert write_interchange([m.draft() for m in read_back], sender="5790000274017",
                             recipient="5798000000001", control_ref="42", syntax_id=syntax_id,
                             syntax_version=version, delimiters=delimiters,
                             prepared=WHEN) == data


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4,
                   min_value=-10**9, max_value=10**9), st.sampled_from(".,"))
def test_decimal_round_trip(value: object, mark: str) -> None:
    from decimal import Decimal

    assert isinstance(value, Decimal)
    text = format_decimal(value, Delimiters(decimal=mark))
    assert "E" not in text
    assert Decimal(parse_decimal_text(text) or "x") == value


def test_parse_decimal_text() -> None:
    assert parse_decimal_text("12,50") == "12.50"
    assert parse_decimal_text("-75") == "-75"
    assert parse_decimal_text(".5") == "0.5"
    assert parse_decimal_text("1.000,00") is None
    assert parse_decimal_text("1020A") is None
    assert parse_decimal_text("") is None


# --- release characters, separators, line breaks ------------------------------------------

def test_release_characters_in_every_position() -> None:
    data = (b"UNA:+.? 'UNB+UNOC:3+A:14+B:14+261125:0830+1'UNH+1+ORDERS:D:96A:UN'"
            b"FTX+AAI+++A??B'FTX+AAI+++ENDS WITH?''FTX+AAI+++???'X'FTX+AAI+++A?+B?:C'"
            b"UNT+6+1'UNZ+1+1'")
    (message,), findings = read(data)
    assert findings == []
    assert message.findings == ()
    assert [s.get(4) for s in message.body] == ["A?B", "ENDS WITH'", "?'X", "A+B:C"]


def test_hard_wrapped_lines_inside_values() -> None:
    data = (b"UNB+UNOA:3+A:14+B:14+050819:1727+1'UNH+1+ORDERS:D:96A:UN'DTM+137:200508\r\n"
            b"19:102'UNT+3\n+1'UNZ+1+1'\r\n")
    (message,), findings = read(data)
    assert findings == []
    assert message.findings == ()
    assert message.body[0].components(1) == ("137", "20050819", "102")


def test_newline_as_terminator_is_repaired_with_a_warning() -> None:
    data = b"UNB+UNOC:3+A:14+B:14+261125:0830+1\nUNH+1+ORDERS:D:96A:UN\nBGM+220+1\nUNT+3+1\nUNZ+1+1"
    (message,), findings = read(data)
    assert codes(findings) == ["EDI-TERMINATOR-NEWLINE"]
    assert findings[0].severity.value == "warning"
    assert message.body[0].get(2) == "1"


def test_syntax_4_repetition_without_una() -> None:
    data = (b"UNB+UNOC:4+A:14+B:14+20261125:0830+1'UNH+1+ORDERS:D:01B:UN:EAN010'"
            b"FTX+AAI+++A*B'UNT+3+1'UNZ+1+1'")
    (message,), findings = read(data)
    assert findings == []
    assert message.body[0].occurrences(4) == (("A",), ("B",))


def test_several_interchanges_with_their_own_una() -> None:
    data = (b"UNA:+.? 'UNB+UNOC:3+A:14+B:14+261125:0830+1'UNH+1+X:D:96A:UN'FTX+A'"
            b"UNT+3+1'UNZ+1+1'\r\nUNA=*,? ~UNB*UNOC=3*A=14*B=14*261125=0830*2~"
            b"UNH*7*X=D=96A=UN~FTX*B=1,5~UNT*3*7~UNZ*1*2~")
    reader = EdifactReader(data)
    messages = list(reader)
    assert reader.findings == []
    assert [m.body[0].get(1) for m in messages] == ["A", "B"]
    assert messages[1].body[0].get(1, 2) == "1,5"
    assert messages[1].interchange.delimiters.decimal == ","
    assert [h.control_ref for h, _ in reader.interchanges] == ["1", "2"]


def test_preamble_and_bom() -> None:
    _, findings = read(b"\xef\xbb\xbfUNB+UNOC:3+A:14+B:14+261125:0830+1'UNZ+0+1'")
    assert codes(findings) == ["EDI-PREAMBLE"]
    assert "byte-order mark" in findings[0].message
    _, findings = read(b"From: x\r\n\r\nUNB+UNOC:3+A:14+B:14+261125:0830+1'UNZ+0+1'")
    assert codes(findings) == ["EDI-PREAMBLE"]


# --- envelope findings with exact locations -----------------------------------------------

GOOD = (b"UNB+UNOC:3+5790000274017:14+5798000000001:14+261125:0830+42'\n"
        b"UNH+1+ORDERS:D:96A:UN:EAN008'\nBGM+220+PO1+9'\nDTM+137:20261125:102'\n"
        b"UNT+4+1'\nUNZ+1+42'\n")


def test_good_interchange_has_no_findings() -> None:
    (message,), findings = read(GOOD)
    assert findings == []
    assert message.findings == ()
    assert message.identifier == "ORDERS:D:96A:UN:EAN008"
    assert message.interchange.sender == "5790000274017"


def test_wrong_unt_count_is_located() -> None:
    (message,), _ = read(GOOD.replace(b"UNT+4+1", b"UNT+5+1"))
    (finding,) = message.findings
    assert finding.code == "EDI-UNT-COUNT"
    loc = finding.location
    assert (loc.interchange_ref, loc.message_ref, loc.segment_index, loc.segment_tag,
            loc.element, loc.line, loc.column, loc.offset) == (
        "42", "1", 4, "UNT", 1, 5, 1, GOOD.index(b"UNT"))
    assert finding.message == ("UNT says 5 segments but the message has 4 (UNH and UNT "
                               "included)")


def test_control_counts_padded_with_zeros_state_the_number() -> None:
    padded = GOOD.replace(b"UNT+4+1", b"UNT+000004+1").replace(b"UNZ+1+42", b"UNZ+0001+42")
    (message,), findings = read(padded)
    assert (message.findings, findings) == ((), [])
    (message,), _ = read(GOOD.replace(b"UNT+4+1", b"UNT+0005+1"))
    assert message.findings[0].message.startswith("UNT says 0005 segments but the message "
                                                  "has 4")


def test_wrong_unt_reference() -> None:
    (message,), _ = read(GOOD.replace(b"UNT+4+1", b"UNT+4+2"))
    assert codes(list(message.findings)) == ["EDI-UNT-REF"]
    assert message.findings[0].location.element == 2


def test_unz_count_and_reference() -> None:
    _, findings = read(GOOD.replace(b"UNZ+1+42", b"UNZ+2+43"))
    assert codes(findings) == ["EDI-UNZ-COUNT", "EDI-UNZ-REF"]
    assert findings[0].location.line == 6


def test_missing_unt_and_unz() -> None:
    data = GOOD.split(b"UNT")[0]
    (message,), findings = read(data)
    assert codes(list(message.findings)) == ["EDI-UNT-MISSING"]
    assert codes(findings) == ["EDI-UNZ-MISSING"]


def test_truncated_file() -> None:
    (message,), findings = read(GOOD[: GOOD.index(b"DTM") + 10])
    assert "EDI-TRUNCATED" in codes(list(message.findings))
    assert "EDI-UNT-MISSING" in codes(list(message.findings))
    assert codes(findings) == ["EDI-UNZ-MISSING"]


def test_duplicate_message_reference() -> None:
    msg = b"UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+PO1+9'UNT+3+1'"
    data = b"UNB+UNOC:3+A:14+B:14+261125:0830+42'" + msg + msg + b"UNZ+2+42'"
    messages, findings = read(data)
    assert findings == []
    assert messages[0].findings == ()
    assert codes(list(messages[1].findings)) == ["EDI-UNH-DUPLICATE-REF"]


def test_groups() -> None:
    data = (b"UNB+UNOC:3+A:14+B:14+261125:0830+42'UNG+ORDERS+A:14+B:14+261125:0830+7+UN+"
            b"D:96A'UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNE+2+8'UNZ+1+42'")
    (message,), findings = read(data)
    assert message.group is not None
    assert message.group.reference == "7"
    assert codes(findings) == ["EDI-UNE-COUNT", "EDI-UNE-REF"]


def test_segment_outside_message() -> None:
    data = GOOD.replace(b"UNZ", b"BGM+220+X'UNZ")
    _, findings = read(data)
    assert codes(findings) == ["EDI-SEGMENT-OUTSIDE"]


def test_utf8_in_unoc_is_decoded_and_reported() -> None:
    data = GOOD.replace(b"PO1", "Grøn".encode())
    (message,), _ = read(data)
    assert message.body[0].get(2) == "Grøn"
    assert codes(list(message.findings)) == ["EDI-CHARSET-MISMATCH"]
    assert message.findings[0].location.segment_index == 2


def test_latin1_in_unoc_is_silent() -> None:
    (message,), _ = read(GOOD.replace(b"PO1", "Grøn".encode("latin-1")))
    assert message.body[0].get(2) == "Grøn"
    assert message.findings == ()


def test_lower_case_in_unoa() -> None:
    data = GOOD.replace(b"UNOC", b"UNOA").replace(b"PO1", b"po1")
    (message,), _ = read(data)
    (finding,) = message.findings
    assert finding.code == "EDI-CHARSET-REPERTOIRE"
    assert (finding.location.segment_index, finding.location.element) == (2, 2)


def test_segment_length_limit() -> None:
    data = GOOD.replace(b"PO1", b"X" * 5000)
    (message,), findings = read_with(data, Limits(max_segment_length=1000, chunk_size=64))
    assert "EDI-LIMIT-SEGMENT-LENGTH" in codes(findings + list(message.findings))


@pytest.mark.parametrize("chunk_size", [1 << 20, 64])
def test_segments_over_a_limit_are_skipped_with_their_place_and_the_rest_reads(
        chunk_size: int) -> None:
    data = (b"UNB+UNOC:3+5790000000012:14+5790000000029:14+261125:0830+1'\n"
            b"UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+A'FTX+AAI+++" + b"X" * 300 +
            b"'DTM+137:20261125:102'RFF" + b"+ON" * 60 + b"'UNT+6+1'\n"
            b"UNH+2+ORDERS:D:96A:UN:EAN008'BGM+220+B'UNT+3+2'\nUNZ+2+1'")
    first, second = read_with(data, Limits(max_segment_length=200, max_segment_elements=50,
                                           chunk_size=chunk_size))[0]
    assert [s.tag for s in first.segments] == ["UNH", "BGM", "DTM", "UNT"]
    assert [(f.code, f.location.line, f.location.column, f.location.offset)
            for f in first.findings] == [
        ("EDI-LIMIT-SEGMENT-LENGTH", 2, 40, 99),
        ("EDI-LIMIT-SEGMENT-ELEMENTS", 2, 372, 431)]  # and no UNT count finding: UNT+6
    assert first.findings[0].location.message_ref == "1"
    assert [s.tag for s in second.segments] == ["UNH", "BGM", "UNT"]
    assert second.findings == ()


def read_with(data: bytes, limits: Limits) -> tuple[list, list]:  # type: ignore[type-arg]
    reader = EdifactReader(io.BytesIO(data), limits=limits)
    return list(reader), reader.findings


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_chunk_boundaries_do_not_matter(chunk: int) -> None:
    data = (b"UNA:+.? 'UNB+UNOC:3+A:14+B:14+261125:0830+1'\r\nUNH+1+ORDERS:D:96A:UN'"
            b"FTX+AAI+++A??B?'C?+D'UNT+3+1'UNZ+1+1'")
    expected, _ = read(data)
    got, findings = read_with(data, Limits(chunk_size=chunk))
    assert findings == []
    assert [m.segments for m in got] == [m.segments for m in expected]
    assert got[0].body[0].get(4) == "A?B'C+D"


def test_input_of_many_regions_reads_the_same_from_bytes_and_in_chunks() -> None:
    # Far more than one region of the tokenizer, with escapes, line breaks and Danish
    # letters crossing region and chunk boundaries.
    body = b"".join(
        b"UNH+%d+ORDERS:D:96A:UN:EAN008'\r\nBGM+220+PO%d+9'" % (n, n)
        + b"".join(b"FTX+AAI+++R\xf8dgr\xf8d ?+ fl\xf8de?: %d ?'%d??'\n" % (n, k)
                   for k in range(40))
        + b"UNT+42+%d'" % n for n in range(1, 61))
    data = b"UNB+UNOC:3+A:14+B:14+261125:0830+1'" + body + b"UNZ+60+1'"
    assert len(data) > 90_000
    expected, findings = read(data)
    assert findings == []
    assert len(expected) == 60
    for chunk in (1000, 4093, 1 << 20):
        got, findings = read_with(data, Limits(chunk_size=chunk))
        assert findings == []
        assert [m.segments for m in got] == [m.segments for m in expected]
    last = expected[-1].segments[-2]
    assert last.get(4) == "Rødgrød + fløde: 60 '39?"
    for message in expected:
        for seg in message.segments:
            assert seg.offset is not None
            assert seg.line is not None
            assert data[seg.offset:seg.offset + 3].decode() == seg.tag
    assert (last.line, last.column) == (data[:last.offset].count(b"\n") + 1,
                                        last.offset - data.rfind(b"\n", 0, last.offset))


# --- writer --------------------------------------------------------------------------------

def test_writer_refuses_unencodable_values() -> None:
    body = [Segment.build("NAD", "BY", None, None, "Grøn Grossist")]
    with pytest.raises(EncodingError) as info:
        write_interchange([MessageDraft(reference="1", identifier=("ORDERS", "D", "96A", "UN"),
                                        body=body)],
                          sender="A", recipient="B", control_ref="1", syntax_id="UNOA",
                          prepared=WHEN)
    (finding,) = info.value.findings
    assert finding.code == "EDI-ENCODE"
    assert (finding.location.segment_tag, finding.location.segment_index,
            finding.location.element) == ("NAD", 2, 4)
    with pytest.raises(EncodingError):
        write_interchange([MessageDraft(reference="1", identifier=("X", "D", "96A", "UN"),
                                        body=[Segment.build("FTX", "中")])],
                          sender="A", recipient="B", control_ref="1", prepared=WHEN)


def test_writer_output() -> None:
    out = io.BytesIO()
    writer = InterchangeWriter(out, sender="5790000274017", recipient="5798000000001",
                               control_ref="7", prepared=WHEN, test=True, ack_request="1",
                               syntax_version=4)
    writer.add(MessageDraft(reference="M1", identifier=("ORDERS", "D", "01B", "UN", "EAN010"),
                            body=[Segment.build("FTX", "AAI", None, None, Repeat("A", "B")),
                                  Segment.build("IMD", "F", None, ["", "", "", "50% off: ok?"])]))
    writer.close()
    assert out.getvalue() == (
        b"UNA:+.?*'UNB+UNOC:4+5790000274017:14+5798000000001:14+20261125:0830+7++++1++1'"
        b"UNH+M1+ORDERS:D:01B:UN:EAN010'FTX+AAI+++A*B'IMD+F++:::50% off?: ok??'UNT+4+M1'"
        b"UNZ+1+7'")


def test_control_numbers_persist(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "cn.sqlite"
    store = ControlNumbers(path)
    assert [store.next("A", "B") for _ in range(3)] == ["1", "2", "3"]
    assert ControlNumbers(path).next("A", "B") == "4"
    assert store.next("A", "C") == "1"


def test_read_interchanges_groups_findings() -> None:
    (ich,) = read_interchanges(GOOD.replace(b"UNZ+1+42", b"UNZ+3+42"))
    assert codes(list(ich.findings)) == ["EDI-UNZ-COUNT"]
    assert len(ich.messages) == 1
    assert ich.trailer is not None


def test_reference_ranges_find_duplicates() -> None:
    from edimap.edifact.envelope import _References

    refs = _References()
    order = ["1", "2", "3", "5", "4", "10", "9", "007", "A1", "0"]
    assert [refs.add(r) for r in order] == [True] * len(order)
    assert [refs.add(r) for r in ("3", "4", "10", "007", "A1", "0")] == [False] * 6
    assert [refs.add(r) for r in ("7", "6", "8")] == [True, True, True]
    assert (refs._starts, refs._ends) == ([0], [10])


def test_segment_tags_are_interned_and_read_whatever_their_length() -> None:
    import sys

    data = (b"UNB+UNOC:3+5790000274017:14+5798000000001:14+261125:0830+1'"
            b"UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+PO-1+9'LIN+1'LIN'LI+1'LINE+1'UNT+7+1'"
            b"UNH+2+ORDERS:D:96A:UN:EAN008'LIN+2'UNT+3+2'UNZ+2+1'")
    reader = EdifactReader(data)
    first, second = list(reader)
    assert [s.tag for s in first.segments] == ["UNH", "BGM", "LIN", "LIN", "LI", "LINE", "UNT"]
    assert first.segments[2].tag is sys.intern("LIN")
    assert second.segments[1].tag is first.segments[2].tag


def test_segments_past_the_message_limit_are_skipped_once_reported_and_still_counted() -> None:
    from edimap.edifact import EdifactReader, Limits

    from .conftest import FIXTURES

    data = (FIXTURES / "orders-d96a.edi").read_bytes()
    reader = EdifactReader(data, limits=Limits(max_message_segments=5))
    first, second = list(reader)
    for message in (first, second):
        # The first five, then the UNT that closes the message.
        assert [s.tag for s in message.segments[::5]] == ["UNH", "UNT"]
        assert len(message.segments) == 6
        assert [f.code for f in message.findings] == ["EDI-LIMIT-MESSAGE-SEGMENTS"]
        assert message.findings[0].message == (
            "message has more than 5 segments; the rest were skipped")
    # UNT still counts the skipped segments: no EDI-UNT-COUNT, and the envelope is intact.
    assert reader.findings == []


def test_element_checks_find_what_the_directory_forbids(tmp_path: Path) -> None:
    data = (Path(__file__).parent.parent / "fixtures" / "orders-d96a.edi").read_bytes()
    bad = data.replace(b"BGM+220+4500012345+9'", b"BGM+220+4500012345+9'PAT+30 dage'", 1)
    bad = bad.replace(b"QTY+21:24:PCE", b"QTY+21:24x:PCE")
    path = tmp_path / "bad.edi"
    path.write_bytes(bad)
    findings = [f for f in edimap.validate(path) if f.code.startswith("EANCOM-ELEMENT")]
    by_code = {f.code: f for f in findings}
    length = by_code["EANCOM-ELEMENT-LENGTH"]
    assert length.message.startswith("PAT 4279 is an..3: '30 dage' has 7 characters")
    assert (length.location.segment_tag, length.location.element) == ("PAT", 1)
    number = by_code["EANCOM-ELEMENT-REPRESENTATION"]
    assert number.message == "QTY 6060 is n..15: '24x' is not a number"
    assert (number.location.element, number.location.component) == (1, 2)
    assert not [f for f in edimap.validate(Path(__file__).parent.parent / "fixtures" /
                                           "orders-d96a.edi") if f.is_error]
