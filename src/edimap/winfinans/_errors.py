"""Exceptions of the Winfinans adapter, grouped by cause, and redaction of what the service
says before anything of it reaches a message, a log or a terminal."""

from __future__ import annotations

import re

from edimap.findings import EdimapError

__all__ = [
    "AuthenticationError",
    "DocumentClosedError",
    "NotFoundError",
    "ServiceError",
    "ServiceValidationError",
    "TransportError",
    "WinfinansError",
    "redact",
]


class WinfinansError(EdimapError):
    """The Winfinans webservice refused or failed a call. Messages are redacted: no GUID,
    connection string or server stack trace is ever in them."""

    def __init__(self, message: str, *, operation: str | None = None) -> None:
        self.operation = operation
        self.detail = message
        super().__init__(f"{operation}: {message}" if operation else message)


class AuthenticationError(WinfinansError):
    """The database GUID and API GUID do not reach a company (the service resolved company
    id 0, or answered "no company" / "DBUser error")."""


class NotFoundError(WinfinansError):
    """The document, address or item asked for does not exist."""


class DocumentClosedError(WinfinansError):
    """The document is closed (posted) and cannot be changed ("Order is closed")."""


class ServiceValidationError(WinfinansError):
    """The service refused the data ("err: …", a UBLSync ValidationError fault, "Not closed")."""


class ServiceError(WinfinansError):
    """Any other failure status or SOAP fault the service returned."""


class TransportError(WinfinansError):
    """The call did not complete: connection refused or dropped, a timeout, an HTTP error
    without a SOAP fault, or WCF's generic ``InternalServiceFault`` (an unhandled exception
    on the server). ``outcome_unknown`` is true when the request may have reached the
    service, so a call that changes data may or may not have taken effect."""

    def __init__(self, message: str, *, operation: str | None = None,
                 outcome_unknown: bool = False, timeout: bool = False) -> None:
        super().__init__(message, operation=operation)
        self.outcome_unknown = outcome_unknown
        self.timeout = timeout


_GUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                   r"[0-9a-fA-F]{12}")
# Connection-string keys (ADO.NET): a reply that holds one leaks database access.
_CONNECTION = re.compile(
    r"(?i)\b(data source|server|initial catalog|database|user id|uid|password|pwd|"
    r"integrated security)\s*=\s*[^;]*;?")
MAX_SERVICE_TEXT = 200


def redact(text: str) -> str:
    """What the service said, safe to show: the first line only (WCF puts server stack
    traces after it), GUIDs and connection-string parts masked, at most 200 characters."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    first = _GUID.sub("<guid>", first)
    first = _CONNECTION.sub("<redacted>", first)
    if len(first) > MAX_SERVICE_TEXT:
        first = first[:MAX_SERVICE_TEXT] + "…"
    return first
