"""A thin client for the Winfinans webservice (``Service.svc``, SOAP 1.1 over httpx).

Every call sends a fresh ``DBUser`` with only the database GUID (``DBKey``) and the API GUID
(``CompanyKey``) set and company id 0, so a key that does not resolve fails closed; the
``DBUser`` the service returns is checked (company id > 0) and thrown away, never logged or
kept. Status strings and faults become the exceptions in :mod:`edimap.winfinans`. Calls that
change nothing are retried with backoff after a transport failure; calls that change data
are not (the caller decides, knowing ``TransportError.outcome_unknown``)::

    from edimap.winfinans import Client, Credentials

    client = Client("https://host/app/Service.svc", Credentials.resolve())
    customer = client.address_by_gln("5790000274017")
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
import tomllib
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import httpx

from edimap._home import data_dir
from edimap.findings import ConfigurationError, FieldError, ValidationError
from edimap.winfinans._contract import GUID_EMPTY, Operation, SoapFault, WireError, contract
from edimap.winfinans._errors import (
    AuthenticationError,
    DocumentClosedError,
    NotFoundError,
    ServiceError,
    ServiceValidationError,
    TransportError,
    WinfinansError,
    redact,
)

__all__ = ["Client", "Credentials"]

log = logging.getLogger("edimap.winfinans")

ENV_DB_GUID = "EDIMAP_WF_DB_GUID"
ENV_API_GUID = "EDIMAP_WF_API_GUID"
ENV_URL = "EDIMAP_WF_URL"
_GUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                        r"[0-9a-fA-F]{12}")


def config_path() -> Path:
    """``EDIMAP_HOME/winfinans.toml``: ``[winfinans]`` with ``url``, ``db_guid``, ``api_guid``."""
    return data_dir() / "winfinans.toml"


def _read_config(path: Path | None) -> dict[str, Any]:
    target = path or config_path()
    if not target.is_file():
        if path is not None:
            raise ConfigurationError(f"Winfinans configuration {target} does not exist")
        return {}
    if os.name == "posix" and target.stat().st_mode & 0o077:
        # It holds the GUIDs: like ssh with a key, refuse a file others can read.
        raise ConfigurationError(f"Winfinans configuration {target} can be read by other "
                                 f"users; chmod 600 {target}")
    try:
        section = tomllib.loads(target.read_text("utf-8")).get("winfinans", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # The file holds secrets: say where, never what.
        raise ConfigurationError(f"Winfinans configuration {target} cannot be read "
                                 f"({type(exc).__name__})") from None
    return dict(section) if isinstance(section, dict) else {}


@attrs.frozen(repr=False)
class Credentials:
    """The company's database GUID (``DBUser.DBKey``) and API GUID (``DBUser.CompanyKey``).

    Secrets: ``repr`` and ``str`` mask them, and no edimap message, log line or output holds
    them."""

    db_guid: str
    api_guid: str

    def __attrs_post_init__(self) -> None:
        for name, what in (("db_guid", "database GUID"), ("api_guid", "API GUID")):
            value = getattr(self, name)
            if not isinstance(value, str) or not _GUID_TEXT.fullmatch(value):
                raise ConfigurationError(
                    f"the Winfinans {what} is not a GUID (36 characters, 8-4-4-4-12 "
                    "hexadecimal digits)")

    def __repr__(self) -> str:
        return "Credentials(db_guid='…', api_guid='…')"

    __str__ = __repr__

    @classmethod
    def resolve(cls, db_guid: str | None = None, api_guid: str | None = None,
                config: str | os.PathLike[str] | None = None) -> Credentials:
        """From the arguments, else ``EDIMAP_WF_DB_GUID`` / ``EDIMAP_WF_API_GUID``, else the
        configuration file (``config`` or ``EDIMAP_HOME/winfinans.toml``)."""
        section = _read_config(Path(config) if config is not None else None)
        db = db_guid or os.environ.get(ENV_DB_GUID) or section.get("db_guid")
        api = api_guid or os.environ.get(ENV_API_GUID) or section.get("api_guid")
        if not db or not api:
            raise ConfigurationError(
                f"no Winfinans credentials: set {ENV_DB_GUID} and {ENV_API_GUID}, pass "
                f"--db-guid/--api-guid, or write them in {config or config_path()}")
        return cls(str(db), str(api))


def resolve_url(url: str | None, config: str | os.PathLike[str] | None = None) -> str:
    """The service URL: the argument, else ``EDIMAP_WF_URL``, else the configuration file."""
    found = url or os.environ.get(ENV_URL) or _read_config(
        Path(config) if config is not None else None).get("url")
    if not found:
        raise ConfigurationError(f"no Winfinans URL: pass --url, set {ENV_URL}, or write "
                                 f"url in {config or config_path()}")
    return str(found)


# Status strings the service returns instead of faults (anything but "OK" is a failure).
_AUTH_STATUS = ("no company", "dbuser error", "connection string is not public")


def _status_error(operation: str, status: str) -> WinfinansError:
    text = status.strip()
    lowered = text.lower()
    if any(marker in lowered for marker in _AUTH_STATUS):
        return AuthenticationError(f"the credentials reach no company ({redact(text)!r})",
                                   operation=operation)
    if lowered.startswith("no address"):
        return NotFoundError("no such address", operation=operation)
    if lowered.startswith("order is closed"):
        return DocumentClosedError("the document is closed", operation=operation)
    if lowered.startswith("err:") or lowered.startswith("not closed"):
        return ServiceValidationError(f"refused: {redact(text)!r}", operation=operation)
    return ServiceError(f"failed with status {redact(text)!r}", operation=operation)


_FAULTS: dict[str, type[WinfinansError]] = {
    "ValidationError": ServiceValidationError, "InvalidDocument": ServiceValidationError,
    "InvalidDocumentType": ServiceValidationError, "NoLines": ServiceValidationError,
    "InvalidCountryCode": ServiceValidationError, "InvalidSeller": ServiceValidationError,
    "InvalidAccountingCost": ServiceValidationError,
    "PermissionDenied": AuthenticationError, "InvalidCompany": AuthenticationError,
    "DocumentNotFound": NotFoundError, "InvoiceNotClosed": DocumentClosedError,
}


class Client:
    """Calls the Winfinans webservice at ``url`` (``…/Service.svc``) with ``credentials``.

    ``timeout`` (seconds) bounds every call; ``retries`` and ``backoff`` govern how often and
    how patiently calls that change nothing are repeated after a transport failure.
    ``transport`` is an httpx transport, for proxies or custom TLS.
    """

    def __init__(self, url: str, credentials: Credentials, *, timeout: float = 30.0,
                 retries: int = 3, backoff: float = 0.5,
                 transport: httpx.BaseTransport | None = None) -> None:
        parts = urllib.parse.urlsplit(url)
        # The GUIDs travel in every request: plain HTTP only to a test double on loopback.
        local = parts.hostname in ("localhost", "::1") or (
            parts.hostname or "").startswith("127.")
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise ConfigurationError("the Winfinans URL must start with https:// (http:// "
                                     "only for a test double on this machine)")
        self.url = url
        self._credentials = credentials
        self.retries = retries
        self.backoff = backoff
        self._contract = contract()
        self._http = httpx.Client(timeout=timeout, transport=transport,
                                  headers={"Content-Type": "text/xml; charset=utf-8"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.url!r})"

    # --- the wire -----------------------------------------------------------------------

    def _db_user(self) -> dict[str, Any]:
        # Fresh for every call: only the two keys, company id 0 (fail closed), no
        # connection string, BlindUpdate off (it would hide changes from polling).
        return {"DBKey": self._credentials.db_guid.lower(),
                "CompanyKey": self._credentials.api_guid.lower(),
                "BasketGuid": GUID_EMPTY, "CompID": 0, "ConnID": 0,
                "BlindUpdate": False, "PublicConnection": False}

    def call(self, name: str, **args: Any) -> tuple[Any, dict[str, Any]]:
        """Call operation ``name`` with ``args`` (DBUser is added); the result and the
        echoed by-reference parameters (without DBUser)."""
        op = self._contract.operations[name]
        takes_db_user = any(p.name == "DBUser" for p in op.params)
        if takes_db_user:
            args["DBUser"] = self._db_user()
        body = self._body(op, args)
        attempts = 1 + (self.retries if op.safe else 0)
        first = time.monotonic()
        for attempt in range(attempts):
            started = time.monotonic()
            try:
                result, refs = self._post(op.name, self._contract.soap_action(op), body,
                                          op.safe)
            except TransportError as exc:
                log.debug("%s: %s (attempt %d of %d)", name, exc, attempt + 1, attempts)
                if attempt + 1 >= attempts:
                    if attempts == 1:
                        raise
                    raise TransportError(
                        f"{exc.detail} (gave up after {attempts} attempts over "
                        f"{time.monotonic() - first:.1f} s)", operation=name,
                        outcome_unknown=exc.outcome_unknown, timeout=exc.timeout) from None
                time.sleep(self.backoff * 2 ** attempt * (0.5 + random.random()))
                continue
            log.debug("%s: answered in %.0f ms", name, (time.monotonic() - started) * 1000)
            db_user = refs.pop("DBUser", None)
            if takes_db_user:
                comp_id = db_user.get("CompID") if isinstance(db_user, dict) else None
                if not isinstance(comp_id, int) or comp_id <= 0:
                    raise AuthenticationError(
                        "the database GUID and API GUID reach no company (company id 0)",
                        operation=name)
            return result, refs
        raise AssertionError("unreachable")  # pragma: no cover

    def _post(self, name: str, action: str, body: bytes,
              safe: bool) -> tuple[Any, dict[str, Any]]:
        op = self._contract.operations[name]
        try:
            response = self._http.post(self.url, content=body, headers={"SOAPAction": action})
        except httpx.TimeoutException:
            raise TransportError("no answer within the timeout", operation=name,
                                 outcome_unknown=True, timeout=True) from None
        except httpx.ConnectError:
            raise TransportError("cannot connect to the service", operation=name) from None
        except httpx.HTTPError as exc:
            raise TransportError(f"the connection failed ({type(exc).__name__})",
                                 operation=name, outcome_unknown=True) from None
        data = response.content
        if response.status_code != 200:
            try:  # WCF sends SOAP faults with HTTP 500
                return self._contract.read_response(op, data)
            except SoapFault as fault:
                raise self._fault(name, fault) from None
            except WireError:
                raise TransportError(f"HTTP {response.status_code} without a SOAP fault",
                                     operation=name, outcome_unknown=True) from None
        try:
            return self._contract.read_response(op, data)
        except SoapFault as fault:
            raise self._fault(name, fault) from None
        except WireError as exc:
            raise ServiceError(f"the answer does not follow the contract: {redact(str(exc))}",
                               operation=name) from None

    @staticmethod
    def _fault(name: str, fault: SoapFault) -> WinfinansError:
        if fault.code == "InternalServiceFault":
            # WCF's answer to any unhandled exception on the server: the call failed
            # somewhere while being processed, so its outcome is unknown, as after a
            # dropped connection (and a call that changes nothing may be repeated).
            return TransportError(f"the service failed while processing the call "
                                  f"({redact(fault.reason)})", operation=name,
                                  outcome_unknown=True)
        kind = _FAULTS.get(fault.code, ServiceError)
        return kind(f"fault {fault.code}: {redact(fault.reason)}", operation=name)

    def _ok(self, name: str, status: Any) -> None:
        if status != "OK":
            raise _status_error(name, str(status or ""))

    # --- operations ---------------------------------------------------------------------

    def ping(self) -> str:
        """``Ping``: the service's name and version (no credentials needed)."""
        result, _ = self.call("Ping")
        return str(result or "")

    def company(self) -> dict[str, Any]:
        """``CompanyLoad``: the company (``CompanyInf``: CVR ``CompanyNo``, GLN ``ean``…)."""
        result, _ = self.call("CompanyLoad")
        if not isinstance(result, dict):
            raise ServiceError("no company in the answer", operation="CompanyLoad")
        return result

    def sales_location(self, seller_id: int) -> dict[str, Any] | None:
        """``CompanySellerLookup`` by SellerID: the sales location (salgssted), or None."""
        status, refs = self.call("CompanySellerLookup", Seller={"SellerID": seller_id},
                                 seCount=0)
        if status != "OK" or not refs.get("seCount"):
            return None
        seller = refs.get("Seller")
        return seller if isinstance(seller, dict) else None

    def _address(self, query: Mapping[str, Any]) -> tuple[dict[str, Any] | None, int]:
        status, refs = self.call("AddressLookup", wfAddress=dict(query), adCount=0)
        if isinstance(status, str) and status.lower().startswith("no address"):
            return None, 0
        self._ok("AddressLookup", status)
        address = refs.get("wfAddress")
        count = refs.get("adCount") or 0
        if not isinstance(address, dict) or not address.get("AddressID"):
            return None, 0
        return address, int(count)

    def address(self, address_id: int) -> dict[str, Any] | None:
        """``AddressLookup`` by AddressID."""
        return self._address({"AddressID": address_id})[0]

    def address_by_gln(self, gln: str) -> tuple[dict[str, Any] | None, int]:
        """``AddressLookup`` with only ``ean``: the customer and how many share the GLN
        (more than one is ambiguous; the service returns the highest AddressID)."""
        return self._address({"ean": gln})

    def addresses_by_cvr(self, cvr: str) -> list[dict[str, Any]]:
        """``AddressLookupList`` by VATNumber, as ``12345678`` and as ``DK12345678``."""
        digits = cvr.upper().removeprefix("DK")
        found: dict[int, dict[str, Any]] = {}
        for number in (digits, "DK" + digits):
            result, _ = self.call("AddressLookupList", wfAddress={"VATNumber": number},
                                  retstr="")
            for item in result or []:
                found.setdefault(int(item.get("AddressID") or 0), item)
        found.pop(0, None)
        return [found[k] for k in sorted(found)]

    def item_by_gtin(self, gtin: str) -> tuple[dict[str, Any] | None, int]:
        """``InventoryItemLookup`` by exact EAN: the item and how many share it."""
        status, refs = self.call("InventoryItemLookup", Item={"EAN": gtin}, ItemCount=0)
        count = int(refs.get("ItemCount") or 0)
        item = refs.get("Item")
        if status != "OK" or count == 0 or not isinstance(item, dict) or not item.get("ItemID"):
            return None, 0
        return item, count

    def item(self, item_id: str) -> dict[str, Any] | None:
        """``InventoryItemLookup`` by ItemID (the seller's item number)."""
        status, refs = self.call("InventoryItemLookup", Item={"ItemID": item_id}, ItemCount=0)
        item = refs.get("Item")
        if status != "OK" or not refs.get("ItemCount") or not isinstance(item, dict):
            return None
        return item if item.get("ItemID") == item_id else None

    def add_order(self, order_sales: Mapping[str, Any],
                  order_type: str = "Order") -> dict[str, Any]:
        """``SalesOrderAdd``: header and lines in one call; the stored header (SaleID,
        OrderNo). Not idempotent: the service appends the lines again on a re-send."""
        status, refs = self.call("SalesOrderAdd", wfOrder=dict(order_sales),
                                 OrderType=order_type)
        self._ok("SalesOrderAdd", status)
        stored = refs.get("wfOrder")
        if not isinstance(stored, dict) or not stored.get("SaleID"):
            raise ServiceError("the service answered OK but stored no order",
                               operation="SalesOrderAdd")
        return stored

    def add_order_line(self, sale_id: int, line: Mapping[str, Any]) -> None:
        """``SalesOrderAddItem``: one more line on an open document (the service returns no
        Liid; read the lines back to see it). Not idempotent."""
        status, _ = self.call("SalesOrderAddItem", wfOrderSales={"SaleID": sale_id},
                              LineItem=dict(line))
        self._ok("SalesOrderAddItem", status)

    def request_size(self, name: str, **args: Any) -> int:
        """Bytes of the request ``call(name, **args)`` would send."""
        op = self._contract.operations[name]
        return len(self._body(op, {**args, "DBUser": self._db_user()}))

    def _body(self, op: Operation, args: Mapping[str, Any]) -> bytes:
        try:
            return self._contract.request(op, args)
        except WireError as exc:  # a value the contract cannot carry: the caller's to fix
            raise ValidationError([FieldError(op.name, str(exc))]) from None

    def load_order(self, sale_id: int) -> dict[str, Any] | None:
        """``SalesOrderLoad`` by SaleID: the header, or None (the service answers "OK" for a
        document that does not exist, so the SaleID is checked)."""
        status, refs = self.call("SalesOrderLoad", wfOrder={"SaleID": sale_id})
        self._ok("SalesOrderLoad", status)
        header = refs.get("wfOrder")
        if not isinstance(header, dict) or header.get("SaleID") != sale_id or not (
                header.get("OrderNo") or header.get("InvoiceNo")):
            return None
        return header

    def lookup_order(self, order_no: int, order_type: str = "Order") -> dict[str, Any] | None:
        """``SalesOrderLookup``: the document of that class with Winfinans number
        ``order_no``, or None."""
        status, refs = self.call("SalesOrderLookup", wfOrder={"OrderNo": order_no},
                                 OrderType=order_type)
        self._ok("SalesOrderLookup", status)
        header = refs.get("wfOrder")
        if not isinstance(header, dict) or not header.get("SaleID"):
            return None
        return header

    def order_lines(self, sale_id: int) -> list[dict[str, Any]]:
        """``SalesOrderLoadItems``: the lines (with Winfinans's synthetic "Bundrabat" line
        when the document has a header discount)."""
        result, _ = self.call("SalesOrderLoadItems", wfOrder={"SaleID": sale_id}, retstr="")
        return list(result or [])

    def list_orders(self, bill_to: int, order_type: str = "Order") -> list[dict[str, Any]]:
        """``SalesOrderListLoad`` for one customer: SaleID, OrderNo… newest first."""
        result, _ = self.call("SalesOrderListLoad", wfOrderSales={"BillTo": bill_to},
                              retstr="", OrderType=order_type)
        return list(result or [])

    def queue_items(self) -> list[dict[str, Any]]:
        """``SalesOrderB2BBackboneItems``: pending invoices of the B2B Backbone queue, by
        (ListID, SaleID); a SaleID may repeat across lists."""
        result, _ = self.call("SalesOrderB2BBackboneItems")
        return list(result or [])

    def confirm(self, sale_id: int) -> None:
        """``SalesOrderB2BBackboneItemConfirm``: mark the invoice handed off. Idempotent;
        it returns 0 whatever happens, so only a fault means failure."""
        self.call("SalesOrderB2BBackboneItemConfirm", SaleID=sale_id)
