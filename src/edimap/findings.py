"""Findings, their locations, the registry of finding codes, and the exception tree.

Every reader and validator in edimap reports problems in the input as :class:`Finding`
objects instead of raising, so a batch can carry on past one bad message.  A finding has a
stable code (``EDI-UNT-COUNT``), a severity, a human message and a :class:`Location` that
points as precisely as the format allows: interchange, message, segment number and tag,
element and component for EDIFACT; an XML path for UBL; a field path for the typed model;
and line, column and byte offset wherever the input is text.

Exceptions are kept for bad *use* of the API and for callers who ask for them; every one
edimap raises derives from :class:`EdimapError`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

__all__ = [
    "REGISTRY",
    "Code",
    "ConfigurationError",
    "EdimapError",
    "FieldError",
    "Finding",
    "InputError",
    "InvalidChecksum",
    "InvalidFormat",
    "InvalidIdentifier",
    "InvalidLength",
    "LimitExceeded",
    "Location",
    "Severity",
    "SourceError",
    "UsageError",
    "ValidationError",
    "has_errors",
]


class Severity(enum.StrEnum):
    """How bad a finding is. Only ``error`` stops a message from being converted."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@attrs.frozen(kw_only=True)
class Location:
    """Where a finding points. Every field is optional; readers fill what they know.

    EDIFACT positions follow ISO 9735 and CONTRL conventions: ``segment_index`` counts
    segments within the message with UNH = 1; ``element`` counts data elements after the
    tag starting at 1; ``component`` counts components within a composite starting at 1.
    ``line`` and ``column`` are 1-based, ``offset`` is the 0-based byte offset in the input.
    """

    source: str | None = None
    interchange_ref: str | None = None
    group_ref: str | None = None
    message_ref: str | None = None
    segment_index: int | None = None
    segment_tag: str | None = None
    group_path: str | None = None
    element: int | None = None
    component: int | None = None
    xpath: str | None = None
    field: str | None = None
    line: int | None = None
    column: int | None = None
    offset: int | None = None

    def evolve(self, **changes: Any) -> Location:
        """Return a copy with ``changes`` applied."""
        return attrs.evolve(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The location as a JSON-ready dict, without the fields that are unknown."""
        return {k: v for k, v in attrs.asdict(self).items() if v is not None}

    def __str__(self) -> str:
        parts: list[str] = []
        if self.source:
            parts.append(self.source)
        if self.interchange_ref is not None:
            parts.append(f"interchange {self.interchange_ref}")
        if self.group_ref is not None:
            parts.append(f"group {self.group_ref}")
        if self.message_ref is not None:
            parts.append(f"message {self.message_ref}")
        if self.segment_tag or self.segment_index is not None:
            seg = "segment"
            if self.segment_index is not None:
                seg += f" {self.segment_index}"
            if self.segment_tag:
                seg += f" {self.segment_tag}"
            if self.group_path:
                seg += f" ({self.group_path})"
            parts.append(seg)
        elif self.group_path:
            parts.append(self.group_path)
        if self.element is not None:
            el = f"element {self.element}"
            if self.component is not None:
                el += f".{self.component}"
            parts.append(el)
        if self.xpath:
            parts.append(self.xpath)
        if self.field:
            parts.append(self.field)
        if self.line is not None:
            pos = f"line {self.line}"
            if self.column is not None:
                pos += f":{self.column}"
            parts.append(pos)
        if self.offset is not None:
            parts.append(f"byte {self.offset}")
        return ", ".join(parts) if parts else "-"


@attrs.frozen(kw_only=True)
class Finding:
    """One problem (or note) about the input, with a stable code and a location."""

    code: str
    severity: Severity
    message: str
    location: Location = attrs.field(factory=Location)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, Any]:
        """The finding as a JSON-ready dict."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "location": self.location.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Rebuild a finding from :meth:`to_dict` output."""
        return cls(
            code=data["code"],
            severity=Severity(data["severity"]),
            message=data["message"],
            location=Location(**data.get("location", {})),
        )

    def __str__(self) -> str:
        return f"{self.severity.value} {self.code} at {self.location}: {self.message}"


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when any finding is of severity error."""
    return any(f.severity is Severity.ERROR for f in findings)


@attrs.frozen
class Code:
    """A registered finding code: what it means and what the user should do about it.

    The registry is the single source of the bad-input catalogue in ``docs/errors.md``.
    """

    code: str
    severity: Severity
    summary: str
    action: str
    example: str = ""

    def __call__(
        self,
        message: str,
        location: Location | None = None,
        *,
        severity: Severity | None = None,
    ) -> Finding:
        """Make a finding of this code."""
        return Finding(
            code=self.code,
            severity=severity or self.severity,
            message=message,
            location=location or Location(),
        )


class _Registry(Mapping[str, Code]):
    def __init__(self) -> None:
        self._codes: dict[str, Code] = {}

    def register(
        self, code: str, severity: Severity, summary: str, action: str, example: str = ""
    ) -> Code:
        if code in self._codes:
            raise RuntimeError(f"finding code {code} registered twice")
        entry = Code(code, severity, summary, action, example)
        self._codes[code] = entry
        return entry

    def __getitem__(self, key: str) -> Code:
        return self._codes[key]

    def __contains__(self, key: object) -> bool:
        return key in self._codes

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._codes))

    def __len__(self) -> int:
        return len(self._codes)


REGISTRY = _Registry()
"""Every finding code edimap can emit, by code."""

register = REGISTRY.register


# --- exceptions -------------------------------------------------------------------------


class EdimapError(Exception):
    """Root of every exception edimap raises on bad input or bad use."""


class UsageError(EdimapError, ValueError):
    """The API or CLI was called wrongly: an unknown format, a missing option."""


class ConfigurationError(EdimapError):
    """Something edimap needs is not set up, such as the official schemas not installed."""


class SourceError(EdimapError, OSError):
    """The input could not be opened or read (missing file, permission denied)."""


class InputError(EdimapError):
    """The input cannot be used; ``findings`` says why and where."""

    def __init__(self, message: str, findings: Iterable[Finding] = ()) -> None:
        super().__init__(message)
        self.findings: tuple[Finding, ...] = tuple(findings)


class LimitExceeded(InputError):
    """The input exceeds a configured resource limit (size, depth, count)."""


@attrs.frozen
class FieldError:
    """One invalid field, by its path from the object being built (``lines[3].gtin``)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def prefixed(self, prefix: str) -> FieldError:
        """The same error seen from an enclosing object: ``prefix`` goes in front."""
        if not self.path:
            return FieldError(prefix, self.message)
        sep = "" if self.path.startswith("[") else "."
        return FieldError(f"{prefix}{sep}{self.path}" if prefix else self.path, self.message)


class ValidationError(EdimapError, ValueError):
    """A value breaks an invariant. ``errors`` lists every bad field with its path."""

    def __init__(self, errors: Iterable[FieldError] | str) -> None:
        if isinstance(errors, str):
            errors = [FieldError("", errors)]
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    def prefixed(self, prefix: str) -> ValidationError:
        """The same errors seen from an enclosing object."""
        return ValidationError(e.prefixed(prefix) for e in self.errors)


class InvalidIdentifier(ValidationError):
    """A GLN, GTIN or CVR number is not valid."""


class InvalidFormat(InvalidIdentifier):
    """The identifier has characters that are not allowed or is otherwise malformed."""


class InvalidLength(InvalidFormat):
    """The identifier has the wrong number of digits."""


class InvalidChecksum(InvalidIdentifier):
    """The identifier's check digit does not match; ``expected`` says what it should be."""

    def __init__(self, message: str, expected: str | None = None) -> None:
        super().__init__(message)
        self.expected = expected
