"""Findings as SARIF 2.1.0 (``edimap validate --format sarif``), the format code-scanning
services and editors show: one result per finding, its rule the finding code.

A result's physical location is the input with the finding's line and column (the
position in the file); its logical location is the EDIFACT place (message, segment,
element, component) or the XML path, so a reader of the log finds the value either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from edimap._version import __version__
from edimap.findings import REGISTRY, Finding, Location, Severity

__all__ = ["sarif_log"]

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(name: str) -> str:
    """A relative path as a relative URI (so a CI service maps it onto the repository),
    an absolute one as a file URI."""
    path = Path(name)
    return path.as_uri() if path.is_absolute() else path.as_posix()


def _logical(location: Location) -> dict[str, Any] | None:
    """The EDIFACT or XML place of a finding, as SARIF's logical location."""
    if location.xpath:
        return {"fullyQualifiedName": location.xpath, "kind": "element"}
    # The place less the file and position, which the physical location gives.
    text = str(attrs.evolve(location, source=None, line=None, column=None, offset=None))
    return {"fullyQualifiedName": text, "kind": "element"} if text else None


def _result(finding: Finding, name: str, rules: dict[str, int]) -> dict[str, Any]:
    region: dict[str, int] = {}
    if finding.location.line is not None:
        region["startLine"] = finding.location.line
        if finding.location.column is not None:
            region["startColumn"] = finding.location.column
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(name)}}
    if region:
        physical["region"] = region
    place: dict[str, Any] = {"physicalLocation": physical}
    logical = _logical(finding.location)
    if logical is not None:
        place["logicalLocations"] = [logical]
    result: dict[str, Any] = {"ruleId": finding.code, "level": LEVELS[finding.severity],
                              "message": {"text": finding.message}, "locations": [place]}
    if finding.code in rules:
        result["ruleIndex"] = rules[finding.code]
    if finding.location.field:
        result["properties"] = {"field": finding.location.field}
    return result


def _rule(code: str) -> dict[str, Any]:
    entry = REGISTRY[code]
    return {"id": code, "shortDescription": {"text": entry.summary},
            "help": {"text": entry.action},
            "defaultConfiguration": {"level": LEVELS[entry.severity]}}


def sarif_log(checked: Sequence[tuple[str, Sequence[Finding]]]) -> dict[str, Any]:
    """One SARIF run over ``checked``: (input name, its findings) pairs."""
    codes = sorted({f.code for _, findings in checked for f in findings
                    if f.code in REGISTRY})
    rules = {code: i for i, code in enumerate(codes)}
    results = [_result(f, name, rules) for name, findings in checked for f in findings]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "edimap", "version": __version__,
                                "semanticVersion": __version__,
                                "rules": [_rule(code) for code in codes]}},
            "artifacts": [{"location": {"uri": _uri(name)}} for name, _ in checked],
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }
