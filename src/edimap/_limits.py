"""The size of input edimap reads: one limit for every format, so what edimap writes it can
read back (an OIOUBL order written from a 100,000-line EANCOM order is about 72 MB).

The limit is, in order: the ``max_input_bytes`` a caller passes to :func:`edimap.read` or
:func:`edimap.validate`; ``EDIMAP_MAX_INPUT_BYTES`` in the environment (what the command
line's ``--max-input-size`` sets, so worker processes share it); 256 MiB.

    >>> parse_size("256MiB") == MAX_INPUT_BYTES, parse_size("1.5 GB"), parse_size("4096")
    (True, 1500000000, 4096)
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
from collections.abc import Iterator

from edimap.findings import Severity, UsageError, register

__all__ = ["MAX_INPUT_BYTES", "TOO_LARGE", "input_limit", "max_input_bytes", "parse_size"]

MAX_INPUT_BYTES = 256 * 1024 * 1024
ENVIRONMENT = "EDIMAP_MAX_INPUT_BYTES"

TOO_LARGE = register(
    "IO-LIMIT-SIZE", Severity.ERROR,
    "The input is larger than the size edimap reads (256 MiB unless configured), the same "
    "for every format.", "Raise the limit (--max-input-size, EDIMAP_MAX_INPUT_BYTES, "
    "max_input_bytes=) if the machine has the memory; stream large inputs with "
    "edimap.iter_read (EANCOM, JSON arrays and JSON Lines).", example="a 2 GB interchange")

_limit: contextvars.ContextVar[int | None] = contextvars.ContextVar("edimap_input_limit",
                                                                   default=None)
_UNITS = {"": 1, "B": 1, "K": 1000, "KB": 1000, "KIB": 1024, "M": 1000**2, "MB": 1000**2,
          "MIB": 1024**2, "G": 1000**3, "GB": 1000**3, "GIB": 1024**3, "T": 1000**4,
          "TB": 1000**4, "TIB": 1024**4}


def parse_size(text: str) -> int:
    """A size such as ``4096``, ``64MiB`` or ``1.5 GB`` in bytes."""
    found = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", text)
    unit = found.group(2).upper() if found else None
    if found is None or unit not in _UNITS:
        raise UsageError(f"{text!r} is not a size like 4096, 64MiB or 1.5GB")
    size = int(float(found.group(1)) * _UNITS[unit])
    if size <= 0:
        raise UsageError(f"{text!r}: a size must be more than 0 bytes")
    return size


def max_input_bytes() -> int:
    """The limit in force (see the module docstring)."""
    given = _limit.get()
    if given is not None:
        return given
    configured = os.environ.get(ENVIRONMENT)
    return parse_size(configured) if configured else MAX_INPUT_BYTES


@contextlib.contextmanager
def input_limit(size: int | None) -> Iterator[int]:
    """Within the block, ``size`` (None: the one in force) is the limit; yields it."""
    limit = max_input_bytes() if size is None else size
    token = _limit.set(limit)
    try:
        yield limit
    finally:
        _limit.reset(token)
