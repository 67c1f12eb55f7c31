"""One conversion path: read an input, then write each document it holds, with one
:class:`Outcome` per document (or for the input itself, when nothing in it could be
read). The command line (one input, many, standard input) and the batch runner go through
it; a bad message or a refused document never stops the others.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from edimap import _api, formats
from edimap._notes import NOT_CARRIED, collecting
from edimap._stop import STOPPED
from edimap._streaming import iter_read
from edimap.findings import (
    EdimapError,
    FieldError,
    Finding,
    Location,
    Severity,
    ValidationError,
    register,
)
from edimap.formats.base import Format, Item
from edimap.ids.gln import is_valid as gln_is_valid
from edimap.model import Document, Invoice, paths_holding
from edimap.profiles import ProfileSet

__all__ = [
    "Outcome",
    "convert_input",
    "input_outcome",
    "not_written",
    "outcome_of",
    "profile_writer_options",
    "read_input",
    "refusals",
    "stopped_entry",
    "write_document",
    "writer_options",
]

SOURCE = register(
    "IO-SOURCE", Severity.ERROR,
    "An input of a batch cannot be opened or read.",
    "Check the path and its permissions; the other inputs are converted all the same.",
    "a file removed while the batch ran")
WRITE_INVALID = register(
    "WRITE-INVALID", Severity.ERROR,
    "A document was read, but what the writer made of it breaks the target format's "
    "official rules (a placeholder GLN in an OIOUBL EndpointID, say); it is not written.",
    "Read the rule's message: correct the value in the input or supply it (a profile's "
    "[own] or [units]); the XPath points into the output that was refused.",
    "NAD+BY+PARTNER1::9' read under --profile tolerant, written as OIOUBL (F-LIB181)")
WRITE_REFUSED = register(
    "WRITE-REFUSED", Severity.ERROR,
    "A document was read, but the target format cannot be written from it: it needs "
    "content the document lacks.",
    "Read the message: it names the field; complete the document or choose another format.",
    "an order whose seller has neither a GLN nor a CVR number, written as OIOUBL")


@attrs.frozen
class Outcome:
    """What became of one message or document of one input. ``document`` is set between
    reading and writing; ``data`` and ``output_name`` once written on its own."""

    input: str
    reference: str | None
    converted: bool
    findings: tuple[dict[str, Any], ...]
    output_name: str | None = None
    data: bytes | None = attrs.field(default=None, repr=False)
    document: Document | None = attrs.field(default=None, repr=False, eq=False)
    profile: str | None = None
    about_input: bool = False
    """The findings about the input as a whole (:func:`input_outcome`), not a document:
    ``input`` in a report when none is an error."""

    def to_dict(self, output: str | None) -> dict[str, Any]:
        outcome = ("failed" if not self.converted else "input" if self.about_input
                   else "converted")
        return {"input": self.input, "reference": self.reference, "outcome": outcome,
                "output": output, "profile": self.profile, "findings": list(self.findings)}


def writer_options(fmt: Format, options: dict[str, Any]) -> dict[str, Any]:
    """The options ``fmt``'s writer takes, out of all the command line gathered."""
    return {k: v for k, v in options.items() if k in fmt.writer_options}


def read_input(source: Any, name: str, from_format: str = "auto",
               profiles: ProfileSet | None = None) -> Iterator[Outcome]:
    """One outcome per message or document of ``source`` as it is read (the readable ones
    holding their document), then the input's own (:func:`input_outcome`). Each message is
    read under its profile from ``profiles`` (``strict`` when None). An input that cannot
    be opened raises :class:`~edimap.SourceError`."""
    read_any = False
    with iter_read(source, format=from_format, profile=profiles) as stream:
        for item in stream:
            read_any = True
            yield outcome_of(item, name)
    whole = input_outcome(name, stream.findings, read_any)
    if whole is not None:
        yield whole


