"""Partner profiles: how to read what one trading partner sends, and what to fill in.

Tolerant reading under an explicit profile, strict writing. A profile is a TOML file that
sets, for one partner (its ``[match]``) or for everyone:

- ``[severity]`` — the severity of a finding code (``EANCOM-GLN = "warning"``);
- ``[defaults]`` — values for what a document leaves out (``currency``);
- ``[own]`` — the own company: its identity and bank account, for the seller a document
  leaves out or leaves incomplete;
- ``[partner]`` — the partner's identity (GLN, CVR number, endpoint), for the buyer its
  documents name only by a number of its own or by name;
- ``[units]`` — the partner's unit codes as UN/ECE Rec 20 codes (``GBND = "PK"``);
- ``[agencies]`` — the partner's code list agencies for party identifiers (EANCOM NAD
  C082 3055) as the standard ones (``ZZ = "9"``: its ZZ numbers are GLNs);
- ``[identities]`` — the GLNs of the parties the partner names by a placeholder or a
  number of its own (``PARTNER1 = "5790000274017"``, a store's ``"1234" = …``);
- ``[qualifiers.TAG]`` — the partner's EDIFACT qualifiers (the first component of a
  segment's first element) as the standard ones (``[qualifiers.NAD]`` ``ST = "DP"``);
- ``[winfinans]`` — where line prices come from, and the sales location.

Two profiles are built in: ``strict`` (every finding at its registered severity; the
default) and ``tolerant`` (every finding about a value that can still be carried as given
is a warning). ``docs/profiles.md`` documents every key.

    >>> from edimap.profiles import Profile
    >>> Profile.builtin("tolerant").severity["EANCOM-GLN"]
    <Severity.WARNING: 'warning'>
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from edimap.findings import Severity, UsageError, ValidationError
from edimap.model import Address, Party, PaymentMeans
from edimap.profiles._toml import ProfileFileError, load_table

__all__ = ["BUILTIN", "TOLERATED", "Profile", "ProfileFileError", "ProfileSet", "resolve"]

TOLERATED = (
    "EANCOM-GLN", "EANCOM-GTIN", "EANCOM-CODE", "EANCOM-UNIT", "EANCOM-RECONCILE",
    "EANCOM-SIGN", "EANCOM-DATE-FORMAT", "EANCOM-ELEMENT-LENGTH",
    "EANCOM-STRUCTURE-REPEAT", "EANCOM-STRUCTURE-UNKNOWN", "EANCOM-STRUCTURE-PLACE",
    "EDI-UNT-COUNT", "EDI-UNZ-COUNT", "EDI-UNE-COUNT", "EDI-UNH-DUPLICATE-REF",
    "EDI-CHARSET-REPERTOIRE", "EDI-CHARSET-MISMATCH", "EDI-CHARSET-UNKNOWN",
    "UBL-ENDPOINT", "UBL-IDENTIFIER", "UBL-CODE",
    "JSON-IDENTIFIER", "JSON-CODE",
)
"""The codes of findings about a value that can still be carried exactly as given: check
digits, placeholders, characters outside the declared repertoire, code values of the
wrong shape, dates in another format than declared, signed allowance amounts, totals and
envelope counts that do not reconcile, a message reference used twice, values longer than
their data element, a segment repeated more often than its directory allows, a segment the
directory does not have (listed as not carried), a segment out of order inside its own
group (read where the directory puts it). ``tolerant`` makes each a warning."""

BUILTIN = ("strict", "tolerant")
PRICES = ("order-else-item", "order", "item")


@attrs.frozen(kw_only=True)
class Profile:
    """One profile's settings (see the module docstring); ``origin`` says where it came
    from (``built-in`` or the file's path)."""

    name: str
    origin: str = "built-in"
    description: str | None = None
    senders: frozenset[str] = frozenset()
    glns: frozenset[str] = frozenset()
    endpoints: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = attrs.field(factory=dict)
    currency: str | None = None
    own: Party | None = None
    payment: PaymentMeans | None = None
    partner: Party | None = None
    units: Mapping[str, str] = attrs.field(factory=dict)
    agencies: Mapping[str, str] = attrs.field(factory=dict)
    identities: Mapping[str, str] = attrs.field(factory=dict)
    qualifiers: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)
    prices: str = "order-else-item"
    sales_location: int | None = None

    @property
    def tolerated(self) -> frozenset[str]:
        """The finding codes this profile sets below error (writers write a value such a
        finding is about as it is only then)."""
        return frozenset(code for code, severity in self.severity.items()
                         if severity is not Severity.ERROR)

    @property
    def matches_partners(self) -> bool:
        """True when the profile names partners (it has a ``[match]``)."""
        return bool(self.senders or self.glns or self.endpoints)

    @classmethod
    def builtin(cls, name: str) -> Profile:
        """``strict`` or ``tolerant``."""
        if name == "strict":
            return cls(name="strict", description="every finding at its registered severity")
        if name == "tolerant":
            return cls(name="tolerant", description="findings about values that can be "
                       "carried as given are warnings",
                       severity=dict.fromkeys(TOLERATED, Severity.WARNING))
        raise UsageError(f"no built-in profile {name!r}; use {' or '.join(BUILTIN)}, or "
                         "the path of a profile file")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Profile:
        """The profile in the TOML file ``path`` (raises :class:`ProfileFileError`, a
        :class:`~edimap.UsageError`, naming the file, line and key of a bad setting)."""
        return _load(Path(path), ())

    def settings(self) -> dict[str, Any]:
        """The settings in force, as a JSON-ready dict (``edimap profile show``)."""
        out: dict[str, Any] = {"name": self.name, "origin": self.origin}
        if self.matches_partners:
            out["match"] = {k: sorted(getattr(self, k)) for k in ("senders", "glns",
                                                                   "endpoints")
                            if getattr(self, k)}
        out["severity"] = {k: v.value for k, v in sorted(self.severity.items())}
        out["defaults"] = {"currency": self.currency}
        if self.own is not None:
            out["own"] = _set_fields(self.own)
        if self.payment is not None:
            out.setdefault("own", {})["payment"] = _set_fields(self.payment)
        if self.partner is not None:
            out["partner"] = _set_fields(self.partner)
        out["units"] = dict(sorted(self.units.items()))
        out["agencies"] = dict(sorted(self.agencies.items()))
        out["identities"] = dict(sorted(self.identities.items()))
        out["qualifiers"] = {tag: dict(sorted(codes.items()))
                             for tag, codes in sorted(self.qualifiers.items())}
        out["winfinans"] = {"prices": self.prices, "sales_location": self.sales_location}
        return out


