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
    """One input converted in parts by several processes (edimap._split_run): its plan,
    and once :meth:`run`, the work folder the parts are in."""

    def __init__(self, name: str, source_format: str, to_format: str, output: str,
                 plan: Any, jobs: int) -> None:
        self.name, self.source_format, self.to_format = name, source_format, to_format
        self.output, self.plan, self.jobs = output, plan, jobs
        self.done: list[Any] = []
        self._folder: Any = None

    @classmethod
    def of(cls, name: str, from_format: str, to_format: str, output: str, jobs: int
           ) -> Split | None:
        """The split of input ``name`` for ``jobs`` processes, or None (read whole)."""
        if jobs < 2 or name == "-" or not Path(name).is_file():
            return None
        from edimap._split_run import plan_for

        source_format, plan = plan_for(name, from_format, to_format, jobs)
        return None if plan is None else cls(name, source_format, to_format, output,
                                             plan, jobs)

    def run(self, options: dict[str, Any], stop: Any) -> Split | None:
        """Convert the parts (a stop finishes those in hand); None when they did not read
        exactly as the whole, which is then read in one process."""
        import tempfile

        from edimap._split_run import convert_parts

        beside = Path(self.output).absolute().parent if self.output != "-" else None
        self._folder = tempfile.TemporaryDirectory(
            prefix=".edimap-parts-", dir=beside if beside and beside.is_dir() else None)
        done = convert_parts(self.name, self.name, self.plan, self.source_format,
                             self.to_format, options, self.jobs, self._folder.name, stop)
        if done is None:
            self._folder.cleanup()
            return None
        self.done = done
        return self

    def entries(self) -> Iterator[tuple[dict[str, Any], str | None, bytes]]:
        """(report entry, output name, bytes) of every item in input order; the items of
        the parts a stop left are listed as stopped. The work folder goes at the end."""
        from edimap._split_run import documents, part_references
        from edimap.pipeline import stopped_entry

        try:
            for part in self.done:
                yield from documents(self._folder.name, part.index)
            for index in range(len(self.done), len(self.plan.parts)):
                for reference in part_references(self.name, self.name, self.plan, index,
                                                 self.source_format):
                    yield stopped_entry(self.name, reference), None, b""
        finally:
            self._folder.cleanup()

    @property
    def findings(self) -> list[Finding]:
        """The findings about the input as a whole, in the order of a whole reading."""
        return ([f for p in self.done for f in p.envelope]
                + [f for p in self.done for f in p.trailing])
