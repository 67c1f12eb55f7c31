"""EANCOM EDIFACT: the syntax layer reads and checks every message; mapping a message to
the model is done by the message-type mappers registered here (ORDERS, INVOIC)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import IO, Any

import attrs

from edimap._notes import not_carried
from edimap.edifact.reader import EdifactReader, Limits, Message
from edimap.edifact.split import Plan, plan
from edimap.edifact.syntax import Segment
from edimap.findings import (
    FieldError,
    Finding,
    Location,
    Severity,
    UsageError,
    ValidationError,
    has_errors,
    register,
)
from edimap.formats.base import DocumentSink, Format, Item, PartReading
from edimap.model import Document, Invoice, Order, OrderResponse, Party
from edimap.profiles import ProfileSet

MESSAGE_UNSUPPORTED = register(
    "EANCOM-MESSAGE-UNSUPPORTED", Severity.ERROR,
    "The message type (UNH S009) has no mapping to edimap's model in this version.",
    "Check the message type; edimap maps ORDERS and INVOIC.",
    example="UNH+1+DESADV:D:96A:UN:EAN008'",
)

_UNMAPPABLE = frozenset({
    "EDI-TRUNCATED", "EDI-UNT-MISSING", "EDI-UNH-INVALID", "EDI-ENCODE", "EDI-SEGMENT-TAG",
    "EDI-LIMIT-MESSAGE-SEGMENTS", "EDI-LIMIT-SEGMENT-ELEMENTS", "EDI-LIMIT-SEGMENT-LENGTH",
    "EDI-LIMIT-MESSAGES", "EDI-UNA-INVALID", "EDI-UNB-INVALID", "EDI-SEGMENT-OUTSIDE",
    "EDI-NO-INTERCHANGE"})
"""Envelope findings after which a message is not mapped: its segments are not all there,
or not all its own."""

MessageMapper = Callable[[Message], tuple[Document | None, list[Finding]]]

MAPPERS: dict[str, MessageMapper] = {}
"""Message type (UNH 0065) → mapper; the ORDERS and INVOIC modules register here."""


def _read(data: bytes, source: str | None,
          profiles: ProfileSet | None = None) -> tuple[list[Item], list[Finding]]:
    reader = EdifactReader(data, source_name=source)
    return list(_items(reader, profiles)), reader.findings


def _items(reader: EdifactReader, profiles: ProfileSet | None) -> Iterator[Item]:
    """One item per message, as the reader reads them (``reader.findings`` grows with
    what it finds about the envelopes)."""
    for index, message in enumerate(reader.messages()):
        findings = list(message.findings)
        if profiles is not None:
            message = _with_qualifiers(message, profiles, findings)
        document: Document | None = None
        mapper = MAPPERS.get(message.type)
        if mapper is None:
            findings.append(MESSAGE_UNSUPPORTED(
                f"{message.identifier or 'this message type'} cannot be mapped to an order "
                "or invoice by this edimap version", message.location(1, element=2)))
        elif not has_errors(findings) or not any(
                f.code in _UNMAPPABLE for f in findings):
            # A message whose envelope counts are off is still mapped (its profile may
            # accept the counts); one that is cut short or over a limit is not.
            document, mapped = mapper(message)
            findings.extend(mapped)
        yield Item(index=index, reference=message.reference, document=document,
                   findings=tuple(findings), sender=message.interchange.sender,
                   interchange_ref=message.interchange.control_ref)


QUALIFIER_MAPPED = register(
    "PROFILE-QUALIFIER", Severity.INFO,
    "A partner's qualifier was read as the standard one its profile maps it to "
    "([qualifiers.TAG]); the message names both and the profile.",
    "Nothing; change the profile if the mapping is wrong.", "NAD+ST read as NAD+DP")


def _with_qualifiers(message: Message, profiles: ProfileSet,
                     findings: list[Finding]) -> Message:
    """``message`` with the qualifiers its sender's profile maps (chosen by the UNB sender,
    else the default profile: the parties' GLNs are known only after mapping)."""
    profile = profiles.select([("UNB sender", message.interchange.sender)])[0]
    if not profile.qualifiers:
        return message
    segments = list(message.segments)
    for n, segment in enumerate(segments):
        codes = profile.qualifiers.get(segment.tag)
        if not codes or not segment.elements or not segment.elements[0]:
            continue
        (first, *others), *rest = segment.elements  # occurrences of element 1, the others
        wanted = codes.get(first[0]) if first else None
        if wanted is None:
            continue
        segments[n] = Segment(segment.tag, (((wanted, *first[1:]), *others), *rest),
                              segment.offset, segment.line, segment.column)
        findings.append(QUALIFIER_MAPPED(
            f"{segment.tag}+{first[0]} read as {segment.tag}+{wanted} (profile "
            f"{profile.name}: qualifiers.{segment.tag}.{first[0]})",
            message.location(n + 1, element=1, component=1)))
    return attrs.evolve(message, segments=tuple(segments))


