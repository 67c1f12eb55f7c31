"""The Winfinans adapter against its test double, over real HTTP on loopback.

Nothing is mocked: the client speaks SOAP 1.1 to ``edimap.winfinans.Sandbox`` serving on
127.0.0.1, and the CLI runs as a subprocess where a user's run would.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import edimap
from edimap import strategies as eds
from edimap.ids import _gs1
from edimap.model import Order, OrderLine, Party
from edimap.winfinans import (
    AuthenticationError,
    Client,
    Credentials,
    DocumentClosedError,
    Faults,
    Journal,
    NotFoundError,
    Sandbox,
    ServiceError,
    ServiceValidationError,
    TransportError,
    pull_invoices,
    push_orders,
)
from edimap.winfinans._contract import contract
from edimap.winfinans._errors import redact
from edimap.winfinans.client import _status_error
from edimap.winfinans.sandbox import new_guid
from edimap.winfinans.seed import DEMO_CUSTOMERS, seed_demo

from .conftest import FIXTURES, ROOT

SELLER_GLN = "5798000000001"


def gln(n: int, prefix: str = "579000") -> str:
    body = f"{prefix}{n:06d}"
    return body + _gs1.calc_check_digit(body)


def gtin(n: int) -> str:
    body = f"570123{n:06d}"
    return body + _gs1.calc_check_digit(body)


class Double:
    """A sandbox with one company, served on loopback, and a client for it."""

    def __init__(self, tmp: Path, faults: Faults | None = None) -> None:
        self.sandbox = Sandbox(tmp / "double.sqlite", faults=faults)
        self.db_guid, self.api_guid = new_guid(), new_guid()
        self.comp_id = self.sandbox.add_company(self.db_guid, self.api_guid, {
            "CompanyName": "Grøn Grossist ApS", "ean": SELLER_GLN, "CompanyNo": "13585628",
            "Country": "DK"})
        self.credentials = Credentials(self.db_guid, self.api_guid)
        self.url = ""

    def client(self, **options: Any) -> Client:
        return Client(self.url, self.credentials, **options)

    def env(self) -> dict[str, str]:
        return {**os.environ, "EDIMAP_WF_DB_GUID": self.db_guid,
                "EDIMAP_WF_API_GUID": self.api_guid, "EDIMAP_WF_URL": self.url}


@pytest.fixture
def double(tmp_path: Path) -> Iterator[Double]:
    d = Double(tmp_path)
    with d.sandbox.running() as url:
        d.url = url
        yield d


def _order(i: int, customer: str, items: list[str], rng: random.Random) -> Order:
    lines = [OrderLine(line_id=str(k + 1), gtin=item, quantity=Decimal(rng.randint(1, 48)),
                       unit="PCE", price=Decimal(rng.randint(100, 9999)) / 100,
                       description=f"Vare {k + 1} æøå")
             for k, item in enumerate(rng.sample(items, rng.randint(1, min(4, len(items)))))]
    return Order(id=f"PO{i:06d}", issue_date=dt.date(2026, 11, 30),
                 delivery_date=dt.date(2026, 12, 3), buyer=Party(gln=customer),
                 seller=Party(gln=SELLER_GLN), lines=lines)


def _seed_trade(d: Double, customers: list[str], items: list[str]) -> None:
    for number in customers:
        d.sandbox.add_address(d.comp_id, {"CompanyName": f"Butik {number[-4:]}", "ean": number,
                                          "CountryISO3166_2": "DK"})
    for k, number in enumerate(items):
        d.sandbox.add_item(d.comp_id, {"ItemID": f"V{k}", "EAN": number,
                                       "ItemDesc": f"Vare {k}", "unit": "stk",
                                       "SalesPrice": Decimal("10.00")})


# --- the wire ----------------------------------------------------------------------------


def test_request_members_travel_in_ordinal_order_with_nil_item_id() -> None:
    c = contract()
    op = c.operations["SalesOrderAdd"]
    body = c.request(op, {"wfOrder": {"requisition": "PO1", "BillTo": 7, "Trace": "t",
                                      "OrderLines": [{"ItemID": None, "EAN": gtin(1),
                                                      "Qty": Decimal("2")}]},
                          "OrderType": "Order"})
    root = etree.fromstring(body)
    ns = {"s": c.namespaces["soap"], "t": c.namespaces["service"],
          "a": c.namespaces["contract"]}
    wrapper = root.find("s:Body/t:SalesOrderAdd", ns)
    assert wrapper is not None
    assert [etree.QName(e).localname for e in wrapper] == ["DBUser", "wfOrder", "OrderType"]
    order = wrapper.find("t:wfOrder", ns)
    assert order is not None
    # .NET reads members in ordinal order: capitals before lower case, and silently drops
    # a member out of place.
    assert [etree.QName(e).localname for e in order] == ["BillTo", "OrderLines", "Trace",
                                                        "requisition"]
    item_id = order.find("a:OrderLines/a:OrderLine/a:ItemID", ns)
    assert item_id is not None
    assert item_id.get(f"{{{c.namespaces['instance']}}}nil") == "true"
    assert c.soap_action(op) == '"http://tempuri.org/IService/SalesOrderAdd"'


def test_status_strings_become_typed_exceptions() -> None:
    assert isinstance(_status_error("X", " DBUser error: CompID = 0 "), AuthenticationError)
    assert isinstance(_status_error("X", "no company"), AuthenticationError)
    assert isinstance(_status_error("X", "No address: 0"), NotFoundError)
    assert isinstance(_status_error("X", "Order is closed"), DocumentClosedError)
    assert isinstance(_status_error("X", "err: Order number missing"), ServiceValidationError)
    assert isinstance(_status_error("X", "Not closed"), ServiceValidationError)
    assert isinstance(_status_error("X", "Err"), ServiceError)


def test_redact_masks_guids_connection_strings_and_stack_traces() -> None:
    guid = new_guid()
    text = (f"wf_wcf: failed for {guid} (Data Source=sql1;Initial Catalog=wf;User ID=sa;"
            "Password=hemmelig;)\n   at Service.SalesOrderAdd() in C:\\src\\Service.cs:line 12")
    shown = redact(text)
    assert guid not in shown
    assert "hemmelig" not in shown
    assert "sql1" not in shown
    assert "Service.cs" not in shown
    assert shown.startswith("wf_wcf: failed for <guid>")


def test_credentials_never_show_in_repr_and_must_be_guids() -> None:
    guid = new_guid()
    creds = Credentials(guid, new_guid())
    assert guid not in repr(creds)
    assert guid not in str(creds)
    with pytest.raises(edimap.ConfigurationError, match="database GUID is not a GUID") as info:
        Credentials("not-a-guid-but-secret", guid)
    assert "not-a-guid-but-secret" not in str(info.value)


def test_credentials_from_environment_and_config_file(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    db, api = new_guid(), new_guid()
    config = tmp_path / "winfinans.toml"
    config.write_text(f'[winfinans]\nurl = "http://127.0.0.1:1/Service.svc"\n'
                      f'db_guid = "{db}"\napi_guid = "{api}"\n')
    config.chmod(0o644)
    with pytest.raises(edimap.ConfigurationError, match="chmod 600") as info:
        Credentials.resolve(config=config)
    assert db not in str(info.value)
    config.chmod(0o600)
    monkeypatch.delenv("EDIMAP_WF_DB_GUID", raising=False)
    monkeypatch.delenv("EDIMAP_WF_API_GUID", raising=False)
    assert Credentials.resolve(config=config) == Credentials(db, api)
    other = new_guid()
    monkeypatch.setenv("EDIMAP_WF_DB_GUID", other)
    assert Credentials.resolve(config=config).db_guid == other
    monkeypatch.delenv("EDIMAP_WF_DB_GUID")
    with pytest.raises(edimap.ConfigurationError, match="no Winfinans credentials"):
        Credentials.resolve(api_guid=api)
    with pytest.raises(edimap.ConfigurationError, match="does not exist"):
        Credentials.resolve(config=tmp_path / "absent.toml")


# --- the client against the double ---------------------------------------------------------


def test_wrong_credentials_are_an_authentication_error(double: Double) -> None:
    # An unknown database GUID: the service answers vaguely ("Err", empty arrays, "OK").
    stranger = Client(double.url, Credentials(new_guid(), double.api_guid))
    with pytest.raises(AuthenticationError, match="company id 0"):
        stranger.company()
    with pytest.raises(AuthenticationError):
        stranger.queue_items()
    # A known database GUID with the wrong API GUID: the client's company id would stand,
    # which is why the client always sends 0.
    wrong_company = Client(double.url, Credentials(double.db_guid, new_guid()))
    with pytest.raises(AuthenticationError):
        wrong_company.load_order(1)
    assert double.client().ping().startswith("Winfinans WCF")


def test_the_double_keeps_the_real_services_pitfalls(double: Double) -> None:
    _seed_trade(double, [gln(1)], [gtin(1)])
    client = double.client()
    customer, count = client.address_by_gln(gln(1))
    assert customer is not None
    assert count == 1
    line = {"EAN": gtin(1), "Qty": Decimal("2"), "SalesPrice": Decimal("12.5")}
    stored = client.add_order({"BillTo": customer["AddressID"], "requisition": "P" * 25,
                               "OrderLines": [{**line, "ItemID": None},
                                              {**line, "ItemID": ""}]})
    # The empty ItemID line is gone, the requisition cut at 20 without a word.
    assert len(client.order_lines(stored["SaleID"])) == 1
    assert client.load_order(stored["SaleID"])["requisition"] == "P" * 20
    # Sending the stored order again appends its lines again.
    client.add_order({**stored, "OrderLines": [{**line, "ItemID": None}]})
    assert len(client.order_lines(stored["SaleID"])) == 2
    # An unknown document loads as "OK": the client checks the SaleID.
    assert client.load_order(987654) is None
    assert client.lookup_order(stored["OrderNo"])["SaleID"] == stored["SaleID"]
    assert client.lookup_order(stored["OrderNo"], "Invoice") is None


def test_faults_are_retried_only_where_safe(tmp_path: Path) -> None:
    d = Double(tmp_path, Faults(rate=1.0, kinds=("http500",)))
    with d.sandbox.running() as url:
        d.url = url
        client = d.client(retries=2, backoff=0.0)
        with pytest.raises(TransportError, match=r"^CompanyLoad: HTTP 500 without a SOAP "
                                                 r"fault \(gave up after 3 attempts over "
                                                 r"\d+\.\d s\)$"):
            client.company()
        assert d.sandbox.requests == 0  # never reached the operation: 3 attempts, no effect
        with pytest.raises(TransportError) as info:
            client.add_order({"BillTo": 1})
        assert info.value.outcome_unknown
        d.sandbox.faults = Faults(rate=1.0, kinds=("soapfault",))
        with pytest.raises(TransportError, match="failed while processing") as info:
            client.add_order({"BillTo": 1})
        assert info.value.outcome_unknown
        d.sandbox.faults = Faults(rate=1.0, kinds=("timeout",), stall=0.5)
        with pytest.raises(TransportError) as info:
            Client(url, d.credentials, timeout=0.1, retries=0).company()
        assert info.value.timeout
        d.sandbox.faults = Faults(rate=0.5, kinds=("drop-before", "drop-after"), seed=3)
        assert d.client(retries=8, backoff=0.0).company()["CompanyName"] == "Grøn Grossist ApS"


# --- pushing orders ------------------------------------------------------------------------


def test_fixture_pushed_twice_is_delivered_once(tmp_path: Path, double: Double) -> None:
    ids = seed_demo(double.sandbox, double.db_guid, double.api_guid)
    demo = double.client()
    with Journal(tmp_path / "journal.sqlite") as journal:
        first = push_orders(demo, [FIXTURES / "orders-d96a.edi"], journal,
                            prices="order-else-item")
        second = push_orders(demo, [FIXTURES / "orders-d96a.edi"], journal,
                             prices="order-else-item")
    assert [o.outcome for o in first] == ["delivered", "delivered"]
    assert [o.outcome for o in second] == ["already delivered", "already delivered"]
    assert [o.order_no for o in second] == [o.order_no for o in first]
    stored = double.sandbox.orders(ids["company"])
    assert [(h["requisition"], len(lines)) for h, lines in stored] == [("4500012345", 2),
                                                                        ("4500012346", 1)]
    header, lines = stored[0]
    assert header["BillTo"] == ids["chain"]
    assert header["ShipTo"] == ids["store"]  # the delivery GLN resolved on its own
    assert header["ShipDate"] == dt.datetime(2026, 11, 27)
    # Winfinans writes every header field from the request, so the customer's defaults
    # are sent along, or they would be overwritten with nothing.
    assert (header["TermsOfPayment"], header["Language"], header["seller"]) == (
        "14 dage", "DAN", ids["seller"])
    assert [(line["EAN"], line["Qty"], line["SalesPrice"], line["ItemID"]) for line in lines] == [
        ("5701234567899", Decimal("24.0000"), Decimal("12.5000"), "RUG500"),
        ("5790000100026", Decimal("12.0000"), Decimal("18.7500"), "MOST1L")]
    # The second order had no price: the item card's, as asked, with a finding saying so.
    assert stored[1][1][0]["SalesPrice"] == Decimal("12.5000")
    assert "WF-ITEM-PRICE" in [f.code for f in first[1].findings]


def test_a_new_journal_still_finds_the_order_in_winfinans(tmp_path: Path,
                                                          double: Double) -> None:
    _seed_trade(double, [gln(1)], [gtin(1)])
    order = _order(1, gln(1), [gtin(1)], random.Random(1))
    source = tmp_path / "order.json"
    source.write_bytes(edimap.write(order, format="json"))
    client = double.client()
    with Journal(tmp_path / "a.sqlite") as journal:
        assert push_orders(client, [source], journal)[0].outcome == "delivered"
    with Journal(tmp_path / "b.sqlite") as journal:  # the first journal is lost
        again = push_orders(client, [source], journal)[0]
    assert again.outcome == "already delivered"
    assert "WF-ALREADY-DELIVERED" in [f.code for f in again.findings]
    assert len(double.sandbox.orders()) == 1


def test_refusals_name_the_field_and_send_nothing(tmp_path: Path, double: Double) -> None:
    _seed_trade(double, [gln(1)], [gtin(1)])
    good = _order(1, gln(1), [gtin(1)], random.Random(2))
    cases = {
        "WF-FIELD-LENGTH": Order(id="P" * 25, issue_date=good.issue_date, buyer=good.buyer,
                                 lines=good.lines),
        "WF-PRECISION": Order(id="P2", issue_date=good.issue_date, buyer=good.buyer,
                              lines=[OrderLine(line_id="1", gtin=gtin(1), quantity=Decimal(1),
                                               price=Decimal("1.23456"))]),
        "WF-PRICE-MISSING": Order(id="P3", issue_date=good.issue_date, buyer=good.buyer,
                                  lines=[OrderLine(line_id="1", gtin=gtin(1),
                                                   quantity=Decimal(1))]),
        "WF-ITEM-UNKNOWN": Order(id="P4", issue_date=good.issue_date, buyer=good.buyer,
                                 lines=[OrderLine(line_id="1", gtin=gtin(2), quantity=Decimal(1),
                                                  price=Decimal(1))]),
        "WF-CUSTOMER-UNKNOWN": Order(id="P5", issue_date=good.issue_date,
                                     buyer=Party(gln=gln(9)), lines=good.lines),
        "WF-LINE-NO-ITEM": Order(id="P6", issue_date=good.issue_date, buyer=good.buyer,
                                 lines=[OrderLine(line_id="1", quantity=Decimal(1),
                                                  price=Decimal(1))]),
        "WF-CHARACTER": Order(id="P7", issue_date=good.issue_date, buyer=good.buyer,
                              lines=[OrderLine(line_id="1", gtin=gtin(1), quantity=Decimal(1),
                                               price=Decimal(1), description="Kaffe\x01")]),
    }
    source = tmp_path / "orders.json"
    source.write_bytes(edimap.write(list(cases.values()), format="json"))
    with Journal(tmp_path / "j.sqlite") as journal:
        outcomes = push_orders(double.client(), [source], journal, prices="order")
    for code, outcome in zip(cases, outcomes, strict=True):
        assert outcome.outcome == "failed", code
        errors = [f for f in outcome.findings if f.is_error]
        assert [f.code for f in errors] == [code], (code, errors)
    length = next(f for f in outcomes[0].findings if f.code == "WF-FIELD-LENGTH")
    assert length.location.field == "id (the buyer's order number)"
    assert "OrderSales.requisition holds 20" in length.message
    character = next(f for f in outcomes[6].findings if f.code == "WF-CHARACTER")
    assert character.location.field == "lines[0].description"
    assert "U+0001" in character.message
    assert double.sandbox.orders() == []


def test_a_value_the_soap_xml_cannot_carry_is_refused_before_sending(double: Double) -> None:
    with pytest.raises(edimap.ValidationError, match="U\\+0002"):
        double.client().call("AddressLookup", wfAddress={"Address1": "Brugsen\x02"}, adCount=0)


def _orders_interchanges(folder: Path, count: int, customers: list[str],
                         items: list[str]) -> list[Order]:
    rng = random.Random(500)
    orders = [_order(i, customers[i % len(customers)], items, rng) for i in range(count)]
    for k in range(0, count, 50):
        (folder / f"ORDERS-{k:04d}.edi").write_bytes(edimap.write(
            orders[k:k + 50], format="eancom", sender=customers[0], recipient=SELLER_GLN,
            control_ref=str(1000 + k)))
    return orders


def test_500_orders_with_20_percent_faults_arrive_exactly_once(tmp_path: Path) -> None:
    customers = [gln(n) for n in range(1, 11)]
    items = [gtin(n) for n in range(1, 9)]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    orders = _orders_interchanges(inbox, 500, customers, items)
    d = Double(tmp_path, Faults(rate=0.2, stall=0.4, seed=20))
    _seed_trade(d, customers, items)
    files = sorted(inbox.iterdir())
    passes = 0
    with d.sandbox.running() as url, Journal(tmp_path / "journal.sqlite") as journal:
        d.url = url
        client = d.client(timeout=0.2, retries=4, backoff=0.01)
        pending = True
        while pending and passes < 8:
            passes += 1
            try:
                outcomes = push_orders(client, files, journal)
            except TransportError:  # the credentials check itself failed: run again
                continue
            pending = any(o.outcome == "failed" for o in outcomes)
    assert not pending, f"still failing after {passes} passes"
    assert d.sandbox.requests > 1500
    stored = {h["requisition"]: lines for h, lines in d.sandbox.orders()}
    assert len(d.sandbox.orders()) == 500  # no order twice
    for order in orders:
        lines = stored[order.id]
        assert [(x["EAN"], x["Qty"], x["SalesPrice"]) for x in lines] == [
            (line.gtin, line.quantity, line.price) for line in order.lines], order.id


# --- picking up invoices ---------------------------------------------------------------------


def _queue(d: Double, count: int) -> dict[int, dict[str, Any]]:
    """``count`` closed invoices and credit notes in the B2B Backbone queue, by SaleID."""
    chain = d.sandbox.add_address(d.comp_id, {**DEMO_CUSTOMERS[0]})
    store = d.sandbox.add_address(d.comp_id, {**DEMO_CUSTOMERS[1]})
    rng = random.Random(200)
    made = {}
    for i in range(count):
        lines = [{"ItemID": f"V{k}", "EAN": gtin(k + 1), "ItemDesc": f"Vare {k}", "Unit": "stk",
                  "Qty": Decimal(rng.randint(1, 20)),
                  "SalesPrice": Decimal(rng.randint(100, 5000)) / 100,
                  "vat_perc": Decimal(25)} for k in range(rng.randint(1, 3))]
        header = {"BillTo": chain, "ShipTo": store, "Buyer": chain,
                  "InvoiceDate": dt.datetime(2026, 11, 30), "requisition": f"PO{i}",
                  "InvoiceCreditnote": "CreditNote" if i % 7 == 3 else "invoice"}
        # Two lists hold some invoices twice: each must still be written once.
        sale_id = d.sandbox.add_invoice(d.comp_id, header, lines, queue_list=1 + i % 2)
        if i % 10 == 0:
            d.sandbox._db.execute("INSERT OR IGNORE INTO collection VALUES (3, ?, 20, 0)",
                                  (sale_id,))
        made[sale_id] = header
    return made


def _confirmed(d: Double) -> set[int]:
    with d.sandbox._lock:
        return {r[0] for r in d.sandbox._db.execute(
            "SELECT DISTINCT sale_id FROM collection WHERE state=1")}


def test_200_queued_invoices_survive_killed_runs_exactly_once(tmp_path: Path) -> None:
    d = Double(tmp_path)
    queued = _queue(d, 200)
    out = tmp_path / "outbox"
    journal = tmp_path / "journal.sqlite"
    rng = random.Random(7)
    command = [sys.executable, "-m", "edimap", "winfinans", "pull-invoices", "--to", "eancom",
               "-o", str(out), "--journal", str(journal)]
    runs = kills = 0
    with d.sandbox.running() as url:
        d.url = url
        while runs < 40:
            runs += 1
            proc = subprocess.Popen(command, env=d.env(), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, cwd=ROOT)
            if kills < 6:
                time.sleep(rng.uniform(0.6, 2.0))
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    kills += 1
            rc = proc.wait(timeout=120)
            # Nothing is confirmed before its file is on disk, whenever the run died.
            names = {p.name for p in out.glob("*.edi")} if out.exists() else set()
            for sale_id in _confirmed(d):
                kind = "CreditNote" if queued[sale_id]["InvoiceCreditnote"] == "CreditNote" \
                    else "Invoice"
                assert any(n.startswith(f"{kind}-") for n in names)
            if rc == 0 and not d.sandbox.pending():
                break
    assert kills >= 1, "no run was killed: the test proves nothing"
    assert d.sandbox.pending() == []
    files = sorted(out.glob("*.edi"))
    assert len(files) == 200
    assert not list(out.glob(".*.tmp"))
    seen = set()
    for path in files:
        result = edimap.read(path)
        assert result.ok, path
        (invoice,) = result.documents
        assert invoice.id not in seen
        seen.add(invoice.id)
        kind = "CreditNote" if invoice.kind.value == "credit_note" else "Invoice"
        assert path.name == f"{kind}-{invoice.id}.edi"
    assert len(seen) == 200


def test_pulled_oioubl_passes_the_official_xsd(tmp_path: Path, double: Double,
                                               shared: Path) -> None:
    from edimap.ubl import schemas

    schemas.install(shared / "packages" / "OIOUBL_Schematron_2026-05-01_v1.17.2.zip")
    seed_demo(double.sandbox, double.db_guid, double.api_guid)
    with Journal(tmp_path / "j.sqlite") as journal:
        outcomes = pull_invoices(double.client(), tmp_path / "out", journal, to="oioubl")
    assert [o.outcome for o in outcomes] == ["written"] * 4
    assert double.sandbox.pending() == []
    for o in outcomes:
        findings = edimap.validate(tmp_path / "out" / str(o.file))
        assert [f for f in findings if f.is_error] == [], o.file
    second = edimap.read(tmp_path / "out" / "Invoice-100002.xml").documents[0]
    assert isinstance(second, edimap.Invoice)
    assert second.payable == Decimal("229.69")
    assert [(ac.reason, ac.amount) for ac in second.allowance_charges] == [
        ("Bundrabat", Decimal("10.00"))]
    assert second.lines[0].allowance_charges[0].percent == Decimal(5)


def test_prices_come_from_the_item_card_unless_the_profile_demands_them(
        tmp_path: Path, double: Double) -> None:
    _seed_trade(double, [gln(1)], [gtin(1), gtin(2)])
    order = Order(id="NP1", issue_date=dt.date(2026, 11, 30), buyer=Party(gln=gln(1)),
                  lines=[OrderLine(line_id="1", gtin=gtin(1), quantity=Decimal(3)),
                         OrderLine(line_id="2", gtin=gtin(2), quantity=Decimal(1),
                                   price=Decimal("12.50"))])
    source = tmp_path / "order.json"
    source.write_bytes(edimap.write(order, format="json"))
    demanding = tmp_path / "demanding.toml"
    demanding.write_text('[winfinans]\nprices = "order"\n', "utf-8")
    with Journal(tmp_path / "a.sqlite") as journal:
        (refused,) = push_orders(double.client(), [source], journal, profile=demanding)
    assert refused.outcome == "failed"
    assert [f.code for f in refused.findings if f.is_error] == ["WF-PRICE-MISSING"]
    with Journal(tmp_path / "b.sqlite") as journal:
        (outcome,) = push_orders(double.client(), [source], journal)
    assert outcome.outcome == "delivered"
    by_code = {f.code: f for f in outcome.findings}
    assert by_code["WF-ITEM-PRICE"].location.field == "lines[0].price"
    assert "price 10.00 from item V0" in by_code["WF-ITEM-PRICE"].message
    differs = by_code["WF-PRICE-DIFFERS"]
    assert differs.severity.value == "warning"
    assert "the order's price 12.50 is not item V1's price 10.00" in differs.message
    ((_, lines),) = double.sandbox.orders()
    assert [line["SalesPrice"] for line in lines] == [Decimal("10.00"), Decimal("12.50")]


# --- the command line and secrets --------------------------------------------------------------


def test_cli_round_trip_prints_no_secret(tmp_path: Path, double: Double) -> None:
    seed_demo(double.sandbox, double.db_guid, double.api_guid)
    journal = str(tmp_path / "journal.sqlite")
    wf = [sys.executable, "-m", "edimap", "winfinans"]
    fixture = str(FIXTURES / "orders-d96a.edi")
    runs = [
        # (the second order has a line without a price: the default policy takes the item
        # card's, as for most Danish grocery orders)
        [*wf, "push-orders", fixture, "--journal", journal, "-v",
         "--report", str(tmp_path / "report.json")],
        [*wf, "push-orders", fixture, "--journal", journal, "-v"],
        [*wf, "show-order", "4500012345", "--journal", journal, "-v"],
        [*wf, "pull-invoices", "--to", "eancom", "-o", str(tmp_path / "out"), "--journal",
         journal, "-v"],
    ]
    outputs = []
    for command in runs:
        proc = subprocess.run(command, env=double.env(), capture_output=True, text=True,
                              cwd=ROOT, timeout=120)
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout + proc.stderr)
    assert "4500012345: delivered as Winfinans order" in outputs[0]
    import json

    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    assert report["summary"] == {"delivered": 2, "already delivered": 0, "failed": 0,
                                 "stopped": 0}
    assert [(o["order_id"], o["outcome"]) for o in report["orders"]] == [
        ("4500012345", "delivered"), ("4500012346", "delivered")]
    assert "WF-ITEM-PRICE" in [f["code"] for f in report["orders"][1]["findings"]]
    assert "4500012345: already delivered" in outputs[1]
    assert '"id": "4500012345"' in outputs[2]
    assert "4 written, 0 confirmed again, 0 failed" in outputs[3]
    wrong = subprocess.run(runs[0], env={**double.env(), "EDIMAP_WF_API_GUID": new_guid()},
                           capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert wrong.returncode == 1
    assert "reach no company" in wrong.stderr
    outputs.append(wrong.stdout + wrong.stderr)
    everything = "\n".join(outputs).lower()
    for secret in (double.db_guid, double.api_guid):
        for form in (secret.lower(), secret.replace("-", "").lower()):
            assert form not in everything


# --- a property: what is pushed is what Winfinans stores -----------------------------------------


@st.composite
def pushable_orders(draw: st.DrawFn) -> Order:
    """Generated orders with what Winfinans needs: a buyer GLN, a GTIN and a price per line
    (the refusals of what it lacks are tested above)."""
    order = draw(eds.orders())
    lines = [attrs.evolve(line, gtin=line.gtin or draw(eds.gtins()),
                          price=line.price if line.price is not None else draw(
                              st.decimals("0.01", "9999.99", places=2)))
             for line in order.lines]
    buyer = order.buyer if order.buyer and order.buyer.gln else Party(gln=draw(eds.glns()))
    return attrs.evolve(order, buyer=buyer, lines=lines)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                  HealthCheck.too_slow])
@given(order=pushable_orders())
def test_pushed_orders_read_back_as_sent(order: Order, tmp_path_factory: pytest.TempPathFactory,
                                         ) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    d = Double(tmp)
    assert order.buyer is not None
    assert order.buyer.gln is not None
    d.sandbox.add_address(d.comp_id, {"CompanyName": "Kunde", "ean": order.buyer.gln})
    for k, line in enumerate(order.lines):
        d.sandbox.add_item(d.comp_id, {"ItemID": f"I{k}", "EAN": line.gtin})
    source = tmp / "order.json"
    source.write_bytes(edimap.write(order, format="json"))
    with d.sandbox.running() as url, Journal(tmp / "j.sqlite") as journal:
        d.url = url
        (outcome,) = push_orders(d.client(), [source], journal)
        if any(f.code in ("WF-PRECISION", "WF-FIELD-LENGTH") for f in outcome.findings):
            assert outcome.outcome == "failed"  # refused, never cut or rounded
            assert d.sandbox.orders() == []
            return
        assert outcome.outcome == "delivered", outcome.findings
        ((header, lines),) = d.sandbox.orders()
    assert header["requisition"] == order.id
    assert [(x["EAN"], x["Qty"], x["SalesPrice"]) for x in lines] == [
        (line.gtin, line.quantity, (line.price or 0) / (line.price_basis or 1))
        for line in order.lines]


REAL_ORDERS = [
    "edifact/effektor_orders_d96a_gs1_example_128576.edi",
    "edifact/effektor_orders_d97a_no_segment_terminator.edi",
    "edifact/phpedifact_orders_d01b_ean010_unescaped_colon.edi",
    "edifact/pydifact_orders_d96a_decimal_comma_no_unz.edi",
    "ubl/oioubl-2.1-official/OIOUBL_Order_v2p2.xml",
    "ubl/oioubl-2.02-scenarios/BASPRO_01_01_00_Order_v2p2.xml",
    "ubl/peppol-bis3/ordering-Order_Example.xml",
]


@pytest.mark.parametrize("name", REAL_ORDERS)
def test_real_orders_pushed_twice_arrive_once_with_their_lines(
        tmp_path: Path, shared: Path, name: str) -> None:
    from edimap.winfinans.seed import seed_from

    source = shared / "corpus" / name
    if not source.exists():
        pytest.skip(f"{name} not in the corpus")
    d = Double(tmp_path)
    seed_from(d.sandbox, d.comp_id, [source])
    # (the php-edifact order's German units are mapped by its partner profile)
    partners = Path(__file__).resolve().parent.parent / "tools" / "conformance-partners"
    orders = [doc for doc in edimap.read(source, profiles=partners).documents
              if isinstance(doc, Order)]
    with d.sandbox.running() as url, Journal(tmp_path / "j.sqlite") as journal:
        d.url = url
        first = push_orders(d.client(), [source], journal, prices="order-else-item",
                            profiles=partners)
        second = push_orders(d.client(), [source], journal, prices="order-else-item",
                             profiles=partners)
    assert [o.outcome for o in first] == ["delivered"] * len(orders), [
        str(f) for o in first for f in o.findings if f.is_error]
    assert [o.outcome for o in second] == ["already delivered"] * len(orders)
    stored = d.sandbox.orders()
    assert sorted(h["requisition"] for h, _ in stored) == sorted(o.id for o in orders)
    by_id = {h["requisition"]: lines for h, lines in stored}
    for order in orders:
        assert len(by_id[order.id]) == len(order.lines)
        assert [x["EAN"] for x in by_id[order.id]] == [line.gtin for line in order.lines]


def test_sandbox_command_serves_what_a_user_pushes(tmp_path: Path, shared: Path) -> None:
    partner = shared / "corpus" / "edifact" / "pydifact_orders_d96a_decimal_comma_no_unz.edi"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDIMAP_WF_")}
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "edimap", "sandbox", "--port", "0", "--seed-demo",
         "--seed-from", str(partner), "--db", str(tmp_path / "double.sqlite")],
        env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT)
    try:
        assert sandbox.stderr is not None
        banner = []
        while not banner or "listening on" not in banner[-1]:
            line = sandbox.stderr.readline()
            assert line, "the sandbox stopped: " + "".join(banner)
            banner.append(line)
        text = "".join(banner)
        assert "4 invoices in the B2B Backbone queue" in text
        assert "seeded from the inputs: 2 customers, 2 items" in text
        exports = dict(line.split("export ", 1)[1].strip().split("=", 1)
                       for line in banner if "export " in line)
        url = banner[-1].split("listening on ", 1)[1].split()[0]
        user = {**env, **exports, "EDIMAP_WF_URL": url}
        push = [sys.executable, "-m", "edimap", "winfinans", "push-orders", str(partner),
                str(FIXTURES / "orders-d96a.edi"), "--prices", "order-else-item",
                "--journal", str(tmp_path / "j.sqlite")]
        first = subprocess.run(push, env=user, capture_output=True, text=True, timeout=60)
        second = subprocess.run(push, env=user, capture_output=True, text=True, timeout=60)
        assert first.returncode == 0, first.stderr
        assert "3 delivered, 0 already delivered, 0 failed" in first.stderr
        assert "0 delivered, 3 already delivered, 0 failed" in second.stderr
        for secret in exports.values():
            assert secret not in first.stdout + first.stderr + second.stdout + second.stderr
    finally:
        sandbox.send_signal(signal.SIGINT)
        sandbox.wait(timeout=10)


def test_same_order_number_of_two_customers_and_a_resend_in_a_new_interchange(
        tmp_path: Path, double: Double) -> None:
    _seed_trade(double, [gln(1), gln(2)], [gtin(1)])
    rng = random.Random(3)
    a = _order(1, gln(1), [gtin(1)], rng)
    b = attrs.evolve(_order(1, gln(2), [gtin(1)], rng), id=a.id)
    files = []
    for k, (order, ref) in enumerate(((a, "1"), (b, "2"), (a, "3"))):
        path = tmp_path / f"ORDERS-{k}.edi"
        path.write_bytes(edimap.write(order, format="eancom", sender=order.buyer.gln,
                                      recipient=SELLER_GLN, control_ref=ref))
        files.append(path)
    with Journal(tmp_path / "j.sqlite") as journal:
        outcomes = push_orders(double.client(), files, journal)
    assert [o.outcome for o in outcomes] == ["delivered", "delivered", "already delivered"]
    assert "WF-SAME-ORDER-NUMBER" in [f.code for f in outcomes[2].findings]
    assert outcomes[2].order_no == outcomes[0].order_no
    assert len(double.sandbox.orders()) == 2


def test_plain_http_only_to_a_local_test_double() -> None:
    creds = Credentials(new_guid(), new_guid())
    Client("http://127.0.0.1:8040/Service.svc", creds).close()
    Client("http://localhost:8040/Service.svc", creds).close()
    Client("https://erp.example.dk/wf/Service.svc", creds).close()
    with pytest.raises(edimap.ConfigurationError, match="https://"):
        Client("http://erp.example.dk/wf/Service.svc", creds)
    with pytest.raises(edimap.ConfigurationError, match="https://"):
        Client("ftp://127.0.0.1/Service.svc", creds)


def test_an_invoice_written_but_not_confirmed_is_confirmed_not_written_again(
        tmp_path: Path, double: Double) -> None:
    seed_demo(double.sandbox, double.db_guid, double.api_guid)
    out = tmp_path / "outbox"
    with Journal(tmp_path / "j.sqlite") as journal:
        first = pull_invoices(double.client(), out, journal, to="eancom")
        assert [o.outcome for o in first] == ["written"] * 4
        # The confirm of SaleID 2 did not land, and the transport has taken its file.
        with double.sandbox._lock:
            double.sandbox._db.execute("UPDATE collection SET state=0 WHERE sale_id=2")
        (out / "Invoice-100002.edi").unlink()
        again = pull_invoices(double.client(), out, journal, to="eancom")
    assert [(o.sale_id, o.outcome) for o in again] == [(2, "confirmed again")]
    assert not (out / "Invoice-100002.edi").exists()
    assert double.sandbox.pending() == []


def test_an_invoice_whose_totals_do_not_add_up_stays_in_the_queue(
        tmp_path: Path, double: Double) -> None:
    from edimap.winfinans.sandbox import _dump, _load

    seed_demo(double.sandbox, double.db_guid, double.api_guid)
    with double.sandbox._lock:
        (text,) = double.sandbox._db.execute("SELECT header FROM sale WHERE sale_id=1"
                                             ).fetchone()
        header = _load(text)
        header["TotalVatEx"] += Decimal(5)
        double.sandbox._db.execute("UPDATE sale SET header=? WHERE sale_id=1", (_dump(header),))
    with Journal(tmp_path / "j.sqlite") as journal:
        outcomes = pull_invoices(double.client(), tmp_path / "out", journal, to="eancom")
    bad = next(o for o in outcomes if o.sale_id == 1)
    assert bad.outcome == "failed"
    (finding,) = [f for f in bad.findings if f.is_error]
    assert finding.code == "WF-TOTALS"
    assert "136.25" in finding.message  # stated: 131.25 + 5
    assert "131.25" in finding.message  # VAT per rate of 525.00 at 25 %
    assert double.sandbox.pending() == [1]
    assert not (tmp_path / "out" / "Invoice-100001.edi").exists()


@settings(max_examples=60)
@given(order=pushable_orders())
def test_soap_requests_read_back_as_written(order: Order) -> None:
    from edimap.winfinans.mapping import order_sales

    header, _ = order_sales(order, bill_to=1001, ship_to=1002, trace="edimap t")
    c = contract()
    op = c.operations["SalesOrderAdd"]
    args = {"DBUser": {"DBKey": new_guid(), "CompID": 0, "BlindUpdate": False},
            "wfOrder": header, "OrderType": "Order"}
    read_op, read_args = c.read_request(c.request(op, args))
    assert read_op == op

    def without_none(value: Any) -> Any:  # nil members read back as None, absent as absent
        if isinstance(value, dict):
            return {k: without_none(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [without_none(v) for v in value]
        return value

    assert without_none(read_args) == without_none(args)


@settings(max_examples=200)
@given(data=st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(str.encode)))
def test_any_response_bytes_give_only_the_codecs_own_errors(data: bytes) -> None:
    from edimap.winfinans._contract import SoapFault, WireError

    op = contract().operations["SalesOrderLoadItems"]
    envelope = contract().response(op, [{"Liid": 1, "Qty": Decimal("2")}], {"retstr": ""})
    for body in (data, envelope[: len(data) % (len(envelope) + 1)], envelope + data):
        with contextlib.suppress(SoapFault, WireError):
            contract().read_response(op, body)


def test_push_orders_given_garbage_reports_and_goes_on(tmp_path: Path, double: Double) -> None:
    _seed_trade(double, [gln(1)], [gtin(1)])
    good = tmp_path / "good.json"
    good.write_bytes(edimap.write(_order(1, gln(1), [gtin(1)], random.Random(4)), format="json"))
    garbage = tmp_path / "garbage.edi"
    garbage.write_bytes(b"UNB+UNOC:3+\xff\xfe'UNH+1+ORDERS:D:96A'\x00\x01" * 50)
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    with Journal(tmp_path / "j.sqlite") as journal:
        outcomes = push_orders(double.client(), [garbage, empty, good], journal)
    assert [o.outcome for o in outcomes][-1] == "delivered"
    assert all(o.outcome == "failed" and o.findings for o in outcomes[:-1])


@settings(max_examples=150)
@given(data=st.binary(max_size=1500), cut=st.integers(0, 3000))
def test_the_double_answers_any_request_bytes(data: bytes, cut: int) -> None:
    sandbox = Sandbox()
    c = contract()
    op = c.operations["SalesOrderAdd"]
    real = c.request(op, {"DBUser": {"DBKey": new_guid()}, "wfOrder": {"BillTo": 1,
                                                                      "requisition": "X"},
                          "OrderType": "Order"})
    for body in (data, real[:cut] + data, real.replace(b"1</", data[:20] + b"</")):
        status, answer = sandbox.handle(body, None)
        assert status in (200, 500)
        assert answer.startswith(b"<s:Envelope") or answer.startswith(b"<")


def test_a_buyer_without_a_gln_is_found_by_its_cvr(tmp_path: Path, double: Double) -> None:
    _seed_trade(double, [], [gtin(1)])
    one = double.sandbox.add_address(double.comp_id, {"CompanyName": "Kommune",
                                                      "VATNumber": "DK13585628"})
    for _ in range(2):
        double.sandbox.add_address(double.comp_id, {"CompanyName": "Twin",
                                                    "VATNumber": "12345674"})
    base = _order(1, gln(1), [gtin(1)], random.Random(5))
    orders = [attrs.evolve(base, id="BYCVR", buyer=Party(cvr="13585628")),
              attrs.evolve(base, id="TWINS", buyer=Party(cvr="12345674")),
              attrs.evolve(base, id="NOBODY", buyer=Party(cvr="24681357"))]
    source = tmp_path / "orders.json"
    source.write_bytes(edimap.write(orders, format="json"))
    with Journal(tmp_path / "j.sqlite") as journal:
        found, twins, nobody = push_orders(double.client(), [source], journal)
    assert found.outcome == "delivered"
    assert "WF-CUSTOMER-BY-CVR" in [f.code for f in found.findings]
    ((header, _),) = double.sandbox.orders()
    assert header["BillTo"] == one
    assert [f.code for f in twins.findings if f.is_error] == ["WF-CUSTOMER-AMBIGUOUS"]
    assert [f.code for f in nobody.findings if f.is_error] == ["WF-CUSTOMER-UNKNOWN"]


def test_push_orders_cli_given_garbage_exits_1_without_a_traceback(
        tmp_path: Path, double: Double) -> None:
    inputs = [b"UNB+UNOC:3+A:14+B:14+26", b"\x00\xff\xfe", b'{"document": "order", "id": 1}',
              b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>",
              b"[" * 50_000]
    paths = []
    for i, data in enumerate(inputs):
        paths.append(tmp_path / f"bad{i}")
        paths[-1].write_bytes(data)
    proc = subprocess.run([sys.executable, "-m", "edimap", "winfinans", "push-orders",
                           *map(str, paths), "--journal", str(tmp_path / "j.sqlite")],
                          env=double.env(), capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stdout.count(": failed") == len(inputs)


def test_orders_too_large_for_one_request_go_in_parts_exactly_once_under_faults(
        tmp_path: Path) -> None:
    customers = [gln(n) for n in range(1, 4)]
    items = [gtin(n) for n in range(1, 13)]
    rng = random.Random(12)
    orders = [Order(id=f"BIG{i}", issue_date=dt.date(2026, 11, 30),
                    buyer=Party(gln=customers[i % 3]),
                    lines=[OrderLine(line_id=str(k + 1), gtin=item, quantity=Decimal(k + 1),
                                     price=Decimal(rng.randint(100, 999)) / 100)
                           for k, item in enumerate(items)]) for i in range(40)]
    source = tmp_path / "orders.json"
    source.write_bytes(edimap.write(orders, format="json"))
    d = Double(tmp_path, Faults(rate=0.2, stall=0.4, seed=40))
    _seed_trade(d, customers, items)
    with d.sandbox.running() as url, Journal(tmp_path / "j.sqlite") as journal:
        d.url = url
        client = d.client(timeout=0.2, retries=4, backoff=0.01)
        for _ in range(8):
            try:
                outcomes = push_orders(client, [source], journal, max_request_bytes=4096)
            except TransportError:
                continue
            if all(o.outcome != "failed" for o in outcomes):
                break
    assert all(o.outcome != "failed" for o in outcomes)
    stored = d.sandbox.orders()
    assert len(stored) == 40
    for header, lines in stored:
        order = next(o for o in orders if o.id == header["requisition"])
        assert [(x["EAN"], x["Qty"]) for x in lines] == [(line.gtin, line.quantity)
                                                         for line in order.lines], order.id


def test_a_push_in_parts_killed_midway_completes_without_a_line_twice(tmp_path: Path) -> None:
    items = [gtin(n) for n in range(1, 201)]
    order = Order(id="HUGE1", issue_date=dt.date(2026, 11, 30), buyer=Party(gln=gln(1)),
                  lines=[OrderLine(line_id=str(k + 1), gtin=item, quantity=Decimal(1),
                                   price=Decimal("9.95")) for k, item in enumerate(items)])
    source = tmp_path / "order.json"
    source.write_bytes(edimap.write(order, format="json"))
    d = Double(tmp_path)
    _seed_trade(d, [gln(1)], items)
    command = [sys.executable, "-m", "edimap", "winfinans", "push-orders", str(source),
               "--journal", str(tmp_path / "j.sqlite"), "--max-request-bytes", "4096"]
    kills = 0
    with d.sandbox.running() as url:
        d.url = url
        for delay in (0.9, 1.1, 1.3, None):
            proc = subprocess.Popen(command, env=d.env(), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, cwd=ROOT)
            if delay is not None:
                time.sleep(delay)
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    kills += 1
            rc = proc.wait(timeout=120)
        assert rc == 0
    assert kills >= 1
    ((header, lines),) = d.sandbox.orders()
    assert header["requisition"] == "HUGE1"
    assert [x["EAN"] for x in lines] == items


def test_stored_lines_that_are_not_the_orders_are_reported_not_added_to(
        tmp_path: Path, double: Double) -> None:
    from edimap.winfinans.sync import _trace, message_key

    _seed_trade(double, [gln(1)], [gtin(1), gtin(2), gtin(3)])
    order = Order(id="MIXED", issue_date=dt.date(2026, 11, 30), buyer=Party(gln=gln(1)),
                  lines=[OrderLine(line_id=str(k), gtin=gtin(k), quantity=Decimal(1),
                                   price=Decimal(1)) for k in (1, 2)])
    source = tmp_path / "order.json"
    source.write_bytes(edimap.write(order, format="json"))
    client = double.client()
    customer, _ = client.address_by_gln(gln(1))
    assert customer is not None
    # Someone changed the order in Winfinans: its first line is now another item.
    key = message_key(order.buyer.gln, None, "MIXED", order)  # a JSON item: its id
    client.add_order({"BillTo": customer["AddressID"], "requisition": "MIXED",
                      "Trace": _trace(key), "OrderLines": [
                          {"ItemID": None, "EAN": gtin(3), "Qty": Decimal(1),
                           "SalesPrice": Decimal(1)}]})
    with Journal(tmp_path / "j.sqlite") as journal:
        (outcome,) = push_orders(client, [source], journal, max_request_bytes=4096)
    assert outcome.outcome == "already delivered", [str(f) for f in outcome.findings]
    assert [f.code for f in outcome.findings if f.is_error] == ["WF-LINES-STORED"], [
        str(f) for f in outcome.findings]
    ((_, lines),) = double.sandbox.orders()
    assert [x["EAN"] for x in lines] == [gtin(3)]


@st.composite
def winfinans_documents(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A closed Winfinans invoice or credit note as the double stores it: lines with
    quantities and prices of up to 4 decimals, integer line discounts, 0 % or 25 % VAT, and
    sometimes a header discount ("Bundrabat", standard rated)."""
    money4 = st.decimals("0.0001", "9999.9999", places=4)
    lines = [{"ItemID": f"I{k}", "EAN": gtin(k + 1), "ItemDesc": f"Vare {k}", "Unit": "stk",
              "Qty": draw(st.one_of(st.integers(1, 500).map(Decimal),
                                    st.decimals("0.001", "99.999", places=3))),
              "SalesPrice": draw(money4),
              "DiscountProc": Decimal(draw(st.sampled_from([0, 0, 5, 10, 33]))),
              "vat_perc": Decimal(draw(st.sampled_from([25, 25, 0])))}
             for k in range(draw(st.integers(1, 5)))]
    header = {"InvoiceDate": dt.datetime(2026, 11, 30), "requisition": "PO-P",
              "InvoiceCreditnote": draw(st.sampled_from(["invoice", "CreditNote"]))}
    if all(line["vat_perc"] for line in lines) and draw(st.booleans()):
        header["TotalInvDiscount"] = draw(st.decimals("0.01", "5.00", places=2))
    return header, lines


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                  HealthCheck.too_slow])
@given(document=winfinans_documents())
def test_pulled_winfinans_documents_keep_their_amounts(
        document: tuple[dict[str, Any], list[dict[str, Any]]],
        tmp_path_factory: pytest.TempPathFactory) -> None:
    header, lines = document
    tmp = tmp_path_factory.mktemp("pull")
    d = Double(tmp)
    chain = d.sandbox.add_address(d.comp_id, {**DEMO_CUSTOMERS[0]})
    d.sandbox.add_invoice(d.comp_id, {**header, "BillTo": chain, "ShipTo": chain},
                          lines, queue_list=1)
    with d.sandbox.running() as url, Journal(tmp / "j.sqlite") as journal:
        d.url = url
        (outcome,) = pull_invoices(d.client(), tmp / "out", journal, to="json")
    stored = d.sandbox._find_sale(d.comp_id, {"SaleID": 1})
    stored_lines = d.sandbox._lines(1)
    assert stored is not None
    assert outcome.outcome == "written", [str(f) for f in outcome.findings]
    (invoice,) = edimap.read(tmp / "out" / str(outcome.file)).documents
    assert isinstance(invoice, edimap.Invoice)
    assert invoice.kind.value == ("credit_note" if header["InvoiceCreditnote"] == "CreditNote"
                                  else "invoice")
    assert [(line.quantity, line.line_amount) for line in invoice.lines] == [
        (x["Qty"], x["OrderAmount"]) for x in stored_lines]
    # Winfinans's own totals, within the Danish tolerance for VAT.
    assert invoice.line_total == sum((x["OrderAmount"] for x in stored_lines), Decimal(0))
    assert invoice.payable is not None
    stated = stored["Total"] + stored["TotalVatEx"]
    assert abs(invoice.payable - stated) <= Decimal("1.00")
    discount = header.get("TotalInvDiscount")
    assert [ac.amount for ac in invoice.allowance_charges] == ([discount] if discount else [])


