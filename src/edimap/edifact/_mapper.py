"""Reading a message by the role of each segment's group: :class:`MessageReader` walks the
segments and calls one handler per role (``references``, ``parties``, ``lines/line-prices``
…), in the way StAEDI's lexer calls named methods on an event handler, rather than one long
chain of conditions. The ORDERS and INVOIC readers are subclasses that add the handlers of
their own groups; what a segment means the same in both is read here once.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, ClassVar

from edimap import content
from edimap.edifact._common import (
    AMBIGUOUS,
    BAD_CODE,
    BAD_UNIT,
    MISSING_VALUE,
    UNUSUAL,
    MapContext,
)
from edimap.edifact._parts import (
    MODEL_INVALID,
    PARTY_ROLES,
    ROLE_QUALIFIERS,
    LineDraft,
    PartyDraft,
    build_alc,
    build_party,
    read_alc_detail,
    read_nad,
    read_party_detail,
    read_pri,
    read_terms,
    start_alc,
    structure_roles,
)
from edimap.edifact.reader import Message
from edimap.edifact.syntax import Segment
from edimap.findings import Location, ValidationError
from edimap.model import AllowanceCharge, Document, DocumentReference, Party, PaymentTerms

__all__ = ["NOTE_SUBJECTS", "MessageReader"]

NOTE_SUBJECTS = frozenset({"AAI", "AAB", "ZZZ", "PUR", "DEL", "GEN", "INV", "REG", ""})
"""FTX 4451 subjects read as notes without loss (others are notes, and the subject is
listed as not carried)."""

class MessageReader:
    """The state of one message being read, and the handlers shared by ORDERS and INVOIC.

    ``ROLES`` maps a group role (or a role family ending in ``*``: ``allowances*`` is
    ``allowances`` and everything below it) to the name of its handler. A handler takes the
    segment's index and the segment and returns False when it has no place for it (a
    party detail before any NAD); the segment is then noted as not carried. Header
    segments (role ``""``) go to ``header_<TAG>``.
    """

    ROLES: ClassVar[dict[str, str]] = {
        "": "on_header", "references": "on_reference", "parties": "on_party",
        "parties/*": "on_party_detail", "allowances*": "on_allowance",
        "lines/line-prices": "on_line_price", "lines/line-allowances*": "on_line_allowance",
    }
    DOCUMENT: ClassVar[str] = "document"
    PARTY_ROLES: ClassVar[dict[str, str]] = PARTY_ROLES
    HEADER_REFS: ClassVar[dict[str, str]] = {}
    """RFF qualifiers of the references group that are document fields (RFF+VN …)."""

    def __init__(self, message: Message) -> None:
        roles, findings = structure_roles(message)
        self.segs = message.segments
        self.roles = roles
        self.ctx = MapContext(message, roles)
        self.ctx.findings.extend(findings)
        self.header: dict[str, Any] = {}
        self.notes: list[str] = []
        self.refs: list[DocumentReference] = []
        self.last_ref: DocumentReference | None = None
        self.parties: dict[str, PartyDraft] = {}
        self.party: PartyDraft | None = None
        self.line: LineDraft | None = None
        self.allowances: list[dict[str, Any]] = []
        self.allowance: dict[str, Any] | None = None
        self.terms: dict[str, Any] | None = None
        self.terms_note: str | None = None
        self.skip = 0  # segments a handler has read ahead

    # --- the walk ---------------------------------------------------------------------------

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Handlers are looked up once per class and role, not per message.
        cls._by_role = {}
        cls._by_tag = {}

    _by_role: ClassVar[dict[str, Callable[[Any, int, Segment], bool]]] = {}
    _by_tag: ClassVar[dict[str, Callable[[Any, int, Segment], None] | None]] = {}

    def read_segments(self) -> None:
        roles, by_role = self.roles, self._by_role
        numbered = enumerate(self.segs)
        for i, seg in numbered:
            if seg.tag in ("UNH", "UNT"):
                continue
            role = roles[i] if i < len(roles) else ""
            handler = by_role.get(role) or self._resolve(role)
            if not handler(self, i, seg):
                self.ctx.not_carried(i, f"{seg.tag} ({role or 'header'})")
            if self.skip:
                # Segments the handler read ahead (a line group read whole).
                next(itertools.islice(numbered, self.skip - 1, None), None)
                self.skip = 0

    @classmethod
    def _resolve(cls, role: str) -> Callable[[Any, int, Segment], bool]:
        name = cls.ROLES.get(role)
        if name is None:
            family = role
            while name is None and family:
                name = cls.ROLES.get(family + "*") or (
                    cls.ROLES.get(family.rpartition("/")[0] + "/*") if "/" in family
                    else None)
                family = family.rpartition("/")[0]
        handler: Callable[[Any, int, Segment], bool] = getattr(cls, name or "on_unknown")
        cls._by_role[role] = handler
        return handler

    def on_unknown(self, i: int, seg: Segment) -> bool:
        return False

    def set_once(self, key: str, value: Any, index: int, what: str,
                 target: dict[str, Any] | None = None) -> None:
        """A header field (or a field of ``target``); a second, different value for it is
        an ambiguity."""
        fields = self.header if target is None else target
        if value is None:
            return
        if key in fields and fields[key] != value:
            self.ctx.add(AMBIGUOUS(f"{what} is given twice: {fields[key]!s} and {value!s}",
                                   self.ctx.loc(index)))
            return
        fields[key] = value

    # --- header segments ---------------------------------------------------------------------

    def on_header(self, i: int, seg: Segment) -> bool:
        by_tag = self._by_tag
        if seg.tag not in by_tag:
            by_tag[seg.tag] = getattr(type(self), "header_" + seg.tag, None)
        handler = by_tag[seg.tag]
        if handler is None:
            self.ctx.not_carried(i)
        else:
            handler(self, i, seg)
        return True

    def header_FTX(self, i: int, seg: Segment) -> None:
        """FTX: a note; FTX+AAB (terms of payment) is the payment terms' text, which goes
        on in a next FTX+AAB."""
        text = self.ctx.text(seg.components(4))
        if text and seg.get(1) == "AAB":
            self.terms_note = text if self.terms_note is None else f"{self.terms_note} {text}"
        elif text:
            self.notes.append(text)
        if seg.get(1) not in NOTE_SUBJECTS:
            self.ctx.not_carried(i, f"FTX subject {seg.get(1)}")

    def payment_terms(self) -> PaymentTerms | None:
        """The payment terms of PAT and FTX+AAB, if the message has either."""
        fields = dict(self.terms or {})
        if self.terms_note is not None:
            fields["note"] = self.terms_note
        return PaymentTerms(**fields) if fields else None

    def document_date(self, i: int, seg: Segment, dates: dict[str, str],
                      stand_in: tuple[str, str]) -> str | None:
        """The model field of a header DTM's qualifier. DTM+``stand_in[0]`` (the order or
        invoice date) stands in for a missing DTM+137, with the warning ``stand_in[1]``."""
        q = seg.get(1, 1)
        key = dates.get(q)
        if q == stand_in[0] and not any(s.tag == "DTM" and s.get(1, 1) == "137"
                                        for s in self.segs):
            self.ctx.add(UNUSUAL(stand_in[1], self.ctx.loc(i, 1, 1)))
            key = "issue_date"
        return key

    # --- groups both messages share ------------------------------------------------------------

    def on_reference(self, i: int, seg: Segment) -> bool:
        """SG1: RFF (a document field by ``HEADER_REFS``, else a reference) and its DTM+171."""
        if seg.tag == "RFF":
            q, value = seg.get(1, 1), seg.get(1, 2)
            key = self.HEADER_REFS.get(q)
            self.last_ref = None
            if key is not None:
                self.set_once(key, value or None, i, f"RFF+{q}")
            elif value and q:
                self.last_ref = DocumentReference(kind=q, id=value)
                self.refs.append(self.last_ref)
            elif value:  # (a reference without its qualifier says not what it is)
                self.ctx.not_carried(i, "RFF without a qualifier (1153)")
        elif seg.tag == "DTM" and seg.get(1, 1) == "171" and self.last_ref is not None:
            start, _ = self.ctx.date(i)
            if start:
                self.refs[-1] = self.last_ref = DocumentReference(
                    kind=self.last_ref.kind, id=self.last_ref.id, date=start)
        else:
            self.ctx.not_carried(i, f"{seg.tag} in references")
        return True

    def on_party(self, i: int, seg: Segment) -> bool:
        """SG2: NAD, and the other segments of its group."""
        if seg.tag == "NAD":
            self.party = read_nad(self.ctx, i, seg, self.parties, self.PARTY_ROLES)
        else:
            self.party_segment(i, seg)
        return True

    def party_segment(self, i: int, seg: Segment) -> None:
        self.ctx.not_carried(i, f"{seg.tag} after NAD")

    def on_party_detail(self, i: int, seg: Segment) -> bool:
        """SG3–SG5 under NAD: RFF VA/GN/IT, CTA, COM."""
        if self.party is None:
            return False
        read_party_detail(self.ctx, i, seg, self.roles[i], self.party)
        return True

    def on_payment_terms(self, i: int, seg: Segment) -> bool:
        """PAT with its DTM and PCD."""
        self.terms = read_terms(self.ctx, i, seg, self.terms)
        return True

    def on_allowance(self, i: int, seg: Segment) -> bool:
        """The document's ALC with its PCD, MOA and TAX."""
        return self._allowance(i, seg, self.allowances)

    def _allowance(self, i: int, seg: Segment, target: list[dict[str, Any]]) -> bool:
        if seg.tag == "ALC":
            self.allowance = start_alc(self.ctx, i, seg)
            target.append(self.allowance)
        elif self.allowance is not None:
            read_alc_detail(self.ctx, i, seg, self.allowance)
        return True

    def on_line_price(self, i: int, seg: Segment) -> bool:
        """SG28/SG32: PRI."""
        if self.line is None:
            return False
        if seg.tag == "PRI":
            read_pri(self.ctx, i, seg, self.line)
        else:
            self.ctx.not_carried(i, f"{seg.tag} with PRI")
        return True

    def on_line_allowance(self, i: int, seg: Segment) -> bool:
        """A line's ALC with its PCD, MOA and TAX."""
        if self.line is None:
            return False
        charges = self.line.fields["allowance_charges"]
        if seg.tag == "ALC":
            self.allowance = start_alc(self.ctx, i, seg)
            charges.append(self.allowance)
        elif charges:
            read_alc_detail(self.ctx, i, seg, charges[-1])
        return True

    # --- after the walk ---------------------------------------------------------------------------

    def require_number_and_date(self) -> None:
        if "id" not in self.header:
            self.ctx.add(MISSING_VALUE(f"the {self.DOCUMENT} has no number (BGM C106 1004)",
                                       self.ctx.loc(0)))
        if "issue_date" not in self.header:
            self.ctx.add(MISSING_VALUE(f"the {self.DOCUMENT} has no document date (DTM+137)",
                                       self.ctx.loc(0)))

    def built_parties(self) -> dict[str, Party]:
        """The parties by model role, those that built."""
        built = ((q, build_party(self.ctx, p)) for q, p in self.parties.items())
        return {self.PARTY_ROLES[q]: p for q, p in built if p}

    def built_allowances(self) -> list[AllowanceCharge]:
        built = (build_alc(self.ctx, a) for a in self.allowances)
        return [a for a in built if a is not None]

    def default_currency(self) -> None:
        """No CUX: the currency is DKK, edimap's default for Danish trade, said in an info
        finding (a profile's ``defaults.currency`` replaces it)."""
        if "currency" not in self.header:
            self.header["currency"] = "DKK"
            self.ctx.add(content.defaulted("currency", "DKK", "edimap's default (the "
                                           "message has no CUX+2)", self.ctx.loc(0)))

    def build_document(self, build: Callable[[], Document]) -> Document | None:
        """The document ``build`` makes, whatever the findings so far say: values the
        message gives are kept as sent, and whether the document may be used is decided
        by the severities (a profile may lower some). None when it cannot be built; each
        broken invariant is then reported at the segment its field came from, as an
        error even where an earlier finding explains it, since a profile may have made
        that one a warning and the document still cannot be read."""
        try:
            document = build()
        except ValidationError as exc:
            for err in exc.errors:
                self.ctx.add(MODEL_INVALID(err.message, self.locate(err.path)))
            return None
        except TypeError:  # pragma: no cover - every required field has its finding
            self.ctx.add(MODEL_INVALID("a required field is missing", self.ctx.loc(0)))
            return None
        self.check_content(document)
        return document

    def check_content(self, document: Document) -> None:
        """Codes and identifiers that do not meet their standard (edimap.content), at the
        segment they came from; GLNs and GTINs were reported where they were read."""
        for problem in content.problems(document, gs1=False):
            code = BAD_UNIT if problem.kind == "unit" else BAD_CODE
            self.ctx.add(code(problem.message, self.locate(problem.path)))

    def locate(self, path: str) -> Location:
        """The segment a model path came from: the n-th LIN for ``lines[n]``, the party's
        NAD, CUX for the currency; the message's start otherwise."""
        head = path.split(".", 1)[0]
        index = 0
        if head.startswith("lines["):
            wanted = int(head[6:-1])
            lins = [i for i, seg in enumerate(self.segs) if seg.tag == "LIN"]
            index = lins[wanted] if wanted < len(lins) else 0
        elif head in ROLE_QUALIFIERS and ROLE_QUALIFIERS[head] in self.parties:
            index = self.parties[ROLE_QUALIFIERS[head]].index
        elif head == "currency":
            index = next((i for i, seg in enumerate(self.segs) if seg.tag == "CUX"), 0)
        return self.ctx.loc(index).evolve(field=path)
