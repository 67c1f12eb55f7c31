"""The ``edimap`` command line.

Exit codes, for every command: 0 = done and the input had no error-level finding;
1 = the input has problems (findings went to stderr); 2 = usage or I/O error.
No command prints a traceback for bad input; set ``EDIMAP_DEBUG=1`` to see one for a bug.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from edimap import _api
from edimap._cli_split import Split
from edimap._cli_support import (
    EXIT_INPUT,
    EXIT_OK,
    FormatName,
    announce_stop,
    limit_option,
    profile_options,
    profile_set,
)
from edimap._cli_support import guard as _guard
from edimap._json_schemas import REPORT_VERSION
from edimap._stop import EXIT_STOPPED, stopping
from edimap._terminal import FindingPrinter
from edimap._version import __version__
from edimap.findings import (
    Finding,
    InputError,
    Severity,
    SourceError,
    UsageError,
)
from edimap.ids import identify


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """--version: edimap's version, then the official packages installed with it."""
    if not value or ctx.resilient_parsing:
        return
    from edimap.ubl import schemas

    click.echo(f"edimap {__version__}")
    for line in schemas.status():
        click.echo(line)
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_show_version, help="Show the version and the official packages "
              "installed, and exit.")
def main() -> None:
    """edimap: EANCOM EDIFACT and OIOUBL ⇄ typed Winfinans orders and invoices.

    Exit codes: 0 ok, 1 the input has problems, 2 usage or I/O error.
    """


@main.command("check-id")
@click.argument("values", nargs=-1, required=True)
@_guard
def check_id(values: Sequence[str]) -> None:
    """Check GLNs, GTINs and CVR numbers; the kind is told from the shape.

    A 13-digit number is checked as a GLN/GTIN-13, 8/12/14 digits as a GTIN, DK + 8 digits
    (and any 8 digits) as a CVR. Exit 0 when every value is valid, 1 otherwise.

    \b
    Example:
      edimap check-id 5790000274017 DK13585628 5701234567899
    """
    all_valid = True
    for value in values:
        verdicts = identify(value)
        good = [v for v in verdicts if v.valid]
        if good:
            kinds = " or ".join(v.kind for v in good)
            click.echo(f"{value}: valid {kinds} ({good[0].compact})")
        elif verdicts:
            all_valid = False
            reasons = "; ".join(v.reason for v in verdicts)
            click.echo(f"{value}: invalid — {reasons}")
        else:
            all_valid = False
            click.echo(f"{value}: invalid — not shaped like a GLN (13 digits), a GTIN "
                       "(8, 12, 13 or 14 digits) or a CVR (8 digits, optionally after DK)")
    sys.exit(EXIT_OK if all_valid else EXIT_INPUT)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--to", "to_format", type=FormatName(), required=True, help="Format to write.")
@click.option("--from", "from_format", type=FormatName(allow_auto=True), default="auto",
              show_default=True, help="Format to read (auto: by content).")
@click.option("-o", "--output", type=click.Path(allow_dash=True), default="-",
              help="Output file (default: standard output); a folder for several inputs, a "
                   "folder input, or several OIOUBL documents.")
@click.option("-v", "--verbose", is_flag=True, help="Also print info-level findings.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, no findings on stderr.")
@click.option("--edifact-version", type=click.Choice(["d96a", "d01b"]), default="d96a",
              show_default=True, help="EANCOM directory to write (EANCOM 97 or 2002).")
@click.option("--sender", help="UNB sender GLN (default: the first document's buyer).")
@click.option("--recipient", help="UNB recipient GLN (default: the first document's seller).")
@click.option("--control-ref", help="UNB control reference (default: the next number for "
              "the sender/recipient pair, kept in EDIMAP_HOME).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Write a JSON report: every input and message with its outcome and "
                   "findings.")
@click.option("--quarantine", type=click.Path(file_okay=False),
              help="Copy failing inputs into this folder, each beside its report.")
@profile_options
@limit_option
@click.option("--check/--no-check", default=True, show_default=True,
              help="Hold each document written to the target's official rules (OIOUBL: the "
                   "UBL 2.1 XSD and the OIOUBL rules, once installed) and refuse it if it "
                   "breaks one.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes; one large EANCOM interchange is split among them "
                   "(output is identical to --jobs 1).")
@click.option("--cluster", metavar="ADDRESS",
              help="Convert on a Dask cluster: tcp://HOST:8786, or local:N to start N local "
                   "workers (pip install 'edimap[dask]'); inputs and -o DIR may be fsspec "
                   "URLs. A rerun skips the inputs done.")
