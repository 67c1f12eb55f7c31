"""Helpers the EANCOM message mappers share: values, dates, parties, and the bookkeeping
that makes sure every segment is either mapped or reported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from edimap._codes import ascii_digits
from edimap.edifact.reader import Message
from edimap.edifact.syntax import Segment, parse_decimal_text
from edimap.findings import Finding, Location, Severity, register
from edimap.ids import cvr as _cvr
from edimap.ids import gln as _gln

__all__ = ["MapContext"]

NOT_CARRIED = register(
    "EANCOM-NOT-CARRIED", Severity.INFO,
    "Segments or qualifiers the model has no field for; they are listed so nothing is "
    "dropped in silence.", "Nothing, unless your process needs them: then read them from "
    "the message with edimap.edifact.", "ALI+DK'  TDT+20++30'")
BAD_NUMBER = register(
    "EANCOM-NUMBER", Severity.ERROR,
    "A numeric value is not a number (EDIFACT allows digits, one decimal mark . or , and "
    "a leading minus).", "Correct the value.", "QTY+21:1020A'")
BAD_DATE = register(
    "EANCOM-DATE", Severity.ERROR,
    "A date is not valid, or does not fit its format code (2379).",
    "Correct the date or the format code.", "DTM+137:199910060000:102'")
DATE_FORMAT = register(
    "EANCOM-DATE-FORMAT", Severity.ERROR,
    "A date's value does not fit the format code it declares (DTM C507 2379), but fits "
    "another by its length (12 digits: 203); it is read in that format.",
    "Correct the format code, or accept the partner's dates with a profile.",
    "DTM+137:199910060000:102'")
BAD_GLN = register(
    "EANCOM-GLN", Severity.ERROR,
    "A party identified as a GLN (code list 9, or UNB qualifier 14) has a value that is not "
    "a valid GLN.", "Correct the GLN; the message says what the check digit should be.",
    "NAD+BY+5790000274018::9'")
BAD_GTIN = register(
    "EANCOM-GTIN", Severity.ERROR,
    "An item number declared as a GTIN (EN, SRV, UP, EU, SRS) is not a valid GTIN.",
    "Correct the GTIN; the message says what the check digit should be.",
    "LIN+1++5701234567898:EN'")
BAD_CVR = register(
    "EANCOM-CVR", Severity.WARNING,
    "A CVR number (RFF+GN) fails the modulus-11 check; it is kept as sent (some numbers "
    "in use do, and test files carry made-up ones).", "Check the number with the sender.",
    "RFF+GN:16356706'")
BAD_CODE = register(
    "EANCOM-CODE", Severity.ERROR,
    "A code value does not have the shape of its code list: a currency that is not ISO "
    "4217 (CUX), a country that is not ISO 3166-1 alpha-2 (NAD 3207), a CVR number that is "
    "not 8 digits; the value is kept as sent.",
    "Correct the value, or accept it as sent with a profile.", "NAD+BY+…+DNK'")
BAD_UNIT = register(
    "EANCOM-UNIT", Severity.ERROR,
    "A unit (QTY C186 6411) is not shaped like a UN/ECE Rec 20 code, as a unit in OIOUBL or "
    "JSON must be too; it is kept as sent.",
    "Map the partner's unit to a Rec 20 code under [units] in its profile (GBND = \"PK\").",
    "QTY+21:10:GBND'")
MISSING_VALUE = register(
    "EANCOM-MISSING", Severity.ERROR,
    "Something the model needs is not in the message (document number, document date, "
    "ordered quantity, …).", "Add it to the message.", "BGM+220++9'  (no order number)")
AMBIGUOUS = register(
    "EANCOM-AMBIGUOUS", Severity.ERROR,
    "A qualifier that may occur once occurs more than once with different values, so edimap "
    "cannot tell which one is meant.", "Send it once.",
    "DTM+137:20261124:102'DTM+137:20261125:102'")
UNUSUAL = register(
    "EANCOM-UNUSUAL", Severity.WARNING,
    "A value was read, but the way it is written deviates from EANCOM (an unexpected "
    "qualifier or code that edimap mapped as stated in the message).",
    "Check that the field got the intended meaning.", "QTY+1:5'  read as ordered quantity")


class MapContext:
    """State for mapping one message: findings, and which segments were used."""

    def __init__(self, message: Message, roles: tuple[str, ...]) -> None:
        self.message = message
        self.roles = roles
        self.findings: list[Finding] = []
        self.decimal = message.delimiters.decimal
        self._unmapped: dict[str, list[int]] = {}

    # -- locations and findings

    def loc(self, index: int, element: int | None = None,
            component: int | None = None) -> Location:
        """Location of segment ``index`` (0-based in message.segments)."""
        return self.message.location(index + 1, element=element, component=component,
                                     group_path=None)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def not_carried(self, index: int, what: str | None = None) -> None:
        """Note that segment ``index`` (or a part of it, ``what``) has no place in the model."""
        seg = self.message.segments[index]
        key = what or seg.tag
        self._unmapped.setdefault(key, []).append(index + 1)

    def flush_not_carried(self) -> None:
        if not self._unmapped:
            return
        parts = []
        for key, positions in self._unmapped.items():
            shown = _runs(positions)
            parts.append(f"{key} (segment{'s' if len(positions) > 1 else ''} {shown})")
        first = min(p for ps in self._unmapped.values() for p in ps)
        self.add(NOT_CARRIED("not carried by the model: " + "; ".join(parts),
                             self.message.location(first)))
        self._unmapped = {}

    # -- values

    def number(self, index: int, element: int, component: int, *,
               required: bool = False, what: str = "value", text: str | None = None
               ) -> Decimal | None:
        """The number at element/component of segment ``index`` (or ``text``, already
        taken from there), or None with a finding when it is not one."""
        seg = self.message.segments[index]
        if text is None:
            text = seg.get(element, component)
        if text.isascii() and text.isdigit():  # the common case: a whole number
            return Decimal(text)
        if not text:
            if required:
                self.add(MISSING_VALUE(f"{seg.tag} has no {what}", self.loc(index, element,
                                                                            component)))
            return None
        normal = parse_decimal_text(text, self.decimal)
        if normal is None:
            self.add(BAD_NUMBER(f"{what} {text!r} in {seg.tag} is not a number",
                                self.loc(index, element, component)))
            return None
        try:
            return Decimal(normal)
        except InvalidOperation:  # pragma: no cover - parse_decimal_text guards this
            self.add(BAD_NUMBER(f"{what} {text!r} is not a number", self.loc(index, element,
                                                                            component)))
            return None

    def date(self, index: int) -> tuple[dt.date | None, dt.date | None]:
        """DTM C507: the date (and the end date for a 718 range) of segment ``index``.

        Formats 102, 203, 204, 101, 201 and 718; a time of day is not carried (info)."""
        seg = self.message.segments[index]
        qualifier, value, fmt = seg.get(1, 1), seg.get(1, 2), seg.get(1, 3) or "102"
        lengths = _DATE_LENGTHS
        if fmt not in lengths:
            self.add(BAD_DATE(f"DTM+{qualifier} has format {fmt!r}, which edimap does not "
                              "read (102, 203, 204, 101, 201, 718)", self.loc(index, 1, 3)))
            return None, None
        if len(value) != lengths[fmt] and ascii_digits(value) and len(value) in _BY_LENGTH:
            # A date written in another format than the one it declares: read by its
            # length (a profile may accept it as sent).
            actual = _BY_LENGTH[len(value)]
            self.add(DATE_FORMAT(f"DTM+{qualifier} value {value!r} has the {len(value)} "
                                 f"digits of format {actual}, not {fmt}; read as {actual}",
                                 self.loc(index, 1, 3)))
            fmt = actual
        if len(value) != lengths[fmt] or not ascii_digits(value.replace("-", "")):
            self.add(BAD_DATE(f"DTM+{qualifier} value {value!r} does not fit format {fmt} "
                              f"({lengths[fmt]} characters)", self.loc(index, 1, 2)))
            return None, None
        try:
            if fmt == "718":
                start, _, end = value.partition("-")
                return _ymd(start), _ymd(end)
            if fmt in ("101", "201"):
                return _ymd(("20" if int(value[:2]) < 70 else "19") + value[:6]), None
            if fmt in ("203", "204") and value[8:].strip("0"):
                self.not_carried(index, f"time of day in DTM+{qualifier}")
            return _ymd(value[:8]), None
        except ValueError:
            self.add(BAD_DATE(f"DTM+{qualifier} value {value!r} is not a calendar date",
                              self.loc(index, 1, 2)))
            return None, None

    def gln(self, index: int, value: str, element: int, component: int, role: str,
            field: str | None = None) -> str:
        """The GLN as sent; a wrong one is reported, at the model ``field`` it is read
        into (and kept: its severity is the profile's to set)."""
        try:
            _gln.validate(value)
        except ValueError as exc:
            where = self.loc(index, element, component)
            # A placeholder (PARTNER1) rather than a mistyped GLN: say what names the GLN.
            hint = ("; a partner profile's [identities] names the GLN it stands for"
                    if not (len(value) == 13 and value.isdigit()) else "")
            self.add(BAD_GLN(f"{role}: {exc}{hint}",
                             where.evolve(field=field) if field else where))
        return value

    def cvr(self, index: int, value: str) -> str | None:
        """The 8 digits of a CVR-shaped value (``DK`` and spaces dropped), or None; one
        that fails the modulus-11 check is kept with a warning (numbers in use do)."""
        try:
            number = _cvr.validate_format(value)
        except ValueError:
            return None
        if not _cvr.is_valid(number):
            self.add(BAD_CVR(f"CVR {number} fails the modulus-11 check; kept as sent",
                             self.loc(index, 1, 2)))
        return number

    def text(self, values: Iterable[str], sep: str = " ") -> str | None:
        joined = sep.join(v for v in values if v)
        return joined or None


def _runs(positions: list[int]) -> str:
    """Every position, runs of consecutive ones as ranges: ``5, 7-9, 14``.

    >>> _runs([5, 7, 8, 9, 14, 14])
    '5, 7-9, 14'
    """
    out: list[str] = []
    ordered = sorted(set(positions))
    start = prev = ordered[0]
    for p in [*ordered[1:], None]:
        if p is not None and p == prev + 1:
            prev = p
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if p is not None:
            start = prev = p
    return ", ".join(out)


_DATE_LENGTHS = {"102": 8, "203": 12, "204": 14, "101": 6, "201": 10, "718": 17}
"""DTM 2379 format code → length of the value (the formats edimap reads)."""
_BY_LENGTH = {8: "102", 12: "203", 14: "204"}
"""The CCYYMMDD formats a value of all digits can only be, by its length."""


def _ymd(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def date_102(value: dt.date) -> str:
    return value.strftime("%Y%m%d")


def wrap(text: str, width: int) -> list[str]:
    """Split ``text`` into pieces of at most ``width`` characters at spaces (the space at a
    break is dropped; readers join the pieces with one space)."""
    out: list[str] = []
    rest = text
    while rest:
        if len(rest) <= width:
            out.append(rest)
            break
        cut = rest.rfind(" ", 1, width + 1)
        if cut <= 0:
            out.append(rest[:width])
            rest = rest[width:]
        else:
            out.append(rest[:cut])
            rest = rest[cut + 1:]
    return out


def first(segment: Segment, element: int) -> str:
    return segment.get(element, 1)

