"""Where the documents of one input go as they are converted, one at a time: into one
output through the format's sink (a JSON array, JSON Lines, one EANCOM interchange), or
into one file per document (OIOUBL) — the output itself when there is only one, else a
folder by that name. Memory holds one document (and, for files, the first until a second
comes: only then is it known whether ``-o`` is a file or a folder).

Each call returns the report entries that are final, in input order.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from edimap._files import StagedOutput, staged_output, write_atomically
from edimap._notes import collecting
from edimap.findings import UsageError
from edimap.formats.base import DocumentSink, Format
from edimap.pipeline import Outcome, profile_writer_options, write_document, writer_options

__all__ = ["Destination", "destination"]

Entry = dict[str, Any]


class Destination:
    """The documents of one input, written as they come (see the module docstring)."""

    def add(self, outcome: Outcome) -> list[Entry]:
        """One outcome of reading: its document written (or refused), its entry."""
        raise NotImplementedError

    def add_written(self, entry: Entry, output_name: str | None, body: bytes
                    ) -> list[Entry]:
        """One document another process converted: its ``entry``, and the ``body`` it
        made (a sink's piece, or the file's bytes under ``output_name``)."""
        raise NotImplementedError

    def close(self) -> list[Entry]:
        """The end of the input: what is pending is written."""
        return []

    def reset(self) -> None:
        """Forget what was written: the input is converted again from its start."""
        raise NotImplementedError

    @property
    def converted(self) -> int:
        raise NotImplementedError


class _Sink(Destination):
    """Every document into one output, through the format's sink."""

    def __init__(self, fmt: Format, out: StagedOutput, output: str,
                 options: dict[str, Any]) -> None:
        self.fmt, self.out, self.options = fmt, out, options
        self.shown = output if output != "-" else None
        self.sink: DocumentSink | None = None
        self.count = 0
        out.publish = False  # (nothing converted: nothing written, as for every format)

    def _sink(self, envelope: dict[str, Any]) -> DocumentSink:
        """The sink, opened for the first document (whose ``envelope`` it takes)."""
        if self.sink is None:
            self.sink = self.fmt.sink(self.out.stream, **{
                **writer_options(self.fmt, self.options), **envelope})
            assert self.sink is not None
        return self.sink

    def _entry(self, entry: Entry) -> list[Entry]:
        if entry["outcome"] == "converted":
            entry["output"] = self.shown
            self.count += 1
            self.out.publish = True
        return [entry]

    def add(self, outcome: Outcome) -> list[Entry]:
        if outcome.converted and outcome.document is not None:
            document = outcome.document
            envelope = profile_writer_options(self.fmt, document, outcome, self.options)
            if not self.fmt.carries_everything:
                # On its own first: a refusal, or a value not carried, is a finding of this
                # document. (A placeholder control reference: the interchange's own is
                # allocated once, for the output.)
                checked = write_document(outcome, self.fmt, {
                    "control_ref": "1",
                    **{k: v for k, v in self.options.items() if v is not None}})
                outcome = attrs.evolve(checked, data=None)
            if outcome.converted:
                with collecting():  # (what is not carried was noted just now)
                    self._sink(envelope).add(document, **envelope)
        return self._entry(outcome.to_dict(None))

    def add_written(self, entry: Entry, output_name: str | None, body: bytes
                    ) -> list[Entry]:
        if entry["outcome"] == "converted":
            self._sink({}).add_piece(body)
        return self._entry(entry)

    def reset(self) -> None:
        self.out.stream.seek(0)
        self.out.stream.truncate()
        self.sink, self.count, self.out.publish = None, 0, False

    def close(self) -> list[Entry]:
        if self.count and self.sink is not None:
            with collecting():
                self.sink.close()
        return []

    @property
    def converted(self) -> int:
        return self.count


class _Files(Destination):
    """One file per document: the output itself for one, a folder for several."""

    def __init__(self, fmt: Format, output: str, options: dict[str, Any]) -> None:
        self.fmt, self.output, self.options = fmt, output, options
        self.first: tuple[Entry, str, bytes] | None = None
        self.held: list[Entry] = []  # entries after the first document, until it is placed
        self.folder: Path | None = None
        self.used: set[str] = set()
        self.count = 0
        self.written: list[Path] = []

    def add(self, outcome: Outcome) -> list[Entry]:
        if outcome.converted and outcome.document is not None:
            outcome = write_document(outcome, self.fmt, self.options)
        return self.add_written(outcome.to_dict(None), outcome.output_name,
                                outcome.data or b"")

    def add_written(self, entry: Entry, output_name: str | None, body: bytes
                    ) -> list[Entry]:
        converted = entry["outcome"] == "converted" and output_name is not None
        if converted:
            self.count += 1
        if self.folder is None and self.first is None:
            if not converted:
                return [entry]
            self.first = (entry, output_name or "", body)
            return []
        if self.folder is None:
            if not converted:
                self.held.append(entry)
                return []
            placed = [self._place(*self._open_folder()), *self.held]
            self.held = []
            return [*placed, self._place(entry, output_name or "", body)]
        return [self._place(entry, output_name or "", body) if converted else entry]

    def _open_folder(self) -> tuple[Entry, str, bytes]:
        if self.output == "-":
            raise UsageError(f"several documents become several {self.fmt.name} files: give "
                             "-o DIR")
        self.folder = Path(self.output)
        self.folder.mkdir(parents=True, exist_ok=True)
        assert self.first is not None
        first, self.first = self.first, None
        return first

    def _place(self, entry: Entry, output_name: str, body: bytes) -> Entry:
        assert self.folder is not None
        from edimap._files import unique_name

        target = self.folder / unique_name(output_name, self.used)
        write_atomically(target, body)
        self.written.append(target)
        entry["output"] = str(target)
        return entry

    def reset(self) -> None:
        for path in self.written:
            path.unlink(missing_ok=True)
        self.first, self.held, self.written = None, [], []
        self.used, self.count = set(), 0

    def close(self) -> list[Entry]:
        if self.first is None:
            return []
        entry, _, body = self.first
        self.first = None
        if self.output == "-":
            import sys

            sys.stdout.buffer.write(body)
            sys.stdout.flush()
        else:
            write_atomically(Path(self.output), body)
            entry["output"] = self.output
        return [entry, *self.held]

    @property
    def converted(self) -> int:
        return self.count


@contextlib.contextmanager
def destination(fmt: Format, output: str, options: dict[str, Any]
                ) -> Iterator[Destination]:
    """The destination of one input's documents in ``fmt`` at ``output`` (``-``: standard
    output); a sink's output is staged and published when the block ends well with a
    document in it."""
    if fmt.sink(io.BytesIO()) is None:
        yield _Files(fmt, output, options)
        return
    with staged_output(output) as out:
        yield _Sink(fmt, out, output, options)
