"""Hostile and broken input: random mutations of real messages never raise anything but
EdimapError and never hang; the CLI never prints a traceback."""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import edimap
from edimap.edifact import contrl, read_interchanges

from .conftest import FIXTURES, shared_dir


def _seeds() -> list[bytes]:
    seeds = [p.read_bytes() for p in sorted(FIXTURES.iterdir()) if p.is_file()]
    corpus = shared_dir() / "corpus" / "edifact"
    if corpus.is_dir():
        seeds += [p.read_bytes() for p in sorted(corpus.iterdir()) if p.name != "MANIFEST.tsv"]
    return seeds


SEEDS = _seeds()
SERVICE = [b"'", b"+", b":", b"?", b"*", b"??", b"?'", b"\r\n", b"\n", b"UNA", b"UNB+",
           b"UNH+1+ORDERS:D:96A:UN'", b"UNT+", b"UNZ+", b"\xff", b"\xc3", b"\xef\xbb\xbf",
           b"{", b"}", b'"', b"[", b"\x00"]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "duplicate",
                                     "una"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[pos:]
        elif kind == "insert":
            data[pos:pos] = draw(st.sampled_from(SERVICE))
        elif kind == "delete":
            del data[pos:pos + draw(st.integers(1, 40))]
        elif kind == "duplicate":
            end = data.find(b"'", pos)
            if end > pos:
                data[end + 1:end + 1] = data[pos:end + 1]
        elif kind == "una":
            data[0:0] = b"UNA" + bytes(draw(st.lists(st.sampled_from(list(b":+.?* '|~=\n,")),
                                                     min_size=4, max_size=7)))
    return bytes(data)


def _exercise(data: bytes) -> None:
    result = edimap.read(data)
    assert isinstance(result, edimap.ReadResult)
    for finding in result.all_findings:
        assert finding.code in edimap.REGISTRY or finding.code[:2] in ("F-", "W-"), \
            finding.code
    for document in result.documents:
        with contextlib.suppress(edimap.EdimapError):
            edimap.write(document, format="eancom", control_ref="1", sender="1",
                         recipient="2", syntax_id="UNOY")
        edimap.write(document, format="json")
    if result.format == "eancom":
        for interchange in read_interchanges(data):
            if interchange.header is not None:
                contrl.to_bytes(contrl.build(interchange), control_ref="1")