@_guard
def convert(inputs: Sequence[str], to_format: str, from_format: str, output: str,
            verbose: bool, quiet: bool, edifact_version: str, sender: str | None,
            recipient: str | None, control_ref: str | None, report_path: str | None,
            quarantine: str | None, jobs: int, cluster: str | None, profile: str | None,
            profiles: str | None, check: bool) -> None:
    """Convert documents between formats.

    Every message of every input is converted or reported: findings go to stderr with
    their locations, messages with errors are left out of the output, and the others still
    convert. With several inputs or a folder, -o is a folder and every document becomes one
    file named by type and id (Order-4500012345.xml). Exit 1 when anything failed.

    \b
    Examples:
      edimap convert fixtures/orders-d96a.edi --to json
      edimap convert order.json --to eancom --edifact-version d01b -o ORDERS.edi
      edimap convert fixtures/orders-d96a.edi --to oioubl -o out/
      edimap convert inbox/ --to oioubl -o out/ --report report.json --quarantine bad/
      edimap convert partner.edi --to json --profile tolerant
      edimap convert inbox/ --to oioubl -o out/ --profiles profiles/
    """
    # Every writer option the command line has; each format takes those it knows (and the
    # reading side, the profiles).
    options: dict[str, Any] = {"version": edifact_version, "sender": sender,
                               "recipient": recipient, "control_ref": control_ref,
                               "profiles": profile_set(profile, profiles), "check": check}
    if cluster:
        _convert_on_cluster(inputs, to_format, from_format, output, options, report_path,
                            quarantine, cluster, quiet, verbose)
        return
    # A trailing slash or an existing folder makes -o a folder, even for one document.
    batch = len(inputs) > 1 or any(Path(i).is_dir() for i in inputs if i != "-") or (
        output != "-" and (Path(output).is_dir() or output.endswith(("/", os.sep))))
    if batch:
        _convert_batch(inputs, to_format, from_format, output, options, report_path,
                       quarantine, jobs, quiet, verbose)
        return
    _convert_single(inputs[0], to_format, from_format, output, options, report_path,
                    quarantine, quiet, verbose, jobs)


def _convert_batch(inputs: Sequence[str], to_format: str, from_format: str, output: str,
                   options: dict[str, Any], report_path: str | None, quarantine: str | None,
                   jobs: int, quiet: bool, verbose: bool) -> None:
    from edimap._batch import convert_files, expand_inputs

    if output == "-":
        raise UsageError("several inputs or a folder: give -o DIR for the documents")
    if "-" in inputs:
        raise UsageError("standard input (-) goes alone")
    files = expand_inputs(inputs)
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise SourceError(f"cannot read {missing[0]}: no such file")
    show = not quiet and sys.stderr.isatty()
    with stopping(announce_stop) as stop, click.progressbar(
            length=len(files), label="converting", file=sys.stderr) if show \
            else _NoBar() as bar:
        entries, summary = convert_files(
            files, to_format=to_format, from_format=from_format, output_dir=Path(output),
            options=options, jobs=jobs, quarantine=Path(quarantine) if quarantine else None,
            progress=bar.update, stop=stop)
    _finish(entries, summary, report_path, quiet, verbose, stop.signal_name)


def _convert_on_cluster(inputs: Sequence[str], to_format: str, from_format: str,
                        output: str, options: dict[str, Any], report_path: str | None,
                        quarantine: str | None, address: str, quiet: bool,
                        verbose: bool) -> None:
    from edimap._batch import quarantine_input
    from edimap.cluster import connect
    from edimap.cluster import convert as on_cluster

    if output == "-":
        raise UsageError("--cluster writes one file per document: give -o DIR")
    show = not quiet and sys.stderr.isatty()
    bar = click.progressbar(length=len(inputs), label="converting", file=sys.stderr) \
        if show else _NoBar()
    with connect(address) as client, stopping(announce_stop) as stop, bar:
        entries, summary = on_cluster(inputs, to_format=to_format, output=output,
                                      options=options, client=client,
                                      from_format=from_format, stop=stop,
                                      progress=bar.update)
    if quarantine:
        failed: dict[str, list[dict[str, Any]]] = {}
        for entry in entries:
            failed.setdefault(entry["input"], []).append(entry)
        for name, mine in failed.items():
            if any(e["outcome"] == "failed" for e in mine) and Path(name).is_file():
                quarantine_input(Path(name), Path(quarantine), mine)
    _finish(entries, summary, report_path, quiet, verbose, stop.signal_name)


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def _finish(entries: list[dict[str, Any]], summary: dict[str, int], report_path: str | None,
            quiet: bool, verbose: bool, stopped: str | None = None) -> None:
    """Findings, the report and the summary; exit 130 for a run that was ``stopped`` (by
    that signal), else 1 when anything failed."""
    import json as _json

    from edimap._files import write_atomically

    if not quiet:
        printer = FindingPrinter(verbose, where_all=report_path and "the report")
        for entry in entries:
            printer.show(Finding.from_dict(f) for f in entry["findings"])
        printer.close()
    if report_path:
        report = {"version": REPORT_VERSION, "summary": summary, "items": entries}
        write_atomically(Path(report_path), (_json.dumps(report, indent=2, ensure_ascii=False)
                                             + "\n").encode("utf-8"))
    click.echo(f"{summary['converted']} converted, {summary['failed']} failed, "
               f"{summary['warnings']} warning{'s' if summary['warnings'] != 1 else ''}"
               + (f", {summary['stopped']} not started (stopped by {stopped})"
                  if stopped else ""), err=True)
    sys.exit(EXIT_STOPPED if stopped else EXIT_INPUT if summary["failed"] else EXIT_OK)



class _Recorder:
    """What a one-input run says as it goes: the counts, the findings shown, the report
    streamed, the entries kept for quarantine."""

    def __init__(self, name: str, report_path: str | None, quarantine: str | None,
                 quiet: bool, verbose: bool) -> None:
        from edimap._report import StreamedReport

        self.report_path, self.quiet, self.verbose = report_path, quiet, verbose
        self.counts = {"inputs": 1, "converted": 0, "failed": 0, "warnings": 0, "stopped": 0}
        self.printer = FindingPrinter(verbose, where_all=report_path and "the report")
        self.report = StreamedReport(report_path)
        self.failed: list[dict[str, Any]] | None = [] if quarantine and name != "-" else None

    def record(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            if entry["outcome"] in self.counts:  # ("input": about the input as a whole)
                self.counts[entry["outcome"]] += 1
            self.counts["warnings"] += sum(f["severity"] == "warning"
                                           for f in entry["findings"])
            if not self.quiet:
                self.printer.show(Finding.from_dict(f) for f in entry["findings"])
            self.report.add(entry)
            if self.failed is not None:
                self.failed.append(entry)

    def restart(self) -> None:
        """Forget what was recorded: the input is read again, whole."""
        self.report.reset()
        self.counts.update(dict.fromkeys(self.counts, 0), inputs=1)
        if self.failed is not None:
            self.failed.clear()
        if not self.quiet:
            click.echo("edimap: the parts do not read as the whole interchange would; "
                       "reading it whole (findings above repeat below)", err=True)
        self.printer = FindingPrinter(self.verbose,
                                      where_all=self.report_path and "the report")

    @property
    def read_any(self) -> bool:
        return bool(self.counts["converted"] or self.counts["failed"]
                    or self.counts["stopped"])


def _convert_single(name: str, to_format: str, from_format: str, output: str,
                    options: dict[str, Any], report_path: str | None, quarantine: str | None,
                    quiet: bool, verbose: bool, jobs: int = 1) -> None:
    """One input (a file or standard input) into one output, a document at a time: memory
    holds one message (EANCOM), whatever the input's size; findings are shown and the
    report written as they come. The documents go together into one file, or, for a format
    with one document per file, into a folder when there are several (edimap._destination).
    With several jobs, a large input its format can split is converted in parts. A stop
    finishes the document in hand and lists the rest as stopped."""
    from edimap import formats
    from edimap._destination import destination
    from edimap._split_run import InexactSplit
    from edimap._streaming import iter_read
    from edimap.pipeline import input_outcome, outcome_of, stopped_entry

    source: Any = sys.stdin.buffer if name == "-" else Path(name)
    split = Split.of(name, from_format, to_format, output, jobs)
    run = _Recorder(name, report_path, quarantine, quiet, verbose)
    with stopping(announce_stop) as stop, \
            destination(formats.get(to_format), output, options) as out, run.report:
        input_findings: list[Finding] | None = None
        if split is not None:
            try:
                for entry, output_name, body in split.entries(options, stop):
                    run.record(out.add_written(entry, output_name, body))
                input_findings = split.findings
            except InexactSplit:  # (rare: what was written goes, and it is read whole)
                out.reset()
                run.restart()
        if input_findings is None:
            stream = iter_read(source, format=from_format, profile=options["profiles"])
            for item in stream:
                run.record([stopped_entry(name, item.reference)] if stop()
                           else out.add(outcome_of(item, name)))
            input_findings = stream.findings
        run.record(out.close())
        whole = input_outcome(name, input_findings, run.read_any)
        if whole is not None:
            run.record([whole.to_dict(None)])
        run.report.summary = run.counts
    if not quiet:
        run.printer.close()
    if run.failed is not None and run.counts["failed"]:
        from edimap._batch import quarantine_input

        quarantine_input(Path(name), Path(quarantine or ""), run.failed)
    _finish([], run.counts, None, quiet, verbose, stop.signal_name)


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(allow_dash=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              default="-", help="Where to write the CONTRL interchange (default: stdout).")
@click.option("--control-ref", help="UNB 0020 of the CONTRL interchange (default: the next "
              "number for this partner pair, kept in EDIMAP_HOME).")
@profile_options
@limit_option
@_guard
def contrl(input_path: str, output: str, control_ref: str | None, profile: str | None,
           profiles: str | None) -> None:
    """Build the CONTRL syntax report for every interchange in INPUT.

    Accepted interchanges get UCI action 7, rejected ones action 4 with the syntax error
    codes and UCM/UCS/UCD pointing at the failing message, segment and element. A summary
    goes to stderr. Exit 0 when every interchange is accepted, 1 when any is rejected.
    The profile of the UNB sender sets the severities (a syntax finding it makes a warning
    does not reject).

    \b
    Example:
      edimap contrl ORDERS.edi -o CONTRL.edi
    """
    from edimap._files import write_atomically as _batch_write
    from edimap._home import data_dir
    from edimap.edifact import contrl as contrl_mod
    from edimap.edifact.reader import read_interchanges
    from edimap.edifact.writer import ControlNumbers

    chosen = profile_set(profile, profiles)
    source: Any = sys.stdin.buffer if input_path == "-" else Path(input_path)
    interchanges = [i for i in read_interchanges(source) if i.header is not None]
    if not interchanges:
        raise InputError(f"{input_path} holds no interchange to acknowledge")
    counters: ControlNumbers | None = None
    out = bytearray()
    rejected = 0
    for n, interchange in enumerate(interchanges):
        header = interchange.header
        assert header is not None
        severity = chosen.select([("UNB sender", header.sender)])[0].severity
        ack = contrl_mod.build(interchange, severity)
        if control_ref:
            ref = control_ref if n == 0 else f"{control_ref}{n + 1}"[-14:]
        else:
            counters = counters or ControlNumbers(data_dir() / "control-numbers.sqlite")
            ref = counters.next(header.recipient, header.sender, "contrl")
        out += contrl_mod.to_bytes(ack, control_ref=ref)
        verdict = "accepted" if ack.accepted else "rejected"
        click.echo(f"interchange {header.control_ref} from {header.sender}: {verdict} "
                   f"(UCI action {ack.action})", err=True)
        for finding in interchange.all_findings:
            if severity.get(finding.code, finding.severity) is Severity.ERROR:
                click.echo(f"  {finding}", err=True)
        rejected += not ack.accepted
    if output == "-":
        sys.stdout.buffer.write(bytes(out))
        sys.stdout.flush()
    else:
        _batch_write(Path(output), bytes(out))
    sys.exit(EXIT_INPUT if rejected else EXIT_OK)


@main.group()
def schemas() -> None:
    """Install and list the official schemas and rules (EDIMAP_HOME/schemas)."""


@schemas.command("install")
@click.argument("package", type=click.Path(exists=True, dir_okay=False))
@_guard
def schemas_install(package: str) -> None:
    """Install the official OIOUBL schematron package (or the OASIS UBL 2.1 zip).

    \b
    Example:
      edimap schemas install OIOUBL_Schematron_2026-05-01_v1.17.2.zip
    """
    from edimap.ubl import schemas as schemas_mod

    info = schemas_mod.install(package)
    click.echo(f"installed {info['kind']} {info['version']} from {info['package']}")


@schemas.command("status")
@_guard
def schemas_status() -> None:
    """Say what is installed.

    \b
    Example:
      edimap schemas status
    """
    from edimap.ubl import schemas as schemas_mod

    for line in schemas_mod.status():
        click.echo(line)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif"]),
              default="text", show_default=True,
              help="json: schemas/json/validate.schema.json; sarif: SARIF 2.1.0 for "
                   "code-scanning services and editors.")
