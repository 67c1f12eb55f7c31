"""The broker workflow: deliver orders into Winfinans exactly once, and pick up the B2B
Backbone invoice queue without losing or repeating an invoice.

Delivering (:func:`push_orders`), for each order of each input:

1. the journal knows the message (sender GLN, interchange and message reference, content
   hash) or an order with the same number for the same customer: nothing is sent;
2. the customer is resolved by GLN (bill-to: buyer, else invoicee, else delivery place;
   ship-to: delivery place, else the bill-to) and every GTIN must name a Winfinans item;
3. Winfinans is searched for the order (the customer's orders that the journal does not
   know, by ``requisition``), since re-sending would append its lines again;
4. ``SalesOrderAdd`` sends header and lines in one call. When its outcome is unknown (a
   timeout, a dropped connection), step 3 runs again before any new attempt;
5. the delivery is journalled, then the stored lines are counted against the order's.

Picking up (:func:`pull_invoices`), for each queued SaleID: the control reference and
preparation time are journalled first, the invoice is built from Winfinans's header, lines,
customers, company and sales location, written atomically and durably, journalled as
written, and only then confirmed in the queue. A run killed at any point and started again
rewrites at most the same file with the same bytes, and confirms what it wrote.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import attrs
import filelock

from edimap import _api, _failpoints, formats
from edimap import json as edimap_json
from edimap._api import ProfileSpec
from edimap._files import process_alive, publish, stage, temporary_owner
from edimap._home import data_dir
from edimap._notes import collecting
from edimap._stop import STOPPED, StopCheck, never
from edimap.edifact.writer import ControlNumbers
from edimap.findings import (
    EdimapError,
    FieldError,
    Finding,
    InputError,
    Location,
    Severity,
    UsageError,
    ValidationError,
    has_errors,
    register,
)
from edimap.model import Invoice, Order, OrderLine
from edimap.pipeline import checked, not_written, writer_options
from edimap.profiles import Profile, ProfileSet
from edimap.profiles.apply import identities, writing_defaults
from edimap.winfinans import mapping
from edimap.winfinans._errors import TransportError, WinfinansError
from edimap.winfinans.client import Client
from edimap.winfinans.journal import Journal, JournalError, Pickup

__all__ = ["OrderOutcome", "PickupOutcome", "message_key", "pull_invoices", "push_orders"]

K = TypeVar("K")
T = TypeVar("T")

SERVICE = register(
    "WF-SERVICE", Severity.ERROR,
    "The Winfinans webservice refused or failed a call for this document.",
    "Read the message; for a transport failure run the command again (nothing is delivered "
    "or confirmed twice).", "SalesOrderAdd: no answer within the timeout")
UNREADABLE = register(
    "WF-INPUT", Severity.ERROR,
    "An input of push-orders cannot be opened or read.",
    "Check the path and its permissions.", "a file that was moved away")
NOT_WRITABLE = register(
    "WF-WRITE", Severity.ERROR,
    "An invoice from Winfinans cannot be written in the format asked for: the format needs "
    "what the Winfinans document lacks (a GLN for the EANCOM recipient, for example).",
    "Complete the customer or the company in Winfinans, or pull in another format; the "
    "invoice stays in the queue.", "a customer without a GLN, pulled as EANCOM")
NOT_AN_ORDER = register(
    "WF-NOT-AN-ORDER", Severity.ERROR,
    "push-orders delivers orders; this document is an invoice or an order response.",
    "Give push-orders ORDERS messages or OIOUBL/JSON orders.", "an INVOIC message")
ALREADY = register(
    "WF-ALREADY-DELIVERED", Severity.INFO,
    "The order was delivered before (the journal or Winfinans has it); it is not sent again.",
    "Nothing. To deliver it again, delete the order in Winfinans and its journal entry.",
    "the same ORDERS file pushed twice")
SAME_NUMBER = register(
    "WF-SAME-ORDER-NUMBER", Severity.WARNING,
    "An order with the same number for the same customer is already in Winfinans, but its "
    "content differs; it is not sent again, since Winfinans would keep both.",
    "Compare the two; change the order in Winfinans by hand if the new one is right.",
    "a corrected order re-sent with the same BGM number")
LINES_STORED = register(
    "WF-LINES-STORED", Severity.ERROR,
    "Winfinans stored a different number of lines than the order has.",
    "Check the order in Winfinans; an item may lack its EAN or be blocked.",
    "3 lines sent, 2 stored")
ITEM_PRICE = register(
    "WF-ITEM-PRICE", Severity.INFO,
    "A line's price was taken from the Winfinans item card (inventoryItem.SalesPrice), as "
    "asked with prices='order-else-item' or 'item'.",
    "Nothing; customer price lists are not applied (reprice the order in Winfinans for "
    "that).", "a LIN group without PRI")
PRICE_DIFFERS = register(
    "WF-PRICE-DIFFERS", Severity.WARNING,
    "A line's price in the order is not the price on the Winfinans item card; the order's "
    "price is sent (customer price lists are not compared).",
    "Check the price with the buyer, or take prices from Winfinans (the profile's "
    "winfinans.prices, or --prices item).", "PRI+AAA:12.50' for an item priced 12.95")
PRICES = ("order", "order-else-item", "item")
MAX_REQUEST_BYTES = 65_536
"""The largest request sent in one call: WCF's default message quota."""
IN_PARTS = register(
    "WF-IN-PARTS", Severity.INFO,
    "The order was too large for one request, so its header and then each line went in by "
    "separate calls.", "Nothing; raise max_request_bytes if your service takes more.",
    "an order of 300 lines (about 95 kB)")
