"""The Winfinans webservice: a thin client, the model mapping, the broker workflow and a
local test double.

::

    from edimap.winfinans import Client, Credentials, Journal, push_orders, pull_invoices

    with Client(url, Credentials.resolve()) as client, Journal() as journal:
        for outcome in push_orders(client, ["ORDERS.edi"], journal):
            print(outcome.order_id, outcome.outcome, outcome.order_no)
        pull_invoices(client, "outbox/", journal, to="eancom")

Exceptions, by cause, all under :class:`WinfinansError` (an :class:`~edimap.EdimapError`):
:class:`AuthenticationError`, :class:`NotFoundError`, :class:`DocumentClosedError`,
:class:`ServiceValidationError`, :class:`ServiceError`, :class:`TransportError`.
"""

from edimap.winfinans._errors import (
    AuthenticationError,
    DocumentClosedError,
    NotFoundError,
    ServiceError,
    ServiceValidationError,
    TransportError,
    WinfinansError,
)
from edimap.winfinans.client import Client, Credentials
from edimap.winfinans.journal import Journal
from edimap.winfinans.sandbox import Faults, Sandbox
from edimap.winfinans.sync import OrderOutcome, PickupOutcome, pull_invoices, push_orders

__all__ = [
    "AuthenticationError",
    "Client",
    "Credentials",
    "DocumentClosedError",
    "Faults",
    "Journal",
    "NotFoundError",
    "OrderOutcome",
    "PickupOutcome",
    "Sandbox",
    "ServiceError",
    "ServiceValidationError",
    "TransportError",
    "WinfinansError",
    "pull_invoices",
    "push_orders",
]
