"""``edimap sandbox``: a local test double of the Winfinans webservice.

A real SOAP 1.1 HTTP server on loopback that implements the operations edimap uses over
SQLite, behaving as the real service is documented to behave, pitfalls included, so that a
client is tested against them:

- bad credentials fail open or vaguely: an unknown database GUID gives "Err", empty arrays,
  or "OK" doing nothing (``SalesOrderLoad``); an unknown API GUID leaves the client's company
  id in force; the returned DBUser has company id 0 either way;
- ``SalesOrderAdd`` with the SaleID of an existing document, or with the OrderNo and class
  of one, appends its lines again; OrderNo 0 always makes a new order;
- a line whose ItemID is the empty string is dropped; a line without ItemID is resolved by
  its EAN; strings are cut at their stored length without a word, money at 4 decimals;
- ``SalesOrderLoad`` answers "OK" for a document that does not exist; ``SalesOrderLoadItems``
  adds the synthetic "Bundrabat" line for a header discount;
- the B2B Backbone queue lists pending entries by (ListID, SaleID), sets ``DBUser.Message``
  to "err" even on success, and its confirm returns 0 and is idempotent.

Fault injection (:class:`Faults`) makes a share of requests fail: HTTP 500 without a SOAP
fault, a generic SOAP fault, a connection dropped before or after the request took effect,
and a reply held back past the client's timeout after the request took effect.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs

from edimap.winfinans._contract import GUID_EMPTY, Contract, WireError, contract, limit

__all__ = ["FAULT_KINDS", "Faults", "Sandbox"]

FAULT_KINDS = ("http500", "soapfault", "drop-before", "drop-after", "timeout")
SQL_DATETIME_MIN = dt.datetime(1753, 1, 1)
CLASSES = {"Quotations": 100, "Order": 200, "RecurringOrder": 300, "Invoice": 400,
           "InvoiceClosed": 900}
LIST_CLASSES = {"Order": (200,), "Invoice": (400,), "InvoiceClosed": (900,),
                "Quotations": (100,), "RecurringOrder": (300,),
                "InvoiceAndOrders": (200, 400, 900)}
_FOUR = Decimal("0.0001")
_CENT = Decimal("0.01")


@attrs.define
class Faults:
    """Which share of requests fail, and how. ``rate`` is 0..1; ``kinds`` from
    :data:`FAULT_KINDS`; ``stall`` is how long a held-back reply waits (seconds)."""

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    stall: float = 2.0
    seed: int | None = None
    _rng: random.Random = attrs.field(init=False, factory=random.Random)

    def __attrs_post_init__(self) -> None:
        self._rng.seed(self.seed)
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {', '.join(sorted(unknown))}")

    def draw(self) -> str | None:
        if self.rate <= 0 or self._rng.random() >= self.rate:
            return None
        return self._rng.choice(self.kinds)


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$d": format(value, "f")}
    if isinstance(value, dt.datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$d" in value:
            return Decimal(value["$d"])
        if "$t" in value:
            return dt.datetime.fromisoformat(value["$t"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _dump(record: dict[str, Any]) -> str:
    return json.dumps(_encode(record), sort_keys=True)


def _load(text: str) -> dict[str, Any]:
    value = _decode(json.loads(text))
    return value if isinstance(value, dict) else {}


SCHEMA = """
CREATE TABLE IF NOT EXISTS company (comp_id INTEGER PRIMARY KEY, db_guid TEXT, api_guid TEXT,
    record TEXT);
CREATE TABLE IF NOT EXISTS seller (seller_id INTEGER PRIMARY KEY, comp_id INTEGER,
    intermediary TEXT, record TEXT);
CREATE TABLE IF NOT EXISTS address (address_id INTEGER PRIMARY KEY, comp_id INTEGER,
    ean TEXT, vat TEXT, record TEXT);
CREATE TABLE IF NOT EXISTS item (item_id TEXT, comp_id INTEGER, ean TEXT, record TEXT,
    PRIMARY KEY (comp_id, item_id));