def _set_fields(value: Any) -> dict[str, Any]:
    """The fields of a model object that are set, nested objects as dicts."""
    fields = attrs.asdict(value, filter=lambda _, v: v not in (None, (), [], {}))
    return {k: v for k, v in fields.items() if v not in (None, [], {})}


def _load(path: Path, seen: tuple[Path, ...]) -> Profile:
    resolved = path.resolve()
    if resolved in seen:
        raise ProfileFileError(f"profile {path}: extends itself (through "
                               f"{' → '.join(str(p) for p in seen)})")
    table = load_table(path)
    base_name = table.get("extends")
    if base_name is None:
        base = Profile.builtin("strict")
    elif base_name in BUILTIN:
        base = Profile.builtin(base_name)
    else:
        base = _load(path.parent / base_name, (*seen, resolved))
    return _merge(base, table, path)


def _merge(base: Profile, table: dict[str, Any], path: Path) -> Profile:
    match = table.get("match", {})
    defaults = table.get("defaults", {})
    winfinans = table.get("winfinans", {})
    own, payment = _own(base, table.get("own"), path)
    partner = base.partner
    if "partner" in table:
        try:
            partner = Party(**table["partner"])
        except ValidationError as exc:
            raise ProfileFileError(f"profile {path}: partner: {exc}") from None
    return attrs.evolve(
        base, name=table.get("name", path.stem), origin=str(path),
        description=table.get("description", base.description),
        senders=frozenset(match.get("senders", ())), glns=frozenset(match.get("glns", ())),
        endpoints=frozenset(match.get("endpoints", ())),
        severity={**base.severity, **table.get("severity", {})},
        currency=defaults.get("currency", base.currency), own=own, payment=payment,
        partner=partner,
        units={**base.units, **table.get("units", {})},
        agencies={**base.agencies, **table.get("agencies", {})},
        identities={**base.identities, **table.get("identities", {})},
        qualifiers={tag: {**base.qualifiers.get(tag, {}), **table.get("qualifiers", {}).get(
            tag, {})} for tag in {*base.qualifiers, *table.get("qualifiers", {})}},
        prices=winfinans.get("prices", base.prices),
        sales_location=winfinans.get("sales_location", base.sales_location))


