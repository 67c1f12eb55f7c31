"""Exactly-once delivery under faults, kills and concurrent runs (the bounded run of the
harness in ``tests/delivery_harness.py``), and the journal's own failures."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from edimap.winfinans import Journal
from edimap.winfinans.journal import JournalError

from .delivery_harness import Double, Plan, run_pull, run_push

ROOT = Path(__file__).resolve().parents[1]


def test_two_pushers_with_faults_and_kills_deliver_every_order_once(tmp_path: Path) -> None:
    figures = run_push(tmp_path, Plan())
    assert figures.problems == []
    assert figures.clean, figures
    assert figures.kills + figures.window_kills >= 4, "too few runs were killed to prove it"


def test_two_pullers_with_faults_kills_and_a_transport_write_every_invoice_once(
        tmp_path: Path) -> None:
    figures = run_pull(tmp_path, Plan())
    assert figures.problems == []
    assert figures.clean, figures
    assert figures.kills + figures.window_kills >= 4, "too few runs were killed to prove it"


# --- the journal's own failures -------------------------------------------------------------


def _push(double: Double, journal: Path, source: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edimap", "winfinans", "push-orders", str(source),
         "--journal", str(journal), "--prices", "order-else-item"],
        env=double.env(EDIMAP_HOME=str(journal.parent / "home")), capture_output=True,
        text=True, timeout=120, cwd=ROOT)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Double]:
    from edimap.winfinans.seed import seed_from

    double = Double(tmp_path, Plan(fault_rate=0.0))
    seed_from(double.seeding, double.comp_id, [str(ROOT / "fixtures" / "orders-d96a.edi")])
    double.start()
    try:
        yield double
    finally:
        double.stop()


def test_a_damaged_journal_stops_the_run_before_anything_is_sent(tmp_path: Path,
                                                                  demo: Double) -> None:
    journal = tmp_path / "journal.sqlite"
    journal.write_bytes(b"this is not a database, it was overwritten by mistake\n" * 100)
    proc = _push(demo, journal, ROOT / "fixtures" / "orders-d96a.edi")
    assert proc.returncode == 2, proc.stderr
    assert f"the journal {journal} is damaged" in proc.stderr
    assert "move it aside" in proc.stderr
    assert "internal error" not in proc.stderr
    assert "Traceback" not in proc.stderr
    assert demo.stop().orders() == []


def test_a_journal_that_refuses_writes_stops_the_run_and_names_the_file(
        tmp_path: Path, demo: Double) -> None:
    journal = tmp_path / "journal.sqlite"
    Journal(journal).close()
    if subprocess.run(["chattr", "+i", str(journal)], capture_output=True).returncode:
        pytest.skip("chattr cannot make the journal immutable on this file system")
    try:
        proc = _push(demo, journal, ROOT / "fixtures" / "orders-d96a.edi")
    finally:
        subprocess.run(["chattr", "-i", str(journal)], check=True)
    assert proc.returncode == 2, proc.stderr
    assert f"the journal {journal} cannot be written" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert demo.stop().orders() == []


def test_a_journal_locked_past_its_timeout_is_a_journal_error(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    Journal(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(JournalError, match=r"stayed locked by another process for more "
                                               r"than 0.3 s"):
            Journal(path, timeout=0.3).claim("order")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Journal(path, timeout=0.3) as journal:  # free again: usable at once
        assert journal.claim("order") is None


def test_a_full_disk_is_a_journal_error_and_nothing_is_recorded(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)],
                      capture_output=True).returncode:
        pytest.skip("no tmpfs can be mounted here to fill")
    try:
        journal = Journal(disk / "journal.sqlite")
        filler = disk / "filler"
        with contextlib.suppress(OSError), open(filler, "wb") as fh:
            while True:
                fh.write(b"x" * 4096)
                fh.flush()
        def record_many() -> None:
            for n in range(1000):
                journal.record_intent(f"key-{n}" + "k" * 2000, "PO1", 1)

        with pytest.raises(JournalError, match="is full"):
            record_many()
        filler.unlink()
        assert journal.delivery("key-999" + "k" * 2000) is None
        journal.close()
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_dead_runs_claim_is_taken_over_and_a_live_ones_is_not(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal(path) as mine, Journal(path) as other:
        assert mine.claim("order/1") is None
        held = other.claim("order/1")
        assert held is not None  # the same process: alive
        assert held.owner == mine.owner
        assert other.holder("order/1") is not None
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout.strip()
        with sqlite3.connect(path) as db:  # as a killed run on this host leaves it
            db.execute("UPDATE claim SET owner=? WHERE name='order/1'",
                       (f"{mine.owner.split('/')[0]}/{dead}/abcd",))
        assert other.holder("order/1") is None
        assert other.claim("order/1") is None
        assert mine.claim("order/1") is not None  # now the other run's
        assert not mine.holds("order/1")


def test_work_another_live_run_holds_is_waited_for_then_reported_in_progress(
        tmp_path: Path) -> None:
    from edimap.winfinans import Client, Credentials, pull_invoices, push_orders
    from edimap.winfinans.seed import seed_demo

    double = Double(tmp_path, Plan(fault_rate=0.0))
    ids = seed_demo(double.seeding, double.db_guid, double.api_guid)
    double.start()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        client = Client(double.url, Credentials(double.db_guid, double.api_guid))
        path = tmp_path / "journal.sqlite"
        with Journal(path) as journal:
            host = journal.owner.split("/")[0]
            queued = [int(item["SaleID"]) for item in client.queue_items()]
            with sqlite3.connect(path) as db:  # a live run on this host holds them all
                orders = [f"po/{ids['chain']}/{n}" for n in ("4500012345", "4500012346")]
                for name in [*orders, *(f"pickup/{s}" for s in queued)]:
                    db.execute("INSERT INTO claim VALUES (?, ?, ?)",
                               (name, f"{host}/{other.pid}/feed", 4e9))
            outcomes = pull_invoices(client, tmp_path / "out", journal, to="json", wait=0.5)
            assert [o.outcome for o in outcomes] == ["failed"] * len(queued)
            assert {f.code for o in outcomes for f in o.findings} == {"WF-IN-PROGRESS"}
            assert not list((tmp_path / "out").glob("*.json"))
            fixture = [ROOT / "fixtures" / "orders-d96a.edi"]
            held = push_orders(client, fixture, journal, prices="order-else-item", wait=0.5)
            assert [o.outcome for o in held] == ["failed", "failed"]
            assert [f.code for o in held for f in o.findings if f.is_error] == [
                "WF-IN-PROGRESS", "WF-IN-PROGRESS"]
            assert double.stop().orders() == []  # nothing was sent meanwhile
            double.start()
            client = Client(double.url, Credentials(double.db_guid, double.api_guid))
            with sqlite3.connect(path) as db:  # the other run ends: its claims free
                db.execute("DELETE FROM claim")
            again = pull_invoices(client, tmp_path / "out", journal, to="json", wait=0.5)
            assert [o.outcome for o in again] == ["written"] * len(queued)
            delivered = push_orders(client, fixture, journal, prices="order-else-item",
                                    wait=0.5)
            assert [o.outcome for o in delivered] == ["delivered", "delivered"]
    finally:
        other.kill()
        other.wait()
        double.stop()
