"""The JSON edimap writes is held to its published schemas (schemas/json/, JSON Schema
draft 2020-12): the canonical documents of the fixtures, of the corpus and of the
strategies, a real --report and real validate --format json output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings

import edimap
from edimap import strategies
from edimap._json_schemas import REPORT_VERSION, schemas

from .conftest import FIXTURES, ROOT

FOLDER = ROOT / "schemas" / "json"


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((FOLDER / name).read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def problems(name: str, value: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator(name).iter_errors(value)]


def test_the_published_schemas_are_the_ones_the_code_makes() -> None:
    for name, schema in schemas().items():
        published = json.loads((FOLDER / name).read_text("utf-8"))
        assert published == schema, f"{name}: run python -m edimap._json_schemas " \
                                    "schemas/json"


def test_the_fixtures_and_every_corpus_document_match_the_document_schema(
        shared: Path) -> None:
    checked = 0
    for path in [*FIXTURES.glob("*.json"), *(shared / "corpus").rglob("*")]:
        if not path.is_file() or path.name == "MANIFEST.tsv":
            continue
        for document in edimap.read(path, profile="tolerant").documents:
            assert not problems("document.schema.json", edimap.json.to_dict(document)), path
            checked += 1
    assert checked >= 50
    # A misspelt key, a float amount and a wrong kind are caught.
    data = json.loads((FIXTURES / "invoice.json").read_text("utf-8"))
    assert problems("document.schema.json", {**data, "payabel": "1.00"})
    assert problems("document.schema.json", {**data, "payable": 656.25})
    assert problems("document.schema.json", {**data, "document": "receipt"})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.documents())
def test_generated_documents_match_the_document_schema(document: edimap.Document) -> None:
    assert not problems("document.schema.json", edimap.json.to_dict(document))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edimap", *args], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, check=False)


@pytest.mark.parametrize("good", [True, False])
def test_a_real_report_and_validate_output_match_their_schemas(tmp_path: Path,
                                                               good: bool) -> None:
    source = FIXTURES / "orders-d96a.edi"
    if not good:
        source = tmp_path / "broken.edi"
        source.write_bytes((FIXTURES / "orders-d96a.edi").read_bytes().replace(
            b"UNT+", b"UNT+9", 1))
    report = tmp_path / "report.json"
    proc = run("convert", str(source), str(FIXTURES / "invoice.json"), "--to", "oioubl",
               "-o", str(tmp_path / "out"), "--report", str(report), "--no-check")
    assert proc.returncode == (0 if good else 1), proc.stderr
    written = json.loads(report.read_text("utf-8"))
    assert written["version"] == REPORT_VERSION
    assert not problems("report.schema.json", written)
    assert any(item["findings"] for item in written["items"]) or good
    proc = run("validate", str(source), "--format", "json", "--no-rules")
    output = json.loads(proc.stdout)
    assert output["version"] == REPORT_VERSION
    assert not problems("validate.schema.json", output)
    assert output["inputs"][0]["ok"] is good
