"""What a writer could not carry: writers note each model value their format has no place
for, and whoever called the writer turns the notes into findings.

A writer writes everything its format can carry; for the rest it calls :func:`not_carried`
with the value's model path. The pipeline collects the notes of each document it writes
(:func:`collecting`) and reports them as ``WRITE-NOT-CARRIED`` warnings; a caller of
:func:`edimap.write` gets them in its ``findings`` list, or as :class:`NotCarriedWarning`
Python warnings when it gave none, so a value is never dropped in silence.
"""

from __future__ import annotations

import contextlib
import contextvars
import warnings
from collections.abc import Iterator

from edimap.findings import Severity, register

__all__ = ["NOT_CARRIED", "NotCarriedWarning", "collecting", "not_carried"]

NOT_CARRIED = register(
    "WRITE-NOT-CARRIED", Severity.WARNING,
    "A value of the document has no place in the target format, or is written there "
    "otherwise than it is (a stand-in code, spread over more segments); everything else "
    "was written as it is. The message names the model path, the format and what was "
    "done.",
    "Nothing, if the receiver does not need the value; otherwise send the document in a "
    "format that carries it (the canonical JSON carries everything).",
    "an order's ultimate consignee written as OIOUBL")


class NotCarriedWarning(UserWarning):
    """A value the target format cannot carry (from :func:`edimap.write` without
    ``findings``)."""


_notes: contextvars.ContextVar[list[tuple[str, str]] | None] = contextvars.ContextVar(
    "edimap_not_carried", default=None)


@contextlib.contextmanager
def collecting() -> Iterator[list[tuple[str, str]]]:
    """Collect the ``(model path, message)`` notes of the writes inside the block."""
    notes: list[tuple[str, str]] = []
    token = _notes.set(notes)
    try:
        yield notes
    finally:
        _notes.reset(token)


def not_carried(path: str, message: str) -> None:
    """Note that the value at ``path`` (``ultimate_consignee``, ``buyer.ids[1]``) is not
    written, and why."""
    notes = _notes.get()
    if notes is None:
        warnings.warn(f"{path}: {message}", NotCarriedWarning, stacklevel=3)
    else:
        notes.append((path, message))