@click.option("--rules/--no-rules", default=True, show_default=True,
              help="Run the official OIOUBL rules (needs the 'rules' extra).")
@click.option("--explain", is_flag=True,
              help="Add xmlschema's explanation of each XSD error (slower).")
@profile_options
@limit_option
@_guard
def validate(inputs: Sequence[str], output_format: str, rules: bool, explain: bool,
             profile: str | None, profiles: str | None) -> None:
    """Check inputs: EDIFACT envelopes and structure, GLN/GTIN check digits, the official
    UBL XSD and OIOUBL rules (once installed) and everything the readers check.

    Folders are read recursively; findings are grouped by input. Exit 0 when no input has
    an error-level finding, 1 otherwise.

    \b
    Example:
      edimap validate invoice.xml ORDERS.edi inbox/
    """
    import json as _json

    from edimap._batch import expand_inputs

    chosen = profile_set(profile, profiles)
    worst = EXIT_OK
    report = []
    checked: list[tuple[str, list[Finding]]] = []
    names = ["-"] if list(inputs) == ["-"] else [str(p) for p in expand_inputs(inputs)]
    for name in names:
        source: Any = sys.stdin.buffer if name == "-" else Path(name)
        findings = _api.validate(source, rules=rules, explain=explain, profile=chosen)
        errors = sum(f.severity is Severity.ERROR for f in findings)
        worst = EXIT_INPUT if errors else worst
        report.append({"input": name, "ok": not errors,
                       "findings": [f.to_dict() for f in findings]})
        checked.append((name, findings))
        if output_format == "text":
            click.echo(f"{name}: {'ok' if not errors else f'{errors} error(s)'}")
            for f in findings:
                click.echo(f"  {f.severity.value} {f.code} at {f.location}: {f.message}")
    if output_format == "json":
        click.echo(_json.dumps({"version": REPORT_VERSION, "inputs": report}, indent=2,
                               ensure_ascii=False))
    elif output_format == "sarif":
        from edimap._sarif import sarif_log

        click.echo(_json.dumps(sarif_log(checked), indent=2, ensure_ascii=False))
    sys.exit(worst)


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(allow_dash=True))
@click.option("--color/--no-color", default=None, help="Colour (default: when a terminal).")
@profile_options
@limit_option
@_guard
def inspect(input_path: str, color: bool | None, profile: str | None,
            profiles: str | None) -> None:
    """Show an EDIFACT interchange (groups, segments, elements with qualifier names, and
    findings where they occur) or a UBL document as a readable tree. Exit 1 when a finding
    shown is an error.

    \b
    Example:
      edimap inspect fixtures/orders-d96a.edi
    """
    from edimap._inspect import lines

    data, name = _api.load_bytes(sys.stdin.buffer if input_path == "-" else Path(input_path))
    shown: list[Finding] = []
    for line in lines(data, name, shown, profile_set(profile, profiles)):
        click.echo(line, color=color)
    sys.exit(EXIT_INPUT if any(f.is_error for f in shown) else EXIT_OK)


@main.command()
@click.option("--format", "output_format", type=click.Choice(["markdown", "json"]),
              default="markdown", show_default=True)
@_guard
def mapping(output_format: str) -> None:
    """Print the field mapping table: model field ⇄ EANCOM segment ⇄ OIOUBL element.

    Derived from the writers themselves (docs/mapping.md is this output).

    \b
    Example:
      edimap mapping > docs/mapping.md
    """
    from edimap._mapping import markdown, rows

    if output_format == "json":
        import json as _json

        click.echo(_json.dumps([{"document": d, "field": f, "eancom_d96a": a,
                                 "eancom_d01b": b, "oioubl": c, "winfinans": w}
                                for d, f, a, b, c, w in rows()],
                               indent=2, ensure_ascii=False))
    else:
        click.echo(markdown(), nl=False)


@main.command()
@_guard
def codes() -> None:
    """Print the catalogue of finding codes (Markdown), as in docs/errors.md.

    \b
    Example:
      edimap codes > docs/errors.md
    """
    from edimap._catalogue import markdown

    click.echo(markdown(), nl=False)


from edimap._profile_cli import profile as _profile  # noqa: E402
from edimap._wf_cli import sandbox as _sandbox  # noqa: E402
from edimap._wf_cli import winfinans as _winfinans  # noqa: E402

main.add_command(_winfinans)
main.add_command(_profile)
main.add_command(_sandbox)


if __name__ == "__main__":  # pragma: no cover
    main()
