from __future__ import annotations

import io
from pathlib import Path

import pytest

import edimap
from edimap import EdimapError, SourceError, UsageError

from .conftest import FIXTURES


def test_public_names() -> None:
    import edimap.model
    import edimap.strategies

    assert callable(edimap.read)
    assert callable(edimap.write)
    assert issubclass(edimap.EdimapError, Exception)
    for name in edimap.__all__:
        assert hasattr(edimap, name), name


@pytest.mark.parametrize("kind", ["bytes", "path", "str", "file"])
def test_read_sources(kind: str) -> None:
    path = FIXTURES / "order.json"
    source: object = {
        "bytes": path.read_bytes(), "path": path, "str": str(path),
        "file": io.BytesIO(path.read_bytes()),
    }[kind]
    result = edimap.read(source)  # type: ignore[arg-type]
    assert result.format == "json"
    assert [d.id for d in result] == ["4500012345"]


def test_detect_format() -> None:
    assert edimap.detect_format(b"\xef\xbb\xbf  [") == "json"
    assert edimap.detect_format(b"UNA:+.? 'UNB+UNOC:3") == "eancom"
    assert edimap.detect_format(b"###\r\nUNB+UNOA:2+1:14") == "eancom"
    assert edimap.detect_format(b"<?xml version='1.0'?><Invoice/>") == "oioubl"
    assert edimap.detect_format(b"%PDF-1.7") is None


def test_unknown_content_is_a_finding_not_an_exception() -> None:
    result = edimap.read(b"%PDF-1.7 binary")
    assert result.format is None
    assert [f.code for f in result.findings] == ["IO-UNKNOWN-FORMAT"]
    with pytest.raises(edimap.InputError) as info:
        result.raise_for_errors()
    assert info.value.findings == result.findings


def test_bad_use_raises_edimap_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        edimap.read(b"{}", format="xlsx")
    with pytest.raises(SourceError):
        edimap.read(tmp_path / "missing.edi")
    with pytest.raises(UsageError):
        edimap.read(12)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        edimap.read(io.StringIO("{}"))  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        edimap.write([], format="pdf")
    with pytest.raises(UsageError):
        edimap.write(["not a document"], format="json")  # type: ignore[list-item]
    for exc in (UsageError, SourceError, edimap.InputError, edimap.ValidationError):
        assert issubclass(exc, EdimapError)


def test_write_one_document_gives_an_object_and_several_an_array() -> None:
    doc = edimap.read(FIXTURES / "order.json").documents[0]
    assert edimap.write(doc, format="json").startswith(b"{")
    assert edimap.write([doc, doc], format="json").startswith(b"[")
    assert edimap.write(doc, format="json", indent=None).count(b"\n") == 1


def test_finding_registry_has_documented_codes() -> None:
    for code, entry in edimap.REGISTRY.items():
        assert code == entry.code
        assert entry.summary
        assert entry.action


def test_every_corpus_file_reads_without_an_exception(edifact_corpus: list[Path]) -> None:
    for path in edifact_corpus:
        result = edimap.read(path)
        assert result.format == "eancom", path.name


def test_docs_errors_md_is_current() -> None:
    from edimap._catalogue import markdown

    assert (FIXTURES.parent / "docs" / "errors.md").read_text("utf-8") == markdown()


def test_input_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.edi"
    path.write_bytes(b"UNB+UNOC:3+A:14+B:14+261125:0830+1'" + b"X" * 1000)
    result = edimap.read(path, max_input_bytes=100)
    assert [f.code for f in result.findings] == ["IO-LIMIT-SIZE"]
    assert edimap.read(io.BytesIO(path.read_bytes()), max_input_bytes=100).findings[0].code \
        == "IO-LIMIT-SIZE"


def test_docs_mapping_md_is_current() -> None:
    from edimap._mapping import markdown

    assert (FIXTURES.parent / "docs" / "mapping.md").read_text("utf-8") == markdown()


def test_mapping_rows_name_real_places() -> None:
    from edimap._mapping import rows

    table = {(d, f): (a, b, c, w) for d, f, a, b, c, w in rows()}
    assert table[("Order", "lines[].gtin")][:2] == ("LIN 3.1 (SG25)", "LIN 3.1 (SG28)")
    assert table[("Order", "lines[].price")][1] == "PRI+AAA 1.2 (SG28/SG32)"
    assert table[("Invoice", "tax_total")][0].startswith("MOA+176 1.2 (SG48)")
    assert "cbc:PayableAmount" in table[("Invoice", "payable")][2]
    # Orders go into Winfinans, invoices come out of it.
    assert table[("Order", "id")][3] == "OrderSales.requisition"
    assert table[("Order", "lines[].gtin")][3] == "OrderLine.EAN"
    assert table[("Order", "buyer.gln")][3] == "Address.ean → OrderSales.BillTo"
    assert table[("Invoice from Winfinans", "id")][3] == "OrderSales.InvoiceNo"
    assert table[("Invoice from Winfinans", "order_id")][3] == "OrderSales.requisition"
    assert table[("Invoice from Winfinans", "seller.gln")][3] == "CompanyInf.ean"


def test_edifact_items_carry_their_interchange_envelope() -> None:
    items = edimap.read(FIXTURES / "orders-d96a.edi").items
    assert [(i.sender, i.interchange_ref, i.reference) for i in items] == [
        ("5790000274017", "4711", "1"), ("5790000274017", "4711", "2")]
    (json_item,) = edimap.read(FIXTURES / "order.json").items
    assert (json_item.sender, json_item.interchange_ref) == (None, None)


def test_an_empty_input_is_reported_as_empty_not_as_an_unknown_format(tmp_path: Path) -> None:
    empty = tmp_path / "ORDERS.edi"
    empty.write_bytes(b"")
    result = edimap.read(empty)
    assert [(f.code, f.message) for f in result.findings] == [
        ("IO-EMPTY", "the input is empty (0 bytes)")]
    assert result.findings[0].location.source == str(empty)
    blank = edimap.read(b" \r\n\t")
    assert [(f.code, f.message) for f in blank.findings] == [
        ("IO-EMPTY", "the input is empty (4 bytes, white space only)")]
    assert [f.code for f in edimap.validate(empty)] == ["IO-EMPTY"]
