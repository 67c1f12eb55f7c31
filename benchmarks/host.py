"""What every benchmark prints about the machine it ran on, with a Python-speed reference:
virtual machines of one kind differ several-fold in speed, so a figure is comparable only
with a run whose reference is about as fast."""

from __future__ import annotations

import os
import platform
import timeit
from collections.abc import Callable
from typing import Any


def reference_ms() -> float:
    """Milliseconds for ``sum(i*i for i in range(100000))``, best of 5 × 20."""
    best = min(timeit.repeat("sum(i*i for i in range(100000))", number=20, repeat=5))
    return best / 20 * 1000


def describe() -> str:
    return (f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, reference loop {reference_ms():.1f} ms")


def best_of(repeat: int, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The fastest of ``repeat`` runs of ``measure`` (a dict with ``seconds``), with the
    slowest run's seconds as ``slowest``. On a shared virtual machine other load only ever
    slows a run down, so the fastest is the best estimate of the code's own speed (as
    timeit takes it); the slowest shows how much the host varied."""
    runs = [measure() for _ in range(max(1, repeat))]
    best = min(runs, key=lambda run: float(run["seconds"]))
    return {**best, "slowest": max(float(run["seconds"]) for run in runs), "runs": len(runs)}
