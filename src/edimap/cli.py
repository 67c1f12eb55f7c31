"""The ``edimap`` command line.

Exit codes, for every command: 0 = done and the input had no error-level finding;
1 = the input has problems (findings went to stderr); 2 = usage or I/O error.
No command prints a traceback for bad input; set ``EDIMAP_DEBUG=1`` to see one for a bug.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from edimap import _api
from edimap._version import __version__
from edimap.findings import (
    ConfigurationError,
    EdimapError,
    Finding,
    InputError,
    Severity,
    SourceError,
    UsageError,
)
from edimap.ids import identify
from edimap.model import Document

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2

F = TypeVar("F", bound=Callable[..., Any])


def _guard(fn: F) -> F:
    """Turn edimap's exceptions into a message and an exit code, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except InputError as exc:
            click.echo(f"edimap: {exc}", err=True)
            for finding in exc.findings:
                click.echo(f"  {finding}", err=True)
            sys.exit(EXIT_INPUT)
        except (UsageError, SourceError, ConfigurationError) as exc:
            click.echo(f"edimap: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        except EdimapError as exc:
            click.echo(f"edimap: {exc}", err=True)
            sys.exit(EXIT_INPUT)
        except OSError as exc:
            click.echo(f"edimap: {exc.strerror or exc}", err=True)
            sys.exit(EXIT_USAGE)
        except Exception as exc:
            if os.environ.get("EDIMAP_DEBUG"):
                raise
            click.echo(f"edimap: internal error ({type(exc).__name__}: {exc}); please report "
                       "it with the input, or run with EDIMAP_DEBUG=1 for details", err=True)
            sys.exit(EXIT_USAGE)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="edimap")
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


def _print_findings(findings: Sequence[Finding], *, quiet_info: bool = True) -> None:
    for finding in findings:
        if quiet_info and finding.severity is Severity.INFO:
            continue
        click.echo(str(finding), err=True)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--to", "to_format", type=click.Choice(["json", "eancom", "oioubl"]),
              required=True, help="Format to write.")
@click.option("--from", "from_format", type=click.Choice(["auto", "json", "eancom", "oioubl"]),
              default="auto", show_default=True, help="Format to read (auto: by content).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              default="-", help="Output file (default: standard output).")
@click.option("-v", "--verbose", is_flag=True, help="Also print info-level findings.")
@_guard
def convert(inputs: Sequence[str], to_format: str, from_format: str, output: str,
            verbose: bool) -> None:
    """Convert documents between formats.

    Every message of every input is converted or reported: findings go to stderr with
    their locations, messages with errors are left out of the output, and the others
    still convert. Exit 1 when anything was left out.

    \b
    Example:
      edimap convert fixtures/order.json --to json
    """
    documents: list[Document] = []
    failed = 0
    for name in inputs:
        source: Any = sys.stdin.buffer if name == "-" else Path(name)
        result = _api.read(source, format=from_format)
        _print_findings(result.all_findings, quiet_info=not verbose)
        if not result.items and not result.ok:
            failed += 1
        for item in result.items:
            if item.ok and item.document is not None:
                documents.append(item.document)
            else:
                failed += 1
    if documents:
        data = _api.write(documents, format=to_format)
        if output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            _write_atomically(Path(output), data)
    summary = f"{len(documents)} converted, {failed} failed"
    if failed or not documents:
        click.echo(summary, err=True)
    sys.exit(EXIT_INPUT if failed else EXIT_OK)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename: never a half-written file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


if __name__ == "__main__":  # pragma: no cover
    main()
