"""The delivery fault harness: real ``edimap winfinans`` processes against ``edimap sandbox``
on 127.0.0.1, with injected faults, kill -9 at random moments and at every named window of
the protocol (``docs/delivery.md``), two pushers or two pullers at once on one journal, and
a transport that takes files away between runs. It then checks, in the test double's own
data, that every order exists once with exactly its lines and every queued invoice was
written once and confirmed.

``tests/test_delivery_faults.py`` runs it bounded; ``python fuzz/delivery_soak.py`` runs the
long run and prints its figures.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

import edimap
from edimap.ids import _gs1
from edimap.model import Order, OrderLine, Party
from edimap.winfinans.sandbox import Sandbox, new_guid

ROOT = Path(__file__).resolve().parents[1]
SELLER_GLN = "5798000000001"
# push.line first: it needs an order sent in parts that an earlier round has not finished.
PUSH_WINDOWS = ("push.line", "push.intent", "push.added", "push.verified")
PULL_WINDOWS = ("pull.staged", "pull.renamed", "pull.written", "pull.confirmed")


def _gln(n: int) -> str:
    body = f"579000{n:06d}"
    return body + _gs1.calc_check_digit(body)


def _gtin(n: int) -> str:
    body = f"570123{n:06d}"
    return body + _gs1.calc_check_digit(body)


@attrs.define
class Plan:
    """How hard a run pushes: counts, fault rate, kills."""

    orders: int = 60
    big_orders: int = 2
    big_lines: int = 120
    invoices: int = 40
    fault_rate: float = 0.2
    random_kills: int = 4
    max_rounds: int = 40
    seed: int = 19
    timeout: float = 0.3
    stall: float = 0.4
    max_request_bytes: int = 16_384


@attrs.define
class Figures:
    """What a run found. Every count but the first four must be 0."""

    documents: int = 0
    runs: int = 0
    kills: int = 0
    window_kills: int = 0
    duplicated: int = 0
    missing: int = 0
    partial: int = 0
    internal_errors: int = 0
    seconds: float = 0.0
    windows: dict[str, int] = attrs.field(factory=dict)  # runs killed at each window
    problems: list[str] = attrs.field(factory=list)

    @property
    def clean(self) -> bool:
        return not (self.duplicated or self.missing or self.partial or self.internal_errors)


class Double:
    """``edimap sandbox`` as a subprocess over a seeded SQLite file."""

    def __init__(self, folder: Path, plan: Plan) -> None:
        self.db = folder / "double.sqlite"
        self.plan = plan
        self.db_guid, self.api_guid = new_guid(), new_guid()
        seeding = Sandbox(self.db)
        self.comp_id = seeding.add_company(self.db_guid, self.api_guid, {
            "CompanyName": "Grøn Grossist ApS", "ean": SELLER_GLN, "CompanyNo": "13585628",
            "Country": "DK"})
        self.seeding = seeding
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self, faults: bool = True) -> None:
        self.seeding._db.close()
        rate = self.plan.fault_rate if faults else 0.0
        self.process = subprocess.Popen(
            [sys.executable, "-m", "edimap", "sandbox", "--port", "0", "--db", str(self.db),
             "--faults", str(rate), "--stall", str(self.plan.stall)],
            env=self.env(), stderr=subprocess.PIPE, text=True, cwd=ROOT)
        assert self.process.stderr is not None
        line = self.process.stderr.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/Service\.svc)", line)
        if match is None:
            self.stop()
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        self.url = match.group(1)

    def stop(self) -> Sandbox:
        """Stop the server; the double's data, to inspect or seed more."""
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        self.seeding = Sandbox(self.db)
        return self.seeding

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "EDIMAP_FAILPOINT"}
        return {**env, "EDIMAP_WF_DB_GUID": self.db_guid, "EDIMAP_WF_API_GUID": self.api_guid,
                "EDIMAP_WF_URL": self.url, **extra}