def input_outcome(name: str, findings: Sequence[Finding], read_any: bool
                  ) -> Outcome | None:
    """The findings about the input ``name`` as a whole, known once it is read, as an
    outcome after its documents' — every way of converting puts them there: failed with
    an error among them (a broken envelope) or when nothing in the input could be read,
    else converted (``input`` in a report); None without any (an input of no documents and
    nothing to say, such as ``[]``, is no failure)."""
    if not findings:
        return None
    failed = not read_any or any(f.is_error for f in findings)
    return Outcome(name, None, not failed, tuple(f.to_dict() for f in findings),
                   about_input=True)


def stopped_entry(name: str, reference: str | None = None) -> dict[str, Any]:
    """The report entry of an input (or one of its documents) a stopped run did not
    convert."""
    what = "this input" if reference is None else "this document"
    return {"input": name, "reference": reference, "outcome": "stopped", "output": None,
            "profile": None, "findings": [STOPPED(
                f"not converted: the run was stopped before {what}",
                Location(source=name, message_ref=reference)).to_dict()]}


def outcome_of(item: Item, name: str) -> Outcome:
    """The outcome of reading one item of the input ``name``: holding its document when
    it converted."""
    ok = item.ok and item.document is not None
    return Outcome(name, item.reference, ok, tuple(f.to_dict() for f in item.findings),
                   document=item.document if ok else None, profile=item.profile)


def write_document(outcome: Outcome, fmt: Format, options: dict[str, Any]) -> Outcome:
    """``outcome``'s document written on its own, with a ``WRITE-NOT-CARRIED`` warning per
    value the format has no place for; or failed with ``WRITE-REFUSED``, one per field the
    format needs, naming it and what supplies it."""
    document = outcome.document
    if document is None:
        return outcome
    where = Location(source=outcome.input, message_ref=outcome.reference)
    given = {**writer_options(fmt, options),
             **profile_writer_options(fmt, document, outcome, options)}
    with collecting() as notes:
        try:
            data = fmt.write(document, **given)
        except EdimapError as exc:
            refused = tuple(f.to_dict() for f in refusals(exc, fmt.name, document, where))
            return attrs.evolve(outcome, converted=False, document=None,
                                findings=(*outcome.findings, *refused))
    noted = tuple(not_written(notes, fmt.name, document, where))
    if options.get("check", True):
        invalid = checked(data, fmt, document, where)
        if invalid:
            return attrs.evolve(outcome, converted=False, document=None, findings=(
                *outcome.findings, *(f.to_dict() for f in (*noted, *invalid))))
    return attrs.evolve(outcome, output_name=fmt.output_name(document), data=data,
                        document=None, findings=(*outcome.findings,
                                                 *(f.to_dict() for f in noted)))


def profile_writer_options(fmt: Format, document: Document, outcome: Outcome,
                           options: dict[str, Any]) -> dict[str, Any]:
    """What the writer takes from the document's profile: the findings it tolerates
    (``tolerated``: an EANCOM writer writes a number that fails its check digit as sent
    only then), and the EANCOM sender or recipient the document's parties do not give,
    from the own company's GLN (we send our invoices and receive our orders); an option
    given on the command line always wins."""
    profiles = options.get("profiles")
    if "sender" not in fmt.writer_options or not isinstance(profiles, ProfileSet):
        return {}
    profile = profiles.named(outcome.profile)
    tolerated = profile.tolerated
    given: dict[str, Any] = {"tolerated": tolerated}
    own = profile.own.gln if profile.own is not None else None
    # We are the seller: an invoice goes from us, an order comes to us.
    key = "sender" if isinstance(document, Invoice) else "recipient"
    seller = document.seller.gln if document.seller is not None else None
    if own is None or options.get(key) or (seller and (
            "EANCOM-GLN" in tolerated or gln_is_valid(seller))):
        return given
    return {**given, key: own}