def test_an_invoice_the_format_cannot_carry_stays_in_the_queue(tmp_path: Path,
                                                               double: Double) -> None:
    no_gln = double.sandbox.add_address(double.comp_id, {"CompanyName": "Kontantkunde"})
    double.sandbox.add_invoice(double.comp_id, {
        "BillTo": no_gln, "ShipTo": no_gln, "InvoiceDate": dt.datetime(2026, 11, 30)}, [
        {"ItemID": "V1", "Qty": Decimal(1), "SalesPrice": Decimal(10),
         "vat_perc": Decimal(25)}], queue_list=1)
    with Journal(tmp_path / "j.sqlite") as journal:
        (eancom,) = pull_invoices(double.client(), tmp_path / "edi", journal, to="eancom")
        assert eancom.outcome == "failed"
        assert [f.code for f in eancom.findings if f.is_error] == ["WF-WRITE"]
        assert double.sandbox.pending() == [1]
        (json_out,) = pull_invoices(double.client(), tmp_path / "json", journal, to="json")
    assert json_out.outcome == "written"
    assert double.sandbox.pending() == []


def test_pulled_interchanges_share_the_partner_counter_with_every_eancom_writer(
        tmp_path: Path, double: Double) -> None:
    seed_demo(double.sandbox, double.db_guid, double.api_guid)
    with Journal(tmp_path / "j.sqlite") as journal:
        outcomes = pull_invoices(double.client(), tmp_path / "out", journal, to="eancom")
    refs = []
    for o in outcomes:
        unb = (tmp_path / "out" / str(o.file)).read_bytes().split(b"'")[1]
        refs.append(unb.split(b"+")[5])
    # convert --to eancom from the same supplier to the same chain takes the next number.
    (invoice,) = edimap.read(tmp_path / "out" / str(outcomes[0].file)).documents
    converted = edimap.write(invoice, format="eancom")
    refs.append(converted.split(b"'")[1].split(b"+")[5])
    assert len(set(refs)) == len(refs) == 5


