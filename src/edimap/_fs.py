"""Inputs and outputs by path or by URL: a name with ``://`` (``file://``, ``memory://``,
``s3://`` …) goes through fsspec (installed with the ``dask`` extra; ``s3://`` and others
need their own fsspec package), any other name is a local path."""

from __future__ import annotations

import os
from typing import IO, Any

from edimap.findings import SourceError, UsageError

__all__ = ["filesystem", "is_url", "open_binary", "size_of"]


def is_url(name: str) -> bool:
    """Whether ``name`` is a URL (``scheme://…``) rather than a local path."""
    scheme, sep, _ = name.partition("://")
    return bool(sep) and scheme.replace("+", "").isalnum() and len(scheme) > 1


def filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of ``url`` and the path within it."""
    try:
        import fsspec  # type: ignore[import-untyped]
    except ImportError:
        raise UsageError(f"{url}: URLs need fsspec (pip install 'edimap[dask]')") from None
    try:
        return fsspec.core.url_to_fs(url)  # type: ignore[no-any-return]
    except (ImportError, ValueError) as exc:
        raise UsageError(f"{url}: {exc}") from None


def open_binary(name: str) -> IO[bytes]:
    """``name`` (a path or a URL) opened for reading bytes, seekable."""
    try:
        if is_url(name):
            fs, path = filesystem(name)
            return fs.open(path, "rb")  # type: ignore[no-any-return]
        return open(name, "rb")
    except OSError as exc:
        raise SourceError(f"cannot read {name}: {exc.strerror or exc}") from None


def size_of(name: str) -> int:
    """The size in bytes of the file ``name`` (a path or a URL)."""
    try:
        if is_url(name):
            fs, path = filesystem(name)
            return int(fs.size(path))
        return os.path.getsize(name)
    except OSError as exc:
        raise SourceError(f"cannot read {name}: {exc.strerror or exc}") from None
