"""The ``--report`` file written as a run goes, so a report of a million messages never
sits in memory: items are staged beside the report as they come and the file is put in
place, whole, when the run ends — the same bytes ``json.dumps(report, indent=2)`` gives.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from edimap._files import publish, temporary_name
from edimap._json_schemas import REPORT_VERSION

__all__ = ["StreamedReport"]


def _indented(value: Any, pad: str) -> str:
    """``value`` as indented JSON, every line after the first shifted by ``pad``."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + pad)


class StreamedReport:
    """``add`` each item as it is known, set ``summary``; the report at ``path`` (None:
    no report) is written when the block ends."""

    def __init__(self, path: str | None) -> None:
        self.path = Path(path) if path else None
        self.summary: dict[str, int] = {}
        self._items: IO[str] | None = None
        self._staged: Path | None = None
        self._count = 0

    def __enter__(self) -> StreamedReport:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._staged = temporary_name(self.path.with_name(self.path.name + ".items"))
            self._items = open(self._staged, "w+", encoding="utf-8")
        return self

    def add(self, entry: dict[str, Any]) -> None:
        if self._items is not None:
            self._items.write((",\n    " if self._count else "    ")
                              + _indented(entry, "    "))
            self._count += 1

    def reset(self) -> None:
        """Forget the items added so far (the run starts over)."""
        if self._items is not None:
            self._items.seek(0)
            self._items.truncate()
        self._count = 0

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._items is None or self.path is None or self._staged is None:
            return
        try:
            if kind is None:
                self._write(self._items, self.path)
        finally:
            self._items.close()
            self._staged.unlink(missing_ok=True)

    def _write(self, items: IO[str], path: Path) -> None:
        final = temporary_name(path)
        try:
            with open(final, "w", encoding="utf-8") as out:
                out.write(f'{{\n  "version": {json.dumps(REPORT_VERSION)},\n  "summary": '
                          f'{_indented(self.summary, "  ")},\n  "items": ')
                if self._count:
                    out.write("[\n")
                    items.seek(0)
                    shutil.copyfileobj(items, out)
                    out.write("\n  ]\n}\n")
                else:
                    out.write("[]\n}\n")
            publish(final, path)
        finally:
            final.unlink(missing_ok=True)
