"""Reading a profile file: TOML (stdlib ``tomllib``) held to the profile's keys.

Every key is known, every value has its type, every finding code is registered: anything
else is a :class:`~edimap.UsageError` naming the file, the line and the key, so a setting
is never silently ignored.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edimap.findings import REGISTRY, Severity, UsageError
from edimap.ids import gln as _gln_check

__all__ = ["KEYS", "ProfileFileError", "load_table"]

Check = Callable[[Any], str | None]
"""A value check: None when the value is right, else what it should be."""


class ProfileFileError(UsageError):
    """A profile file is not what edimap can use; the message names file, line and key."""


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "a non-empty string"


def _texts(value: Any) -> str | None:
    ok = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
    return None if ok else "a list of strings"


def _severity(value: Any) -> str | None:
    names = [s.value for s in Severity]
    return None if value in names else f"one of {', '.join(repr(n) for n in names)}"


def _choice(*choices: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in choices else f"one of {', '.join(repr(c) for c in choices)}"
    return check


def _whole(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return None if ok else "a whole number"


def _code(key: str) -> str | None:
    _load_codes()
    return None if key in REGISTRY else "a registered finding code (see `edimap codes`)"


def _rec20(value: Any) -> str | None:
    ok = isinstance(value, str) and re.fullmatch(r"[A-Z0-9]{2,3}", value)
    return None if ok else "a UN/ECE Rec 20 unit code (2-3 upper-case letters or digits)"


def _gln(value: Any) -> str | None:
    ok = isinstance(value, str) and _gln_check.is_valid(value)
    return None if ok else "a valid GLN (13 digits with their check digit)"


def _tag(key: Any) -> str | None:
    ok = isinstance(key, str) and re.fullmatch(r"[A-Z][A-Z0-9]{2}", key)
    return None if ok else "an EDIFACT segment tag (NAD, RFF, QTY …)"


def _codes(value: Any) -> str | None:
    ok = isinstance(value, dict) and all(isinstance(v, str) and v.strip()
                                         for v in value.values())
    return None if ok else "a table of the partner's qualifier = the standard one"


_ADDRESS = dict.fromkeys(("street", "additional_street", "building_number", "city",
                          "postal_code", "region", "country"), _text)
_PAYMENT = {"code": _text, "channel": _text, "account_id": _text, "bank_reg_no": _text,
            "iban": _text, "bic": _text, "creditor_account": _text}

KEYS: dict[str, Any] = {
    "name": _text,
    "description": _text,
    "extends": _text,
    "match": {"senders": _texts, "glns": _texts, "endpoints": _texts},
    "severity": ("map", None, _severity),
    "defaults": {"currency": _text},
    "own": {"gln": _text, "cvr": _text, "vat_id": _text, "name": _text,
            "endpoint_id": _text, "endpoint_scheme": _text, "address": _ADDRESS,
            "payment": _PAYMENT},
    "partner": {"gln": _text, "cvr": _text, "vat_id": _text, "endpoint_id": _text,
                "endpoint_scheme": _text},
    "units": ("map", _text, _rec20),
    "agencies": ("map", _text, _text),
    "identities": ("map", _text, _gln),
    "qualifiers": ("map", _tag, _codes),
    "winfinans": {"prices": _choice("order-else-item", "order", "item"),
                  "sales_location": _whole},
}
"""The keys a profile may hold: a check per value, a dict per table, and ``("map", key
check, value check)`` for tables whose keys are the user's (finding codes, unit codes)."""


def load_table(path: Path) -> dict[str, Any]:
    """The checked contents of the profile file ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileFileError(f"profile {path}: cannot read it: {exc}") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileFileError(f"profile {path}: not valid TOML: {exc}") from None
    _walk(table, KEYS, (), path, text.splitlines())
    if "severity" in table:
        table["severity"] = {REGISTRY[k].code: Severity(v) for k, v in table["severity"].items()}
    return table


def _walk(table: dict[str, Any], keys: dict[str, Any], trail: tuple[str, ...], path: Path,
          lines: list[str]) -> None:
    for key, value in table.items():
        here = (*trail, key)
        spec = keys.get(key)
        if spec is None:
            known = ", ".join(sorted(keys))
            _fail(path, lines, here, f"unknown key (known here: {known})")
        elif isinstance(spec, dict):
            if not isinstance(value, dict):
                _fail(path, lines, here, "must be a table")
            _walk(value, spec, here, path, lines)
        elif isinstance(spec, tuple):
            if not isinstance(value, dict):
                _fail(path, lines, here, "must be a table")
            _, key_check, value_check = spec
            for name, entry in value.items():
                problem = (_code(name) if key_check is None else key_check(name)) \
                    or value_check(entry)
                if problem:
                    _fail(path, lines, (*here, name), f"must be {problem}")
        else:
            problem = spec(value)
            if problem:
                _fail(path, lines, here, f"must be {problem}, not {value!r}")


def _fail(path: Path, lines: list[str], trail: tuple[str, ...], problem: str) -> None:
    dotted = ".".join(trail)
    raise ProfileFileError(f"profile {path}, line {_line_of(lines, trail)}: {dotted}: "
                           f"{problem}")


def _line_of(lines: list[str], trail: tuple[str, ...]) -> int:
    """The line that sets the key ``trail`` (or opens it as a table); 1 if none does."""
    table: tuple[str, ...] = ()
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            table = _dotted(stripped.strip("[]"))
            if table[:len(trail)] == trail:
                return number
        elif "=" in stripped and not stripped.startswith("#"):
            full = (*table, *_dotted(stripped.split("=", 1)[0]))
            if full[:len(trail)] == trail:
                return number
    return 1


def _dotted(key: str) -> tuple[str, ...]:
    return tuple(part.strip().strip('"').strip("'") for part in key.split("."))


@functools.cache
def _load_codes() -> None:
    """Every module's finding codes registered, so a profile may name any of them."""
    from edimap._catalogue import codes

    codes()
