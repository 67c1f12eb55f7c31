"""The sync journal: what edimap has delivered to and picked up from Winfinans (SQLite).

Deliveries are keyed by the message they came from (sender GLN, interchange reference,
message reference and a hash of the order's content), so pushing the same file again
delivers nothing. Pickups record, per queued invoice, the control reference and preparation
time allocated before the file is written (so a rewrite after a crash writes the same
bytes), then that the file was written, then that the queue entry was confirmed.

Every change is committed before the step it guards is taken; SQLite's journal keeps it
across a crash. The journal holds no GUID or credential.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import attrs

from edimap._home import data_dir

__all__ = ["Delivery", "Journal", "Pickup", "default_path"]


def default_path() -> Path:
    """``EDIMAP_HOME/winfinans-journal.sqlite``."""
    return data_dir() / "winfinans-journal.sqlite"


@attrs.frozen
class Delivery:
    key: str
    requisition: str
    bill_to: int
    sale_id: int
    order_no: int
    delivered_at: str
    complete: bool = True  # False while the lines of an order sent in parts are going in


@attrs.frozen
class Pickup:
    sale_id: int
    control_ref: str | None  # None when the format has none (OIOUBL, JSON)
    prepared: dt.datetime
    state: str  # allocated, written, confirmed
    file: str | None


class Journal:
    """The journal at ``path`` (created when missing); safe to share between processes."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript("""
            CREATE TABLE IF NOT EXISTS delivery (key TEXT PRIMARY KEY, requisition TEXT,
                bill_to INTEGER, sale_id INTEGER, order_no INTEGER, delivered_at TEXT,
                complete INTEGER DEFAULT 1);
            CREATE INDEX IF NOT EXISTS delivery_sale ON delivery (sale_id);
            CREATE TABLE IF NOT EXISTS pickup (sale_id INTEGER PRIMARY KEY, control_ref TEXT,
                prepared TEXT, state TEXT, file TEXT, updated_at TEXT);
        """)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _now() -> str:
        return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

    # --- deliveries ---------------------------------------------------------------------

    def delivery(self, key: str) -> Delivery | None:
        row = self._db.execute("SELECT key, requisition, bill_to, sale_id, order_no, "
                               "delivered_at, complete FROM delivery WHERE key=?",
                               (key,)).fetchone()
        if row is None:
            return None
        key_, requisition, bill_to, sale_id, order_no, delivered_at, complete = row
        return Delivery(key_, requisition, bill_to, sale_id, order_no, delivered_at,
                        bool(complete))

    def known_sale_ids(self) -> set[int]:
        """SaleIDs of every order this journal delivered."""
        return {r[0] for r in self._db.execute("SELECT sale_id FROM delivery")}

    def record_delivery(self, key: str, requisition: str, bill_to: int, sale_id: int,
                        order_no: int, *, complete: bool = True) -> None:
        self._db.execute("INSERT OR REPLACE INTO delivery VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (key, requisition, bill_to, sale_id, order_no, self._now(),
                          int(complete)))

    def mark_complete(self, key: str) -> None:
        self._db.execute("UPDATE delivery SET complete=1 WHERE key=?", (key,))

    def sale_id_for(self, requisition: str, bill_to: int | None = None) -> int | None:
        """The SaleID of the newest delivered order with this buyer's order number (for
        this customer, when ``bill_to`` is given: order numbers are the buyer's own)."""
        sql = "SELECT sale_id FROM delivery WHERE requisition=?"
        params: tuple[object, ...] = (requisition,)
        if bill_to is not None:
            sql += " AND bill_to=?"
            params = (requisition, bill_to)
        row = self._db.execute(sql + " ORDER BY delivered_at DESC, sale_id DESC",
                               params).fetchone()
        return int(row[0]) if row else None

    # --- pickups ------------------------------------------------------------------------

    def pickup(self, sale_id: int) -> Pickup | None:
        row = self._db.execute("SELECT sale_id, control_ref, prepared, state, file FROM pickup "
                               "WHERE sale_id=?", (sale_id,)).fetchone()
        if row is None:
            return None
        return Pickup(row[0], row[1], dt.datetime.fromisoformat(row[2]), row[3], row[4])

    def allocate(self, sale_id: int, prepared: dt.datetime,
                 control_ref: Callable[[], str] | None = None) -> Pickup:
        """The pickup of ``sale_id``; the first time, ``control_ref()`` hands out its
        interchange control reference (from the per-partner counter every EANCOM writer of
        edimap uses, so no two interchanges to a partner share one)."""
        existing = self.pickup(sale_id)
        if existing is not None:
            return existing
        self._db.execute("INSERT INTO pickup VALUES (?, ?, ?, 'allocated', NULL, ?)",
                         (sale_id, control_ref() if control_ref else None,
                          prepared.isoformat(), self._now()))
        pickup = self.pickup(sale_id)
        assert pickup is not None
        return pickup

    def mark(self, sale_id: int, state: str, file: str | None = None) -> None:
        self._db.execute("UPDATE pickup SET state=?, file=COALESCE(?, file), updated_at=? "
                         "WHERE sale_id=?", (state, file, self._now(), sale_id))
