"""``convert --jobs N`` of one large input: the command line's side of
:mod:`edimap._split_run` (the input split, its parts converted in processes of their own,
then handed on in input order as a whole reading hands them on)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from edimap.findings import Finding

__all__ = ["Split"]

class Split:
    """One input converted in parts by several processes (edimap._split_run), and what
    its parts said (:attr:`done`, as :meth:`entries` goes)."""

    def __init__(self, name: str, source_format: str, to_format: str, output: str,
                 plan: Any, jobs: int) -> None:
        self.name, self.source_format, self.to_format = name, source_format, to_format
        self.output, self.plan, self.jobs = output, plan, jobs
        self.done: list[Any] = []

    @classmethod
    def of(cls, name: str, from_format: str, to_format: str, output: str, jobs: int
           ) -> Split | None:
        """The split of input ``name`` for ``jobs`` processes, or None (read whole)."""
        # (not to standard output: a part found inexact restarts the output)
        if jobs < 2 or name == "-" or output == "-" or not Path(name).is_file():
            return None
        from edimap._split_run import plan_for

        source_format, plan = plan_for(name, from_format, to_format, jobs)
        return None if plan is None else cls(name, source_format, to_format, output,
                                             plan, jobs)

    def entries(self, options: dict[str, Any], stop: Any
                ) -> Iterator[tuple[dict[str, Any], str | None, bytes]]:
        """(report entry, output name, bytes) of every item in input order, each part's
        as soon as it and those before it are converted; the items of the parts a stop
        left are listed as stopped. Raises :class:`~edimap._split_run.InexactSplit` when
        a part does not read as the whole (the caller then reads the input whole). The
        work folder, beside the output, goes at the end."""
        import tempfile

        from edimap._split_run import documents, iter_parts, part_references
        from edimap.pipeline import stopped_entry

        beside = Path(self.output).absolute().parent if self.output != "-" else None
        with tempfile.TemporaryDirectory(
                prefix=".edimap-parts-", dir=beside if beside and beside.is_dir() else None
        ) as folder:
            self.done = []
            for part in iter_parts(self.name, self.name, self.plan, self.source_format,
                                   self.to_format, options, self.jobs, folder, stop):
                self.done.append(part)
                yield from documents(folder, part.index)
            for index in range(len(self.done), len(self.plan.parts)):
                for reference in part_references(self.name, self.name, self.plan, index,
                                                 self.source_format):
                    yield stopped_entry(self.name, reference), None, b""

    @property
    def findings(self) -> list[Finding]:
        """The findings about the input as a whole, in the order of a whole reading."""
        return ([f for p in self.done for f in p.envelope]
                + [f for p in self.done for f in p.trailing])