CREATE TABLE IF NOT EXISTS sale (sale_id INTEGER PRIMARY KEY, comp_id INTEGER, class INTEGER,
    order_no INTEGER, invoice_no INTEGER, bill_to INTEGER, category INTEGER, printed INTEGER
    DEFAULT 0, header TEXT);
CREATE TABLE IF NOT EXISTS line (liid INTEGER PRIMARY KEY, sale_id INTEGER, record TEXT);
CREATE TABLE IF NOT EXISTS collection (list_id INTEGER, sale_id INTEGER, list_class INTEGER,
    state INTEGER DEFAULT 0, PRIMARY KEY (list_id, sale_id));
CREATE TABLE IF NOT EXISTS counter (name TEXT PRIMARY KEY, value INTEGER);
"""


class Sandbox:
    """The test double's data (SQLite at ``db``) and request handling.

    ``serve()`` runs it as an HTTP server; ``handle()`` answers one request body and is
    what the server calls.
    """

    def __init__(self, db: str | Path = ":memory:", *, faults: Faults | None = None) -> None:
        self._db = sqlite3.connect(str(db), check_same_thread=False, isolation_level=None)
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()
        self.faults = faults or Faults()
        self.contract: Contract = contract()
        self.requests = 0

    # --- storage helpers ------------------------------------------------------------------

    def _next(self, name: str, start: int) -> int:
        row = self._db.execute("SELECT value FROM counter WHERE name=?", (name,)).fetchone()
        value = (row[0] + 1) if row else start
        self._db.execute("INSERT OR REPLACE INTO counter VALUES (?, ?)", (name, value))
        return value

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- seeding (used by edimap.winfinans.seed and the tests) -----------------------------

    def add_company(self, db_guid: str, api_guid: str, record: dict[str, Any]) -> int:
        with self.transaction() as db:
            comp_id = self._next("company", 1)
            full = {**record, "CompID": comp_id, "GuidComp": api_guid.lower()}
            db.execute("INSERT INTO company VALUES (?, ?, ?, ?)",
                       (comp_id, db_guid.lower(), api_guid.lower(), _dump(full)))
        return comp_id

    def add_seller(self, comp_id: int, record: dict[str, Any],
                   intermediary: str | None = None) -> int:
        with self.transaction() as db:
            seller_id = self._next("seller", 1)
            db.execute("INSERT INTO seller VALUES (?, ?, ?, ?)", (
                seller_id, comp_id, intermediary, _dump({**record, "SellerID": seller_id})))
        return seller_id

    def add_address(self, comp_id: int, record: dict[str, Any]) -> int:
        with self.transaction() as db:
            address_id = self._next("address", 1001)
            full = {**record, "AddressID": address_id}
            full.setdefault("Account", str(address_id))
            db.execute("INSERT INTO address VALUES (?, ?, ?, ?, ?)", (
                address_id, comp_id, full.get("ean"), full.get("VATNumber"), _dump(full)))
        return address_id

    def add_item(self, comp_id: int, record: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO item VALUES (?, ?, ?, ?)", (
                record["ItemID"], comp_id, record.get("EAN"), _dump(record)))

    def add_invoice(self, comp_id: int, header: dict[str, Any], lines: list[dict[str, Any]],
                    *, closed: bool = True, queue_list: int | None = None) -> int:
        """A (closed) invoice or credit note with its lines and computed totals, put in the
        B2B Backbone list ``queue_list`` (class 20) when given."""
        with self.transaction() as db:
            sale_id = self._next("sale", 1)
            invoice_no = header.get("InvoiceNo") or self._next("invoice_no", 100001)
            stored = [self._priced_line(sale_id, line) for line in lines]
            full = {**header, "SaleID": sale_id, "InvoiceNo": invoice_no,
                    "OrderType": "InvoiceClosed" if closed else "Invoice",
                    "OrderNo": header.get("OrderNo") or self._next("order_no", 50001)}
            full.update(self._totals(stored, full.get("TotalInvDiscount") or Decimal(0)))
            cls = 900 if closed else 400
            db.execute("INSERT INTO sale VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)", (
                sale_id, comp_id, cls, full["OrderNo"], invoice_no, full.get("BillTo", 0),
                full.get("Category", 0), _dump(full)))
            for line in stored:
                db.execute("INSERT INTO line (liid, sale_id, record) VALUES (?, ?, ?)",
                           (line["Liid"], sale_id, _dump(line)))
            if queue_list is not None:
                db.execute("INSERT OR IGNORE INTO collection VALUES (?, ?, 20, 0)",
                           (queue_list, sale_id))
        return sale_id

    def _priced_line(self, sale_id: int, line: dict[str, Any]) -> dict[str, Any]:
        qty = Decimal(line.get("Qty") or 0).quantize(_FOUR, ROUND_HALF_UP)
        price = Decimal(line.get("SalesPrice") or 0).quantize(_FOUR, ROUND_HALF_UP)
        packages = line.get("QtyPackages") or Decimal(1)
        amount = (qty * packages * price).quantize(_CENT, ROUND_HALF_UP)
        discount_proc = Decimal(int(line.get("DiscountProc") or 0))  # stored as SQL int
        discount = (amount * discount_proc / 100).quantize(_CENT, ROUND_HALF_UP)
        vat = line.get("vat_perc", Decimal(25))
        net = amount - discount
        return {**line, "SaleID": sale_id, "Liid": self._next("liid", 1), "Qty": qty,
                "SalesPrice": price, "QtyPackages": packages, "DiscountProc": discount_proc,
                "OrderAmount": net, "LineAmount": net, "vat_perc": vat,
                "LineVat": (net * vat / 100).quantize(_CENT, ROUND_HALF_UP)}

    @staticmethod
    def _totals(lines: list[dict[str, Any]], discount: Decimal) -> dict[str, Any]:
        taxable: dict[Decimal, Decimal] = {}
        for line in lines:
            rate = line["vat_perc"]
            taxable[rate] = taxable.get(rate, Decimal(0)) + line["OrderAmount"]
        if discount:  # the header discount is standard rated ("Bundrabat", 25 %)
            taxable[Decimal(25)] = taxable.get(Decimal(25), Decimal(0)) - discount
        vat = sum(((base * rate / 100).quantize(_CENT, ROUND_HALF_UP)
                   for rate, base in taxable.items()), Decimal(0))
        net = sum((line["OrderAmount"] for line in lines), Decimal(0)) - discount
        return {"Total": net, "TotalVatEx": vat, "TotalVatIn": Decimal(0),
                "TotalInvDiscount": discount}

    # --- queries for tests and the CLI ------------------------------------------------------

    def orders(self, comp_id: int | None = None) -> list[tuple[dict[str, Any],
                                                              list[dict[str, Any]]]]:
        """Every order (class 200) with its lines, by SaleID."""
        with self._lock:
            rows = self._db.execute(
                "SELECT sale_id, header FROM sale WHERE class=200"
                + (" AND comp_id=?" if comp_id is not None else "") + " ORDER BY sale_id",
                (comp_id,) if comp_id is not None else ()).fetchall()
            return [(_load(header), self._lines(sale_id)) for sale_id, header in rows]

    def glns(self, comp_id: int) -> set[str]:
        """The GLNs (``Address.ean``) of the company's customers."""
        with self._lock:
            return {r[0] for r in self._db.execute(
                "SELECT ean FROM address WHERE comp_id=? AND ean IS NOT NULL", (comp_id,))}

    def gtins(self, comp_id: int) -> set[str]:
        """The EANs of the company's items."""
        with self._lock:
            return {r[0] for r in self._db.execute(
                "SELECT ean FROM item WHERE comp_id=? AND ean IS NOT NULL", (comp_id,))}

    def item_ids(self, comp_id: int) -> set[str]:
        """The ItemIDs of the company's items."""
        with self._lock:
            return {r[0] for r in self._db.execute(
                "SELECT item_id FROM item WHERE comp_id=?", (comp_id,))}

    def company_id(self, db_guid: str, api_guid: str) -> int | None:
        with self._lock:
            row = self._db.execute("SELECT comp_id FROM company WHERE db_guid=? AND "
                                   "api_guid=?", (db_guid.lower(), api_guid.lower())).fetchone()
        return int(row[0]) if row else None

    def pending(self) -> list[int]:
        """SaleIDs still pending in any B2B Backbone list."""
        with self._lock:
            return [r[0] for r in self._db.execute(
                "SELECT DISTINCT sale_id FROM collection WHERE state=0 AND list_class=20 "
                "ORDER BY sale_id")]

    def _lines(self, sale_id: int) -> list[dict[str, Any]]:
        return [_load(r[0]) for r in self._db.execute(
            "SELECT record FROM line WHERE sale_id=? ORDER BY liid", (sale_id,))]

    # --- request handling ---------------------------------------------------------------------

    def handle(self, body: bytes, action: str | None) -> tuple[int, bytes]:
        """HTTP status and body for one request."""
        try:
            op, args = self.contract.read_request(body)
        except WireError as exc:
            return 500, self.contract.fault("DeserializationFailed", f"bad request: {exc}")
        if action is not None and action.strip('"') != self.contract.soap_action(op).strip('"'):
            return 500, self.contract.fault("ActionNotSupported",
                                            "the SOAPAction does not match the body")
        with self._lock:
            self.requests += 1
            db_user = dict(args.get("DBUser") or {})
            comp_id = self._resolve(db_user)
            refs = {p.name: args.get(p.name) for p in op.params if p.by_ref}
            if "DBUser" in refs:
                db_user["CompID"] = comp_id
                # The real service may write the resolved key back; never a connection string
                # here, but clients must not keep or log what comes back either way.
                refs["DBUser"] = db_user
            handler = getattr(self, f"_op_{op.name}")
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = handler(comp_id, args, refs)
            except Exception as exc:
                # As WCF answers an unhandled exception: a fault, nothing stored.
                self._db.execute("ROLLBACK")
                return 500, self.contract.fault("InternalServiceFault",
                                                f"{type(exc).__name__}: {exc}")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return 200, self.contract.response(op, result, refs)

    def _resolve(self, db_user: dict[str, Any]) -> int:
        db_key = str(db_user.get("DBKey") or GUID_EMPTY).lower()
        row = self._db.execute("SELECT comp_id FROM company WHERE db_guid=? AND api_guid=?",
                               (db_key, str(db_user.get("CompanyKey") or "").lower())).fetchone()
        if row:
            return int(row[0])
        known_db = self._db.execute("SELECT 1 FROM company WHERE db_guid=?",
                                    (db_key,)).fetchone()
        if known_db:
            # An unknown CompanyKey leaves the client's CompID in force (pitfall 10).
            client_value = db_user.get("CompID") or 0
            return int(client_value) if isinstance(client_value, int) else 0
        return 0

    def _company(self, comp_id: int) -> dict[str, Any] | None:
        row = self._db.execute("SELECT record FROM company WHERE comp_id=?",
                               (comp_id,)).fetchone()
        return _load(row[0]) if row else None

    # Operations: each gets the resolved company id, the arguments and the by-reference
    # parameters (to update in place) and returns the result.

    def _op_Ping(self, comp_id: int, args: dict[str, Any], refs: dict[str, Any]) -> Any:
        return "Winfinans WCF (edimap sandbox)"

    def _op_CompanyLoad(self, comp_id: int, args: dict[str, Any], refs: dict[str, Any]) -> Any:
        return self._company(comp_id) or {"CompID": 0, "GuidComp": GUID_EMPTY}

    def _op_CompanySellerLookup(self, comp_id: int, args: dict[str, Any],
                                refs: dict[str, Any]) -> Any:
        query = args.get("Seller") or {}
        row = self._db.execute("SELECT record FROM seller WHERE comp_id=? AND seller_id=?",
                               (comp_id, query.get("SellerID") or 0)).fetchone()
        refs["seCount"] = 1 if row else 0
        if row:
            refs["Seller"] = _load(row[0])
        return "OK" if comp_id else "no company"

    def _addresses(self, comp_id: int) -> list[dict[str, Any]]:
        return [_load(r[0]) for r in self._db.execute(
            "SELECT record FROM address WHERE comp_id=? ORDER BY address_id", (comp_id,))]

    def _op_AddressLookup(self, comp_id: int, args: dict[str, Any],
                          refs: dict[str, Any]) -> Any:
        if not comp_id:
            return "no company"
        query = args.get("wfAddress") or {}
        if query.get("AddressID"):
            matches = [a for a in self._addresses(comp_id)
                       if a["AddressID"] == query["AddressID"]]
        else:  # every non-empty field is an AND filter: exact, or prefix for names
            exact = ("ean", "Account", "email", "HouseNumber", "CountryID", "Phone")
            prefix = ("CompanyName", "Address1", "City", "PostalCode")
            matches = [a for a in self._addresses(comp_id)
                       if all(a.get(f) == query[f] for f in exact if query.get(f))
                       and all(str(a.get(f) or "").startswith(query[f])
                               for f in prefix if query.get(f))]
        refs["adCount"] = len(matches)
        if not matches:
            return "No address: 0"
        refs["wfAddress"] = max(matches, key=lambda a: a["AddressID"])
        return "OK"

    def _op_AddressLookupList(self, comp_id: int, args: dict[str, Any],
                              refs: dict[str, Any]) -> Any:
        vat = (args.get("wfAddress") or {}).get("VATNumber")
        return [{k: a.get(k) for k in ("AddressID", "Account", "CompanyName", "VATNumber",
                                       "ean")}
                for a in self._addresses(comp_id) if vat and a.get("VATNumber") == vat]

    def _op_InventoryItemLookup(self, comp_id: int, args: dict[str, Any],
                                refs: dict[str, Any]) -> Any:
        query = args.get("Item") or {}
        if query.get("ItemID"):
            rows = self._db.execute("SELECT record FROM item WHERE comp_id=? AND item_id=?",
                                    (comp_id, query["ItemID"])).fetchall()
        else:
            rows = self._db.execute("SELECT record FROM item WHERE comp_id=? AND ean=? "
                                    "ORDER BY item_id", (comp_id, query.get("EAN"))).fetchall()
        refs["ItemCount"] = len(rows)
        if rows:
            refs["Item"] = _load(rows[-1][0])
        return "OK" if comp_id else "Err"

    def _clean(self, type_name: str, record: dict[str, Any]) -> dict[str, Any]:
        """What the database keeps: strings cut at their length, money at 4 decimals."""
        members = self.contract.types[type_name]
        out: dict[str, Any] = {}
        for name, value in record.items():
            size = limit(members.get(name, ""))
            if size is not None and isinstance(value, str):
                value = value[:size]
            elif members.get(name) == "money" and isinstance(value, Decimal):
                value = value.quantize(_FOUR, ROUND_HALF_UP)
            out[name] = value
        return out

    def _op_SalesOrderAdd(self, comp_id: int, args: dict[str, Any], refs: dict[str, Any]) -> Any:
        order = dict(refs.get("wfOrder") or {})
        if not comp_id:
            return "no company"
        cls = CLASSES.get(str(args.get("OrderType") or ""), 200)
        order_no = int(order.get("OrderNo") or 0)
        if order_no < 0:
            return "err: Order number missing"
        sale_id = int(order.get("SaleID") or 0)
        row = None
        if sale_id:
            row = self._db.execute("SELECT sale_id, header FROM sale WHERE comp_id=? AND "
                                   "sale_id=?", (comp_id, sale_id)).fetchone()
        elif order_no:
            category = int(order.get("Category") or 0)
            row = self._db.execute(
                "SELECT sale_id, header FROM sale WHERE comp_id=? AND order_no=? AND class=?"
                + (" AND category=?" if category > 0 else "") + " ORDER BY sale_id DESC",
                (comp_id, order_no, cls, *((category,) if category > 0 else ()))).fetchone()
        bill_to = int(order.get("BillTo") or 0)
        if row is None:
            if not self._db.execute("SELECT 1 FROM address WHERE comp_id=? AND address_id=?",
                                    (comp_id, bill_to)).fetchone():
                return "err:  // Saleid = 0"
            sale_id = self._next("sale", 1)
            order_no = order_no or self._next("order_no", 50001)
            self._db.execute("INSERT INTO sale (sale_id, comp_id, class, order_no, invoice_no, "
                             "bill_to, category, header) VALUES (?, ?, ?, ?, 0, ?, ?, '{}')",
                             (sale_id, comp_id, cls, order_no, bill_to,
                              int(order.get("Category") or 0)))
        else:
            sale_id = int(row[0])
            order_no = order_no or int(_load(row[1]).get("OrderNo") or 0)
        lines = order.pop("OrderLines", None) or []
        # Every header field is written from the request: unsent dates become 1753-01-01.
        header = self._clean("OrderSales", order)
        for name, kind in self.contract.types["OrderSales"].items():
            if kind == "dateTime" and not header.get(name):
                header[name] = SQL_DATETIME_MIN
        header.update(SaleID=sale_id, OrderNo=order_no, OrderType=str(
            args.get("OrderType") or "Order"), InvoiceNo=0)
        stored = self._lines(sale_id)
        for line in lines:
            if line.get("ItemID") == "":
                continue  # the pitfall: an empty ItemID drops the line
            line = self._clean("OrderLine", line)
            if line.get("ItemID") is None and line.get("EAN"):
                item = self._item_for(comp_id, line)
                line["ItemID"] = item["ItemID"] if item else None
            elif line.get("ItemID") is None:
                continue  # neither ItemID nor EAN: skipped (Liid 0)
            if not line.get("QtyPackages"):
                line["QtyPackages"] = Decimal(1)
            priced = self._priced_line(sale_id, line)
            self._db.execute("INSERT INTO line (liid, sale_id, record) VALUES (?, ?, ?)",
                             (priced["Liid"], sale_id, _dump(priced)))
            stored.append(priced)
        header.update(self._totals(stored, header.get("TotalInvDiscount") or Decimal(0)))
        self._db.execute("UPDATE sale SET header=?, order_no=?, bill_to=? WHERE sale_id=?",
                         (_dump(header), order_no, bill_to, sale_id))
        refs["wfOrder"] = header
        return "OK"

    def _op_SalesOrderAddItem(self, comp_id: int, args: dict[str, Any],
                              refs: dict[str, Any]) -> Any:
        if not comp_id:
            return "OK"  # the pitfall: unresolved credentials answer OK and do nothing
        sale_id = (refs.get("wfOrderSales") or {}).get("SaleID") or 0
        row = self._db.execute("SELECT header FROM sale WHERE comp_id=? AND sale_id=? AND "
                               "class < 900", (comp_id, sale_id)).fetchone()
        if row is None:
            return "Order is closed"
        line = self._clean("OrderLine", dict(args.get("LineItem") or {}))
        item = self._item_for(comp_id, line)
        if line.get("ItemID") is None:
            line["ItemID"] = item["ItemID"] if item else None
        if (line.get("SalesPrice") or Decimal(0)) < 0:  # keep the item card's price
            line["SalesPrice"] = (item or {}).get("SalesPrice") or Decimal(0)
        if not line.get("QtyPackages"):
            line["QtyPackages"] = Decimal(1)
        priced = self._priced_line(sale_id, line)
        self._db.execute("INSERT INTO line (liid, sale_id, record) VALUES (?, ?, ?)",
                         (priced["Liid"], sale_id, _dump(priced)))
        header = _load(row[0])
        header.update(self._totals(self._lines(sale_id),
                                   header.get("TotalInvDiscount") or Decimal(0)))
        self._db.execute("UPDATE sale SET header=? WHERE sale_id=?", (_dump(header), sale_id))
        return "OK"

    def _item_for(self, comp_id: int, line: dict[str, Any]) -> dict[str, Any] | None:
        if line.get("ItemID"):
            found = self._db.execute("SELECT record FROM item WHERE comp_id=? AND item_id=?",
                                     (comp_id, line["ItemID"])).fetchone()
        elif line.get("EAN"):
            found = self._db.execute("SELECT record FROM item WHERE comp_id=? AND ean=? "
                                     "ORDER BY item_id DESC", (comp_id, line["EAN"])).fetchone()
        else:
            return None
        return _load(found[0]) if found else None

    def _find_sale(self, comp_id: int, query: dict[str, Any]) -> dict[str, Any] | None:
        if query.get("SaleID"):
            sql, key = "sale_id=?", query["SaleID"]
        elif query.get("InvoiceNo"):
            sql, key = "invoice_no=?", query["InvoiceNo"]
        elif query.get("OrderNo"):
            sql, key = "order_no=?", query["OrderNo"]
        else:
            return None
        row = self._db.execute(f"SELECT header FROM sale WHERE comp_id=? AND {sql} "
                               "ORDER BY sale_id DESC", (comp_id, key)).fetchone()
        return _load(row[0]) if row else None

    def _op_SalesOrderLoad(self, comp_id: int, args: dict[str, Any],
                           refs: dict[str, Any]) -> Any:
        found = self._find_sale(comp_id, refs.get("wfOrder") or {})
        if found is not None:
            found.pop("OrderLines", None)
            refs["wfOrder"] = found
        return "OK"  # an unknown document is "OK" too, with the header unchanged

    def _op_SalesOrderLookup(self, comp_id: int, args: dict[str, Any],
                             refs: dict[str, Any]) -> Any:
        query = refs.get("wfOrder") or {}
        cls = CLASSES.get(str(args.get("OrderType") or ""), 200)
        row = self._db.execute("SELECT header FROM sale WHERE comp_id=? AND class=? AND "
                               "order_no=? ORDER BY sale_id DESC",
                               (comp_id, cls, query.get("OrderNo") or 0)).fetchone()
        if row is not None:
            found = _load(row[0])
            found.pop("OrderLines", None)
            refs["wfOrder"] = found
        return "OK" if comp_id else "no company"

    def _op_SalesOrderLoadItems(self, comp_id: int, args: dict[str, Any],
                                refs: dict[str, Any]) -> Any:
        header = self._find_sale(comp_id, {"SaleID": (refs.get("wfOrder") or {}).get("SaleID")})
        if header is None:
            return []
        lines = self._lines(header["SaleID"])
        discount = header.get("TotalInvDiscount") or Decimal(0)
        if discount:
            has_vat = header.get("TotalVatEx") or header.get("TotalVatIn")
            lines.append({"SaleID": header["SaleID"], "Liid": 999999999, "ItemID": "Bundrabat",
                          "ItemDesc": "Bundrabat", "AllowanceCharge": True,
                          "OrderAmount": -discount, "LineAmount": discount,
                          "Qty": Decimal(1), "SalesPrice": Decimal(0),
                          "vat_perc": Decimal(25) if has_vat else Decimal(0),
                          "VatIncl": bool(has_vat)})
        return lines

    def _op_SalesOrderListLoad(self, comp_id: int, args: dict[str, Any],
                               refs: dict[str, Any]) -> Any:
        query = refs.get("wfOrderSales") or {}
        classes = LIST_CLASSES.get(str(args.get("OrderType") or ""), (200, 400, 900))
        marks = ",".join("?" * len(classes))
        sql = f"SELECT header FROM sale WHERE comp_id=? AND class IN ({marks})"
        params: list[Any] = [comp_id, *classes]
        if query.get("BillTo"):
            sql += " AND bill_to=?"
            params.append(query["BillTo"])
        rows = self._db.execute(sql + " ORDER BY sale_id DESC LIMIT 10000", params).fetchall()
        out = []
        for (text,) in rows:
            h = _load(text)
            out.append({k: h.get(k) for k in ("SaleID", "OrderNo", "InvoiceNo", "OrderType",
                                               "InvoiceCreditnote", "Total", "InvoiceDate")})
        return out

    def _op_SalesOrderB2BBackboneItems(self, comp_id: int, args: dict[str, Any],
                                       refs: dict[str, Any]) -> Any:
        if refs.get("DBUser") is not None:
            refs["DBUser"]["Message"] = "err"  # even on success
        rows = self._db.execute(
            "SELECT c.list_id, c.sale_id FROM collection c JOIN sale s ON s.sale_id=c.sale_id "
            "WHERE s.comp_id=? AND c.list_class=20 AND c.state=0 ORDER BY c.list_id, c.sale_id",
            (comp_id,)).fetchall()
        return [{"SaleID": sale_id, "OrderNo": 0, "Liid": list_id, "State": 0}
                for list_id, sale_id in rows]

    def _op_SalesOrderB2BBackboneItemConfirm(self, comp_id: int, args: dict[str, Any],
                                             refs: dict[str, Any]) -> Any:
        sale_id = args.get("SaleID") or 0
        owned = self._db.execute("SELECT 1 FROM sale WHERE comp_id=? AND sale_id=?",
                                 (comp_id, sale_id)).fetchone()
        if owned:
            self._db.execute("UPDATE collection SET state=1 WHERE sale_id=? AND list_class=20",
                             (sale_id,))
            self._db.execute("UPDATE sale SET printed=1 WHERE sale_id=?", (sale_id,))
        if refs.get("DBUser") is not None:
            refs["DBUser"]["Message"] = "OK"
        return 0

    # --- HTTP ---------------------------------------------------------------------------------

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
        """An HTTP server for this sandbox (not started: call ``serve_forever``)."""
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out as separate writes; with Nagle on, each reply on a
            # kept-alive connection would wait for the client's delayed ACK (~40 ms).
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass  # requests carry GUIDs: nothing about them is logged

            def do_GET(self) -> None:
                body = b"edimap sandbox: POST SOAP 1.1 requests to /Service.svc\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, 16 * 1024 * 1024))
                fault = sandbox.faults.draw()
                if fault == "drop-before":
                    self._drop()
                    return
                if fault == "http500":
                    self._reply(500, b"<html><body>Internal Server Error</body></html>",
                                "text/html")
                    return
                if fault == "soapfault":
                    self._reply(500, sandbox.contract.fault(
                        "InternalServiceFault", "The server was unable to process the request "
                        "due to an internal error."), "text/xml; charset=utf-8")
                    return
                status, data = sandbox.handle(body, self.headers.get("SOAPAction"))
                if fault == "drop-after":
                    self._drop()
                    return
                if fault == "timeout":
                    time.sleep(sandbox.faults.stall)
                self._reply(status, data, "text/xml; charset=utf-8")

            def _reply(self, status: int, data: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # The client may have given up waiting (a held-back reply).
                with suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def _drop(self) -> None:
                self.close_connection = True
                with suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        return server

    @contextmanager
    def running(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve in a background thread; yields the ``…/Service.svc`` URL."""
        server = self.serve(host, port)
        # A short poll interval: shutdown() waits for it, and tests start many doubles.
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                                  daemon=True)
        thread.start()
        try:
            yield f"http://{host}:{server.server_address[1]}/Service.svc"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


def new_guid() -> str:
    return str(uuid.uuid4())
