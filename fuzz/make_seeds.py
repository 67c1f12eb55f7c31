"""Write the seed corpora of the fuzz targets into fuzz/seeds/<target>/ (or FOLDER).

    python fuzz/make_seeds.py [FOLDER]

Every seed is made by edimap itself from the repository's fixtures, so the seeds follow the
code: EANCOM ORDERS and INVOIC in both directories (edifact), canonical JSON documents
(json), OIOUBL invoices, credit notes, orders and order responses (ubl), and, for the
Winfinans target, every SOAP request a real client sends in a push-orders and a
pull-invoices run against the test double, with the double's answers to them (winfinans).
A seeded fuzzer starts from inputs that get deep into the code instead of guessing its
way there.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import attrs

import edimap
from edimap.winfinans import Client, Credentials, Journal, Sandbox, pull_invoices, push_orders
from edimap.winfinans.seed import seed_demo

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def _put(folder: Path, data: bytes, suffix: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    (folder / f"{name}{suffix}").write_bytes(data)


def documents() -> list[Any]:
    order = edimap.read(FIXTURES / "order.json").documents[0]
    invoice = edimap.read(FIXTURES / "invoice.json").documents[0]
    orders = list(edimap.read(FIXTURES / "orders-d96a.edi").documents)
    credit = attrs.evolve(invoice, kind=edimap.DocumentKind.CREDIT_NOTE, id="CN-1")
    response = edimap.OrderResponse(id="OR-1", issue_date=order.issue_date,
                                    currency=order.currency, buyer=order.buyer,
                                    seller=order.seller, accepted=True, order_id=order.id)
    return [order, invoice, credit, response, *orders]


def format_seeds(out: Path) -> None:
    docs = documents()
    for doc in docs:
        _put(out / "json", edimap.write(doc, format="json"), ".json")
        _put(out / "ubl", edimap.write(doc, format="oioubl", findings=[]), ".xml")
        if not isinstance(doc, edimap.OrderResponse):
            for version in ("d96a", "d01b"):
                _put(out / "edifact", edimap.write(doc, format="eancom", findings=[],
                                                   version=version, control_ref="1"), ".edi")
    _put(out / "json", edimap.write(docs, format="json"), ".json")
    _put(out / "edifact", (FIXTURES / "orders-d96a.edi").read_bytes(), ".edi")


class Recording(Sandbox):
    """The test double, keeping every request and its answer."""

    seen: list[bytes]

    def handle(self, body: bytes, action: str | None) -> tuple[int, bytes]:
        status, answer = super().handle(body, action)
        self.seen += [body, answer]
        return status, answer


def winfinans_seeds(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        double = Recording(Path(tmp) / "double.sqlite")
        double.seen = []
        db_guid, api_guid = "4d3a8da3-e6e8-437d-be39-d05bc638281c", \
            "5ecc7b95-79a8-4e65-a847-92bbe8f8336b"
        seed_demo(double, db_guid, api_guid)
        with double.running() as url, Client(url, Credentials(db_guid, api_guid)) as client, \
                Journal(Path(tmp) / "journal.sqlite") as journal:
            push_orders(client, [str(FIXTURES / "orders-d96a.edi")], journal,
                        prices="order-else-item")
            pull_invoices(client, Path(tmp) / "outbox", journal, to="eancom")
        for data in double.seen:
            _put(out / "winfinans", data, ".xml")


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "fuzz" / "seeds"
    for target in ("edifact", "json", "ubl", "winfinans"):
        shutil.rmtree(out / target, ignore_errors=True)
    format_seeds(out)
    winfinans_seeds(out)
    for target in sorted(p.name for p in out.iterdir()):
        print(f"{target}: {sum(1 for _ in (out / target).iterdir())} seeds")


if __name__ == "__main__":
    main()