BY_CVR = register(
    "WF-CUSTOMER-BY-CVR", Severity.INFO,
    "No Winfinans customer has the order's GLNs; the customer was found by the buyer's CVR "
    "number (Address.VATNumber) instead.",
    "Nothing; put the GLN on the customer in Winfinans to match by GLN.",
    "an OIOUBL order whose buyer has a CVR number and no GLN")
IN_PROGRESS = register(
    "WF-IN-PROGRESS", Severity.ERROR,
    "Another run sharing the journal was working on this order or invoice and had not "
    "finished when this run stopped waiting for it.",
    "Run again once the other run has ended; nothing was sent or written twice.",
    "a cron job overlapping a manual push-orders on one large order")
CLAIM_LOST = register(
    "WF-CLAIM-LOST", Severity.ERROR,
    "This run went longer than the journal's lease without a sign of life, and another run "
    "took the order over; this run stopped working on it.",
    "Run again: the order is finished from what Winfinans stores; check the host's clock "
    "and load.", "a run suspended for minutes in the middle of a 300-line order")
UNVERIFIED = register(
    "WF-UNVERIFIED", Severity.WARNING,
    "The order was delivered but its stored lines could not be read back to count them.",
    "Check the order in Winfinans.", "SalesOrderLoadItems timed out")


@attrs.frozen
class OrderOutcome:
    """What became of one order: ``delivered``, ``already delivered`` or ``failed``."""

    input: str
    reference: str | None
    order_id: str | None
    outcome: str
    order_no: int | None = None
    sale_id: int | None = None
    findings: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"input": self.input, "reference": self.reference, "order_id": self.order_id,
                "outcome": self.outcome, "order_no": self.order_no,
                "findings": [f.to_dict() for f in self.findings]}


@attrs.frozen
class PickupOutcome:
    """What became of one queued invoice: ``written``, ``confirmed again`` (written by an
    earlier run), ``written, not confirmed`` or ``failed`` (left in the queue)."""

    sale_id: int
    invoice_id: str | None
    outcome: str
    file: str | None = None
    findings: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"sale_id": self.sale_id, "invoice_id": self.invoice_id,
                "outcome": self.outcome, "file": self.file,
                "findings": [f.to_dict() for f in self.findings]}


def message_key(sender: str | None, interchange_ref: str | None, message_ref: str | None,
                order: Order) -> str:
    """The journal key of an order: who sent it in which interchange and message, and a hash
    of its content (its canonical JSON), so an edited re-send is a new message."""
    content = hashlib.sha256(edimap_json.dumps(order, indent=None).encode()).hexdigest()
    return "/".join((sender or "-", interchange_ref or "-", message_ref or "-", content[:32]))


def _trace(key: str) -> str:
    return f"edimap {key}"


# --- pushing orders -------------------------------------------------------------------


class _Session:
    """What pushing and pulling share: the client, the journal, and the addresses already
    looked up in this run (by AddressID)."""

    def __init__(self, client: Client, journal: Journal) -> None:
        self.client = client
        self.journal = journal
        self._addresses: dict[int, dict[str, Any] | None] = {}

    def _address(self, address_id: Any) -> dict[str, Any] | None:
        return self._looked_up(self._addresses, address_id, self.client.address)

    @staticmethod
    def _looked_up(cache: dict[int, dict[str, Any] | None], record_id: Any,
                   fetch: Callable[[int], dict[str, Any] | None]) -> dict[str, Any] | None:
        """The record with a Winfinans id (None for no id), fetched once per run."""
        if not isinstance(record_id, int) or record_id <= 0:
            return None
        if record_id not in cache:
            cache[record_id] = fetch(record_id)
        return cache[record_id]

    def _goods_lines(self, sale_id: int) -> list[dict[str, Any]]:
        """The stored lines of a document without its allowance and charge lines (such as
        Winfinans's synthetic "Bundrabat")."""
        return [line for line in self.client.order_lines(sale_id)
                if not line.get("AllowanceCharge")]


