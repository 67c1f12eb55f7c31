"""Runs that stop cleanly on SIGINT (Ctrl-C) or SIGTERM.

The first signal asks the run to stop: the document in hand is finished (or dropped, when
that is all there is), nothing new is started, what was not started is reported as such
(``RUN-STOPPED``), the report and the summary are written, and the command exits 130. A
second signal stops at once. No temporary or half-written file is left either way: every
file is written under a temporary name and renamed.

Library loops take ``stop``, a callable they ask between documents: "stop now?".
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

from edimap.findings import Severity, register

__all__ = ["EXIT_STOPPED", "STOPPED", "Stop", "StopCheck", "ignore_signals", "never",
           "stopping"]

EXIT_STOPPED = 130  # 128 + SIGINT, what shells report for a run stopped by Ctrl-C

STOPPED = register(
    "RUN-STOPPED", Severity.WARNING,
    "The run was stopped (SIGINT or SIGTERM) before this input or document was handled: "
    "nothing of it was written or sent.",
    "Run the command again: it does what was not done (push-orders and pull-invoices skip "
    "what their journal shows done).", "Ctrl-C during edimap convert inbox/ -o out/")

StopCheck = Callable[[], bool]
"""Asked between documents: True when the run should stop."""


def never() -> bool:
    """The stop check of a run nothing stops."""
    return False


class Stop:
    """The stop check of a run under :func:`stopping`; ``signal_name`` says what asked."""

    def __init__(self) -> None:
        self.signal_name: str | None = None

    def __call__(self) -> bool:
        return self.signal_name is not None


@contextlib.contextmanager
def stopping(announce: Callable[[str], None] | None = None) -> Iterator[Stop]:
    """Within the block, SIGINT and SIGTERM ask the run to stop (``announce`` is told
    which, once); a second one stops at once (KeyboardInterrupt). Outside the main thread
    signals cannot be caught, and the run is never asked to stop."""
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def asked(signum: int, _frame: FrameType | None) -> None:
        if stop():
            raise KeyboardInterrupt
        stop.signal_name = signal.Signals(signum).name
        if announce is not None:
            announce(stop.signal_name)

    previous = {s: signal.signal(s, asked) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def ignore_signals() -> None:
    """For worker processes (a terminal's Ctrl-C reaches the whole process group): the
    parent decides when to stop, finishes the work in hand, and shuts them down."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
