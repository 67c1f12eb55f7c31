"""The ORDERS reader takes its most common line segments straight from their text; every
other segment, and every near miss, goes through the general element-by-element reader.
These tests compare the two on the same messages: same order, same findings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edimap
from edimap import Order, OrderLine
from edimap import strategies as eds
from edimap.edifact import Delimiters, EdifactReader, Limits, Message
from edimap.edifact.orders import order_to_message, read_order
from edimap.edifact.writer import write_interchange

WHEN = dt.datetime(2026, 11, 25, 8, 30)

HEAD = ("UNB+UNOC:3+5790000274017:14+5798000000001:14+261125:0830+1'"
        "UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+PO-1+9'DTM+137:20261124:102'"
        "NAD+BY+5790000274017::9'NAD+SU+5798000000001::9'CUX+2:DKK:9'")


def general(message: Message) -> tuple[Order | None, list[edimap.Finding]]:
    """read_order with every segment split first: the general reader for all of them."""
    for segment in message.segments:
        segment.elements  # noqa: B018 - splitting is the point
    return read_order(message)


def both(data: bytes) -> list[tuple[Order | None, list[edimap.Finding]]]:
    fast = [read_order(m) for m in EdifactReader(data)]
    slow = [general(m) for m in EdifactReader(data)]
    assert fast == slow
    for order, _ in fast:
        for line in order.lines if order else ():
            # Lines read whole from their text are built without the model's checks: the
            # checked constructor must take each one as it is.
            assert OrderLine(**{f.name: getattr(line, f.name)
                                for f in attrs.fields(OrderLine)}) == line
    return fast


def interchange(lines: str, una: str = "") -> bytes:
    body = HEAD + lines + "UNS+S'"
    count = body.count("'") - 1  # UNH to UNS, without UNB
    text = una + body + f"UNT+{count + 1}+1'UNZ+1+1'"
    return text.encode("latin-1")


@pytest.mark.parametrize(("lines", "expected"), [
    ("LIN+1++5701234567899:EN'PIA+5+RUG-500:SA'IMD+F++:::Rugbrød 500 g'QTY+21:24:PCE'"
     "PRI+AAA:12.50'",
     {"line_id": "1", "gtin": "5701234567899", "seller_item_id": "RUG-500",
      "description": "Rugbrød 500 g", "quantity": Decimal("24"), "unit": "PCE",
      "price": Decimal("12.50")}),
    ("LIN+7++5701234567899:SRV::9'QTY+21:1,5'PRI+AAB:3,25'",
     {"line_id": "7", "gtin": "5701234567899", "quantity": Decimal("1.5"),
      "gross_price": Decimal("3.25")}),
    ("LIN+1++5701234567899:EN'PIA+1+B-1:IN+S-1:SA'IMD+F++:::Æble?: rød:og grøn'QTY+21:2'",
     {"line_id": "1", "gtin": "5701234567899", "buyer_item_id": "B-1",
      "seller_item_id": "S-1", "description": "Æble: rød og grøn", "quantity": Decimal("2")}),
    ("LIN+1?+A++5701234567899:EN'IMD+F++:::Grøn te???''QTY+21:3:KGM'",
     {"line_id": "1+A", "gtin": "5701234567899", "description": "Grøn te?'",
      "quantity": Decimal("3"), "unit": "KGM"}),
])
def test_common_lines_read_the_same_both_ways(lines: str, expected: dict[str, object]) -> None:
    ((order, findings),) = both(interchange(lines))
    assert findings == []
    assert order is not None
    line = order.lines[0]
    assert {k: getattr(line, k) for k in expected} == expected
    others = {"gtin", "seller_item_id", "buyer_item_id", "description", "unit", "price",
              "gross_price"} - set(expected)
    assert all(getattr(line, k) is None for k in others)
    # and the line segments were read from their text, never split
    (message,) = EdifactReader(interchange(lines))
    read_order(message)
    line_segments = [s for s in message.segments if s.tag in ("LIN", "PIA", "IMD", "QTY",
                                                                "PRI")]
    assert [s._elements for s in line_segments] == [None] * len(line_segments)


# Near misses: each is one character or one element away from a shape read from the
# text, and must get exactly the general reader's fields and findings.
NEAR_MISSES = [
    "LIN+1++5701234567898:EN'QTY+21:1'",  # check digit
    "LIN+1++5701234567899:ZZ'QTY+21:1'",  # not a GTIN type
    "LIN+1+1+5701234567899:EN'QTY+21:1'",  # action code
    "LIN+1++5701234567899:EN+1:1'QTY+21:1'",  # sub-line
    "LIN+++5701234567899:EN'QTY+21:1'",  # no line number
    "LIN+1++5701234567899:EN'PIA+5+A:SA+B:SA'QTY+21:1'",  # ambiguous item number
    "LIN+1++5701234567899:EN'PIA+5+A:SA+A:SA'QTY+21:1'",  # the same one twice
    "LIN+1++5701234567899:EN'PIA+5+A:SA'PIA+5+B:SA'QTY+21:1'",  # twice, two PIAs
    "LIN+1++5701234567899:EN'PIA+1+5701234567899:EN'QTY+21:1'",  # GTIN in PIA
    "LIN+1++5701234567899:EN'PIA+9+A:SA'QTY+21:1'",  # PIA function
    "LIN+1++5701234567899:EN'PIA+5+A:ZZ'QTY+21:1'",  # unknown item number type
    "LIN+1++5701234567899:EN'IMD+F++:::'QTY+21:1'",  # empty description
    "LIN+1++5701234567899:EN'IMD+F+X+:::Te'QTY+21:1'",  # characteristic code
    "LIN+1++5701234567899:EN'IMD+C++X:::Te'QTY+21:1'",  # coded description
    "LIN+1++5701234567899:EN'IMD+F++:::A:B:C'QTY+21:1'",  # unescaped ':' in the text
    "LIN+1++5701234567899:EN'IMD+F++:::A'IMD+F++:::B'QTY+21:1'",  # second description
    "LIN+1++5701234567899:EN'QTY+21:1:pce'",  # not a Rec 20 unit
    "LIN+1++5701234567899:EN'QTY+21:-1'",  # negative
    "LIN+1++5701234567899:EN'QTY+21:1.'",  # no decimals after the mark
    "LIN+1++5701234567899:EN'QTY+21:1'QTY+21:2'",  # given twice
    "LIN+1++5701234567899:EN'QTY+21:1'QTY+21:1'",  # twice, the same
    "LIN+1++5701234567899:EN'QTY+1:1'",  # other qualifier as the quantity
    "LIN+1++5701234567899:EN'QTY+21:1+X'",  # an extra element
    "LIN+1++5701234567899:EN'QTY+21:1'PRI+AAA:2'PRI+AAA:3'",  # price twice
    "LIN+1++5701234567899:EN'QTY+21:1'PRI+AAA:2::::1'",  # unit price basis
    "LIN+1++5701234567899:EN'QTY+21:1'PRI+INV:2'",  # invoice price
    "LIN+1++5701234567899:EN'QTY+21:1'PRI+AAA:2,5,0'",  # not a number
    "LIN+1++5701234567899:EN'QTY+21:1'PRI+AAA:1234567890123456789'",  # too many digits
    "LIN+1++5701234567899:EN'QTY+21:1234567890123456789'",  # 19 digits before the mark
    "LIN+1++5701234567899:EN'QTY+21:1,12345678901'",  # 11 decimals
    "LIN+1++5701234567899:EN'QTY+21:1'PRI+AAB:0.00000000001'",  # 11 decimals
    "LIN+ ++5701234567899:EN'QTY+21:1'",  # a blank line number
    "LIN+1++5701234567899:EN'PIA+5+A:IN+B:BP'QTY+21:1'",  # two buyer's numbers
    "LIN+1++5701234567899:EN'PIA+5+A:IN+A:BP'QTY+21:1'",  # the same one as IN and BP
    "LIN+1++5701234567899:EN'PIA+5+A:SA+B:IN+C:BP'QTY+21:1'",  # three
    "LIN+1++5701234567899:EN'QTY+21:1'PRI+AAB:2'PRI+AAA:3'",  # gross price first
    "LIN+1++5701234567899:EN'IMD+F++:::A'PIA+5+X:SA'QTY+21:1'",  # out of order
    "LIN+1++5701234567899:EN'QTY+21:1'FTX+AAI+++Note'PRI+AAA:2'",  # a note in between
    "LIN+1++5701234567899:EN'QTY+21:1'DTM+2:20261201:102'MOA+203:2'PRI+AAA:2'",
    "LIN+1++5701234567899:EN'QTY+21:1'PRI+AAA:2'CUX+2:EUR:9'",  # currency with the price
    "LIN+1++5701234567899:EN'LIN+2++5701234567899:EN'QTY+21:1'",  # a line without QTY
]


@pytest.mark.parametrize("lines", NEAR_MISSES)
def test_near_misses_read_the_same_both_ways(lines: str) -> None:
    both(interchange(lines))


def test_lines_across_the_readers_stretches_of_input() -> None:
    # 400 lines: far more than one stretch the tokenizer reads in one go, so some lines
    # have their segments in two of them.
    lines = "".join(f"LIN+{n}++5701234567899:EN'PIA+5+ITEM-{n}:SA'IMD+F++:::Vare nr?: {n}'"
                    f"QTY+21:{n}:PCE'PRI+AAA:{n},25'" for n in range(1, 401))
    ((order, findings),) = both(interchange(lines))
    assert findings == []
    assert order is not None
    assert len(order.lines) == 400
    assert [(ln.line_id, ln.description, ln.price) for ln in order.lines[398:]] == [
        ("399", "Vare nr: 399", Decimal("399.25")), ("400", "Vare nr: 400", Decimal("400.25"))]


def test_a_segment_the_tokenizer_left_out_ends_the_run() -> None:
    # The IMD is over the segment length limit: the tokenizer leaves it out (a finding),
    # so the segments after the LIN are no longer the pieces of the text in a row.
    lines = ("LIN+1++5701234567899:EN'IMD+F++:::" + "x" * 150 + "'QTY+21:4:PCE'"
             "LIN+2++5701234567899:EN'QTY+21:5'")
    limits = Limits(max_segment_length=120)
    results = []
    for read in (read_order, general):
        ((order, findings),) = [read(m) for m in EdifactReader(interchange(lines),
                                                                 limits=limits)]
        results.append((order, findings))
    assert results[0] == results[1]
    order, _ = results[0]
    assert order is not None
    assert [(ln.line_id, ln.description, ln.quantity) for ln in order.lines] == [
        ("1", None, Decimal("4")), ("2", None, Decimal("5"))]


def test_segments_whose_position_was_asked_read_the_same() -> None:
    lines = "LIN+1++5701234567899:EN'IMD+F++:::Mælk'QTY+21:4:PCE'PRI+AAA:9,95'"
    (message,) = EdifactReader(interchange(lines))
    for segment in message.segments:
        assert segment.line == 1  # resolves every segment's position
    ((expected, _),) = both(interchange(lines))
    assert read_order(message) == (expected, [])


@pytest.mark.parametrize("una", ["UNA:+.? '", "UNA|^,! ~", "UNA+:.? '"])
def test_other_delimiters(una: str) -> None:
    d = Delimiters(component=una[3], element=una[4], decimal=una[5], release=una[6],
                   terminator=una[8])
    lines = ("LIN+1++5701234567899:EN'PIA+5+A?+B:SA'IMD+F++:::Fløde?: 38%'QTY+21:2,5:PCE'"
             "PRI+AAA:12.5'")
    mapping = str.maketrans({":": d.component, "+": d.element, "?": d.release,
                             "'": d.terminator})
    data = una.encode() + interchange(lines).decode("latin-1").translate(mapping).encode(
        "latin-1")
    ((order, findings),) = both(data)
    assert findings == []
    assert order is not None
    assert (order.lines[0].seller_item_id, order.lines[0].description,
            order.lines[0].quantity) == (f"A{d.element}B", f"Fløde{d.component} 38%",
                                         Decimal("2.5"))


@pytest.mark.parametrize("version", ["d96a", "d01b"])
@settings(max_examples=60, deadline=None)
@given(order=eds.orders(), comma=st.booleans())
def test_generated_orders_read_the_same_both_ways(version: str, order: Order,
                                                  comma: bool) -> None:
    delimiters = Delimiters(decimal="," if comma else ".")
    data = write_interchange(
        [order_to_message(order, reference="1", version=version, delimiters=delimiters)],
        sender="5790000274017", recipient="5798000000001", control_ref="1",
        prepared=WHEN, delimiters=delimiters)
    ((read, _findings),) = both(data)
    assert read == order


def test_corpus_orders_read_the_same_both_ways(edifact_corpus: list[Path]) -> None:
    lines = 0
    for path in edifact_corpus:
        for order, _findings in both(path.read_bytes()):
            lines += len(order.lines) if order is not None else 0
    assert lines > 20
