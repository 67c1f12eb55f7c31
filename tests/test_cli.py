"""The command line, run as a user runs it: a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import edimap

from .conftest import FIXTURES


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "edimap", *args], input=stdin, capture_output=True,
        timeout=120, check=False,
    )
    return subprocess.CompletedProcess(proc.args, proc.returncode,
                                       proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))


def test_version_names_edimap_and_the_official_packages(shared: Path, tmp_path: Path) -> None:
    def version() -> list[str]:
        proc = subprocess.run([sys.executable, "-m", "edimap", "--version"],
                              capture_output=True, text=True, timeout=120, check=False,
                              env={**os.environ, "EDIMAP_HOME": str(tmp_path)})
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.splitlines()

    assert version() == [f"edimap {edimap.__version__}",
                         "OIOUBL schematron package: not installed",
                         "OASIS UBL 2.1: not installed"]
    package = shared / "packages" / "OIOUBL_Schematron_2026-05-01_v1.17.2.zip"
    if not package.exists():
        pytest.skip(f"{package} not found")
    installed = subprocess.run([sys.executable, "-m", "edimap", "schemas", "install",
                                str(package)], capture_output=True, text=True, timeout=300,
                               check=False, env={**os.environ, "EDIMAP_HOME": str(tmp_path)})
    assert installed.returncode == 0, installed.stderr
    assert version()[1:] == [
        f"OIOUBL schematron package: 1.17.2 ({package.name}) in "
        f"{tmp_path / 'schemas' / 'oioubl'}",
        "OASIS UBL 2.1: the XSDs inside the OIOUBL schematron package"]


def test_check_id_all_valid() -> None:
    proc = run("check-id", "5790000274017", "DK13585628", "5701234567899")
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == [
        "5790000274017: valid GLN/GTIN-13 (5790000274017)",
        "DK13585628: valid CVR (13585628)",
        "5701234567899: valid GLN/GTIN-13 (5701234567899)",
    ]


def test_check_id_bad_check_digit() -> None:
    proc = run("check-id", "5790000274018")
    assert proc.returncode == 1
    assert "check digit should be 7, not 8" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_check_id_not_an_identifier() -> None:
    proc = run("check-id", "hello")
    assert proc.returncode == 1
    assert "not shaped like a GLN" in proc.stdout


def test_usage_error_exits_2() -> None:
    proc = run("check-id")
    assert proc.returncode == 2
    proc = run("convert", "x.json", "--to", "pdf")
    assert proc.returncode == 2


def test_convert_json_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run("convert", str(FIXTURES / "order.json"), str(FIXTURES / "invoice.json"),
               "--to", "json", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["Invoice-INV-2026-1001.json",
                                                     "Order-4500012345.json"]
    invoice = json.loads((out / "Invoice-INV-2026-1001.json").read_text("utf-8"))
    assert invoice["payable"] == "656.25"  # one document per file: an object
    assert "2 converted, 0 failed, 0 warnings" in proc.stderr


def test_convert_from_stdin() -> None:
    proc = run("convert", "-", "--to", "json", stdin=(FIXTURES / "order.json").read_bytes())
    assert proc.returncode == 0
    assert json.loads(proc.stdout)[0]["id"] == "4500012345"


def test_convert_reports_bad_documents_and_keeps_the_good(tmp_path: Path) -> None:
    good = json.loads((FIXTURES / "order.json").read_text("utf-8"))
    bad = dict(good, id="BAD")
    bad["buyer"] = dict(good["buyer"], gln="5790000274018")
    path = tmp_path / "batch.json"
    path.write_text(json.dumps([bad, good]), "utf-8")
    proc = run("convert", str(path), "--to", "json")
    assert proc.returncode == 1
    assert [d["id"] for d in json.loads(proc.stdout)] == ["4500012345"]
    assert (f"error JSON-IDENTIFIER at {path}, [0].buyer.gln: GLN 5790000274018: check digit "
            "should be 7, not 8 (to accept it as sent: --profile tolerant") in proc.stderr
    assert "1 converted, 1 failed" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_convert_missing_file_exits_2(tmp_path: Path) -> None:
    proc = run("convert", str(tmp_path / "nope.json"), "--to", "json")
    assert proc.returncode == 2
    assert "cannot read" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_convert_garbage_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"\x00\x01garbage")
    proc = run("convert", str(path), "--to", "json")
    assert proc.returncode == 1
    assert "IO-UNKNOWN-FORMAT" in proc.stderr


def test_contrl_accepts_a_good_interchange(tmp_path: Path) -> None:
    good = (b"UNB+UNOC:3+5790000274017:14+5798000000001:14+261125:0830+42'"
            b"UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+PO1+9'UNT+3+1'UNZ+1+42'")
    path = tmp_path / "good.edi"
    path.write_bytes(good)
    out = tmp_path / "contrl.edi"
    proc = subprocess.run([sys.executable, "-m", "edimap", "contrl", str(path), "-o", str(out),
                           "--control-ref", "77"], capture_output=True, timeout=120,
                          check=False, env={**__import__("os").environ,
                                            "EDIMAP_HOME": str(tmp_path / "home")})
    assert proc.returncode == 0, proc.stderr
    data = out.read_bytes()
    assert b"UNB+UNOC:3+5798000000001:14+5790000274017:14+" in data
    assert b"UNH+1+CONTRL:2:2:UN:EAN002'UCI+42+5790000274017:14+5798000000001:14+7'" in data
    assert b"UCM+1+ORDERS:D:96A:UN:EAN008+7'" in data
    assert data.endswith(b"UNZ+1+77'")


def test_contrl_rejects_a_bad_count_with_action_4(tmp_path: Path) -> None:
    bad = (b"UNB+UNOC:3+5790000274017:14+5798000000001:14+261125:0830+42'"
           b"UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+PO1+9'UNT+9+1'UNZ+1+42'")
    path = tmp_path / "bad.edi"
    path.write_bytes(bad)
    proc = run("contrl", str(path), "--control-ref", "78")
    assert proc.returncode == 1
    assert "UCI+42+5790000274017:14+5798000000001:14+4'" in proc.stdout
    assert "UCM+1+ORDERS:D:96A:UN:EAN008+4+29+UNT'" in proc.stdout
    assert "EDI-UNT-COUNT" in proc.stderr
    assert "rejected (UCI action 4)" in proc.stderr


def test_convert_eancom_orders_to_json_and_back(tmp_path: Path) -> None:
    proc = run("convert", str(FIXTURES / "orders-d96a.edi"), "--to", "json")
    assert proc.returncode == 0, proc.stderr
    docs = json.loads(proc.stdout)
    assert [d["id"] for d in docs] == ["4500012345", "4500012346"]
    assert docs[0]["lines"][0]["price"] == "12.5"
    assert docs[0]["notes"] == ["Levering ved bagdøren: ring +45 først"]
    as_json = tmp_path / "orders.json"
    as_json.write_text(proc.stdout, "utf-8")
    edi = tmp_path / "ORDERS.edi"
    proc = run("convert", str(as_json), "--to", "eancom", "--edifact-version", "d01b",
               "--control-ref", "9", "-o", str(edi))
    assert proc.returncode == 0, proc.stderr
    assert b"UNH+1+ORDERS:D:01B:UN:EAN010'" in edi.read_bytes()
    again = run("convert", str(edi), "--to", "json")
    assert json.loads(again.stdout) == docs


def test_convert_leaves_out_a_bad_message_and_keeps_the_others(tmp_path: Path) -> None:
    data = (FIXTURES / "orders-d96a.edi").read_bytes().replace(
        b"NAD+SU+5798000000001::9++", b"NAD+SU+5798000000002::9++")
    path = tmp_path / "mixed.edi"
    path.write_bytes(data)
    proc = run("convert", str(path), "--to", "json")
    assert proc.returncode == 1
    assert [d["id"] for d in json.loads(proc.stdout)] == ["4500012346"]
    assert (f"error EANCOM-GLN at {path}, interchange 4711, message 1, segment 8 NAD, "
            "element 2.1, seller.gln, line 10:1") in proc.stderr
    assert "check digit should be 1, not 2" in proc.stderr
    assert "1 converted, 1 failed" in proc.stderr


def test_convert_invoice_json_to_eancom_and_back(tmp_path: Path) -> None:
    edi = tmp_path / "INVOIC.edi"
    proc = run("convert", str(FIXTURES / "invoice.json"), "--to", "eancom", "--control-ref",
               "12", "-o", str(edi))
    assert proc.returncode == 0, proc.stderr
    data = edi.read_bytes()
    assert b"UNH+1+INVOIC:D:96A:UN:EAN008'BGM+380+INV-2026-1001+9'" in data
    assert b"MOA+176:131.25'" in data
    back = run("convert", str(edi), "--to", "json")
    assert back.returncode == 0, back.stderr
    assert json.loads(back.stdout) == [json.loads((FIXTURES / "invoice.json").read_text("utf-8"))]


def test_batch_folder_with_good_broken_and_oioubl_inputs(tmp_path: Path, shared: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "orders.edi").write_bytes((FIXTURES / "orders-d96a.edi").read_bytes())
    broken = (FIXTURES / "orders-d96a.edi").read_bytes().replace(b"UNT+23+1", b"UNT+99+1")
    (inbox / "broken.edi").write_bytes(broken)
    (inbox / "garbage.bin").write_bytes(b"\x00\x01")
    official = shared / "corpus/ubl/oioubl-2.1-official/OIOUBL_Invoice_v2p2.xml"
    (inbox / "invoice.xml").write_bytes(official.read_bytes())
    out, report, bad = tmp_path / "out", tmp_path / "report.json", tmp_path / "bad"
    proc = run("convert", str(inbox), "--to", "json", "-o", str(out), "--report",
               str(report), "--quarantine", str(bad))
    assert proc.returncode == 1
    assert "4 converted, 2 failed, 2 warnings" in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "Invoice-A00095678.json", "Order-4500012345.json", "Order-4500012346-2.json",
        "Order-4500012346.json"]
    data = json.loads(report.read_text("utf-8"))
    assert data["summary"] == {"inputs": 4, "converted": 4, "failed": 2, "warnings": 2,
                               "stopped": 0}
    failed = [(Path(e["input"]).name, e["reference"]) for e in data["items"]
              if e["outcome"] == "failed"]
    assert failed == [("broken.edi", "1"), ("garbage.bin", None)]
    unt = [f for e in data["items"] for f in e["findings"] if f["code"] == "EDI-UNT-COUNT"]
    assert unt[0]["location"]["segment_tag"] == "UNT"
    assert sorted(p.name for p in bad.iterdir()) == [
        "broken.edi", "broken.edi.report.json", "garbage.bin", "garbage.bin.report.json"]
    again = tmp_path / "out2"
    parallel = run("convert", str(inbox), "--to", "json", "-o", str(again), "--jobs", "2")
    assert parallel.returncode == 1
    assert {p.name: p.read_bytes() for p in again.iterdir()} == {
        p.name: p.read_bytes() for p in out.iterdir()}


def test_inspect_shows_groups_segments_and_findings() -> None:
    proc = run("inspect", str(FIXTURES / "orders-d96a.edi"))
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("Interchange 4711  UNOC:3  from 5790000274017 (14)")
    assert "    BGM  beginning of message  1=220 (order)  2=4500012345  3=9" in lines
    assert "    SG25 lines" in lines
    assert "      QTY  quantity  1=21:24:PCE (ordered)" in lines
    assert "        PRI  price details  1=AAA:12,5 (net price)" in lines
    assert "\x1b[" not in proc.stdout  # no colour when not a terminal
    bad = (FIXTURES / "orders-d96a.edi").read_bytes().replace(b"UNT+23+1", b"UNT+99+1")
    proc = run("inspect", "-", stdin=bad)
    assert "error EDI-UNT-COUNT: UNT says 99 segments" in proc.stdout


def test_inspect_ubl(shared: Path) -> None:
    path = shared / "corpus/ubl/oioubl-2.1-official/OIOUBL_Order_v2p2.xml"
    proc = run("inspect", str(path))
    assert proc.returncode == 0
    assert "  cbc:ID = 5002701" in proc.stdout.splitlines()


def test_validate_reads_standard_input_as_it_reads_a_file() -> None:
    data = (FIXTURES / "orders-d96a.edi").read_bytes()
    proc = run("validate", "-", "--format", "json", stdin=data)
    assert proc.returncode == 0, proc.stderr
    (report,) = json.loads(proc.stdout)["inputs"]
    assert report["input"] == "-"
    assert report["ok"] is True
    by_file = json.loads(run("validate", str(FIXTURES / "orders-d96a.edi"), "--format",
                             "json").stdout)["inputs"][0]
    assert [f["code"] for f in report["findings"]] == [f["code"] for f in by_file["findings"]]
    broken = data.replace(b"UNT+", b"UNT+9", 1)
    proc = run("validate", "-", stdin=broken)
    assert proc.returncode == 1
    assert "EDI-UNT-COUNT" in proc.stdout


def test_an_output_with_a_trailing_slash_is_a_folder_even_for_one_document(
        tmp_path: Path) -> None:
    folder = tmp_path / "out"
    proc = run("convert", str(FIXTURES / "order.json"), "--to", "oioubl", "-o", f"{folder}/")
    assert proc.returncode == 0, proc.stderr
    assert folder.is_dir()
    assert [p.name for p in folder.iterdir()] == ["Order-4500012345.xml"]
    assert edimap.read(folder / "Order-4500012345.xml").ok


def test_one_message_with_an_envelope_warning_counts_once_alone_and_in_a_folder(
        tmp_path: Path) -> None:
    (order,) = edimap.read(FIXTURES / "order.json").documents
    data = edimap.write(order, format="eancom", sender="5790000274017",
                        recipient="5798000000001", control_ref="7")
    # Junk before UNB (an envelope warning) and a buyer GLN with a wrong check digit.
    bad = b"garbage line\r\n" + data.replace(b"5790000274017::9", b"5790000274018::9")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.edi").write_bytes(bad)
    alone = run("convert", str(tmp_path / "in" / "bad.edi"), "--to", "json", "-o",
                str(tmp_path / "one.json"))
    folder = run("convert", str(tmp_path / "in"), "--to", "json", "-o", str(tmp_path / "out"))
    for proc in (alone, folder):
        assert proc.returncode == 1
        assert proc.stderr.splitlines()[-1] == "0 converted, 1 failed, 1 warning"
        assert "EDI-PREAMBLE" in proc.stderr


def test_inspect_shows_a_wrong_check_digit_where_it_stands_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.edi"
    bad.write_bytes((FIXTURES / "orders-d96a.edi").read_bytes().replace(
        b"NAD+BY+5790000274017::9", b"NAD+BY+5790000274018::9"))
    proc = run("inspect", "--no-color", str(bad))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    at = next(i for i, line in enumerate(lines)
              if line.strip().startswith("NAD") and "1=BY" in line)
    assert lines[at + 1].strip().startswith("error EANCOM-GLN: NAD+BY: GLN 5790000274018: "
                                            "check digit should be 7, not 8 (to accept it "
                                            "as sent: --profile tolerant")
    tolerant = run("inspect", "--no-color", "--profile", "tolerant", str(bad))
    assert tolerant.returncode == 0
    assert "warning EANCOM-GLN: NAD+BY: GLN 5790000274018" in tolerant.stdout
    good = run("inspect", "--no-color", str(FIXTURES / "orders-d96a.edi"))
    assert good.returncode == 0
    assert "error" not in good.stdout


def test_repeated_findings_are_grouped_on_the_terminal_and_all_kept_in_the_report(
        tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(5):
        (inbox / f"orders-{n}.edi").write_bytes((FIXTURES / "orders-d96a.edi").read_bytes())
    report = tmp_path / "report.json"
    proc = run("convert", str(inbox), "--to", "oioubl", "-o", str(tmp_path / "out"),
               "--report", str(report), "--no-check")
    assert proc.returncode == 0, proc.stderr
    kept = [f for item in json.loads(report.read_text("utf-8"))["items"]
            for f in item["findings"] if f["code"] == "WRITE-NOT-CARRIED"]
    shown = [line for line in proc.stderr.splitlines() if "WRITE-NOT-CARRIED at" in line]
    assert len(shown) == 3
    assert (f"… and {len(kept) - 3} more warnings WRITE-NOT-CARRIED (all in the report, or "
            "with -v)") in proc.stderr.splitlines()
    verbose = run("convert", str(inbox), "--to", "oioubl", "-o", str(tmp_path / "out2"),
                  "--no-check", "-v")
    assert sum("WRITE-NOT-CARRIED at" in line
               for line in verbose.stderr.splitlines()) == len(kept) > 3
    assert "more warnings" not in verbose.stderr


def test_findings_about_the_whole_input_follow_its_documents_in_every_run(
        tmp_path: Path) -> None:
    # A wrong UNZ count is about the interchange, known once it is read: one input, a
    # batch and a batch on two processes all report it after the input's documents.
    broken = tmp_path / "in" / "wrong-unz.edi"
    broken.parent.mkdir()
    broken.write_bytes((FIXTURES / "orders-d96a.edi").read_bytes().replace(
        b"UNZ+2+4711'", b"UNZ+3+4711'"))
    (tmp_path / "in" / "good.edi").write_bytes((FIXTURES / "orders-d96a.edi").read_bytes())
    shapes = []
    for args in ([str(broken), "-o", str(tmp_path / "one.json")],
                 [str(tmp_path / "in"), "-o", str(tmp_path / "batch1")],
                 [str(tmp_path / "in"), "-o", str(tmp_path / "batch2"), "--jobs", "2"]):
        report = tmp_path / "report.json"
        proc = run("convert", *args, "--to", "json", "--report", str(report))
        assert proc.returncode == 1, proc.stderr
        entries = [e for e in json.loads(report.read_text("utf-8"))["items"]
                   if e["input"] == str(broken)]
        shapes.append([(e["reference"], e["outcome"], [f["code"] for f in e["findings"]
                                                       if f["severity"] == "error"])
                       for e in entries])
    assert shapes[0] == [("1", "converted", []), ("2", "converted", []),
                         (None, "failed", ["EDI-UNZ-COUNT"])]
    assert shapes[1] == shapes[0]
    assert shapes[2] == shapes[0]