class _Pusher(_Session):
    def __init__(self, client: Client, journal: Journal, prices: str | None = None,
                 max_request_bytes: int = MAX_REQUEST_BYTES) -> None:
        if prices is not None and prices not in PRICES:
            raise UsageError(f"prices must be one of {', '.join(PRICES)}, not {prices!r}")
        super().__init__(client, journal)
        self.prices = prices
        self.policies: dict[str, str] = {}  # message key → its profile's price policy
        self.max_request_bytes = max_request_bytes
        self._customers: dict[str, tuple[dict[str, Any] | None, int]] = {}
        self._items: dict[str, tuple[dict[str, Any] | None, int]] = {}
        self._requisitions: dict[int, str | None] = {}

    def _customer(self, gln: str) -> tuple[dict[str, Any] | None, int]:
        if gln not in self._customers:
            self._customers[gln] = self.client.address_by_gln(gln)
        return self._customers[gln]

    def _resolve(self, order: Order, where: Location,
                 findings: list[Finding]) -> tuple[int, int] | None:
        """The bill-to and ship-to AddressIDs of the order's customer."""
        bill_to = ship_to = None
        for role in ("buyer", "invoicee", "delivery"):
            party = getattr(order, role)
            if party is None or party.gln is None:
                continue
            address, count = self._customer(party.gln)
            if count > 1:
                findings.append(mapping.CUSTOMER_AMBIGUOUS(
                    f"{count} Winfinans customers have the {role} GLN {party.gln}",
                    where.evolve(field=f"{role}.gln")))
                return None
            if address is not None:
                bill_to = int(address["AddressID"])
                break
        if bill_to is None:
            bill_to = self._by_cvr(order, where, findings)
        if bill_to is None:
            if has_errors(findings):
                return None
            glns = [p.gln for p in (order.buyer, order.invoicee, order.delivery)
                    if p is not None and p.gln]
            findings.append(mapping.CUSTOMER_UNKNOWN(
                "no Winfinans customer has GLN " + (" or ".join(glns) or "(the order names "
                                                    "no GLN)"), where.evolve(field="buyer.gln")))
            return None
        if order.delivery is not None and order.delivery.gln:
            address, _ = self._customer(order.delivery.gln)
            if address is not None:
                ship_to = int(address["AddressID"])
        return bill_to, ship_to or bill_to

    def _item(self, line: OrderLine) -> dict[str, Any] | None:
        """The Winfinans item of a line: by GTIN (as the server will resolve it), else by
        the seller's item number (sent as ItemID)."""
        key = line.gtin or f"id:{line.seller_item_id}"
        if key not in self._items:
            if line.gtin:
                self._items[key] = self.client.item_by_gtin(line.gtin)
            elif line.seller_item_id:
                self._items[key] = (self.client.item(line.seller_item_id), 1)
            else:
                self._items[key] = (None, 0)
        return self._items[key][0]

    def _by_cvr(self, order: Order, where: Location, findings: list[Finding]) -> int | None:
        """The customer by the buyer's (else the invoicee's) CVR number, when no GLN names
        one: OIOUBL orders of public buyers often carry a CVR and no GLN."""
        for role in ("buyer", "invoicee"):
            party = getattr(order, role)
            if party is None or party.cvr is None:
                continue
            found = self.client.addresses_by_cvr(party.cvr)
            if len(found) > 1:
                findings.append(mapping.CUSTOMER_AMBIGUOUS(
                    f"{len(found)} Winfinans customers have the {role} CVR {party.cvr}",
                    where.evolve(field=f"{role}.cvr")))
                return None
            if found:
                findings.append(BY_CVR(f"customer {found[0].get('Account')} found by the "
                                       f"{role} CVR {party.cvr}",
                                       where.evolve(field=f"{role}.cvr")))
                return int(found[0]["AddressID"])
        return None

    def _check_items(self, order: Order, where: Location, findings: list[Finding],
                     prices: str) -> Order:
        """Every GTIN must name a Winfinans item; with ``prices`` other than "order", the
        order with the item cards' prices where asked; an order's price that is not the
        item card's is a warning naming both."""
        lines = []
        for i, line in enumerate(order.lines):
            item = self._item(line)
            if item is None and (line.gtin or line.seller_item_id):
                what, field = ((f"EAN {line.gtin}", "gtin") if line.gtin else
                               (f"item number {line.seller_item_id}", "seller_item_id"))
                findings.append(mapping.ITEM_UNKNOWN(
                    f"line {line.line_id}: no Winfinans item has {what}",
                    where.evolve(field=f"lines[{i}].{field}")))
            wanted = prices == "item" or (prices == "order-else-item" and line.price is None)
            card = item.get("SalesPrice") if item is not None else None
            if isinstance(card, Decimal) and line.price is not None and not wanted and \
                    line.price / (line.price_basis or 1) != card:
                findings.append(PRICE_DIFFERS(
                    f"line {line.line_id}: the order's price {line.price}"
                    + (f" per {line.price_basis}" if line.price_basis else "")
                    + f" is not item {(item or {}).get('ItemID')}'s price {card} in Winfinans; the "
                    "order's price is sent", where.evolve(field=f"lines[{i}].price")))
            if item is not None and wanted and isinstance(card, Decimal):
                findings.append(ITEM_PRICE(
                    f"line {line.line_id}: price {item['SalesPrice']} from item "
                    f"{item.get('ItemID')}", where.evolve(field=f"lines[{i}].price")))
                line = attrs.evolve(line, price=item["SalesPrice"], price_basis=None)
            lines.append(line)
        return attrs.evolve(order, lines=lines)

    def _find_in_winfinans(self, bill_to: int, requisition: str) -> dict[str, Any] | None:
        """The customer's order with this requisition, among those the journal does not
        know (the journal's own are found by step 1)."""
        known = self.journal.known_sale_ids()
        for entry in self.client.list_orders(bill_to):
            sale_id = int(entry.get("SaleID") or 0)
            if not sale_id or sale_id in known:
                continue
            if sale_id not in self._requisitions:
                header = self.client.load_order(sale_id)
                self._requisitions[sale_id] = header.get("requisition") if header else None
                if header is not None and header.get("requisition") == requisition:
                    return header
            elif self._requisitions[sale_id] == requisition:
                return self.client.load_order(sale_id)
        return None

    def deliver(self, order: Order, key: str, name: str, reference: str | None,
                where: Location) -> OrderOutcome | None:
        """Deliver ``order`` once; None when another run holds its message (or its order
        number for the same customer) and this run must come back to it."""
        if self.journal.claim(key) is not None:
            return None
        claims = [key]
        try:
            return self._deliver(_Delivery(order, key, name, reference, where), claims)
        finally:
            for claim in claims:
                self.journal.release(claim)

    def _deliver(self, job: _Delivery, claims: list[str]) -> OrderOutcome | None:
        done = self.journal.delivery(job.key)
        if done is not None and done.complete:
            job.findings.append(ALREADY(f"order {job.order.id} was delivered as Winfinans "
                                        f"order {done.order_no}", job.where))
            return job.outcome("already delivered", {"OrderNo": done.order_no,
                                                     "SaleID": done.sale_id})
        try:
            prepared = self._prepare(job)
            if prepared is None:
                return job.outcome("failed")
            bill_to, header = prepared
            po_claim = f"po/{bill_to}/{job.order.id}"
            if self.journal.claim(po_claim) is not None:
                return None
            claims.append(po_claim)
            if done is not None and done.sale_id is not None:
                # Added by an earlier run that did not finish: verify, add what is missing.
                return self._finish(job, header["OrderLines"], {
                    "OrderNo": done.order_no, "SaleID": done.sale_id}, "delivered")
            stored = self._existing(job, bill_to, intent=done is not None)
            if stored is not None:
                if stored.get("Trace") != _trace(job.key):
                    return job.outcome("already delivered", stored)
                self.journal.record_delivery(job.key, job.order.id, bill_to,
                                             int(stored["SaleID"]), int(stored["OrderNo"]),
                                             complete=False)
                return self._finish(job, header["OrderLines"], stored,
                                    "already delivered" if done is None else "delivered")
            return self._send(job, header, bill_to)
        except WinfinansError as exc:
            job.findings.append(SERVICE(str(exc), job.where))
            return job.outcome("failed")

    def _prepare(self, job: _Delivery) -> tuple[int, dict[str, Any]] | None:
        """The customer's AddressID and the ``SalesOrderAdd`` request, or None when a
        finding refuses the order."""
        resolved = self._resolve(job.order, job.where, job.findings)
        if resolved is None:
            return None
        bill_to, ship_to = resolved
        priced = self._check_items(job.order, job.where, job.findings,
                                   self.prices or self.policies.get(job.key,
                                                                    "order-else-item"))
        header, mapped = mapping.order_sales(priced, bill_to=bill_to, ship_to=ship_to,
                                             trace=_trace(job.key),
                                             customer=self._address(bill_to), where=job.where)
        job.findings.extend(mapped)
        return None if has_errors(job.findings) else (bill_to, header)

    def _send(self, job: _Delivery, header: dict[str, Any], bill_to: int) -> OrderOutcome:
        """``SalesOrderAdd``, announced in the journal before and recorded after."""
        lines = header["OrderLines"]
        size = self.client.request_size("SalesOrderAdd", wfOrder=header, OrderType="Order")
        in_parts = size > self.max_request_bytes
        if in_parts:
            job.findings.append(IN_PARTS(
                f"the order is {size} bytes as one request, over the "
                f"{self.max_request_bytes} the service takes: its header went in first, "
                f"then its {len(lines)} lines one by one (SalesOrderAddItem)", job.where))
        self.journal.record_intent(job.key, job.order.id, bill_to)
        _failpoints.reached("push.intent")
        stored = self._add(job.order, {**header, "OrderLines": []} if in_parts else header,
                           bill_to)
        _failpoints.reached("push.added")
        sale_id = int(stored["SaleID"])
        self.journal.record_delivery(job.key, job.order.id, bill_to, sale_id,
                                     int(stored["OrderNo"]), complete=False)
        self._requisitions[sale_id] = job.order.id
        return self._finish(job, lines, stored, "delivered")

    def _finish(self, job: _Delivery, records: list[dict[str, Any]],
                stored: Mapping[str, Any], result: str) -> OrderOutcome:
        """Add the lines Winfinans lacks, check what it stores against the order, and only
        then journal the delivery complete."""
        sale_id = int(stored["SaleID"])
        added = self._complete(job, records, sale_id)
        if added is None:
            return job.outcome(result, stored)
        if added:
            result = "delivered"
            if not self._verify(job, records, sale_id):
                return job.outcome(result, stored)
        _failpoints.reached("push.verified")
        self.journal.mark_complete(job.key)
        return job.outcome(result, stored)

    def _existing(self, job: _Delivery, bill_to: int, *,
                  intent: bool) -> dict[str, Any] | None:
        """The order already in Winfinans: another message's with the same number for the
        same customer, or one this journal does not know (an earlier run's that crashed
        before journalling it, or another system's)."""
        order, where = job.order, job.where
        same = self.journal.sale_id_for(order.id, bill_to, other_than=job.key)
        if same is not None:
            delivered = self.client.load_order(same)
            if delivered is not None:
                job.findings.append(SAME_NUMBER(
                    f"order {order.id} for this customer is Winfinans order "
                    f"{delivered['OrderNo']} from another message; not sent again", where))
                return delivered
        found = self._find_in_winfinans(bill_to, order.id)
        if found is None:
            return None
        if found.get("Trace") == _trace(job.key):
            if not intent:
                job.findings.append(ALREADY(f"order {order.id} is already Winfinans order "
                                            f"{found['OrderNo']}", where))
            return found
        job.findings.append(SAME_NUMBER(f"order {order.id} for this customer is already "
                                        f"Winfinans order {found['OrderNo']}; not sent again",
                                        where))
        self.journal.record_delivery(job.key, order.id, bill_to, int(found["SaleID"]),
                                     int(found["OrderNo"]))
        return found

    def _add(self, order: Order, header: dict[str, Any], bill_to: int) -> dict[str, Any]:
        attempts = 1 + self.client.retries
        for attempt in range(attempts):
            try:
                return self.client.add_order(header)
            except TransportError as exc:
                if attempt + 1 >= attempts:
                    raise
                time.sleep(self.client.backoff * 2 ** attempt)
                if exc.outcome_unknown:
                    # It may have been stored: look before adding again, or the lines
                    # would be there twice.
                    found = self._find_in_winfinans(bill_to, order.id)
                    if found is not None:
                        return found
        raise AssertionError("unreachable")  # pragma: no cover

    def _complete(self, job: _Delivery, records: list[dict[str, Any]],
                  sale_id: int) -> bool | None:
        """Add the lines Winfinans does not have yet, one by one, resuming after what it
        has stored: a line whose outcome was unknown is there or not when the lines are
        read back, so none is added twice. True when lines were sent, False when all were
        there, None when what is stored is not the start of the order (a finding). Gives
        up after ``retries`` failures in a row: a long order under faults still moves on."""
        sent = False
        failures = 0
        while True:
            stored = self._goods_lines(sale_id)
            if not _starts_with(records, stored):
                job.findings.append(LINES_STORED(
                    f"order {job.order.id}: Winfinans has {len(stored)} lines that are not "
                    f"the first {len(stored)} of the order's {len(records)}", job.where))
                return None
            if len(stored) == len(records):
                return sent
            try:
                for record in records[len(stored):]:
                    if not self.journal.holds(job.key):
                        job.findings.append(CLAIM_LOST(
                            f"order {job.order.id}: another run took the order over after "
                            f"{self.journal.lease:g} s without a sign of this one", job.where))
                        return None
                    sent = True
                    self.client.add_order_line(sale_id, record)
                    failures = 0
                    _failpoints.reached("push.line")
                return True
            except TransportError:
                failures += 1
                if failures > self.client.retries:
                    raise
                time.sleep(self.client.backoff * 2 ** (failures - 1))

    def _verify(self, job: _Delivery, records: list[dict[str, Any]], sale_id: int) -> bool:
        """Read the stored lines back after adding some: complete only when they are the
        order's lines."""
        try:
            stored = self._goods_lines(sale_id)
        except WinfinansError as exc:
            job.findings.append(UNVERIFIED(f"the stored lines could not be read back: {exc}; "
                                           "the next run checks them again", job.where))
            return False
        if len(stored) != len(records) or not _starts_with(records, stored):
            job.findings.append(LINES_STORED(f"order {job.order.id}: {len(records)} lines "
                                             f"sent, Winfinans stored {len(stored)}",
                                             job.where))
            return False
        return True


