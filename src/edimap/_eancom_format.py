"""EANCOM plugged into ``edimap.read``: the syntax layer reads and checks every message;
mapping a message to the model is done by the message-type mappers registered here."""

from __future__ import annotations

from collections.abc import Callable

from edimap._api import Item, register_format
from edimap.edifact.reader import EdifactReader, Message
from edimap.findings import Finding, Severity, has_errors, register
from edimap.model import Document

MESSAGE_UNSUPPORTED = register(
    "EANCOM-MESSAGE-UNSUPPORTED", Severity.ERROR,
    "The message type (UNH S009) has no mapping to edimap's model in this version.",
    "Check the message type; edimap maps ORDERS and INVOIC.",
    example="UNH+1+DESADV:D:96A:UN:EAN008'",
)

MessageMapper = Callable[[Message], tuple[Document | None, list[Finding]]]

MAPPERS: dict[str, MessageMapper] = {}
"""Message type (UNH 0065) → mapper; the ORDERS and INVOIC modules register here."""


def _read(data: bytes, source: str | None) -> tuple[list[Item], list[Finding]]:
    reader = EdifactReader(data, source_name=source)
    items: list[Item] = []
    for index, message in enumerate(reader.messages()):
        findings = list(message.findings)
        document: Document | None = None
        mapper = MAPPERS.get(message.type)
        if mapper is None:
            findings.append(MESSAGE_UNSUPPORTED(
                f"{message.identifier or 'this message type'} cannot be mapped to an order "
                "or invoice by this edimap version", message.location(1, element=2)))
        elif not has_errors(findings):
            document, mapped = mapper(message)
            findings.extend(mapped)
        items.append(Item(index=index, reference=message.reference, document=document,
                          findings=tuple(findings)))
    return items, reader.findings


register_format("eancom", _read, None)
