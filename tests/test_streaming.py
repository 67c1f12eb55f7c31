"""Reading and converting one document at a time: edimap.iter_read, convert to JSON and
JSON Lines in bounded memory, with the same bytes as before."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import edimap
from edimap import strategies

from .conftest import FIXTURES, ROOT, shared_dir
from .test_hostile import _big_interchange


def test_iter_read_gives_what_read_gives_item_by_item() -> None:
    inputs = [p for p in sorted(FIXTURES.iterdir()) if p.is_file()]
    corpus = shared_dir() / "corpus"
    if corpus.is_dir():
        inputs += [p for p in sorted(corpus.rglob("*")) if p.is_file()
                   and p.name != "MANIFEST.tsv"]
    for path in inputs:
        whole = edimap.read(path, profile="tolerant")
        with edimap.iter_read(path, profile="tolerant") as stream:
            items = list(stream)
            assert stream.format == whole.format, path
            assert [f.code for f in stream.findings] == [f.code for f in whole.findings], path
        assert [(i.reference, i.document, [f.code for f in i.findings]) for i in items] == [
            (i.reference, i.document, [f.code for f in i.findings]) for i in whole.items], path


def test_iter_read_holds_one_message_at_a_time(tmp_path: Path) -> None:
    source = tmp_path / "big.edi"
    _big_interchange(source, 2_000_000)
    stream = edimap.iter_read(source)
    first = next(iter(stream))
    assert first.document is not None
    assert stream.findings == []  # the envelope's end is not read yet
    rest = sum(1 for _ in stream)
    assert rest > 5_000


def convert(*args: str, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run([sys.executable, "-m", "edimap", "convert", *args],
                          preexec_fn=cap, capture_output=True, text=True, timeout=600,
                          cwd=ROOT, check=False)


def test_json_output_keeps_its_bytes_and_jsonl_is_one_line_per_document(
        tmp_path: Path) -> None:
    source = FIXTURES / "orders-d96a.edi"
    documents = edimap.read(source).documents
    proc = convert(str(source), "--to", "json", "-o", str(tmp_path / "orders.json"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "orders.json").read_bytes() == edimap.write(documents, format="json")
    proc = convert(str(source), "--to", "jsonl", "-o", str(tmp_path / "orders.jsonl"))
    assert proc.returncode == 0, proc.stderr
    lines = (tmp_path / "orders.jsonl").read_bytes().splitlines()
    assert len(lines) == len(documents) == 2
    assert [json.loads(line)["id"] for line in lines] == [d.id for d in documents]
    assert list(edimap.read(tmp_path / "orders.jsonl").documents) == list(documents)
    assert list(edimap.read(tmp_path / "orders.jsonl", format="jsonl").documents) == list(
        documents)


def test_a_large_interchange_converts_in_bounded_memory(tmp_path: Path) -> None:
    source = tmp_path / "big.edi"
    _big_interchange(source, 8_000_000)
    report = tmp_path / "report.json"
    # 300 MB of address space: Python and edimap, and one message at a time (reading the
    # whole interchange into documents took about 450 MB for 8 MB).
    proc = convert(str(source), "--to", "jsonl", "-o", str(tmp_path / "big.jsonl"),
                   "--report", str(report), "-q", limit=300 * 1024 * 1024)
    assert proc.returncode == 0, proc.stderr[-2000:]
    written = json.loads(report.read_text("utf-8"))
    converted = written["summary"]["converted"]
    assert converted > 10_000
    with open(tmp_path / "big.jsonl", "rb") as fh:
        assert sum(1 for _ in fh) == converted


def test_eancom_and_oioubl_are_written_a_document_at_a_time(tmp_path: Path) -> None:
    source = tmp_path / "big.edi"
    _big_interchange(source, 8_000_000)
    documents = sum(1 for _ in edimap.iter_read(source))
    # One interchange written a message at a time; one OIOUBL file per document.
    proc = convert(str(source), "--to", "eancom", "-o", str(tmp_path / "again.edi"), "-q",
                   "--control-ref", "77", limit=300 * 1024 * 1024)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with edimap.iter_read(tmp_path / "again.edi") as again:
        assert sum(1 for item in again if item.ok) == documents
        assert again.findings == []
    fewer = tmp_path / "fewer.edi"
    _big_interchange(fewer, 2_000_000)
    proc = convert(str(fewer), "--to", "oioubl", "-o", str(tmp_path / "xml"), "-q",
                   "--no-check", limit=300 * 1024 * 1024)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(list((tmp_path / "xml").iterdir())) == sum(1 for _ in edimap.iter_read(fewer))


def test_one_oioubl_document_goes_to_the_output_itself_several_to_a_folder(
        tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_bytes((FIXTURES / "order.json").read_bytes())
    proc = convert(str(one), "--to", "oioubl", "-o", str(tmp_path / "order.xml"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "order.xml").read_bytes().startswith(b"<?xml")
    proc = convert(str(FIXTURES / "orders-d96a.edi"), "--to", "oioubl", "-o",
                   str(tmp_path / "orders"), "--report", str(tmp_path / "report.json"))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "orders").iterdir()) == [
        "Order-4500012345.xml", "Order-4500012346.xml"]
    entries = json.loads((tmp_path / "report.json").read_text())["items"]
    assert [e["output"] for e in entries] == [str(tmp_path / "orders" / "Order-4500012345.xml"),
                                              str(tmp_path / "orders" / "Order-4500012346.xml")]
    proc = convert(str(FIXTURES / "orders-d96a.edi"), "--to", "oioubl")
    assert proc.returncode == 2
    assert "give -o DIR" in proc.stderr


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.documents(), st.text(max_size=40))
def test_orjson_and_the_standard_library_write_the_same_canonical_bytes(
        document: edimap.Document, text: str) -> None:
    import orjson

    from edimap import json as canonical

    value = {**canonical.to_dict(document), "notes": [text, "\x00\x1f\x7f\u2028\"\\"]}
    assert orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() == json.dumps(
        value, indent=2, ensure_ascii=False)
    assert orjson.dumps(value).decode() == json.dumps(value, ensure_ascii=False,
                                                      separators=(",", ":"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(strategies.documents(), max_size=5), st.sampled_from([None, 2]),
       st.integers(1, 300))
def test_a_json_array_is_read_element_by_element_as_a_whole_reading_reads_it(
        documents: list[edimap.Document], indent: int | None, chunk: int) -> None:
    import io

    from edimap.formats._json_stream import ArrayReader

    data = edimap.json.dumps(documents, indent=indent).encode("utf-8")
    # (a tiny chunk: every element, string and number is cut somewhere)
    values = list(ArrayReader(io.BytesIO(data), 10**9, chunk=chunk).values())
    assert values == json.loads(data, parse_float=__import__("decimal").Decimal)
    with edimap.iter_read(io.BufferedReader(io.BytesIO(data))) as stream:  # type: ignore[arg-type]
        assert [i.document for i in stream] == list(edimap.read(data).documents)
        assert stream.findings == []


def test_a_json_array_streams_and_a_syntax_error_keeps_its_place(tmp_path: Path) -> None:
    source = tmp_path / "big.edi"
    _big_interchange(source, 8_000_000)
    array = tmp_path / "big.json"
    proc = convert(str(source), "--to", "json", "-o", str(array), "-q")
    assert proc.returncode == 0, proc.stderr
    # Read back element by element within 300 MB (whole, it took more).
    proc = convert(str(array), "--to", "jsonl", "-o", str(tmp_path / "big.jsonl"), "-q",
                   limit=300 * 1024 * 1024)
    assert proc.returncode == 0, proc.stderr[-2000:]
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'[\n' + (FIXTURES / "order.json").read_bytes() + b',\n{"id": oops}\n]')
    with edimap.iter_read(broken) as stream:
        assert [i.reference for i in stream] == ["4500012345"]
        [syntax] = stream.findings
    assert (syntax.code, syntax.location.line) == ("JSON-SYNTAX", syntax.location.line)
    text = broken.read_text()
    assert syntax.location.offset == text.index("oops")
    assert syntax.location.line == text[:text.index("oops")].count("\n") + 1
    # read collects the same: the element before the break, then the error.
    whole = edimap.read(broken)
    assert [i.reference for i in whole.items] == ["4500012345"]
    assert list(whole.findings) == [syntax]
    assert not whole.ok