def _draft(document: Document, n: int, version: str) -> Any:
    """The message of ``document``, the ``n``-th of its interchange."""
    from edimap.edifact.invoic import invoice_to_message
    from edimap.edifact.orders import order_to_message

    if isinstance(document, OrderResponse):
        raise ValidationError([FieldError(
            f"documents[{n - 1}]", "an order response has no EANCOM mapping in edimap "
            "(ORDRSP); write it as OIOUBL or JSON")])
    if isinstance(document, Order):
        return order_to_message(document, reference=str(n), version=version)
    return invoice_to_message(document, reference=str(n), version=version)


def _open_interchange(out: IO[bytes], first: Document, *, sender: str | None = None,
                      recipient: str | None = None, control_ref: str | None = None,
                      syntax_id: str = "UNOC", prepared: dt.datetime | None = None,
                      test: bool = False) -> Any:
    """An interchange writer on ``out`` for documents like ``first``: sender and recipient
    default to its buyer and seller GLNs (an order goes from buyer to seller, an invoice
    the other way); the control reference to the next number for that pair, kept in
    EDIMAP_HOME."""
    from edimap._home import data_dir
    from edimap.edifact.writer import ControlNumbers, InterchangeWriter

    source, target = ("buyer", "seller") if isinstance(first, Order) else ("seller", "buyer")
    sender, sender_qualifier = (sender, "14") if sender else \
        _interchange_party(getattr(first, source), source, "sender", "UNB S002")
    recipient, recipient_qualifier = (recipient, "14") if recipient else \
        _interchange_party(getattr(first, target), target, "recipient", "UNB S003")
    if not sender or not recipient:
        raise ValidationError([FieldError(
            "sender" if not sender else "recipient",
            "the interchange needs a sender and a recipient (UNB S002, S003)")])
    if control_ref is None:
        control_ref = ControlNumbers(data_dir() / "control-numbers.sqlite").next(
            sender, recipient)
    return InterchangeWriter(out, sender=sender, recipient=recipient,
                             sender_qualifier=sender_qualifier,
                             recipient_qualifier=recipient_qualifier,
                             control_ref=control_ref, syntax_id=syntax_id, syntax_version=3,
                             prepared=prepared, test=test)


def _write(documents: Document | Sequence[Document], *, version: str = "d96a",
           syntax_id: str = "UNOC", tolerated: Collection[str] = (),
           **envelope: Any) -> bytes:
    """Documents → one interchange (the envelope as :func:`_open_interchange` makes it);
    a GLN or GTIN that fails its check digit left out unless ``tolerated`` holds its
    finding (:mod:`edimap.edifact.check_digits`)."""
    import io

    from edimap.edifact.check_digits import with_checked_numbers
    from edimap.edifact.writer import EncodingError

    docs = [with_checked_numbers(doc, tolerated) for doc in (
        [documents] if isinstance(documents, Document) else documents)]
    if not docs:
        raise UsageError("nothing to write")
    drafts = [_draft(doc, n, version) for n, doc in enumerate(docs, start=1)]
    out = io.BytesIO()
    try:
        writer = _open_interchange(out, docs[0], syntax_id=syntax_id, **envelope)
        for draft in drafts:
            writer.add(draft)
        writer.close()
    except EncodingError:
        # Name the document's field, not only the segment being written (looked for only
        # now: the happy path pays nothing).
        for doc in docs:
            _check_characters(doc, syntax_id)
        raise
    return out.getvalue()