def _orders(plan: Plan, rng: random.Random, customers: list[str],
            items: list[str]) -> list[Order]:
    orders = []
    for i in range(plan.orders):
        big = i < plan.big_orders
        count = plan.big_lines if big else rng.randint(1, 6)
        chosen = items[:count] if big else rng.sample(items, count)
        orders.append(Order(
            id=f"PO{i:06d}", issue_date=dt.date(2026, 12, 1),
            buyer=Party(gln=customers[i % len(customers)]), seller=Party(gln=SELLER_GLN),
            lines=[OrderLine(line_id=str(k + 1), gtin=gtin, quantity=Decimal(rng.randint(1, 48)),
                             unit="PCE", price=Decimal(rng.randint(100, 9999)) / 100)
                   for k, gtin in enumerate(chosen)]))
    return orders


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as err:
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err,
                                cwd=ROOT)


def _round(commands: list[tuple[list[str], dict[str, str]]], folder: Path, runs: int,
           kill_after: float | None, rng: random.Random,
           figures: Figures) -> list[int]:
    """Run the commands at once; kill one of them after ``kill_after`` seconds. The exit
    codes; internal errors and exit 2 go to ``figures``."""
    logs = [folder / f"run-{runs + k}.err" for k in range(len(commands))]
    procs = [_start(command, env, log) for (command, env), log in zip(commands, logs,
                                                                     strict=True)]
    if kill_after is not None:
        time.sleep(kill_after)
        victim = rng.choice(procs)
        if victim.poll() is None:
            victim.send_signal(signal.SIGKILL)
            figures.kills += 1
    codes = [p.wait(timeout=600) for p in procs]
    for code, log in zip(codes, logs, strict=True):
        text = log.read_text(errors="replace")
        if code == 2 or "edimap: internal error" in text or "Traceback" in text:
            figures.internal_errors += 1
            figures.problems.append(f"{log.name}: exit {code}: {text[-2000:]}")
    figures.runs += len(commands)
    return codes


