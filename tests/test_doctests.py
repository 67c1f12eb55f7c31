"""The examples in docstrings are run, so they stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["edimap.ids.gln", "edimap.ids.gtin", "edimap.ids.cvr", "edimap.edifact.syntax",
           "edimap.edifact.writer", "edimap._codes", "edimap.formats", "edimap._streaming",
           "edimap._limits", "edimap.ubl.schemes", "edimap.json"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
    assert result.attempted > 0
