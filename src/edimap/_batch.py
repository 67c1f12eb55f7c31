"""Batch conversion: many inputs, one file per document, nothing lost.

Every input ends up converted or listed in the report with its findings; one bad file or
message never stops the run. Workers (``jobs``) only read and convert; the parent writes
every file in input order, so the output of ``jobs=N`` is identical to ``jobs=1``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import attrs

from edimap import _api
from edimap._files import EXTENSIONS, FILE_KINDS, write_atomically
from edimap.findings import EdimapError, Location, Severity, register

__all__ = ["Outcome", "convert_files", "expand_inputs", "write_atomically"]



SOURCE = register(
    "IO-SOURCE", Severity.ERROR,
    "An input of a batch cannot be opened or read.",
    "Check the path and its permissions; the other inputs are converted all the same.",
    "a file removed while the batch ran")
WRITE_REFUSED = register(
    "WRITE-REFUSED", Severity.ERROR,
    "A document was read, but the target format cannot be written from it: it needs "
    "content the document lacks.",
    "Read the message: it names the field; complete the document or choose another format.",
    "an order whose seller has neither a GLN nor a CVR number, written as OIOUBL")


def expand_inputs(inputs: Sequence[str]) -> list[Path]:
    """Files named, and every file below the folders named (sorted, hidden ones skipped)."""
    files: list[Path] = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and not any(
                part.startswith(".") for part in p.relative_to(path).parts)))
        else:
            files.append(path)
    return files


@attrs.frozen
class Outcome:
    """What became of one message or document of one input."""

    input: str
    reference: str | None
    converted: bool
    findings: tuple[dict[str, Any], ...]
    output_name: str | None = None
    data: bytes | None = attrs.field(default=None, repr=False)

    def to_dict(self, output: str | None) -> dict[str, Any]:
        return {"input": self.input, "reference": self.reference,
                "outcome": "converted" if self.converted else "failed",
                "output": output, "findings": list(self.findings)}


def _convert_one(path: str, to_format: str, from_format: str,
                 options: dict[str, Any]) -> list[Outcome]:
    """Read one input and convert each of its documents (runs in a worker)."""
    try:
        result = _api.read(Path(path), format=from_format)
    except EdimapError as exc:
        return [Outcome(path, None, False, (SOURCE(str(exc), Location(source=path)).to_dict(),))]
    outcomes: list[Outcome] = []
    input_findings = tuple(f.to_dict() for f in result.findings)
    input_errors = any(f["severity"] == "error" for f in input_findings)
    if not result.items or input_errors:
        # Nothing in the input could be read, or its envelope is broken: the input itself
        # is a failed entry (its documents, if any, still convert below).
        outcomes.append(Outcome(path, None, False, input_findings))
        input_findings = ()
    for item in result.items:
        findings = [*input_findings, *(f.to_dict() for f in item.findings)]
        input_findings = ()  # input-level warnings go with its first document
        if not item.ok or item.document is None:
            outcomes.append(Outcome(path, item.reference, False, tuple(findings)))
            continue
        document = item.document
        try:
            data = _api.write(document, format=to_format, **options)
        except EdimapError as exc:
            findings.append(WRITE_REFUSED(str(exc), Location(
                source=path, message_ref=item.reference)).to_dict())
            outcomes.append(Outcome(path, item.reference, False, tuple(findings)))
            continue
        kind = FILE_KINDS[document.kind.value]
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in document.id)
        outcomes.append(Outcome(path, item.reference, True, tuple(findings),
                                f"{kind}-{safe}.{EXTENSIONS[to_format]}", data))
    return outcomes


def _run(files: Sequence[Path], to_format: str, from_format: str, options: dict[str, Any],
         jobs: int) -> Iterator[list[Outcome]]:
    if jobs <= 1 or len(files) <= 1:
        for path in files:
            yield _convert_one(str(path), to_format, from_format, options)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(_convert_one, [str(p) for p in files],
                            [to_format] * len(files), [from_format] * len(files),
                            [options] * len(files), chunksize=1)


def convert_files(files: Sequence[Path], *, to_format: str, from_format: str,
                  output_dir: Path, options: dict[str, Any], jobs: int = 1,
                  quarantine: Path | None = None,
                  progress: Callable[[int], None] | None = None,
                  ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Convert ``files`` into ``output_dir``; return the report entries and a summary."""
    output_dir.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    entries: list[dict[str, Any]] = []
    summary = {"inputs": len(files), "converted": 0, "failed": 0, "warnings": 0}
    for outcomes in _run(files, to_format, from_format, options, jobs):
        input_entries = []
        failed = False
        for outcome in outcomes:
            output = None
            if outcome.converted and outcome.data is not None and outcome.output_name:
                name = _unique(outcome.output_name, used)
                write_atomically(output_dir / name, outcome.data)
                output = str(output_dir / name)
                summary["converted"] += 1
            else:
                summary["failed"] += 1
                failed = True
            summary["warnings"] += sum(f["severity"] == Severity.WARNING.value
                                       for f in outcome.findings)
            input_entries.append(outcome.to_dict(output))
        entries.extend(input_entries)
        if failed and quarantine is not None and outcomes:
            _quarantine(Path(outcomes[0].input), quarantine, input_entries)
        if progress is not None:
            progress(1)
    return entries, summary


def _unique(name: str, used: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{stem}-{n}{dot}{ext}"
    used.add(candidate)
    return candidate


def _quarantine(path: Path, folder: Path, entries: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}-{n}{path.suffix}"
    if path.is_file():
        shutil.copyfile(path, target)
    write_atomically(target.with_name(target.name + ".report.json"),
                     (json.dumps(entries, indent=2, ensure_ascii=False) + "\n").encode())
