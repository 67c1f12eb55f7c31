"""The format registry and the contract, shown with the example format of
docs/architecture.md run as written and used through the command line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import edimap
from edimap import formats
from edimap.cli import main

from .conftest import FIXTURES

DOC = FIXTURES.parent / "docs" / "architecture.md"


def test_the_registry_lists_detects_and_names_edimaps_own_formats() -> None:
    assert formats.names() == ("json", "eancom", "oioubl", "jsonl")
    assert formats.names() == edimap.FORMATS
    assert [formats.get(n).extension for n in formats.names()] == ["json", "edi", "xml",
                                                                  "jsonl"]
    assert formats.detect(b"\xef\xbb\xbf  <Invoice/>") == "oioubl"
    assert formats.detect(b'{"UNB": 1}') == "json"  # JSON that mentions UNB stays JSON
    assert formats.detect(b"###\r\nUNB+UNOA:2+1:14") == "eancom"
    assert formats.detect(b"%PDF-1.7") is None
    with pytest.raises(edimap.UsageError, match=r"unknown format 'csv'; use one of json, "
                                                r"eancom, oioubl"):
        formats.get("csv")


@pytest.fixture
def oneline() -> Iterator[dict[str, Any]]:
    (block,) = re.findall(r"```python\n(.*?)```", DOC.read_text("utf-8"), re.S)
    namespace: dict[str, Any] = {}
    exec(compile(block, str(DOC), "exec"), namespace)
    try:
        yield namespace
    finally:
        formats.unregister("oneline")


def test_the_documented_format_converts_through_the_command_line(
        oneline: dict[str, Any], tmp_path: Path) -> None:
    source = tmp_path / "order.txt"
    source.write_text("ORDER PO-77 2026-12-01 5790000274017 5798000000001 "
                      "5701234567899 24\n")
    runner = CliRunner()
    result = runner.invoke(main, ["convert", str(source), "--to", "oioubl", "-o",
                                  f"{tmp_path / 'out'}/"])
    assert result.exit_code == 0, result.output
    (written,) = (tmp_path / "out").iterdir()
    assert written.name == "Order-PO-77.xml"
    (order,) = edimap.read(written).documents
    assert (order.id, order.buyer.gln, order.lines[0].gtin, order.lines[0].quantity) == (
        "PO-77", "5790000274017", "5701234567899", 24)
    back = runner.invoke(main, ["convert", str(written), "--to", "oneline"])
    assert back.exit_code == 0, back.output
    # OIOUBL carries the quantity with two decimals.
    assert back.stdout == source.read_text().replace(" 24\n", " 24.00\n")
    assert formats.names()[-1] == "oneline"
    assert edimap.read(source.read_bytes()).format == "oneline"
