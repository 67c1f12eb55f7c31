"""``edimap winfinans …`` and ``edimap sandbox``: the Winfinans webservice from the command
line. Nothing these commands print holds a GUID, except the credentials ``edimap sandbox``
generates, printed once when it starts."""

from __future__ import annotations

import json as _json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from edimap._cli_support import (
    EXIT_INPUT,
    EXIT_OK,
    FormatName,
    announce_stop,
    limit_option,
    profile_options,
    profile_set,
)
from edimap._cli_support import guard as _guard
from edimap._stop import EXIT_STOPPED, stopping
from edimap._terminal import FindingPrinter
from edimap.findings import Finding

__all__ = ["sandbox", "winfinans"]


def _connection(function: Any) -> Any:
    """The options every ``edimap winfinans`` command takes."""
    options = [
        click.option("--url", help="The service URL (…/Service.svc); default EDIMAP_WF_URL "
                                   "or the configuration file."),
        click.option("--db-guid", help="The database GUID; default EDIMAP_WF_DB_GUID or the "
                                       "configuration file (prefer those: arguments are "
                                       "visible to other users of the machine)."),
        click.option("--api-guid", help="The company's API GUID; default EDIMAP_WF_API_GUID "
                                        "or the configuration file."),
        click.option("--config", type=click.Path(dir_okay=False),
                     help="Configuration file ([winfinans] url, db_guid, api_guid); default "
                          "EDIMAP_HOME/winfinans.toml."),
        click.option("--journal", type=click.Path(dir_okay=False),
                     help="Sync journal; default EDIMAP_HOME/winfinans-journal.sqlite."),
        click.option("--timeout", type=click.FloatRange(0.1, 600), default=30.0,
                     show_default=True, help="Seconds every call may take."),
        click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
                     help="Retries of calls that are safe to repeat."),
        click.option("--backoff", type=click.FloatRange(0, 60), default=0.5,
                     show_default=True,
                     help="Seconds before the first retry; doubled for each further one."),
        click.option("-v", "--verbose", is_flag=True,
                     help="Also print info findings and every call with its timing."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _open(url: str | None, db_guid: str | None, api_guid: str | None, config: str | None,
          journal: str | None, timeout: float, retries: int, backoff: float,
          verbose: bool) -> Any:
    from edimap.winfinans.client import Client, Credentials, resolve_url
    from edimap.winfinans.journal import Journal

    if verbose:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("edimap: %(message)s"))
        logger = logging.getLogger("edimap.winfinans")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    credentials = Credentials.resolve(db_guid, api_guid, config)
    client = Client(resolve_url(url, config), credentials, timeout=timeout, retries=retries,
                    backoff=backoff)
    return client, Journal(journal)


def _print_findings(findings: Sequence[Finding], verbose: bool) -> None:
    printer = FindingPrinter(verbose, indent="  ", where_all=None)
    printer.show(findings)
    printer.close()


@click.group()
def winfinans() -> None:
    """Deliver orders into Winfinans and pick up its B2B Backbone invoice queue.

    Credentials come from --db-guid/--api-guid, EDIMAP_WF_DB_GUID/EDIMAP_WF_API_GUID, or
    the configuration file; `edimap sandbox` is a local Winfinans to try them against.
    """


@winfinans.command("push-orders")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--prices", type=click.Choice(["order", "order-else-item", "item"]),
              default=None,
              help="Where line prices come from, for every order: the order (a line "
                   "without one is refused), the order else the Winfinans item card, or the "
                   "item card. Default: the profile's winfinans.prices (order-else-item).")
@profile_options
@limit_option
@click.option("--max-request-bytes", type=click.IntRange(4096), default=65_536,
              show_default=True,
              help="Largest request the service takes (WCF's default quota); a larger order "
                   "goes in as its header, then line by line.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Write every order with its outcome and findings as JSON.")
