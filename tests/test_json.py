from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import edimap
from edimap import Document, ValidationError
from edimap import json as canonical
from edimap import strategies as eds

from .conftest import FIXTURES, shared_dir


@given(eds.documents())
def test_document_to_json_and_back_is_identity(doc: Document) -> None:
    assert canonical.from_dict(json.loads(canonical.dumps(doc))) == doc
    assert edimap.read(edimap.write(doc, format="json")).documents == (doc,)


@given(eds.documents())
def test_json_is_stable(doc: Document) -> None:
    text = canonical.dumps(doc)
    assert canonical.dumps(canonical.loads(text)[0]) == text


def test_contract_keys_and_values_of_an_invoice() -> None:
    data = json.loads((FIXTURES / "invoice.json").read_text("utf-8"))
    assert data["document"] == "invoice"
    assert data["id"] == "INV-2026-1001"
    assert data["issue_date"] == "2026-11-28"
    assert data["currency"] == "DKK"
    assert data["order_id"] == "4500012345"
    assert (data["line_total"], data["tax_total"], data["payable"]) == (
        "525.00", "131.25", "656.25")
    for role in ("buyer", "seller", "delivery"):
        assert {"gln", "cvr", "name"} <= data[role].keys()
    assert data["buyer"]["gln"] == "5790000274017"
    assert data["invoicee"] is None
    first = data["lines"][0]
    assert {k: first[k] for k in ("line_id", "gtin", "quantity", "unit", "price",
                                  "description", "line_amount")} == {
        "line_id": "1", "gtin": "5701234567899", "quantity": "24", "unit": "PCE",
        "price": "12.50", "description": "Rugbrød 500 g", "line_amount": "300.00"}


def test_contract_keys_of_an_order() -> None:
    data = json.loads((FIXTURES / "order.json").read_text("utf-8"))
    assert data["document"] == "order"
    assert data["delivery_date"] == "2026-11-27"
    assert list(data)[:3] == ["document", "id", "issue_date"]


def test_decimals_are_plain_strings() -> None:
    doc = edimap.read(FIXTURES / "order.json").documents[0]
    line = doc.lines[0]
    bumped = canonical.to_dict(type(doc)(**{**_fields(doc), "lines": [
        type(line)(**{**_fields(line), "price": Decimal("1.25E+3")})]}))
    assert bumped["lines"][0]["price"] == "1250"


def _fields(obj: object) -> dict[str, object]:
    import attrs
    return {f.name: getattr(obj, f.name) for f in attrs.fields(type(obj))}


def test_json_numbers_are_read_exactly() -> None:
    data = json.loads((FIXTURES / "order.json").read_text("utf-8"))
    text = json.dumps(data).replace('"12.50"', "12.50")
    doc = edimap.read(text.encode()).documents[0]
    assert doc.lines[0].price == Decimal("12.50")
    assert str(doc.lines[0].price) == "12.50"


def test_nested_error_paths() -> None:
    data = json.loads((FIXTURES / "order.json").read_text("utf-8"))
    data["lines"] = [copy.deepcopy(ln) for ln in data["lines"] * 2]
    for i, ln in enumerate(data["lines"]):
        ln["line_id"] = str(i + 1)
    data["lines"][3]["quantity"] = "-1"
    data["delivery_dat"] = "2026-11-27"
    with pytest.raises(ValidationError) as info:
        canonical.from_dict(data)
    assert [str(e) for e in info.value.errors] == [
        "lines[3].quantity: must not be negative, not -1",
        "delivery_dat: unknown key",
    ]


def test_a_wrong_check_digit_is_read_as_given_with_a_located_finding(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "order.json").read_text("utf-8"))
    data["lines"][0]["gtin"] = "5790000100020"
    path = tmp_path / "order.json"
    path.write_text(json.dumps(data), "utf-8")
    (item,) = edimap.read(path).items
    assert not item.ok
    (finding,) = item.findings
    assert (finding.code, finding.location.field) == ("JSON-IDENTIFIER", "lines[0].gtin")
    assert "check digit should be 6, not 0" in finding.message
    (item,) = edimap.read(path, profile="tolerant").items
    assert item.ok
    assert item.document is not None
    assert item.document.lines[0].gtin == "5790000100020"  # as given
    assert [f.severity.value for f in item.findings] == ["warning"]


def test_unknown_document_kind() -> None:
    with pytest.raises(ValidationError, match="document: must be one of credit_note, "
                                              "invoice, order, order_response, not 'despatch'"):
        canonical.from_dict({"document": "despatch"})


def test_a_bad_document_does_not_stop_the_others(tmp_path: Path) -> None:
    good = json.loads((FIXTURES / "order.json").read_text("utf-8"))
    bad = dict(good, id="BAD", currency="KRONER")
    path = tmp_path / "batch.json"
    path.write_text(json.dumps([good, bad, good]), "utf-8")
    result = edimap.read(path)
    assert [i.ok for i in result.items] == [True, False, True]
    assert len(result.documents) == 2
    (finding,) = result.items[1].findings
    assert finding.code == "JSON-CODE"
    assert finding.location.field == "[1].currency"
    assert finding.location.source == str(path)
    assert "'KRONER' is not an ISO 4217 currency code" in finding.message
    assert result.items[1].reference == "BAD"


def test_syntax_error_has_line_and_column() -> None:
    result = edimap.read(b'{\n  "document": "order",\n  "id": "1",,\n}')
    (finding,) = result.findings
    assert finding.code == "JSON-SYNTAX"
    assert (finding.location.line, finding.location.column) == (3, 13)
    assert not result.ok
    assert result.documents == ()


def test_not_utf8() -> None:
    result = edimap.read(b'{"id": "\xe6"}', format="json")
    assert result.findings[0].code == "JSON-SYNTAX"
    assert result.findings[0].location.offset == 8


def test_fixtures_are_canonical() -> None:
    for name in ("order.json", "invoice.json"):
        raw = (FIXTURES / name).read_bytes()
        assert edimap.write(edimap.read(raw).documents[0], format="json") == raw


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(eds.documents())
def test_the_fast_unstructuring_gives_what_the_converter_gives(document: Document) -> None:
    expected = canonical._unstructured(document)
    body = canonical._plain(document)
    body.pop("kind", None)
    assert body == expected
    assert list(body) == list(expected)  # the same key order, hence the same bytes


def test_the_fast_unstructuring_gives_what_the_converter_gives_on_the_corpus() -> None:
    corpus = shared_dir() / "corpus"
    if not corpus.is_dir():
        pytest.skip("the shared corpus is absent (EDIMAP_SHARED)")
    documents = [item.document for path in sorted(corpus.rglob("*")) if path.is_file()
                 and path.name != "MANIFEST.tsv"
                 for item in edimap.read(path, profile="tolerant").items if item.document]
    assert len(documents) > 40
    for document in documents:
        body = canonical._plain(document)
        body.pop("kind", None)
        assert json.dumps(body) == json.dumps(canonical._unstructured(document))