@pytest.mark.slow
@settings(max_examples=3000, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_mutated_real_messages_never_raise(data: bytes) -> None:
    _exercise(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data: bytes) -> None:
    _exercise(data)


@pytest.mark.parametrize("data", [
    b"UNA:+.? '",                       # nothing after the UNA
    b"UNB+UNOC:3'",                    # a header and nothing else
    b"UNH+1+ORDERS:D:96A:UN'UNT+2+1'",  # a message with no interchange
    b"UNA:+.? 'UNB" + b"+" * 100_000,  # a long run of separators
    b"UNB+UNOC:3+A:14+B:14+261125:0830+1'" + b"UNH+1+ORDERS:D:96A:UN'" + b"FTX+" + b"?" * 5001
    + b"'UNT+3+1'UNZ+1+1'",            # a run of release characters
    b"\xef\xbb\xbf",                    # only a byte-order mark
    b"[" * 100_000,                     # deeply nested JSON
    b"",
])
def test_edge_inputs(data: bytes) -> None:
    _exercise(data)


def test_cli_never_prints_a_traceback(tmp_path: Path) -> None:
    inputs = [b"UNB+UNOC:3+A:14+B:14+26", b"\x00\xff\xfe", b'{"document": "order", "id": 1}',
              b"UNA:+.?'UNB+UNOX:9+++'UNH'", b"[" * 50_000]
    for i, data in enumerate(inputs):
        path = tmp_path / f"bad{i}"
        path.write_bytes(data)
        for command in (["convert", str(path), "--to", "json"],
                        ["convert", str(path), "--to", "eancom"], ["contrl", str(path)],
                        ["validate", str(path), "--no-rules"], ["inspect", str(path)]):
            proc = subprocess.run([sys.executable, "-m", "edimap", *command],
                                  capture_output=True, timeout=120, check=False)
            assert proc.returncode in (1, 2), (command, proc.stderr)
            assert b"Traceback" not in proc.stderr, proc.stderr
            # validate and inspect report on stdout; the others on stderr.
            assert (proc.stderr if command[0] not in ("validate", "inspect")
                    else proc.stdout).strip(), command


@pytest.mark.parametrize("data", [
    # Found by the atheris JSON target: a JSON object where the document kind should be.
    b'{\n  "document": {\n    "gln": "15810000548034",\n    "contact": null\n  },\n'
    b'  "delives": [{"seller_itemlowanc": []}]\n}\n',
    b'{"document": ["order"]}',
    b'[{"document": null}, 7, "x", {"document": "order", "id": {}}]',
])
def test_fuzz_regressions_json(data: bytes) -> None:
    result = edimap.read(data, format="json")
    assert not result.ok
    assert all(f.code == "JSON-INVALID" for f in result.all_findings)


def test_fuzz_regression_huge_amount() -> None:
    # Found by the atheris JSON target: a line amount too large for Decimal's context made
    # the totals overflow inside the INVOIC writer.
    data = (FIXTURES / "invoice.json").read_bytes().replace(
        b'"line_amount": "300.00"', b'"line_amount": "1' + b"1" * 44 + b'300.00"')
    result = edimap.read(data, format="json")
    (finding,) = result.all_findings
    assert finding.code == "JSON-INVALID"
    assert "more than 18 digits before" in finding.message
    assert finding.location.field == "lines[0].line_amount"


def test_fuzz_regression_non_ascii_digits() -> None:
    # Found by the atheris EDIFACT target: "¹9" passes str.isdigit() but not int(); the
    # syntax version, dates, counts and numbers now take ASCII digits only.
    data = (
        b'UNB+UNOA:3+8712345678906:14+PARTNER2:14+050824:1SU+PARTNER2:'
        b":\xb99'\nNAD+BY+PARTNER1::9UNA:+,? '\nUNB+U:\xb99'\nNAD+BY+PARTNER1::"
        b"9UNA:+,? '\nU0255+\x14\x00\x00\x00\x00\x00\x00\x00+1+ORDERS:D:96A:UN:EAN008'\nBGM+220:"
        b":9+8'1715918011+9+UNB+UNOA:2+8712\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
        b'\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00345678906:14+PA'
        b'RTNER2:14+\x01\x00\x00\x00\x00\x0fB@727+QTYT00000000\r\n'
    )
    _exercise(data)
    _exercise(b"UNB+UNOC:\xb9+A:14+B:14+261125:0830+1'UNH+1+ORDERS:D:96A:UN'BGM+220+1'"
              b"DTM+137:2026\xb9125:102'LIN+1'QTY+21:\xb92'UNT+6+1'UNZ+1+1'")


def test_limits_are_findings_not_memory_errors() -> None:
    from edimap.edifact import EdifactReader, Limits

    head = b"UNB+UNOC:3+A:14+B:14+261125:0830+1'"
    message = b"UNH+%d+ORDERS:D:96A:UN'BGM+220+1'UNT+3+%d'"
    data = head + b"".join(message % (i, i) for i in range(1, 6)) + b"UNZ+5+1'"
    reader = EdifactReader(data, limits=Limits(max_interchange_messages=3))
    assert [m.reference for m in reader] == ["1", "2", "3"]
    assert [f.code for f in reader.findings] == ["EDI-LIMIT-MESSAGES"]
    wide = head + b"UNH+1+ORDERS:D:96A:UN'FTX" + b"+x" * 2000 + b"'UNT+3+1'UNZ+1+1'"
    reader = EdifactReader(wide, limits=Limits(max_segment_elements=1000))
    (msg,) = list(reader)
    assert "EDI-LIMIT-SEGMENT-ELEMENTS" in [f.code for f in (*reader.findings, *msg.findings)]
    deep = b"<Invoice>" + b"<a>" * 100 + b"</a>" * 100 + b"</Invoice>"
    assert [f.code for f in edimap.read(deep).findings] == ["XML-LIMIT-DEPTH"]
    deeper = b"<a>" * 100_000 + b"</a>" * 100_000
    assert edimap.read(deeper).findings[0].code in ("XML-SYNTAX", "XML-LIMIT-DEPTH")


@pytest.mark.parametrize("data", [
    # Found by the atheris JSON target: numbers no Decimal or int can hold.
    b'{"document": "order", "lines": [{"line_id": "9", "quantity": 1e999999999}]}',
    b'{"document": "order", "id": ' + b"9" * 5000 + b"}",
])
def test_fuzz_regression_json_numbers(data: bytes) -> None:
    result = edimap.read(data, format="json")
    assert not result.ok
    assert {f.code for f in result.all_findings} <= {"JSON-SYNTAX", "JSON-INVALID"}


@pytest.mark.parametrize("version", [b"D" + b"\x9d" * 300, b"../../../etc/passwd", b"D/96"])
def test_fuzz_regression_message_version_never_names_a_path(version: bytes) -> None:
    # Found by the atheris EDIFACT target: UNH's version went into the definition's file
    # name, so a long one raised OSError (and a path could have been named). Only letters
    # and digits now reach the lookup; anything else has no definition.
    data = (b"UNB+UNOC:3+5790000274017:14+5798000000001:14+261125:0830+1'"
            b"UNH+1+ORDERS:" + version + b":96A:UN:EAN008'BGM+220+PO1+9'"
            b"DTM+137:20261125:102'UNS+S'UNT+5+1'UNZ+1+1'")
    _exercise(data)
    codes = [f.code for f in edimap.read(data).all_findings]
    assert "EANCOM-DIRECTORY" in codes  # read with the D.96A definition, and said so


# Found by the atheris Winfinans target: libxml2 logs an invalid namespace URI on a nested
# element and returns a tree anyway; the URI's '{' and '}' then broke lxml's tag names.
_INVALID_NESTED_NAMESPACE = zlib.decompress(base64.b64decode(
    "eNrtVM1SgzAQfpUOniGAVWcYmgPFQ8fOWKf1ASJNbRQIJqnYcXx3NzRQqq31Z3pRd3LYLPvzZb9dQhmc54805QXt"
    "PGVpLgPZs+ZKFQFCMpnTjEgH7JKTwuHiFmkFUROBLBNDehZyT5sra1IcH/HSKcvSgVDfTeYZWUoLhzKI+HSJwzFJ"
    "qbwUUyqGnEwHimZylaJJAKZiIVhVGwLj6FpSgUMS9HlWDGLshqjRwRpHF3SJPSO2D2Ifg9hdEPukJTpu5R2iOms5"
    "q7DoRBFL0wnHnut62tNc4UPlERNFsdc982wXjj9x3aA62nXtUHsPWU4llmrvA36KZx8A0qIX2p+kTDEObmjDD6I0"
    "L4CnKmV0sAr6sGBSx+R4dFF9bJtC1OAVVEklOmnPUmJBLYTRuJqlr5D/LdK38gr1Q7SlGlgNllUnciF2IYz8KCLJ"
    "/Q3PqQ7t83zGRNbAvatn9aN1ef70Wr3UK/m71uV/P/78fpjh3Af6Dc+rFndYkLN1y9qQt5df428TjfVNe73PSIIr"
    "tcS+BqIVQ7QcCZbA+DgnNd3GsjEXh5uS3c/ewtR/gw/cYK3Uv2f8CiDAF6U="))


def test_fuzz_regression_invalid_nested_namespace_is_a_syntax_finding() -> None:
    from edimap.ubl.xml import parse
    from edimap.winfinans._contract import WireError, contract
    from edimap.winfinans.sandbox import Sandbox

    root, findings = parse(_INVALID_NESTED_NAMESPACE)
    assert root is None
    assert [f.code for f in findings] == ["XML-SYNTAX"]
    assert "is not a valid URI" in findings[0].message
    status, answer = Sandbox().handle(_INVALID_NESTED_NAMESPACE, None)
    assert status == 500
    assert b"DeserializationFailed" in answer
    with pytest.raises(WireError):
        contract().read_request(_INVALID_NESTED_NAMESPACE)
    _exercise(_INVALID_NESTED_NAMESPACE)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16"])
def test_a_doctype_is_refused_whatever_the_encoding(encoding: str) -> None:
    (invoice,) = edimap.read(FIXTURES / "invoice.json").documents
    body = edimap.write(invoice, format="oioubl").decode("utf-8").split("?>", 1)[1]
    text = ('<?xml version="1.0" encoding="UTF-16"?>\n'
            '<!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/invoice.dtd">' + body)
    for fmt in ("auto", "oioubl"):
        result = edimap.read(text.encode(encoding), format=fmt)
        assert result.documents == ()
        codes = [f.code for f in result.all_findings]
        assert codes in (["XML-DOCTYPE"], ["IO-UNKNOWN-FORMAT"]), codes
        if fmt == "oioubl":
            assert codes == ["XML-DOCTYPE"]
    # The same document without the DOCTYPE reads.
    plain = ('<?xml version="1.0" encoding="UTF-16"?>' + body).encode(encoding)
    assert edimap.read(plain, format="oioubl").ok


def _mutate_module() -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("edimap_fuzz_mutate",
                                                  FIXTURES.parent / "fuzz" / "mutate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_structured_mutations_give_findings_only(tmp_path: Path) -> None:
    """A bounded share of fuzz/mutate.py's run (which makes 10,000): segments and elements
    duplicated, dropped, reordered, qualifiers swapped, huge values, deep nesting, odd
    encodings and namespaces — through read, validate and one edimap validate over all."""
    mutate: Any = _mutate_module()
    failures = mutate.run(400, seed=7, cli=True)
    assert not failures, [(n, problem, data[:100]) for n, problem, data in failures[:5]]


def test_fuzz_regression_native_rules_take_huge_amounts() -> None:
    # A line tax subtotal whose taxable amount no quantize can hold (found by
    # fuzz/mutate.py): the native rules leave it to the XSD and the reader.
    invoice = subprocess.run([sys.executable, "-m", "edimap", "convert",
                              str(FIXTURES / "invoice.json"), "--to", "oioubl", "--no-check"],
                             capture_output=True, check=True, timeout=300).stdout
    huge = invoice.replace(b"<cbc:TaxableAmount currencyID=\"DKK\">300.00",
                           b"<cbc:TaxableAmount currencyID=\"DKK\">1" + b"0" * 40, 1)
    assert huge != invoice
    findings = edimap.validate(huge, rules=False)
    assert all(isinstance(f, edimap.Finding) for f in findings)


def test_one_input_limit_for_every_format_configurable_on_the_command_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from edimap._limits import MAX_INPUT_BYTES, input_limit, max_input_bytes
    from edimap.ubl.xml import MAX_XML_BYTES

    # What edimap writes it reads: no smaller limit for XML than for any input.
    assert MAX_XML_BYTES == MAX_INPUT_BYTES == max_input_bytes() == 256 * 1024 * 1024
    xml = edimap.write(edimap.read(FIXTURES / "invoice.json").documents[0], format="oioubl",
                       findings=[])
    edi = (FIXTURES / "orders-d96a.edi").read_bytes()
    for data in (xml, edi, (FIXTURES / "invoice.json").read_bytes()):
        assert edimap.read(data, max_input_bytes=len(data)).documents
        (finding,) = edimap.read(data, max_input_bytes=len(data) - 1).findings
        assert finding.code == "IO-LIMIT-SIZE"
        with input_limit(len(data) - 1):
            assert [f.code for f in edimap.validate(data, rules=False)] == ["IO-LIMIT-SIZE"]
    monkeypatch.setenv("EDIMAP_MAX_INPUT_BYTES", "2KiB")
    assert max_input_bytes() == 2048
    (tmp_path / "invoice.xml").write_bytes(xml)
    for args in (["--max-input-size", f"{len(xml) - 1}"], []):
        proc = subprocess.run([sys.executable, "-m", "edimap", "convert",
                               str(tmp_path / "invoice.xml"), "--to", "json", "-o",
                               str(tmp_path / "out.json"), *args], capture_output=True,
                              text=True, timeout=300, check=False)
        assert proc.returncode == 1, proc.stderr
        assert "IO-LIMIT-SIZE" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "edimap", "convert",
                           str(tmp_path / "invoice.xml"), "--to", "json", "-o",
                           str(tmp_path / "out.json"), "--max-input-size", "1MiB", "--jobs",
                           "2"], capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr


def _big_interchange(path: Path, size: int) -> None:
    """An interchange of copies of the fixture's orders, each with its own reference."""
    data = (FIXTURES / "orders-d96a.edi").read_bytes()
    head, rest = data.split(b"UNH+", 1)
    body = b"UNH+" + rest.rsplit(b"UNZ+", 1)[0]
    out, n = bytearray(head), 0
    while len(out) < size:
        for message in body.split(b"UNH+")[1:]:
            n += 1
            ref = message.split(b"+", 1)[0]
            out += b"UNH+" + str(n).encode() + message[len(ref):].replace(
                b"+" + ref + b"'", b"+" + str(n).encode() + b"'")
    out += b"UNZ+%d+4711'" % n
    path.write_bytes(bytes(out))


def test_running_out_of_memory_is_a_finding_never_an_internal_error(tmp_path: Path) -> None:
    import resource

    limit = 300 * 1024 * 1024  # room for Python and edimap, not for one order this large

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    out = tmp_path / "out"
    out.mkdir()
    # (EANCOM and JSON arrays are read a document at a time, within any limit; one order
    # of 150,000 lines is read whole.)
    order = json.loads((FIXTURES / "order.json").read_text("utf-8"))
    line = order["lines"][0]
    order["lines"] = [{**line, "line_id": str(n)} for n in range(1, 150_001)]
    whole = tmp_path / "orders.json"
    whole.write_text(json.dumps(order), "utf-8")
    proc = subprocess.run([sys.executable, "-m", "edimap", "convert", str(whole), "--to",
                           "eancom", "-o", str(out / "orders.edi"), "--report",
                           str(tmp_path / "report.json")], preexec_fn=cap,
                          capture_output=True, text=True, timeout=600, check=False)
    assert "internal error" not in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert "IO-LIMIT-MEMORY" in proc.stderr
    assert list(out.iterdir()) == []  # nothing half-written


def test_a_reference_without_its_qualifier_is_listed_as_not_carried() -> None:
    # Found by the mutation test: RFF+:ZZZ:63 used to raise from the reader.
    data = (b"UNB+UNOC:3+5790000274017:14+5798000000001:14+261125:0830+1'"
            b"UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+PO-1+9'DTM+137:20261124:102'"
            b"RFF+:ZZZ:63'NAD+BY+5790000274017::9'NAD+SU+5798000000001::9'"
            b"LIN+1++5701234567899:EN'QTY+21:1'UNS+S'UNT+10+1'UNZ+1+1'")
    (item,) = edimap.read(data).items
    assert item.ok
    (note,) = [f for f in item.findings if f.code == "EANCOM-NOT-CARRIED"]
    assert "RFF without a qualifier (1153) (segment 4)" in note.message