def _same_line(record: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    """Whether a stored line is the line sent: the same quantity of the same item (by EAN,
    else by item number; Winfinans fills in what the item card adds)."""
    if record.get("Qty") != stored.get("Qty"):
        return False
    if record.get("EAN"):
        return bool(record.get("EAN") == stored.get("EAN"))
    return not record.get("ItemID") or record.get("ItemID") == stored.get("ItemID")


def _starts_with(records: Sequence[Mapping[str, Any]],
                 stored: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the stored lines are the first lines of the order, in order."""
    return len(stored) <= len(records) and all(
        _same_line(r, s) for r, s in zip(records, stored, strict=False))


@attrs.define
class _Delivery:
    """One order on its way, with the findings gathered so far."""

    order: Order
    key: str
    name: str
    reference: str | None
    where: Location
    findings: list[Finding] = attrs.field(factory=list)

    def outcome(self, result: str, header: Mapping[str, Any] | None = None) -> OrderOutcome:
        return OrderOutcome(
            input=self.name, reference=self.reference, order_id=self.order.id,
            outcome=result, order_no=int(header["OrderNo"]) if header else None,
            sale_id=int(header["SaleID"]) if header else None,
            findings=tuple(self.findings))


def _come_back(journal: Journal, held: dict[K, str], attempt: Callable[[K], T | None],
               give_up: Callable[[K], T], wait: float, stop: StopCheck = never,
               stopped: Callable[[K], T] | None = None) -> dict[K, T]:
    """The outcomes of the work another run held (``held``: each piece's claim name): wait
    until its claims are free, ``attempt`` it again (None: held again), and ``give_up`` on
    what is still held after ``wait`` seconds; once ``stop`` says so, what is left is
    ``stopped``."""
    done: dict[K, T] = {}
    deadline = time.monotonic() + wait
    while len(done) < len(held):
        while time.monotonic() < deadline and not stop() and any(
                journal.holder(held[k]) for k in held if k not in done):
            time.sleep(0.2)
        for k in held:
            if k in done:
                continue
            if stop() and stopped is not None:
                done[k] = stopped(k)
                continue
            result = attempt(k)
            if result is None and time.monotonic() >= deadline:
                result = give_up(k)
            if result is not None:
                done[k] = result
    return done


def push_orders(client: Client, inputs: Sequence[str | Path], journal: Journal, *,
                prices: str | None = None, max_request_bytes: int = MAX_REQUEST_BYTES,
                wait: float = 600.0, profile: ProfileSpec = None,
                profiles: str | os.PathLike[str] | None = None,
                stop: StopCheck = never) -> list[OrderOutcome]:
    """Deliver every order of ``inputs`` (EANCOM, OIOUBL or JSON files; the format is told
    by content). One outcome per document; a bad message or a failed call never stops the
    others. Once ``stop`` says so, the order in hand is finished and the rest are
    ``stopped``, not sent (a later run delivers them, and nothing twice).

    Each message is read under its profile (``profile``, ``profiles``: as for
    :func:`edimap.read`), which also says where line prices come from (``winfinans.prices``,
    by default "order-else-item"); ``prices`` overrides it for every order. "order" sends
    each line's price from the order and refuses a line without one (Winfinans would store
    0); "order-else-item" takes a missing price from the Winfinans item card (Danish grocery
    orders usually carry none), with an info finding, and warns where the order's price is
    not the card's; "item" takes every price from the item card. Customer price lists are
    applied by none: reprice the order in Winfinans for that.

    An order larger than ``max_request_bytes`` as one request (WCF's default quota is
    65,536 bytes, about 200 lines) goes in as its header, then line by line.

    Runs sharing ``journal`` share the work: an order another run is delivering is waited
    for (at most ``wait`` seconds) and then reported as that run left it."""
    pusher = _Pusher(client, journal, prices, max_request_bytes)
    chosen = ProfileSet.of(profile, profiles)
    client.company()  # wrong credentials: one clear AuthenticationError before any work
    outcomes: list[OrderOutcome | None] = []
    later: dict[int, tuple[Order, str, str, str | None, Location]] = {}
    for source in inputs:
        for job, policy in _orders_of(source, outcomes, chosen):
            if stop():
                outcomes.append(_stopped_order(job))
                continue
            pusher.policies[job[1]] = policy
            result = pusher.deliver(*job)
            if result is None:
                later[len(outcomes)] = job
            outcomes.append(result)

    def give_up(index: int) -> OrderOutcome:
        job = _Delivery(*later[index])
        job.findings.append(IN_PROGRESS(
            f"order {job.order.id}: another run on the journal {journal.path} is still "
            f"delivering it after {wait:g} s of waiting", job.where))
        return job.outcome("failed")

    for index, outcome in _come_back(journal, {i: job[1] for i, job in later.items()},
                                     lambda i: pusher.deliver(*later[i]), give_up, wait,
                                     stop, lambda i: _stopped_order(later[i])).items():
        outcomes[index] = outcome
    return [o for o in outcomes if o is not None]


def _stopped_order(job: tuple[Order, str, str, str | None, Location]) -> OrderOutcome:
    order, _key, name, reference, where = job
    return OrderOutcome(name, reference, order.id, "stopped", findings=(STOPPED(
        f"order {order.id}: not sent: the run was stopped before it", where),))


def _orders_of(source: str | Path, outcomes: list[OrderOutcome | None], profiles: ProfileSet,
               ) -> Iterator[tuple[tuple[Order, str, str, str | None, Location], str]]:
    """The orders of one input, as ``deliver``'s arguments; what is not an order to deliver
    goes to ``outcomes`` as failed."""
    name = str(source)
    try:
        result = _api.read(Path(source), profile=profiles)
    except EdimapError as exc:
        outcomes.append(OrderOutcome(name, None, None, "failed", findings=(
            UNREADABLE(str(exc), Location(source=name)),)))
        return
    if has_errors(result.findings) and not result.items:
        outcomes.append(OrderOutcome(name, None, None, "failed",
                                     findings=tuple(result.findings)))
        return
    for item in result.items:
        where = Location(source=name, message_ref=item.reference)
        document = item.document
        if not item.ok or document is None:
            outcomes.append(OrderOutcome(name, item.reference, None, "failed",
                                         findings=item.findings))
        elif not isinstance(document, Order):
            outcomes.append(OrderOutcome(name, item.reference, document.id, "failed",
                                         findings=(NOT_AN_ORDER(
                                             f"{document.kind.value} {document.id}", where),)))
        else:
            # Other formats have no envelope: the buyer sent the document.
            sender = item.sender or (document.buyer.gln if document.buyer else None)
            key = message_key(sender, item.interchange_ref, item.reference, document)
            policy = profiles.select(identities(item))[0].prices
            yield (document, key, name, item.reference, where.evolve(
                interchange_ref=item.interchange_ref)), policy

# --- pulling invoices -----------------------------------------------------------------


@contextlib.contextmanager
def _exclusive(folder: Path) -> Iterator[None]:
    """One puller per output folder at a time, whatever its journal (two journals would
    each take the other's invoices for new ones). The lock lives in edimap's data folder,
    never in the folder a partner's transport collects from."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:24]
    locks = data_dir() / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(locks / f"pull-{digest}.lock", timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise UsageError(f"another pull-invoices is writing to {folder}") from None
    try:
        yield
    finally:
        lock.release()


def _pickup_claim(sale_id: int) -> str:
    return f"pickup/{sale_id}"


def _remove_stale_temporaries(folder: Path, keep: set[str]) -> None:
    """Temporary files of killed runs (whose process is gone), except those the journal
    still needs (staged, not yet renamed)."""
    for tmp in folder.glob(".*.tmp"):
        pid = temporary_owner(tmp)
        if pid is None or pid == os.getpid() or str(tmp) in keep:
            continue
        if not process_alive(pid):
            tmp.unlink(missing_ok=True)


class _Puller(_Session):
    def __init__(self, client: Client, journal: Journal, folder: Path, to: str,
                 options: Mapping[str, Any], unit_map: Mapping[str, str],
                 company: dict[str, Any], profile: Profile) -> None:
        super().__init__(client, journal)
        self.profile = profile
        self.folder = folder
        self.to = to
        self.format = formats.get(to)
        self.options = dict(options)
        self.unit_map = unit_map
        self.company = company
        self._sellers: dict[int, dict[str, Any] | None] = {}

    def _seller(self, seller_id: Any) -> dict[str, Any] | None:
        return self._looked_up(self._sellers, seller_id, self.client.sales_location)

    def invoice(self, sale_id: int, where: Location) -> tuple[Invoice | None, list[Finding]]:
        header = self.client.load_order(sale_id)
        if header is None:
            return None, [SERVICE(f"SaleID {sale_id} is in the queue but cannot be loaded",
                                  where)]
        lines = self.client.order_lines(sale_id)
        return mapping.invoice_from_winfinans(
            header, lines, bill_to=self._address(header.get("BillTo")),
            ship_to=self._address(header.get("ShipTo")),
            buyer=self._address(header.get("Buyer")), company=self.company,
            seller=self._seller(header.get("seller")), unit_map=self.unit_map, where=where)

    def _options(self, invoice: Invoice, sale_id: int) -> dict[str, Any]:
        """The writer's options, with the control reference and preparation time this
        invoice was allocated the first time (so a rewrite writes the same bytes)."""
        options = writer_options(self.format, self.options)
        # A format with interchange control references (EANCOM) gets one per invoice.
        enveloped = "control_ref" in self.format.writer_options
        new_ref = None
        if enveloped and "control_ref" not in options:
            # As the EANCOM writer addresses an invoice: seller to buyer.
            sender = options.get("sender") or (invoice.seller.gln if invoice.seller else None)
            recipient = options.get("recipient") or (invoice.buyer.gln if invoice.buyer
                                                     else None)
            if not (sender and recipient):
                raise UsageError("the interchange needs a sender and a recipient: GLNs for "
                                 "the seller and the buyer")
            numbers = ControlNumbers(data_dir() / "control-numbers.sqlite")
            new_ref = functools.partial(numbers.next, sender, recipient)
        pickup = self.journal.allocate(sale_id, dt.datetime.now().replace(second=0,
                                                                            microsecond=0),
                                       new_ref)
        if enveloped:
            if pickup.control_ref is not None:
                options.setdefault("control_ref", pickup.control_ref)
            options.setdefault("prepared", pickup.prepared)
        return options

    def _write(self, invoice: Invoice, sale_id: int, where: Location) -> str:
        """Stage the file, journal it as staged, rename it into place, journal it as
        written: after a crash the journal tells whether the file reached the folder. A
        file that would break the format's official rules is not written (InputError)."""
        data = self.format.write(invoice, **self._options(invoice, sale_id))
        invalid = checked(data, self.format, invoice, where)
        if invalid:
            raise InputError(f"invoice {invoice.id} would break the official rules", invalid)
        name = self.format.output_name(invoice)
        path = self.folder / name
        tmp = stage(path, data)
        try:
            self.journal.mark_staged(sale_id, path, tmp)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _failpoints.reached("pull.staged")
        publish(tmp, path, durable=True)
        _failpoints.reached("pull.renamed")
        self.journal.mark(sale_id, "written")
        return name

    def _recover(self, pickup: Pickup) -> Pickup:
        """A pickup an earlier run left staged: its temporary file still there means the
        rename did not happen (do it now); gone means it did, and the partner's transport
        may already have taken the file, which must then not be written again."""
        if pickup.staged and pickup.path and Path(pickup.staged).exists():
            publish(Path(pickup.staged), Path(pickup.path), durable=True)
        self.journal.mark(pickup.sale_id, "written")
        return attrs.evolve(pickup, state="written", staged=None)

    def pick_up(self, sale_id: int) -> PickupOutcome | None:
        """Pick up one queued invoice; None when another run holds it."""
        claim = _pickup_claim(sale_id)
        if self.journal.claim(claim) is not None:
            return None
        try:
            return self._pick_up(sale_id)
        finally:
            self.journal.release(claim)

    def _pick_up(self, sale_id: int) -> PickupOutcome:
        where = Location(source=f"Winfinans SaleID {sale_id}")
        before = self.journal.pickup(sale_id)
        if before is not None and before.state == "staged":
            before = self._recover(before)
        if before is not None and before.state in ("written", "confirmed"):
            # Written by an earlier run whose confirm did not land. The file may be gone
            # already (the transport takes files from the folder): it is never written
            # again, only confirmed, or the partner would get the invoice twice.
            return self._confirm(sale_id, None, before.file, "confirmed again", [], where)
        try:
            invoice, findings = self.invoice(sale_id, where)
        except WinfinansError as exc:
            return PickupOutcome(sale_id, None, "failed", None, (SERVICE(str(exc), where),))
        if invoice is None or has_errors(findings):
            return PickupOutcome(sale_id, None, "failed", None, tuple(findings))
        filled, supplied = writing_defaults(self.profile, invoice, where)
        invoice = filled if isinstance(filled, Invoice) else invoice
        findings.extend(supplied)
        try:
            with collecting() as notes:
                name = self._write(invoice, sale_id, where)
        except EdimapError as exc:
            if isinstance(exc, JournalError):
                raise
            if isinstance(exc, InputError) and exc.findings:
                findings.extend(exc.findings)  # the output would break the official rules
            else:
                findings.extend(self._refused(exc, invoice, where))
            return PickupOutcome(sale_id, invoice.id, "failed", None, tuple(findings))
        findings.extend(not_written(notes, self.to, invoice, where))
        _failpoints.reached("pull.written")
        return self._confirm(sale_id, invoice.id, name, "written", findings, where)

    def _refused(self, exc: EdimapError, invoice: Invoice, where: Location
                 ) -> list[Finding]:
        """One ``WF-WRITE`` finding per field the writer refused, at that field."""
        errors = exc.errors if isinstance(exc, ValidationError) else [
            FieldError("", str(exc))]
        return [NOT_WRITABLE(f"invoice {invoice.id} cannot be written as {self.to}: {error}",
                             where.evolve(field=error.path or None)) for error in errors]

    def _confirm(self, sale_id: int, invoice_id: str | None, name: str | None, result: str,
                 findings: list[Finding], where: Location) -> PickupOutcome:
        try:
            self.client.confirm(sale_id)
        except WinfinansError as exc:
            findings.append(SERVICE(str(exc), where))
            return PickupOutcome(sale_id, invoice_id, "written, not confirmed", name,
                                 tuple(findings))
        _failpoints.reached("pull.confirmed")
        self.journal.mark(sale_id, "confirmed")
        return PickupOutcome(sale_id, invoice_id, result, name, tuple(findings))


def _stopped_pickup(sale_id: int) -> PickupOutcome:
    return PickupOutcome(sale_id, None, "stopped", None, (STOPPED(
        "not picked up: the run was stopped before it (it stays in the queue)",
        Location(source=f"Winfinans SaleID {sale_id}")),))


def pull_invoices(client: Client, folder: str | Path, journal: Journal, *,
                  to: str = "eancom", unit_map: Mapping[str, str] = mapping.UNITS,
                  wait: float = 600.0, profile: ProfileSpec = None,
                  stop: StopCheck = never, **options: Any) -> list[PickupOutcome]:
    """Write every invoice and credit note of the B2B Backbone queue into ``folder`` as
    ``to`` (``eancom`` or ``oioubl``), one file each (``Invoice-100001.edi``), and confirm
    each after its file is safely written. ``options`` go to the writer (``version`` for
    EANCOM).

    ``profile`` (its default profile, for a :class:`~edimap.profiles.ProfileSet`) supplies
    the own company where an invoice leaves it out (``[own]``); every file is held to the
    format's official rules, and one that would break them is not written.

    Runs sharing ``journal`` share the queue, each invoice written by one of them only; an
    invoice another run holds is waited for (at most ``wait`` seconds). Once ``stop`` says
    so, the invoice in hand is finished and the rest are ``stopped``, left in the queue."""
    formats.get(to)  # an unknown format: a UsageError before any work
    own = ProfileSet.of(profile).default
    out = Path(folder)
    with _exclusive(out):
        _remove_stale_temporaries(out, journal.staged_files())
        # CompanyLoad first: wrong credentials fail here, clearly, before any work.
        puller = _Puller(client, journal, out, to, options, unit_map, client.company(), own)
        sale_ids = list(dict.fromkeys(int(item.get("SaleID") or 0)
                                      for item in client.queue_items()))
        outcomes: dict[int, PickupOutcome | None] = {
            sale_id: _stopped_pickup(sale_id) if stop() else puller.pick_up(sale_id)
            for sale_id in sale_ids if sale_id > 0}

        def give_up(sale_id: int) -> PickupOutcome:
            return PickupOutcome(sale_id, None, "failed", None, (IN_PROGRESS(
                f"another run on the journal {journal.path} is still picking it up after "
                f"{wait:g} s of waiting", Location(source=f"Winfinans SaleID {sale_id}")),))

        held = {s: _pickup_claim(s) for s, o in outcomes.items() if o is None}
        outcomes.update(_come_back(journal, held, puller.pick_up, give_up, wait, stop,
                                   _stopped_pickup))
        return [o for o in outcomes.values() if o is not None]
