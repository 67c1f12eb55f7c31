"""edimap's Hypothesis plugin: once edimap and Hypothesis are installed (``pip install
'edimap[strategies]'``), ``st.from_type(Order)`` — and ``@given`` with a type hint —
draw edimap documents and their parts from :mod:`edimap.strategies`.

Hypothesis calls :func:`_hypothesis_setup_hook` through the ``hypothesis`` entry point
when it is imported; nothing of edimap is imported before then.
"""

from __future__ import annotations


def _hypothesis_setup_hook() -> None:
    """Register a strategy for each model class edimap's strategies draw."""
    from hypothesis import strategies as st

    from edimap import model, strategies

    for cls, strategy in (
        (model.Address, strategies.addresses()),
        (model.Party, strategies.parties()),
        (model.AllowanceCharge, strategies.allowance_charges()),
        (model.OrderLine, strategies.order_lines()),
        (model.InvoiceLine, strategies.invoice_lines()),
        (model.Order, strategies.orders()),
        (model.Invoice, st.one_of(strategies.invoices(), strategies.credit_notes())),
        (model.OrderResponse, strategies.order_responses()),
    ):
        st.register_type_strategy(cls, strategy)