def checked(data: bytes, fmt: Format, document: Document, where: Location) -> list[Finding]:
    """``WRITE-INVALID`` findings when the bytes written break the target format's official
    rules (OIOUBL: the UBL 2.1 XSD and the OIOUBL rules); none when nothing breaks them."""
    errors = [f for f in fmt.validate(data, where.source, rules=True) if f.is_error]
    out = []
    for error in errors:
        field = _field_of(document, fmt.value_at(data, error.location))
        if field is None and (line := fmt.line_at(error.location)) is not None:
            field = f"lines[{line}]"
        source = f" (the document's {field}: correct it in the input)" if field else ""
        out.append(WRITE_INVALID(
            f"{document.kind.value} {document.id} was not written as {fmt.name}: the output "
            f"would break {error.code}: {error.message}{source}{_how_to_fix(error)}",
            where.evolve(xpath=error.location.xpath,
                         segment_index=error.location.segment_index,
                         segment_tag=error.location.segment_tag,
                         element=error.location.element,
                         component=error.location.component, field=field)))
    return out


def _field_of(document: Document, value: str | None) -> str | None:
    """The one model field of ``document`` holding ``value`` (what an output's broken
    value came from), or None when none or several do."""
    if value is None:
        return None
    paths = list(itertools.islice(paths_holding(value, document), 2))
    return paths[0] if len(paths) == 1 else None


_FIXED_BY = {
    "F-LIB318": "map the partner's unit to a UN/ECE Rec 20 code under [units] in its profile",
    "F-LIB181": "correct the GLN in the input, or accept the partner's placeholders in a "
                "target that does not route by them (JSON)",
    "F-LIB185": "correct the GLN in the input, or accept the partner's placeholders in a "
                "target that does not route by them (JSON)",
}
"""Official rules whose breach the user can mend → how (the rule id leads the message)."""


def _how_to_fix(error: Finding) -> str:
    rule = next((r for r in _FIXED_BY if error.code == r or error.message.startswith(
        (f"[{r}]", r))), None)
    return f" (to mend it: {_FIXED_BY[rule]})" if rule else ""


_SUPPLIED_BY = {
    "seller": "the own company under [own] in a profile (--profile)",
    "buyer": "the partner's identity under [partner] in its profile (--profiles)",
    "sender": "--sender, or a GLN for the buyer (orders) or the seller (invoices)",
    "recipient": "--recipient, or a GLN for the seller (orders) or the buyer (invoices)",
}
"""Model paths a refusal names → the setting or option that supplies them."""


def refusals(exc: EdimapError, format_name: str, document: Document,
             where: Location) -> list[Finding]:
    """``WRITE-REFUSED`` findings for a writer's refusal: one per field it names."""
    errors = exc.errors if isinstance(exc, ValidationError) else (FieldError("", str(exc)),)
    out = []
    for error in errors:
        supply = _SUPPLIED_BY.get(error.path)  # a party left out, not one mistaken
        hint = f" (supplied by {supply})" if supply else ""
        out.append(WRITE_REFUSED(
            f"{document.kind.value} {document.id} cannot be written as {format_name}: "
            f"{error}{hint}", where.evolve(field=error.path or None)))
    return out


def not_written(notes: list[tuple[str, str]], format_name: str, document: Document,
                where: Location) -> list[Finding]:
    """``WRITE-NOT-CARRIED`` findings for a writer's notes."""
    return [NOT_CARRIED(f"{document.kind.value} {document.id}: {path} is not written to "
                        f"{format_name} as it is: {message}", where.evolve(field=path))
            for path, message in notes]


def convert_input(path: str, to_format: str, from_format: str,
                  options: dict[str, Any]) -> Iterator[Outcome]:
    """Read the file ``path`` (or URL) and write each of its documents on its own as
    ``to_format``, one at a time; ``options["profiles"]`` is the
    :class:`~edimap.profiles.ProfileSet` to read under."""
    fmt = formats.get(to_format)
    try:
        for outcome in read_input(path, path, from_format, options.get("profiles")):
            yield write_document(outcome, fmt, options)
    except EdimapError as exc:  # gone or unreadable since the batch started
        yield Outcome(path, None, False, (SOURCE(str(exc), Location(source=path)).to_dict(),),
                      about_input=True)
    except MemoryError:  # (what was read and written is freed as this unwinds)
        yield Outcome(path, None, False, (_api.out_of_memory(
            f"converting the input to {to_format}", path).to_dict(),), about_input=True)
