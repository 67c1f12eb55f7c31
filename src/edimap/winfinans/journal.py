"""The sync journal: what edimap has delivered to and picked up from Winfinans (SQLite).

The protocol it records is drawn in ``docs/delivery.md``. In short:

- **Deliveries** are keyed by the message they came from (sender GLN, interchange and message
  reference, a hash of the order's content). A delivery is first recorded as an *intent*
  (no SaleID yet) before ``SalesOrderAdd``, then as *added* with its SaleID, and *complete*
  only after the lines stored in Winfinans were read back and match the order's.
- **Pickups** record, per queued invoice, the control reference and preparation time
  allocated before anything is written (so a rewrite writes the same bytes), then the
  temporary file staged in the outbox (*staged*), then that it was renamed into place
  (*written*), then that the queue entry was confirmed (*confirmed*).
- **Claims** let several runs share one journal: a run claims a message or a queued invoice
  before it works on it; a claim ends when its run releases it, when its process is gone
  (same host), or when its lease runs out.

Every step is one immediate transaction, committed before the external effect it guards is
taken; SQLite's write-ahead log keeps it across a crash. A journal that cannot be opened,
written, or read raises :class:`JournalError` naming the file and what to do. The journal
holds no GUID or credential.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs

from edimap._files import process_alive
from edimap._home import data_dir
from edimap.findings import ConfigurationError

__all__ = ["Claim", "Delivery", "Journal", "JournalError", "Pickup", "default_path"]

LEASE_SECONDS = 120.0
"""How long a claim holds without being renewed (a run renews it at every step)."""


class JournalError(ConfigurationError):
    """The journal cannot be used: not writable, full, locked too long, or damaged. Nothing
    was marked done; the message names the file and what to do."""


def default_path() -> Path:
    """``EDIMAP_HOME/winfinans-journal.sqlite``."""
    return data_dir() / "winfinans-journal.sqlite"


@attrs.frozen
class Delivery:
    """One order's delivery. ``sale_id`` is None while only the intent is recorded (the
    ``SalesOrderAdd`` it announces may or may not have reached Winfinans)."""

    key: str
    requisition: str
    bill_to: int
    sale_id: int | None
    order_no: int | None
    delivered_at: str
    complete: bool = True

    @property
    def state(self) -> str:
        """``intent``, ``added`` or ``complete``."""
        if self.complete:
            return "complete"
        return "added" if self.sale_id is not None else "intent"


@attrs.frozen
class Pickup:
    """One queued invoice's pickup; ``state`` is ``allocated``, ``staged``, ``written`` or
    ``confirmed``. ``path`` is the file's full path, ``staged`` its temporary name while
    ``state`` is ``staged``."""

    sale_id: int
    control_ref: str | None  # None when the format has none (OIOUBL, JSON)
    prepared: dt.datetime
    state: str
    file: str | None
    path: str | None = None
    staged: str | None = None


@attrs.frozen
class Claim:
    """Who holds a claim: ``owner`` is ``HOST/PID/TOKEN``."""

    name: str
    owner: str
    expires: float

    @property
    def pid(self) -> int | None:
        parts = self.owner.split("/")
        return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None

    @property
    def host(self) -> str:
        return self.owner.split("/", 1)[0]


_SCHEMA = """
    CREATE TABLE IF NOT EXISTS delivery (key TEXT PRIMARY KEY, requisition TEXT,
        bill_to INTEGER, sale_id INTEGER, order_no INTEGER, delivered_at TEXT,
        complete INTEGER DEFAULT 1);
    CREATE INDEX IF NOT EXISTS delivery_sale ON delivery (sale_id);
    CREATE TABLE IF NOT EXISTS pickup (sale_id INTEGER PRIMARY KEY, control_ref TEXT,
        prepared TEXT, state TEXT, file TEXT, updated_at TEXT);
    CREATE TABLE IF NOT EXISTS claim (name TEXT PRIMARY KEY, owner TEXT, expires REAL);
