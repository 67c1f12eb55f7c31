"""Ctrl-C (SIGINT) and SIGTERM stop a run cleanly: the document in hand is finished or
dropped, the report says what was done and what was not, the summary is printed, the exit
code is 130, and no temporary or half-written file is left. Real processes, real
signals."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import FIXTURES, ROOT


def inbox(folder: Path, count: int) -> Path:
    folder.mkdir()
    data = (FIXTURES / "orders-d96a.edi").read_bytes()
    for n in range(count):
        (folder / f"orders-{n:04d}.edi").write_bytes(data)
    return folder


def signal_when(proc: subprocess.Popen[str], ready: callable, sig: int) -> None:  # type: ignore[valid-type]
    deadline = time.monotonic() + 120
    while not ready():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never got going"
        time.sleep(0.01)
    proc.send_signal(sig)


@pytest.mark.parametrize(("sig", "jobs"), [(signal.SIGINT, "1"), (signal.SIGTERM, "1"),
                                           (signal.SIGINT, "2")])
def test_a_stopped_convert_reports_what_it_did_and_did_not(tmp_path: Path, sig: int,
                                                           jobs: str) -> None:
    source = inbox(tmp_path / "inbox", 400)
    out, report = tmp_path / "out", tmp_path / "report.json"
    proc = subprocess.Popen([sys.executable, "-m", "edimap", "convert", str(source), "--to",
                             "json", "-o", str(out), "--report", str(report), "--jobs",
                             jobs], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    signal_when(proc, lambda: out.is_dir() and any(out.iterdir()), sig)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 130, stderr
    name = signal.Signals(sig).name
    assert f"edimap: {name}: finishing what is in hand" in stderr
    written = json.loads(report.read_text("utf-8"))
    outcomes = [item["outcome"] for item in written["items"]]
    stopped = outcomes.count("stopped")
    assert 0 < stopped < 400
    # Input order: what was done, then what was not.
    assert outcomes == sorted(outcomes, key=lambda o: o == "stopped")
    assert written["summary"]["stopped"] == stopped
    assert f", {stopped} not started (stopped by {name})" in stderr.splitlines()[-1]
    files = sorted(out.iterdir())
    assert not [f for f in files if f.name.startswith(".")]  # no temporary file left
    assert len(files) == outcomes.count("converted")  # one file per order
    for f in files:
        assert json.loads(f.read_text("utf-8"))  # each one whole
    first_stopped = next(i for i in written["items"] if i["outcome"] == "stopped")
    assert first_stopped["findings"][0]["code"] == "RUN-STOPPED"


def test_a_stopped_single_convert_writes_what_it_finished(tmp_path: Path) -> None:
    from .test_hostile import _big_interchange

    source = tmp_path / "big.edi"
    _big_interchange(source, 6_000_000)
    out, report = tmp_path / "out", tmp_path / "report.json"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "edimap", "convert", str(source), "--to",
                             "json", "-o", str(out / "orders.json"), "--report", str(report)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(1.5)  # streaming, message by message
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 130, stderr
    written = json.loads(report.read_text("utf-8"))
    outcomes = [item["outcome"] for item in written["items"]]
    assert "stopped" in outcomes
    assert outcomes == sorted(outcomes, key=lambda o: o == "stopped")
    assert "not started (stopped by SIGINT)" in stderr
    files = list(out.iterdir())
    # What finished is published whole (a valid array of exactly those orders), nothing
    # else is left.
    assert [f.name for f in files] == (["orders.json"] if "converted" in outcomes else [])
    if files:
        assert len(json.loads(files[0].read_text("utf-8"))) == outcomes.count("converted")


def test_stopped_winfinans_runs_leave_the_rest_for_the_next_run(tmp_path: Path) -> None:
    import random

    from edimap import write

    from .test_winfinans import Double, _order, _queue, _seed_trade, gln, gtin

    double = Double(tmp_path)
    customers, items = [gln(n) for n in range(1, 4)], [gtin(n) for n in range(1, 6)]
    _seed_trade(double, customers, items)
    queued = _queue(double, 60)
    rng = random.Random(5)
    orders = [_order(i, rng.choice(customers), items, rng) for i in range(80)]
    (tmp_path / "orders.json").write_bytes(write(orders, format="json"))
    with double.sandbox.running() as url:
        double.url = url
        env = {**double.env(), "PYTHONUNBUFFERED": "1"}  # each line as it is printed
        outbox = tmp_path / "outbox"
        for command, done_word, started in (
                (["push-orders", str(tmp_path / "orders.json")], "delivered as",
                 lambda: len(double.sandbox.orders()) > 0),
                (["pull-invoices", "--to", "eancom", "-o", str(outbox)], ": written",
                 lambda: outbox.is_dir() and any(outbox.iterdir()))):
            run = [sys.executable, "-m", "edimap", "winfinans", *command, "--journal",
                   str(tmp_path / "journal.sqlite")]
            proc = subprocess.Popen(run, cwd=ROOT, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=env)
            signal_when(proc, started, signal.SIGINT)  # one done: stop now
            out, stderr = proc.communicate(timeout=300)
            assert proc.returncode == 130, stderr
            lines = out.splitlines()
            stopped = sum("(stopped)" in line for line in lines)
            assert stopped > 0, lines
            again = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, env=env,
                                   timeout=600, check=False)
            assert again.returncode == 0, again.stderr
            # The next run does exactly what was left, and nothing twice.
            assert sum(done_word in line for line in again.stdout.splitlines()) == stopped
    assert len(double.sandbox.orders()) == 80
    assert len(list((tmp_path / "outbox").iterdir())) == len(queued)
    assert double.sandbox.pending() == []


def test_a_stopped_split_convert_finishes_the_parts_in_hand(tmp_path: Path) -> None:
    import os

    from .test_hostile import _big_interchange

    source = tmp_path / "big.edi"
    _big_interchange(source, 6_000_000)
    out, report = tmp_path / "out", tmp_path / "report.json"
    out.mkdir()
    env = {**os.environ, "EDIMAP_MIN_PART_BYTES": "150000", "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "edimap", "convert", str(source), "--to",
                             "json", "-o", str(out / "orders.json"), "--report", str(report),
                             "--jobs", "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    # The parts are converted in a work folder beside the output: stop once one is there.
    signal_when(proc, lambda: any(p.name.startswith(".edimap-parts-") and any(p.iterdir())
                                  for p in out.iterdir()), signal.SIGINT)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 130, stderr
    written = json.loads(report.read_text("utf-8"))
    outcomes = [item["outcome"] for item in written["items"]]
    assert outcomes.count("converted") > 0
    assert outcomes.count("stopped") > 0
    assert outcomes == sorted(outcomes, key=lambda o: o == "stopped")
    assert [f.name for f in out.iterdir()] == ["orders.json"]  # no work folder left
    assert len(json.loads((out / "orders.json").read_text("utf-8"))) == outcomes.count(
        "converted")