def _own(base: Profile, own: dict[str, Any] | None, path: Path
         ) -> tuple[Party | None, PaymentMeans | None]:
    if own is None:
        return base.own, base.payment
    fields = {k: v for k, v in own.items() if k not in ("address", "payment")}
    try:
        address = Address(**own["address"]) if "address" in own else None
        party = Party(address=address, **fields) if fields or address else base.own
        payment = PaymentMeans(**own["payment"]) if "payment" in own else base.payment
    except ValidationError as exc:
        raise ProfileFileError(f"profile {path}: own: {exc}") from None
    return party, payment


def resolve(spec: str | os.PathLike[str] | Profile) -> Profile:
    """A profile from a built-in name, a file's path, or a :class:`Profile` as it is."""
    if isinstance(spec, Profile):
        return spec
    if isinstance(spec, str) and spec in BUILTIN:
        return Profile.builtin(spec)
    path = Path(spec)
    if not path.is_file():
        raise UsageError(f"no profile {str(spec)!r}: not a built-in ({', '.join(BUILTIN)}) "
                         "and no such file")
    return Profile.load(path)


@attrs.frozen
class ProfileSet:
    """The default profile, and the partners' profiles chosen by their ``[match]``."""

    default: Profile = attrs.field(factory=lambda: Profile.builtin("strict"))
    partners: tuple[Profile, ...] = ()

    def __attrs_post_init__(self) -> None:
        for kind in ("senders", "glns", "endpoints"):
            owner: dict[str, Profile] = {}
            for profile in self.partners:
                for value in getattr(profile, kind):
                    if value in owner:
                        raise ProfileFileError(
                            f"profiles {owner[value].origin} and {profile.origin} both "
                            f"match {kind} {value}: a partner needs one profile")
                    owner[value] = profile

    @classmethod
    def of(cls, profile: str | os.PathLike[str] | Profile | ProfileSet | None = None,
           partners: str | os.PathLike[str] | Iterable[Profile] | None = None
           ) -> ProfileSet:
        """The set for ``profile`` (the default; ``strict`` if None) and ``partners`` (a
        folder of profile files, one per partner, or profiles)."""
        if isinstance(profile, ProfileSet):
            return profile
        default = resolve(profile) if profile is not None else Profile.builtin("strict")
        if partners is None:
            return cls(default)
        if isinstance(partners, str | os.PathLike):
            folder = Path(partners)
            if not folder.is_dir():
                raise UsageError(f"--profiles {folder}: not a folder")
            loaded = [Profile.load(p) for p in sorted(folder.glob("*.toml"))]
        else:
            loaded = list(partners)
        for p in loaded:
            if not p.matches_partners:
                raise ProfileFileError(f"profile {p.origin}: a partner's profile needs a "
                                       "[match] with senders, glns or endpoints")
        return cls(default, tuple(loaded))

    def named(self, name: str | None) -> Profile:
        """The profile called ``name`` (as an item's ``profile`` names it): a partner's,
        else the default one."""
        return next((p for p in self.partners if p.name == name), self.default)

    def select(self, identities: Iterable[tuple[str, str | None]]) -> tuple[Profile, str]:
        """The profile for a message with ``identities`` (``("UNB sender", "579…")``,
        ``("buyer GLN", …)``, …, in the order they are tried), and why it was chosen."""
        identities = [(what, value) for what, value in identities if value]
        for kind, label in (("senders", "sender"), ("glns", "GLN"),
                            ("endpoints", "endpoint")):
            for what, value in identities:
                if label not in what:
                    continue
                for profile in self.partners:
                    if value in getattr(profile, kind):
                        return profile, f"{what} {value} is in match.{kind} of " \
                                        f"{profile.origin}"
        reason = "no partner profile matches" if self.partners else "no partner profiles"
        return self.default, f"{reason}: the default profile ({self.default.origin})"