@_connection
@_guard
def push_orders(inputs: Sequence[str], prices: str | None, profile: str | None,
                profiles: str | None, max_request_bytes: int,
                report_path: str | None, url: str | None,
                db_guid: str | None, api_guid: str | None, config: str | None,
                journal: str | None, timeout: float, retries: int, backoff: float,
                verbose: bool) -> None:
    """Deliver every order in INPUT... (EANCOM ORDERS, OIOUBL or JSON; folders are read
    recursively) into Winfinans's order list, each exactly once.

    An order the journal or Winfinans already has is not sent again. Exit 0 when every
    order is delivered or was already, 1 when any failed (its findings on stderr).

    \b
    Example:
      edimap winfinans push-orders ORDERS.edi --url http://127.0.0.1:8040/Service.svc
    """
    from edimap._files import expand_inputs, write_atomically
    from edimap.winfinans.sync import push_orders as push

    client, log = _open(url, db_guid, api_guid, config, journal, timeout, retries, backoff,
                        verbose)
    with client, log, stopping(announce_stop) as stop:
        outcomes = push(client, expand_inputs(inputs), log, prices=prices,
                        max_request_bytes=max_request_bytes,
                        profile=profile_set(profile, profiles), stop=stop)
    counts = {"delivered": 0, "already delivered": 0, "failed": 0, "stopped": 0}
    printer = FindingPrinter(verbose, indent="  ", where_all=report_path and "the report")
    for o in outcomes:
        counts[o.outcome] += 1
        what = o.order_id or o.reference or "?"
        if o.outcome == "delivered":
            click.echo(f"{what}: delivered as Winfinans order {o.order_no}")
        elif o.outcome == "already delivered":
            click.echo(f"{what}: already delivered (Winfinans order {o.order_no})")
        elif o.outcome == "stopped":
            click.echo(f"{what}: not sent (stopped)")
            continue
        else:
            click.echo(f"{what}: failed ({o.input})")
        printer.show(o.findings)
    printer.close()
    if report_path:
        write_atomically(Path(report_path), (_json.dumps(
            {"summary": counts, "orders": [o.to_dict() for o in outcomes]}, indent=2,
            ensure_ascii=False) + "\n").encode("utf-8"))
    click.echo(", ".join(f"{n} {k}" for k, n in counts.items() if k != "stopped")
               + (f", {counts['stopped']} not sent (stopped by {stop.signal_name})"
                  if stop() else ""), err=True)
    # A delivered order can still carry an error (WF-LINES-STORED): that is a problem too.
    problems = counts["failed"] or any(f.is_error for o in outcomes for f in o.findings
                                       if f.code != "RUN-STOPPED")
    sys.exit(EXIT_STOPPED if stop() else EXIT_INPUT if problems else EXIT_OK)


@winfinans.command("show-order")
@click.argument("requisition")
@_connection
@_guard
def show_order(requisition: str, url: str | None, db_guid: str | None,
               api_guid: str | None, config: str | None, journal: str | None,
               timeout: float, retries: int, backoff: float, verbose: bool) -> None:
    """Print the order whose buyer's order number (requisition) is REQUISITION, as
    Winfinans stores it, in canonical JSON. Exit 1 when there is none.

    \b
    Example:
      edimap winfinans show-order 4500012345 --url http://127.0.0.1:8040/Service.svc
    """
    from edimap import json as edimap_json
    from edimap.winfinans.mapping import order_from_winfinans

    client, log = _open(url, db_guid, api_guid, config, journal, timeout, retries, backoff,
                        verbose)
    with client, log:
        header = None
        known = log.sale_id_for(requisition)
        if known is not None:
            header = client.load_order(known)
        if header is None or header.get("requisition") != requisition:
            header = None
            for entry in client.list_orders(0):
                candidate = client.load_order(int(entry.get("SaleID") or 0))
                if candidate is not None and candidate.get("requisition") == requisition:
                    header = candidate
                    break
        if header is None:
            click.echo(f"edimap: no order with requisition {requisition!r} in Winfinans",
                       err=True)
            sys.exit(EXIT_INPUT)
        lines = client.order_lines(int(header["SaleID"]))
        order, findings = order_from_winfinans(
            header, lines, bill_to=client.address(header.get("BillTo") or 0),
            ship_to=client.address(header.get("ShipTo") or 0), company=client.company())
    _print_findings(findings, verbose)
    if order is None:
        sys.exit(EXIT_INPUT)
    click.echo(edimap_json.dumps(order).rstrip("\n"))


