"""CONTRL: the syntax and service report for a received interchange.

Built from the reader's findings, in the CONTRL version of the input's EANCOM generation:
``CONTRL:2:2:UN:EAN002`` for EANCOM 97 (D.96A), ``CONTRL:D:3:UN:EAN004`` for EANCOM 2002
(D.01B), else ``CONTRL:4:1:UN`` for syntax 4 and ``CONTRL:D:3:UN`` for syntax 1-3.

Action codes (0083): 7 = acknowledged, 4 = rejected. The interchange is rejected (UCI 4)
when its envelope has an error or when every message in it is rejected; each message gets a
UCM, 7 or 4, and a rejected one a UCS (segment position, UNH = 1) and a UCD (element and
component position) for each error. Only syntax findings (``EDI-…``) count: application
errors belong in APERAK.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import attrs

from edimap.edifact.reader import Interchange, Message
from edimap.edifact.syntax import Segment, codec_for
from edimap.edifact.writer import EncodingError, MessageDraft, write_interchange
from edimap.findings import Finding, Severity, UsageError

__all__ = ["ACCEPTED", "REJECTED", "SYNTAX_ERROR_CODES", "Acknowledgement", "build", "to_bytes"]

ACCEPTED = "7"
REJECTED = "4"

SYNTAX_ERROR_CODES: dict[str, str] = {
    "EDI-UNA-INVALID": "20",  # character invalid as service character
    "EDI-CHARSET-MISMATCH": "21",  # invalid character(s)
    "EDI-CHARSET-REPERTOIRE": "21",
    "EDI-CHARSET-UNKNOWN": "2",  # syntax version or level not supported
    "EDI-SYNTAX-VERSION": "2",
    "EDI-UNB-INVALID": "13",  # missing
    "EDI-UNB-DATE": "12",  # invalid value
    "EDI-UNH-INVALID": "13",
    "EDI-UNT-MISSING": "13",
    "EDI-UNZ-MISSING": "13",
    "EDI-UNE-MISSING": "13",
    "EDI-TRUNCATED": "13",
    "EDI-UNT-COUNT": "29",  # control count does not match
    "EDI-UNZ-COUNT": "29",
    "EDI-UNE-COUNT": "29",
    "EDI-UNT-REF": "28",  # references do not match
    "EDI-UNZ-REF": "28",
    "EDI-UNE-REF": "28",
    "EDI-UNH-DUPLICATE-REF": "26",  # duplicate detected
    "EDI-GROUPS-MIXED": "30",  # functional groups and messages mixed
    "EDI-SEGMENT-OUTSIDE": "33",  # invalid occurrence outside message or group
    "EDI-TRAILING-DATA": "33",
    "EDI-UNE-UNEXPECTED": "33",
    "EDI-SEGMENT-TAG": "15",  # not supported in this position
    "EDI-LIMIT-SEGMENT-LENGTH": "39",  # data element too long
    "EDI-LIMIT-MESSAGE-SEGMENTS": "35",  # too many segment repetitions
}
"""Finding code → ISO 9735 syntax error code (0085). Unlisted syntax errors give 18."""


@attrs.frozen(kw_only=True)
class Acknowledgement:
    """A CONTRL message for one interchange, and what it says."""

    interchange: Interchange
    action: str
    rejected_messages: tuple[str, ...]
    message: MessageDraft

    @property
    def accepted(self) -> bool:
        return self.action == ACCEPTED


def _syntax_errors(findings: Sequence[Finding],
                   severity: Mapping[str, Severity]) -> list[Finding]:
    return [f for f in findings if severity.get(f.code, f.severity) is Severity.ERROR
            and f.code.startswith("EDI-")]


def _error_code(finding: Finding) -> str:
    return SYNTAX_ERROR_CODES.get(finding.code, "18")


def _identifier(interchange: Interchange) -> tuple[str, ...]:
    releases = {(m.version, m.release) for m in interchange.messages}
    if ("D", "96A") in releases:
        return ("CONTRL", "2", "2", "UN", "EAN002")
    if ("D", "01B") in releases:
        return ("CONTRL", "D", "3", "UN", "EAN004")
    header = interchange.header
    if header is not None and header.syntax_version == "4":
        return ("CONTRL", "4", "1", "UN")
    return ("CONTRL", "D", "3", "UN")


def _message_response(message: Message, errors: list[Finding]) -> list[Segment]:
    s009 = [message.type, message.version, message.release, message.agency]
    if message.association:
        s009.append(message.association)
    if not errors:
        return [Segment.build("UCM", message.reference, s009, ACCEPTED)]
    first = errors[0]
    tag = first.location.segment_tag if first.location.segment_tag in ("UNH", "UNT") else None
    ucm = Segment.build("UCM", message.reference, s009, REJECTED, _error_code(first), tag)
    out = [ucm]
    for error in errors:
        position = error.location.segment_index
        if position is None or error.location.segment_tag in ("UNH", "UNT"):
            continue  # reported by the UCM itself (0013)
        out.append(Segment.build("UCS", str(position), _error_code(error)))
        if error.location.element is not None:
            pointer = [str(error.location.element)]
            if error.location.component is not None:
                pointer.append(str(error.location.component))
            out.append(Segment.build("UCD", _error_code(error), pointer))
    return out


def build(interchange: Interchange,
          severity: Mapping[str, Severity] | None = None) -> Acknowledgement:
    """The CONTRL message for ``interchange`` (as read by ``read_interchanges``);
    ``severity`` overrides the severities of finding codes (a profile's ``[severity]``), so
    a syntax finding a profile accepts does not reject the interchange."""
    severity = severity or {}
    header = interchange.header
    if header is None:
        raise UsageError("no interchange header (UNB) to acknowledge")
    envelope_errors = _syntax_errors(interchange.findings, severity)
    responses: list[Segment] = []
    rejected: list[str] = []
    by_group: dict[str, list[Segment]] = {}
    for message in interchange.messages:
        errors = _syntax_errors(message.findings, severity)
        if errors:
            rejected.append(message.reference)
        segments = _message_response(message, errors)
        if message.group is not None:
            by_group.setdefault(message.group.reference, []).extend(segments)
        else:
            responses.extend(segments)
    all_rejected = bool(interchange.messages) and len(rejected) == len(interchange.messages)
    action = REJECTED if envelope_errors or all_rejected else ACCEPTED
    uci: list[str | list[str] | None] = [
        header.control_ref,
        [header.sender, header.sender_qualifier],
        [header.recipient, header.recipient_qualifier],
        action,
    ]
    if envelope_errors:
        first = envelope_errors[0]
        tag = first.location.segment_tag
        uci += [_error_code(first), tag if tag in ("UNA", "UNB", "UNZ") else None]
        if first.location.element is not None:
            uci.append([str(first.location.element)] + (
                [str(first.location.component)] if first.location.component else []))
    body = [Segment.build("UCI", *uci)]
    body.extend(responses)
    for group in interchange.groups:
        segs = by_group.get(group.reference, [])
        group_rejected = any(s.tag == "UCM" and s.get(3) == REJECTED for s in segs)
        body.append(Segment.build(
            "UCF", group.reference, [group.sender], [group.recipient],
            REJECTED if group_rejected and all(
                s.get(3) == REJECTED for s in segs if s.tag == "UCM") else ACCEPTED))
        body.extend(segs)
    draft = MessageDraft(reference="1", identifier=_identifier(interchange), body=body)
    return Acknowledgement(interchange=interchange, action=action,
                           rejected_messages=tuple(rejected), message=draft)


def to_bytes(ack: Acknowledgement, *, control_ref: str,
             prepared: dt.datetime | None = None) -> bytes:
    """The CONTRL as an interchange from the subject's recipient back to its sender, in
    the subject's character set and syntax version."""
    header = ack.interchange.header
    assert header is not None
    version = header.syntax_version_number if header.syntax_version_number in (1, 2, 3, 4) \
        else 3
    # Answer in the subject's character set when edimap knows it, else in UNOC.
    syntax_id = header.syntax_id.upper() if codec_for(header.syntax_id) else "UNOC"
    options = {
        "sender": header.recipient, "sender_qualifier": header.recipient_qualifier,
        "recipient": header.sender, "recipient_qualifier": header.sender_qualifier,
        "control_ref": control_ref, "syntax_version": version, "prepared": prepared,
        "test": header.is_test}
    # When the subject's own identifiers or references break its declared set (lower case
    # under UNOA, a stray byte-order mark), the acknowledgement goes out in UNOC, or in UNOY
    # (which carries anything), rather than not at all.
    for candidate in (syntax_id, "UNOC"):
        try:
            return write_interchange([ack.message], syntax_id=candidate, **options)
        except EncodingError:
            continue
    return write_interchange([ack.message], syntax_id="UNOY", **options)

