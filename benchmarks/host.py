"""What every benchmark prints about the machine it ran on, with a Python-speed reference:
virtual machines of one kind differ several-fold in speed, so a figure is comparable only
with a run whose reference is about as fast."""

from __future__ import annotations

import os
import platform
import timeit


def reference_ms() -> float:
    """Milliseconds for ``sum(i*i for i in range(100000))``, best of 5 × 20."""
    best = min(timeit.repeat("sum(i*i for i in range(100000))", number=20, repeat=5))
    return best / 20 * 1000


def describe() -> str:
    return (f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, reference loop {reference_ms():.1f} ms")
