"""edimap's strategies are registered with Hypothesis through its entry point, and need
nothing heavier than Hypothesis."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import edimap
from edimap import model


def test_the_plugin_is_an_installed_hypothesis_entry_point() -> None:
    (plugin,) = [e for e in entry_points(group="hypothesis") if e.name == "edimap"]
    assert plugin.value == "edimap._hypothesis:_hypothesis_setup_hook"


@settings(max_examples=15, deadline=None)
@given(order=st.from_type(model.Order), invoice=st.from_type(model.Invoice),
       party=st.from_type(model.Party), line=st.from_type(model.OrderLine))
def test_from_type_draws_edimap_documents(order: model.Order, invoice: model.Invoice,
                                          party: model.Party, line: model.OrderLine) -> None:
    assert isinstance(order, model.Order)
    assert order.lines
    assert invoice.kind in (model.DocumentKind.INVOICE, model.DocumentKind.CREDIT_NOTE)
    # Drawn documents are consistent: they write and read back as themselves.
    assert list(edimap.read(edimap.write(invoice, format="json")).documents) == [invoice]
    assert isinstance(party, model.Party)
    assert isinstance(line, model.OrderLine)


def test_the_strategies_need_no_rule_engine(tmp_path: Path) -> None:
    # None in sys.modules makes "import saxonche" fail, as without the test extra.
    code = ("import sys; sys.modules['saxonche'] = None\n"
            "from hypothesis import strategies as st, given, settings\n"
            "import edimap\n"
            "@settings(max_examples=5)\n@given(st.from_type(edimap.Order))\n"
            "def check(order): assert isinstance(order, edimap.Order)\n"
            "check(); print('drawn')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "drawn"