@winfinans.command("pull-invoices")
@click.option("--to", "to_format", type=FormatName(), required=True,
              help="Write EANCOM INVOIC, OIOUBL 2.1 or canonical JSON.")
@click.option("-o", "--output", type=click.Path(file_okay=False), required=True,
              help="Folder for the invoice files (one per invoice, e.g. Invoice-100001.edi).")
@click.option("--edifact-version", type=click.Choice(["d96a", "d01b"]), default="d96a",
              show_default=True, help="EANCOM directory for --to eancom.")
@click.option("--profile", "profile", metavar="NAME|FILE",
              help="A profile whose [own] supplies the own company where an invoice leaves "
                   "it out (docs/profiles.md).")
@_connection
@_guard
def pull_invoices(to_format: str, output: str, edifact_version: str, profile: str | None,
                  url: str | None,
                  db_guid: str | None, api_guid: str | None, config: str | None,
                  journal: str | None, timeout: float, retries: int, backoff: float,
                verbose: bool) -> None:
    """Write every invoice and credit note in the B2B Backbone queue into OUTPUT and confirm
    each one after its file is safely on disk.

    A run that is stopped at any point can be started again: it neither loses nor repeats
    an invoice. An invoice that cannot be written (its findings on stderr) stays in the
    queue; exit 1 then.

    \b
    Example:
      edimap winfinans pull-invoices --to eancom -o outbox/ --url http://127.0.0.1:8040/Service.svc
    """
    from edimap.winfinans.sync import pull_invoices as pull

    options: dict[str, Any] = {"version": edifact_version}  # for the formats that take it
    client, log = _open(url, db_guid, api_guid, config, journal, timeout, retries, backoff,
                        verbose)
    with client, log, stopping(announce_stop) as stop:
        outcomes = pull(client, output, log, to=to_format, profile=profile, stop=stop,
                        **options)
    failed = stopped = 0
    printer = FindingPrinter(verbose, indent="  ", where_all=None)
    for o in outcomes:
        if o.outcome in ("written", "confirmed again"):
            click.echo(f"{o.file}: {o.outcome} (SaleID {o.sale_id})")
        elif o.outcome == "stopped":
            stopped += 1
            click.echo(f"SaleID {o.sale_id}: not picked up (stopped)")
            continue
        else:
            failed += 1
            click.echo(f"SaleID {o.sale_id}: {o.outcome}" + (f" ({o.file})" if o.file else ""))
        printer.show(o.findings)
    printer.close()
    written = sum(o.outcome == "written" for o in outcomes)
    again = sum(o.outcome == "confirmed again" for o in outcomes)
    click.echo(f"{written} written, {again} confirmed again, {failed} failed"
               + (f", {stopped} not picked up (stopped by {stop.signal_name})"
                  if stop() else ""), err=True)
    problems = failed or any(f.is_error for o in outcomes for f in o.findings)
    sys.exit(EXIT_STOPPED if stop() else EXIT_INPUT if problems else EXIT_OK)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback unless you mean otherwise).")
@click.option("--port", type=click.IntRange(0, 65535), default=8040, show_default=True,
              help="Port (0: any free one).")
@click.option("--db", type=click.Path(dir_okay=False), default=":memory:",
              help="SQLite file to keep the data in (default: in memory).")