def run_push(folder: Path, plan: Plan) -> Figures:
    """Push ``plan.orders`` orders through faults, kills and two concurrent pushers."""
    started = time.monotonic()
    rng = random.Random(plan.seed)
    customers = [_gln(n) for n in range(1, 11)]
    items = [_gtin(n) for n in range(1, max(plan.big_lines, 12) + 1)]
    double = Double(folder, plan)
    for number in customers:
        double.seeding.add_address(double.comp_id, {"CompanyName": f"Butik {number[-4:]}",
                                                    "ean": number, "CountryISO3166_2": "DK"})
    for k, number in enumerate(items):
        double.seeding.add_item(double.comp_id, {"ItemID": f"V{k}", "EAN": number,
                                                 "ItemDesc": f"Vare {k}", "unit": "stk",
                                                 "SalesPrice": Decimal("10.00")})
    orders = _orders(plan, rng, customers, items)
    inbox = folder / "inbox"
    # The small orders of the first half race first, two pushers at once on a double
    # without faults (where runs keep in step and a duplicate is most likely); then
    # everything, with faults and kills.
    first = [o for o in orders[:len(orders) // 2] if len(o.lines) < plan.big_lines]
    for part, chosen in (("first", first), ("rest", [o for o in orders if o not in first])):
        (inbox / part).mkdir(parents=True)
        for k in range(0, len(chosen), 25):
            (inbox / part / f"ORDERS-{k:04d}.edi").write_bytes(edimap.write(
                chosen[k:k + 25], format="eancom", sender=customers[0],
                recipient=SELLER_GLN, control_ref=f"{part[0]}{1000 + k}"))
    figures = Figures(documents=len(orders))
    command = [sys.executable, "-m", "edimap", "winfinans", "push-orders",
               "--journal", str(folder / "journal.sqlite"), "--timeout", str(plan.timeout),
               "--retries", "4", "--backoff", "0.02",
               "--max-request-bytes", str(plan.max_request_bytes)]
    double.start(faults=False)
    try:
        _round([([*command, str(inbox / "first")], double.env(
            EDIMAP_HOME=str(folder / "home")))] * 2, folder, figures.runs, None, rng, figures)
    finally:
        double.stop()
    double.start()
    try:
        _drive(double, [*command, str(inbox)], PUSH_WINDOWS, folder, plan, rng, figures)
    finally:
        data = double.stop()
    _check_orders(data, orders, figures)
    figures.seconds = time.monotonic() - started
    return figures


def _drive(double: Double, command: list[str], windows: tuple[str, ...], folder: Path,
           plan: Plan, rng: random.Random, figures: Figures,
           between: Any = None, outboxes: list[str] | None = None) -> None:
    """Rounds of two runs at once until a round without kills where both exit 0: the
    first rounds each arm one window in both runs, then rounds kill one run at a random
    moment until ``plan.random_kills`` runs were killed, then clean rounds."""
    home = folder / "home"
    env = double.env(EDIMAP_HOME=str(home))
    for round_no in range(plan.max_rounds):
        armed = kill_after = None
        if round_no < len(windows):
            # Early (the first or second time), so later windows still find work.
            armed = f"{windows[round_no]}@{rng.randint(1, 2)}"
        elif figures.kills < plan.random_kills:
            kill_after = rng.uniform(0.2, 1.5)
        commands = []
        for k in range(2):
            extra = outboxes[k] if outboxes else None
            run = command + ([extra] if extra else [])
            run_env = {**env, "EDIMAP_FAILPOINT": armed} if armed else env
            commands.append((run, run_env))
        codes = _round(commands, folder, figures.runs, kill_after, rng, figures)
        if armed:
            figures.window_kills += codes.count(-signal.SIGKILL)
            figures.windows[windows[round_no]] = codes.count(-signal.SIGKILL)
        if between is not None:
            between()
        if armed is None and kill_after is None and all(code == 0 for code in codes):
            return
    figures.problems.append(f"runs still failing after {plan.max_rounds} rounds")


def _check_orders(data: Sandbox, orders: list[Order], figures: Figures) -> None:
    stored = data.orders()
    by_requisition = Counter(header["requisition"] for header, _ in stored)
    figures.duplicated = sum(n - 1 for n in by_requisition.values() if n > 1)
    lines_of = {header["requisition"]: lines for header, lines in stored}
    for order in orders:
        if order.id not in lines_of:
            figures.missing += 1
            continue
        got = [(x["EAN"], x["Qty"]) for x in lines_of[order.id]]
        if got != [(line.gtin, line.quantity) for line in order.lines]:
            figures.partial += 1
            figures.problems.append(f"{order.id}: {len(got)} of {len(order.lines)} lines")


def _queue(double: Double, start: int, count: int, rng: random.Random) -> set[int]:
    """``count`` closed invoices and credit notes in the queue (two lists hold each)."""
    chain = double.seeding.add_address(double.comp_id, {
        "CompanyName": "Købmand Hansen A/S", "ean": "5790000274017", "VATNumber": "DK12345674",
        "Address1": "Torvet", "HouseNumber": "1", "City": "Vejle", "PostalCode": "7100",
        "CountryID": "DK", "CountryISO3166_2": "DK", "Currency": "DKK"})
    queued = set()
    for i in range(start, start + count):
        lines = [{"ItemID": f"V{k}", "EAN": _gtin(k + 1), "ItemDesc": f"Vare {k}",
                  "Unit": "stk", "Qty": Decimal(rng.randint(1, 20)),
                  "SalesPrice": Decimal(rng.randint(100, 5000)) / 100, "vat_perc": Decimal(25)}
                 for k in range(rng.randint(1, 3))]
        header = {"BillTo": chain, "ShipTo": chain, "Buyer": chain,
                  "InvoiceDate": dt.datetime(2026, 12, 1), "requisition": f"PO{i}",
                  "InvoiceCreditnote": "CreditNote" if i % 7 == 3 else "invoice"}
        queued.add(double.seeding.add_invoice(double.comp_id, header, lines,
                                              queue_list=1 + i % 2))
    return queued


def run_pull(folder: Path, plan: Plan) -> Figures:
    """Pick up ``plan.invoices`` queued invoices with two pullers sharing one journal, each
    into its own outbox, through faults and kills; a transport empties the outboxes between
    rounds."""
    started = time.monotonic()
    rng = random.Random(plan.seed + 1)
    double = Double(folder, plan)
    queued = _queue(double, 0, plan.invoices // 2, rng)
    figures = Figures(documents=plan.invoices)
    outboxes = [folder / "outbox-1", folder / "outbox-2"]
    taken = folder / "taken"
    taken.mkdir()
    delivered: list[str] = []

    def transport() -> None:
        for box in outboxes:
            for path in sorted(box.glob("*.edi")) if box.exists() else []:
                delivered.append(path.name)
                shutil.move(path, taken / f"{len(delivered):05d}-{path.name}")

    command = [sys.executable, "-m", "edimap", "winfinans", "pull-invoices", "--to",
               "eancom", "--journal", str(folder / "journal.sqlite"), "--timeout",
               str(plan.timeout), "--retries", "4", "--backoff", "0.02", "-o"]
    # Half the queue first, two pullers at once without faults; then the rest with
    # faults and kills.
    double.start(faults=False)
    try:
        home = double.env(EDIMAP_HOME=str(folder / "home"))
        _round([([*command, str(box)], home) for box in outboxes], folder, figures.runs,
               None, rng, figures)
        transport()
    finally:
        double.stop()
    queued |= _queue(double, len(queued), plan.invoices - len(queued), rng)
    double.start()
    try:
        _drive(double, command, PULL_WINDOWS, folder, plan, rng, figures,
               between=transport, outboxes=[str(b) for b in outboxes])
    finally:
        data = double.stop()
    transport()
    _check_invoices(data, queued, delivered, outboxes, taken, figures)
    figures.seconds = time.monotonic() - started
    return figures


def _check_invoices(data: Sandbox, queued: set[int], delivered: list[str],
                    outboxes: list[Path], taken: Path, figures: Figures) -> None:
    counts = Counter(delivered)
    figures.duplicated = sum(n - 1 for n in counts.values() if n > 1)
    figures.missing = max(0, len(queued) - len(counts))
    with data._lock:
        confirmed = {r[0] for r in data._db.execute(
            "SELECT DISTINCT sale_id FROM collection WHERE state=1")}
    unconfirmed = queued - confirmed
    if unconfirmed or data.pending():
        figures.partial += len(unconfirmed)
        figures.problems.append(f"not confirmed: {sorted(unconfirmed)[:10]}")
    for box in outboxes:
        left = list(box.glob(".*.tmp")) if box.exists() else []
        if left:
            figures.problems.append(f"temporary files left in {box.name}: {len(left)}")
            figures.partial += len(left)
    ids = Counter()
    for path in taken.iterdir():
        result = edimap.read(path)
        if not result.ok:
            figures.problems.append(f"{path.name} does not read back")
            figures.partial += 1
        ids.update(document.id for document in result.documents)
    figures.duplicated += sum(n - 1 for n in ids.values() if n > 1)


def render(push: Figures, pull: Figures) -> str:
    """The figures as the table in docs/delivery.md."""
    rows = [("orders" if k == 0 else "invoices", f) for k, f in enumerate((push, pull))]
    out = ["| run | documents | runs | kills at random | kills at a window | duplicated "
           "| missing | partial | internal errors | seconds |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, f in rows:
        out.append(f"| {name} | {f.documents} | {f.runs} | {f.kills} | {f.window_kills} | "
                   f"{f.duplicated} | {f.missing} | {f.partial} | {f.internal_errors} | "
                   f"{f.seconds:.0f} |")
    out.append("")
    out.append("Runs killed at each window: " + "; ".join(
        f"`{w}` {n}" for f in (push, pull) for w, n in f.windows.items()) + ".")
    return "\n".join(out)