class _InterchangeSink(DocumentSink):
    """One interchange written a message at a time: the envelope from the first document
    (as :func:`_write` makes it), each document's message as it comes, UNZ at the end."""

    independent_pieces = False

    def __init__(self, out: IO[bytes], options: dict[str, Any]) -> None:
        self.out, self.options = out, dict(options)
        self.version = self.options.pop("version", "d96a")
        self.tolerated = self.options.pop("tolerated", ())
        self.writer: Any = None
        self.count = 0

    def add(self, document: Document, **options: Any) -> None:
        """The document's message; the numbers failing their check digit that its own
        profile tolerates (``tolerated``, else the sink's) written as sent."""
        from edimap.edifact.check_digits import with_checked_numbers

        document = with_checked_numbers(document, options.get("tolerated", self.tolerated))
        if self.writer is None:
            self.writer = _open_interchange(self.out, document, **self.options)
        self.count += 1
        self.writer.add(_draft(document, self.count, self.version))

    def piece(self, document: Document) -> bytes:
        raise NotImplementedError("a message's bytes depend on its place in the interchange")

    def add_piece(self, piece: bytes) -> None:
        raise NotImplementedError("a message's bytes depend on its place in the interchange")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _interchange_party(party: Party | None, role: str, which: str, element: str
                       ) -> tuple[str | None, str]:
    """The interchange ``which`` (sender, recipient) from the ``role`` party: its GLN under
    qualifier 14; without one, its CVR number, endpoint or VAT number stands in under ZZ
    (mutually defined), noted; (None, "14") when it has none of them."""
    if party is None or party.gln:
        return (party.gln if party else None), "14"
    for name, value in (("CVR number", party.cvr), ("endpoint", party.endpoint_id),
                        ("VAT number", party.vat_id)):
        if value:
            not_carried(f"{role}.gln", f"the interchange {which} ({element}) is a GLN, and "
                                       f"the {role} has none: its {name} {value} stands in "
                                       f"under qualifier ZZ (mutually defined); "
                                       f"--{which} names another")
            return value, "ZZ"
    return None, "14"


def _check_characters(document: Document, syntax_id: str) -> None:
    """Every text of ``document`` in the interchange's character set, or a refusal naming
    the field (the interchange writer would name only the segment it was writing)."""
    from edimap import json as canonical
    from edimap.edifact.syntax import codec_for, repertoire_for

    codec = codec_for(syntax_id)
    if codec is None:
        raise UsageError(f"unknown syntax identifier {syntax_id!r}")
    repertoire = repertoire_for(syntax_id)
    errors = []
    written = {k: v for k, v in canonical.to_dict(document).items()
               if k not in ("document", "kind")}
    for path, text in _texts(written, ""):
        try:
            text.encode(codec)
            bad = next((ch for ch in text if repertoire is not None and ch not in repertoire
                        and ch not in "+:'?*"), None)
        except UnicodeEncodeError as exc:
            bad = text[exc.start]
        if bad is not None:
            errors.append(FieldError(path, f"{bad!r} (U+{ord(bad):04X}) cannot be written in "
                                           f"{syntax_id.upper()}: correct the value, or write "
                                           "UNOY (syntax_id)"))
    if errors:
        raise ValidationError(errors)


