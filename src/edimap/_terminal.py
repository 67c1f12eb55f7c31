"""Findings on the terminal, grouped so that thousands of one kind do not hide the rest.

The first few findings of each code are shown with their locations; the others are
counted, and :meth:`FindingPrinter.close` says how many of each were left out and where
they all are (``--report``, ``-v``). Info findings show only under ``-v``, which also
shows every finding.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable

import click

from edimap.findings import Finding, Severity

__all__ = ["FindingPrinter"]


class FindingPrinter:
    """Prints findings to standard error, ``per_code`` of each code at most (all with
    ``verbose``), with ``indent`` before each."""

    def __init__(self, verbose: bool = False, *, per_code: int = 3, indent: str = "",
                 where_all: str | None = "--report") -> None:
        self.verbose = verbose
        self.per_code = per_code
        self.indent = indent
        self.where_all = where_all
        self.shown: collections.Counter[str] = collections.Counter()
        self.left_out: collections.Counter[tuple[str, str]] = collections.Counter()

    def show(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            if finding.severity is Severity.INFO and not self.verbose:
                continue
            if self.verbose or self.shown[finding.code] < self.per_code:
                self.shown[finding.code] += 1
                click.echo(f"{self.indent}{finding}", err=True)
            else:
                self.left_out[finding.code, finding.severity.value] += 1

    def close(self) -> None:
        """Say what was left out, by code."""
        for (code, severity), count in sorted(self.left_out.items()):
            plural = "s" if count != 1 else ""
            where = f"in {self.where_all}, or with -v" if self.where_all else "with -v"
            click.echo(f"{self.indent}… and {count} more {severity}{plural} {code} (all "
                       f"{where})", err=True)
        self.left_out.clear()