"""
_PICKUP_COLUMNS = {"path": "TEXT", "staged": "TEXT"}  # added after the first release


class Journal:
    """The journal at ``path`` (created when missing); safe to share between processes and
    runs. ``timeout`` is how long a step waits for another process's transaction."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *,
                 timeout: float = 30.0, lease: float = LEASE_SECONDS) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.timeout = timeout
        self.lease = lease
        self.owner = f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(4)}"
        with self._guarded("open"):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        with self._guarded("open"):
            self._db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            self._set_up()

    def _set_up(self) -> None:
        # Switching to WAL needs a moment alone with the file: another process opening the
        # journal at the same instant makes it busy at once, whatever the timeout.
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self._db.execute("PRAGMA synchronous=FULL")
        with self._transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            have = {row[1] for row in self._db.execute("PRAGMA table_info(pickup)")}
            for column, kind in _PICKUP_COLUMNS.items():
                if column not in have:
                    self._db.execute(f"ALTER TABLE pickup ADD COLUMN {column} {kind}")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transactions and errors ------------------------------------------------------------

    @contextlib.contextmanager
    def _guarded(self, action: str) -> Iterator[None]:
        """SQLite's errors as a :class:`JournalError` that says what to do."""
        try:
            yield
        except sqlite3.Error as exc:
            raise JournalError(self._explain(action, exc)) from None
        except OSError as exc:
            raise JournalError(f"the journal {self.path} cannot be {action}ed: "
                               f"{exc.strerror or exc}; give --journal a file in a writable "
                               "folder") from None

    def _explain(self, action: str, exc: sqlite3.Error) -> str:
        text = str(exc).lower()
        where = f"the journal {self.path}"
        if "locked" in text or "busy" in text:
            return (f"{where} stayed locked by another process for more than "
                    f"{self.timeout:g} s; wait for the other edimap run to end, or give "
                    "--journal a file of its own")
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return (f"{where} cannot be written ({exc}); make it and its folder writable, "
                    "or give --journal another file")
        if "full" in text:
            return f"the disk holding {where} is full ({exc}); free some space and run again"
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return (f"{where} is damaged ({exc}); move it aside and run again: orders "
                    "already in Winfinans are found there by their trace, but invoices "
                    "written and not yet confirmed would be written again")
        return f"{where} failed to {action}: {exc}"

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One immediate transaction: the write lock is taken at the start, so two runs
        never both read a state and then both act on it."""
        with self._guarded("write"):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._guarded("read"):
            return self._db.execute(sql, params).fetchall()

    @staticmethod
    def _now() -> str:
        return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

    # --- claims -------------------------------------------------------------------------

    def claim(self, name: str) -> Claim | None:
        """Take ``name`` for this run (or renew it); None when it is taken, else the other
        holder. A claim whose process is gone from this host, or whose lease ran out, is
        taken over."""
        now = time.time()
        with self._transaction() as db:
            row = db.execute("SELECT owner, expires FROM claim WHERE name=?",
                             (name,)).fetchone()
            if row is not None and row[0] != self.owner:
                held = Claim(name, row[0], row[1])
                if held.expires > now and not self._abandoned(held):
                    return held
            db.execute("INSERT INTO claim VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE "
                       "SET owner=excluded.owner, expires=excluded.expires",
                       (name, self.owner, now + self.lease))
        return None

    def _abandoned(self, claim: Claim) -> bool:
        return (claim.host == socket.gethostname() and claim.pid is not None
                and claim.pid != os.getpid() and not process_alive(claim.pid))

    def holds(self, name: str) -> bool:
        """Whether this run still holds ``name`` (renewing it): False when its lease ran out
        and another run took it over."""
        with self._transaction() as db:
            updated = db.execute("UPDATE claim SET expires=? WHERE name=? AND owner=?",
                                 (time.time() + self.lease, name, self.owner)).rowcount
        return updated == 1

    def release(self, name: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM claim WHERE name=? AND owner=?", (name, self.owner))

    def holder(self, name: str) -> Claim | None:
        """The live claim on ``name`` held by another run, if any."""
        rows = self._query("SELECT owner, expires FROM claim WHERE name=?", (name,))
        if not rows or rows[0][0] == self.owner:
            return None
        held = Claim(name, rows[0][0], rows[0][1])
        return None if held.expires <= time.time() or self._abandoned(held) else held

    # --- deliveries ---------------------------------------------------------------------

    def delivery(self, key: str) -> Delivery | None:
        rows = self._query("SELECT key, requisition, bill_to, sale_id, order_no, "
                           "delivered_at, complete FROM delivery WHERE key=?", (key,))
        if not rows:
            return None
        key_, requisition, bill_to, sale_id, order_no, delivered_at, complete = rows[0]
        return Delivery(key_, requisition, bill_to, sale_id, order_no, delivered_at,
                        bool(complete))

    def known_sale_ids(self) -> set[int]:
        """SaleIDs of every order this journal delivered."""
        return {r[0] for r in self._query("SELECT sale_id FROM delivery "
                                          "WHERE sale_id IS NOT NULL")}

    def record_intent(self, key: str, requisition: str, bill_to: int) -> None:
        """Before ``SalesOrderAdd``: the order may be in Winfinans from here on."""
        with self._transaction() as db:
            db.execute("INSERT INTO delivery VALUES (?, ?, ?, NULL, NULL, ?, 0) "
                       "ON CONFLICT(key) DO NOTHING", (key, requisition, bill_to, self._now()))

    def record_delivery(self, key: str, requisition: str, bill_to: int, sale_id: int,
                        order_no: int, *, complete: bool = True) -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO delivery VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) "
                       "DO UPDATE SET requisition=excluded.requisition, "
                       "bill_to=excluded.bill_to, sale_id=excluded.sale_id, "
                       "order_no=excluded.order_no, delivered_at=excluded.delivered_at, "
                       "complete=excluded.complete",
                       (key, requisition, bill_to, sale_id, order_no, self._now(),
                        int(complete)))

    def mark_complete(self, key: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE delivery SET complete=1 WHERE key=?", (key,))

    def sale_id_for(self, requisition: str, bill_to: int | None = None,
                    *, other_than: str | None = None) -> int | None:
        """The SaleID of the newest delivered order with this buyer's order number (for
        this customer, when ``bill_to`` is given: order numbers are the buyer's own),
        leaving out the delivery keyed ``other_than``."""
        sql = "SELECT sale_id FROM delivery WHERE requisition=? AND sale_id IS NOT NULL"
        params: list[object] = [requisition]
        if bill_to is not None:
            sql += " AND bill_to=?"
            params.append(bill_to)
        if other_than is not None:
            sql += " AND key<>?"
            params.append(other_than)
        rows = self._query(sql + " ORDER BY delivered_at DESC, sale_id DESC", tuple(params))
        return int(rows[0][0]) if rows else None

    # --- pickups ------------------------------------------------------------------------

    def pickup(self, sale_id: int) -> Pickup | None:
        rows = self._query("SELECT sale_id, control_ref, prepared, state, file, path, staged "
                           "FROM pickup WHERE sale_id=?", (sale_id,))
        if not rows:
            return None
        row = rows[0]
        return Pickup(row[0], row[1], dt.datetime.fromisoformat(row[2]), row[3], row[4],
                      row[5], row[6])

    def allocate(self, sale_id: int, prepared: dt.datetime,
                 control_ref: Callable[[], str] | None = None) -> Pickup:
        """The pickup of ``sale_id``; the first time, ``control_ref()`` hands out its
        interchange control reference (from the per-partner counter every EANCOM writer of
        edimap uses, so no two interchanges to a partner share one). Hold the claim on the
        invoice first, so no reference is handed out twice."""
        existing = self.pickup(sale_id)
        if existing is not None:
            return existing
        reference = control_ref() if control_ref else None
        with self._transaction() as db:
            db.execute("INSERT INTO pickup (sale_id, control_ref, prepared, state, "
                       "updated_at) VALUES (?, ?, ?, 'allocated', ?) "
                       "ON CONFLICT(sale_id) DO NOTHING",
                       (sale_id, reference, prepared.isoformat(), self._now()))
        pickup = self.pickup(sale_id)
        assert pickup is not None
        return pickup

    def mark_staged(self, sale_id: int, path: Path, staged: Path) -> None:
        """The file is complete under its temporary name ``staged``, not yet renamed."""
        with self._transaction() as db:
            db.execute("UPDATE pickup SET state='staged', file=?, path=?, staged=?, "
                       "updated_at=? WHERE sale_id=?",
                       (path.name, str(path), str(staged), self._now(), sale_id))

    def mark(self, sale_id: int, state: str, file: str | None = None) -> None:
        """A state after ``staged`` (``written``, ``confirmed``): no temporary file is
        needed any more."""
        with self._transaction() as db:
            db.execute("UPDATE pickup SET state=?, file=COALESCE(?, file), updated_at=?, "
                       "staged=NULL WHERE sale_id=?", (state, file, self._now(), sale_id))

    def staged_files(self) -> set[str]:
        """Temporary files that pickups in state ``staged`` still need."""
        return {r[0] for r in self._query("SELECT staged FROM pickup WHERE state='staged' "
                                          "AND staged IS NOT NULL")}
