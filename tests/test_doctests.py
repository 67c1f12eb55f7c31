"""The examples in docstrings are run, so they stay true: every module of edimap that
has one."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src"

MODULES = sorted(
    ".".join(path.relative_to(SOURCE).with_suffix("").parts).removesuffix(".__init__")
    for path in (SOURCE / "edimap").rglob("*.py") if ">>> " in path.read_text("utf-8"))


def test_the_modules_with_examples_are_found() -> None:
    assert {"edimap.ids.gln", "edimap.formats.oioubl", "edimap.ubl.codelists"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
    assert result.attempted > 0