@click.option("--seed-demo", is_flag=True,
              help="Create a demo company, customers, items, a sales location with B2B "
                   "Backbone as intermediary, and closed invoices in the queue.")
@click.option("--seed-from", "seed_from", multiple=True, type=click.Path(exists=True),
              help="Also create the customers (by GLN) and items (by GTIN) the messages "
                   "in this file or folder (read recursively) refer to; repeatable.")
@click.option("--faults", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of requests that fail (for testing clients).")
@click.option("--fault-kinds", default="http500,soapfault,drop-before,drop-after,timeout",
              show_default=True, help="Which failures, comma-separated.")
@click.option("--stall", type=click.FloatRange(0, 600), default=35.0, show_default=True,
              help="Seconds a 'timeout' fault holds the reply back.")
@_guard
def sandbox(host: str, port: int, db: str, seed_demo: bool, seed_from: Sequence[str],
            faults: float, fault_kinds: str, stall: float) -> None:
    """Run a local Winfinans webservice test double (SOAP 1.1 over HTTP, SQLite) that
    behaves like the real service, pitfalls included. Stop it with Ctrl-C.

    With --seed-demo it uses the GUIDs in EDIMAP_WF_DB_GUID / EDIMAP_WF_API_GUID, or makes
    new ones and prints them once.

    \b
    Example:
      edimap sandbox --seed-demo --seed-from partner-orders.edi --seed-from inbox/
    """
    from edimap.findings import UsageError
    from edimap.winfinans.client import ENV_API_GUID, ENV_DB_GUID
    from edimap.winfinans.sandbox import Faults, Sandbox, new_guid
    from edimap.winfinans.seed import seed_demo as demo
    from edimap.winfinans.seed import seed_from as from_inputs

    try:
        injected = Faults(rate=faults, kinds=tuple(k.strip() for k in fault_kinds.split(",")
                                                   if k.strip()), stall=stall)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    double = Sandbox(db, faults=injected)
    env_db, env_api = os.environ.get(ENV_DB_GUID), os.environ.get(ENV_API_GUID)
    generated = not (env_db and env_api)
    db_guid, api_guid = (new_guid(), new_guid()) if generated else (str(env_db), str(env_api))
    comp_id = double.company_id(db_guid, api_guid)
    if seed_demo or seed_from:
        if comp_id is not None and seed_demo:
            click.echo(f"the company of {ENV_DB_GUID}/{ENV_API_GUID} is in {db} already: "
                       "not seeded again", err=True)
        if comp_id is None:
            if seed_demo:
                made = demo(double, db_guid, api_guid)
                comp_id = made["company"]
                click.echo(f"seeded a demo company: 2 customers, 2 items, {made['invoices']} "
                           "invoices in the B2B Backbone queue", err=True)
            else:
                from edimap.winfinans.seed import DEMO_COMPANY

                comp_id = double.add_company(db_guid, api_guid, DEMO_COMPANY)
            if generated:
                # The one place a GUID is printed: the user needs these to connect.
                click.echo(f"credentials (shown once):\n  export {ENV_DB_GUID}={db_guid}\n"
                           f"  export {ENV_API_GUID}={api_guid}", err=True)
        if seed_from:
            from edimap._files import expand_inputs

            made_from = from_inputs(double, comp_id, expand_inputs(seed_from))
            click.echo(f"seeded from the inputs: {made_from['customers']} customers, "
                       f"{made_from['items']} items", err=True)
    # Ctrl-C (SIGINT) and SIGTERM stop it even when it was started in the background of a
    # script, which starts it with SIGINT ignored. The handlers are in place before the
    # "listening" line: whoever waits for that line may signal at once.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server = double.serve(host, port)
    except KeyboardInterrupt:
        return
    try:
        click.echo(f"edimap sandbox listening on http://{host}:{server.server_address[1]}"
                   "/Service.svc (Ctrl-C stops it)", err=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
