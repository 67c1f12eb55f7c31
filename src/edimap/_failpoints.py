"""Named crash points, for the delivery fault harness (``tests/test_delivery_faults.py``,
``fuzz/delivery_soak.py``).

``EDIMAP_FAILPOINT=NAME`` (or ``NAME@N``, the N-th time) makes the process die at once, as
``kill -9`` would, when it reaches ``reached(NAME)``: no cleanup, no ``finally``, no flush.
The names are the windows of the protocol in ``docs/delivery.md``. Unset, a crash point
costs one dictionary look-up.
"""

from __future__ import annotations

import os
import signal

__all__ = ["reached"]

_hits: dict[str, int] = {}


def _armed() -> tuple[str, int] | None:
    spec = os.environ.get("EDIMAP_FAILPOINT")
    if not spec:
        return None
    name, _, count = spec.partition("@")
    return name, int(count) if count.isdigit() else 1


_ARMED = _armed()


def reached(name: str) -> None:
    """Die here when the harness armed ``name``."""
    if _ARMED is None or _ARMED[0] != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] >= _ARMED[1]:
        if hasattr(signal, "SIGKILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)  # pragma: no cover  (no SIGKILL: Windows)