def _texts(value: Any, path: str) -> Any:
    """(model path, text) of every string in a canonical JSON value."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _texts(inner, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _texts(inner, f"{path}[{i}]")


def _element_location(message: Message, index: int, element: int,
                      component: int | None) -> Location:
    return message.location(index, element=element, component=component)


def _map_orders(message: Message) -> tuple[Document | None, list[Finding]]:
    from edimap.edifact.orders import read_order

    return read_order(message)


def _map_invoic(message: Message) -> tuple[Document | None, list[Finding]]:
    from edimap.edifact.invoic import read_invoice

    return read_invoice(message)


MAPPERS["ORDERS"] = _map_orders
MAPPERS["INVOIC"] = _map_invoic


class _PartReading(PartReading):
    def __init__(self, reader: EdifactReader) -> None:
        self._reader = reader

    @property
    def envelope(self) -> list[Finding]:
        return self._reader.findings[:self._reader.envelope_findings]

    @property
    def trailing(self) -> list[Finding]:
        return self._reader.findings[self._reader.envelope_findings:]

    @property
    def exact(self) -> bool:
        return not self._reader.inexact


class EancomFormat(Format):
    """EANCOM interchanges: every ORDERS and INVOIC message of every interchange read; the
    documents written as one interchange."""

    name = "eancom"
    extension = "edi"
    writer_options = frozenset({"version", "sender", "recipient", "control_ref",
                                "syntax_id", "prepared", "test", "tolerated"})

    def detect(self, head: bytes) -> bool:
        # A file that starts like JSON or XML is not one, whatever it mentions.
        return head[:3] in (b"UNA", b"UNB") or (
            head[:1] not in (b"{", b"[", b"<") and b"UNB" in head[:1024])

    reads_with_profiles = True
    streams = True

    def read(self, data: bytes, source: str | None, *,
             profiles: ProfileSet | None = None) -> tuple[list[Item], list[Finding]]:
        return _read(data, source, profiles)

    def write(self, documents: Document | Sequence[Document], **options: Any) -> bytes:
        return _write(documents, **options)

    def sink(self, out: IO[bytes], **options: Any) -> DocumentSink:
        """One interchange, written a message at a time (the writer's options)."""
        return _InterchangeSink(out, options)

    def stream(self, source: IO[bytes], name: str | None, *, profiles: Any = None
               ) -> tuple[Iterator[Item], list[Finding]]:
        """Message by message: memory holds one message, whatever the input's size."""
        reader = EdifactReader(source, source_name=name)
        return _items(reader, profiles), reader.findings

    def plan_split(self, path: str, parts: int, *, min_part_bytes: int) -> Plan | None:
        """At message boundaries, when the parts read exactly as the whole
        (:mod:`edimap.edifact.split`)."""
        return plan(path, parts, min_part_bytes=min_part_bytes,
                    max_messages=Limits().max_interchange_messages)

    def stream_part(self, path: str, name: str | None, plan: Any, index: int, *,
                    profiles: Any = None) -> tuple[Iterator[Item], PartReading]:
        reader = EdifactReader(path, source_name=name, part=(plan, index))
        return _items(reader, profiles), _PartReading(reader)

    def written_as_other_kind(self, document: Document) -> bool:
        """A negative invoice with a negative allowance or charge is written as a credit
        note (:func:`edimap.edifact.invoic.turns`)."""
        from edimap.edifact.invoic import turns

        return isinstance(document, Invoice) and turns(document)

    def value_at(self, data: bytes, location: Location) -> str | None:
        """The value at the segment, element and component of the first message of
        ``data`` (an output edimap wrote: one message per document)."""
        if location.segment_index is None or location.element is None:
            return None
        message = next(iter(EdifactReader(data).messages()), None)
        if message is None or not 0 < location.segment_index <= len(message.segments):
            return None
        segment = message.segments[location.segment_index - 1]
        return segment.get(location.element, location.component or 1) or None

    def validate(self, data: bytes, source: str | None, *, rules: bool = True,
                 explain: bool = False) -> list[Finding]:
        """The data element checks of every message (edimap.edifact.elements); the
        envelope and structure are checked by reading."""
        from edimap.edifact.elements import check

        findings: list[Finding] = []
        for message in EdifactReader(data, source_name=source).messages():
            for index, segment in enumerate(message.segments, start=1):
                findings.extend(check(segment, message.release, functools.partial(
                    _element_location, message, index)))
        return findings