def test_the_sandbox_seeds_from_folders_and_from_several_flags(tmp_path: Path,
                                                               shared: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "deeper").mkdir(parents=True)
    (inbox / "deeper" / "orders.edi").write_bytes((FIXTURES / "orders-d96a.edi").read_bytes())
    partner = shared / "corpus" / "edifact" / "pydifact_orders_d96a_decimal_comma_no_unz.edi"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDIMAP_WF_")}
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "edimap", "sandbox", "--port", "0", "--seed-from", str(inbox),
         "--seed-from", str(partner)],
        env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT)
    try:
        assert sandbox.stderr is not None
        banner: list[str] = []
        while not banner or "listening on" not in banner[-1]:
            line = sandbox.stderr.readline()
            assert line, "the sandbox stopped: " + "".join(banner)
            banner.append(line)
        seeded = next(line for line in banner if "seeded from the inputs" in line)
        # The fixture's two orders and the partner's: 2 + 2 customers, 2 + 2 items.
        assert seeded.strip() == "seeded from the inputs: 4 customers, 4 items"
    finally:
        sandbox.send_signal(signal.SIGINT)
        sandbox.wait(timeout=10)


def test_the_sandbox_stops_on_sigint_and_sigterm_even_started_with_sigint_ignored(
        tmp_path: Path) -> None:
    # (a script's background job starts with SIGINT ignored; the sandbox still stops)
    for number in (signal.SIGINT, signal.SIGTERM):
        sandbox = subprocess.Popen(
            [sys.executable, "-m", "edimap", "sandbox", "--port", "0", "--db",
             str(tmp_path / f"{number}.sqlite")], stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL, text=True, cwd=ROOT,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        assert sandbox.stderr is not None
        while "listening on" not in (line := sandbox.stderr.readline()):
            assert line, "the sandbox stopped before it listened"
        sandbox.send_signal(number)
        assert sandbox.wait(timeout=30) == 0
