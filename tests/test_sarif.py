"""validate --format sarif: a SARIF 2.1.0 log (checked with sarif-pydantic, a model of
the 2.1.0 specification) with one result per finding at its line and column, its rule
the finding code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sarif_pydantic import Sarif

from edimap._catalogue import codes

from .conftest import FIXTURES, ROOT


def sarif(*inputs: Path) -> tuple[int, dict[str, object]]:
    proc = subprocess.run([sys.executable, "-m", "edimap", "validate", *map(str, inputs),
                           "--format", "sarif", "--no-rules"], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, check=False)
    return proc.returncode, json.loads(proc.stdout)


def test_a_finding_shows_at_its_line_with_its_code_as_rule(tmp_path: Path) -> None:
    good = FIXTURES / "orders-d96a.edi"
    bad = tmp_path / "orders.edi"
    bad.write_bytes(good.read_bytes().replace(b"NAD+BY+5790000274017::9",
                                              b"NAD+BY+5790000274018::9", 1))
    code, log = sarif(bad, good)
    assert code == 1
    parsed = Sarif.model_validate(log)
    assert parsed.version == "2.1.0"
    (run,) = log["runs"]  # type: ignore[index]
    errors = [r for r in run["results"] if r["level"] == "error"]
    (gln,) = [r for r in errors if r["ruleId"] == "EANCOM-GLN"]
    line = bad.read_bytes().split(b"\n").index(
        next(x for x in bad.read_bytes().split(b"\n") if x.startswith(b"NAD+BY"))) + 1
    (place,) = gln["locations"]
    assert place["physicalLocation"]["artifactLocation"]["uri"] == bad.as_uri()
    assert place["physicalLocation"]["region"] == {"startLine": line, "startColumn": 1}
    assert "segment 6 NAD" in place["logicalLocations"][0]["fullyQualifiedName"]
    rules = run["tool"]["driver"]["rules"]
    assert rules[gln["ruleIndex"]]["id"] == "EANCOM-GLN"
    (registered,) = [c for c in codes() if c.code == "EANCOM-GLN"]
    assert rules[gln["ruleIndex"]]["help"]["text"] == registered.action
    # Both inputs are artifacts; the good one has no error.
    assert [a["location"]["uri"] for a in run["artifacts"]] == [bad.as_uri(), good.as_uri()]


def test_an_xml_finding_names_its_path(tmp_path: Path) -> None:
    source = tmp_path / "invoice.xml"
    subprocess.run([sys.executable, "-m", "edimap", "convert", str(FIXTURES / "invoice.json"),
                    "--to", "oioubl", "-o", str(source), "--no-check"], check=True,
                   capture_output=True, timeout=300, cwd=ROOT)
    source.write_bytes(source.read_bytes().replace(b"<cbc:IssueDate>", b"<cbc:IssueDate>x",
                                                   1))
    code, log = sarif(source)
    assert code == 1
    Sarif.model_validate(log)
    results = log["runs"][0]["results"]  # type: ignore[index]
    located = [r for r in results if r["level"] == "error"]
    assert located
    place = located[0]["locations"][0]
    assert place["physicalLocation"]["region"]["startLine"] > 1
    assert place["logicalLocations"][0]["fullyQualifiedName"].startswith("/")
