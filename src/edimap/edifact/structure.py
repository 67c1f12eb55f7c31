"""Message definitions and the structure validator.

A definition (``schemas/eancom/*.def``, see the README there) lists a message's segments
and segment groups with status and maximum repeats. :func:`validate_structure` walks a
message against it, like a segment-group state machine with look-ahead, and returns

* the group path of every segment (``SG25/SG28``) and its role path (``lines/line-prices``),
  which the mappers use to tell a header DTM from a line DTM;
* findings for segments out of order, unknown segments, missing mandatory segments or
  groups, and too many repeats — each with the group path and the segments that were
  expected at that point.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path

import attrs

from edimap._home import bundled_schemas
from edimap.edifact.reader import Message
from edimap.edifact.syntax import Segment
from edimap.findings import ConfigurationError, Finding, Severity, register

__all__ = [
    "Definition",
    "GroupDef",
    "SegmentDef",
    "Structure",
    "definition_for",
    "load_definition",
    "validate_structure",
]

UNEXPECTED = register(
    "EANCOM-STRUCTURE-ORDER", Severity.ERROR,
    "A segment stands where the message definition does not allow it (out of order, or in "
    "the wrong segment group).",
    "Move the segment to its place; the finding lists the segments expected there.",
    "…LIN+1++5701234567899:EN'DTM+137:20261125:102'…  (document date after a line)")
UNKNOWN = register(
    "EANCOM-STRUCTURE-UNKNOWN", Severity.ERROR,
    "A segment tag that the message definition does not have at all.",
    "Check the tag; a partner-specific segment needs a profile.", "…XYZ+1'…")
MISSING = register(
    "EANCOM-STRUCTURE-MISSING", Severity.ERROR,
    "A mandatory segment or segment group is missing.",
    "Add it; the finding says where it was expected.", "UNH+1+ORDERS…'DTM+137…'  (no BGM)")
REPEATS = register(
    "EANCOM-STRUCTURE-REPEAT", Severity.ERROR,
    "A segment or segment group repeats more often than the definition allows.",
    "Send fewer, or split the message.", "UNH…BGM…DTM×36…  (DTM M35)")
OUT_OF_PLACE = register(
    "EANCOM-STRUCTURE-PLACE", Severity.ERROR,
    "A segment stands out of order inside its own segment group (a line's MOA after its "
    "PRI, say); it is read as that group's, where the definition puts it.",
    "Move the segment to its place, or accept the partner's order with a profile.",
    "…LIN+1…'PRI+AAA:1.85'MOA+203:888'TAX+7+VAT…'  (MOA belongs before PRI)")
NO_DEFINITION = register(
    "EANCOM-STRUCTURE-NO-DEFINITION", Severity.INFO,
    "edimap has no definition for this message type and directory, so its structure was "
    "not checked.", "None needed; mappers still read what they know.", "UNH+1+DESADV:D:96A…")


@attrs.frozen
class SegmentDef:
    """A segment position: tag, mandatory or conditional, maximum repeats."""

    tag: str
    mandatory: bool
    max_repeats: int

    @property
    def trigger(self) -> str:
        return self.tag


@attrs.frozen
class GroupDef:
    """A segment group: its entries (the first is the trigger segment) and its role."""

    name: str
    mandatory: bool
    max_repeats: int
    role: str
    entries: tuple[SegmentDef | GroupDef, ...]

    @property
    def trigger(self) -> str:
        return self.entries[0].trigger


@attrs.frozen
class Definition:
    """A message definition: type, directory, and the top-level entries."""

    message_type: str
    version: str
    release: str
    entries: tuple[SegmentDef | GroupDef, ...]
    tags: frozenset[str]

    @property
    def name(self) -> str:
        return f"{self.message_type} {self.version}.{self.release}"


def _parse(text: str, source: str) -> Definition:
    header: list[str] = []
    top: list[SegmentDef | GroupDef] = []
    tags: set[str] = set()
    frames: list[tuple[int, list[SegmentDef | GroupDef], tuple[str, bool, int, str] | None]]
    frames = [(-1, top, None)]

    def close_to(indent: int) -> None:
        while frames[-1][0] >= indent:
            _depth, entries, info = frames.pop()
            assert info is not None
            name, mandatory, repeats, role = info
            frames[-1][1].append(GroupDef(name, mandatory, repeats, role, tuple(entries)))

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        words = line.split()
        if words[0] == "message":
            header = words[1:]
            continue
        count = words[2] if len(words) > 2 else ""
        if words[1:2] not in (["M"], ["C"]) or not (count.isascii() and count.isdigit()):
            raise ConfigurationError(f"{source}:{number}: cannot read {raw.strip()!r}")
        close_to(indent)
        name, mandatory, repeats = words[0], words[1] == "M", int(count)
        if name.startswith("SG"):
            role = words[3] if len(words) > 3 else name
            frames.append((indent, [], (name, mandatory, repeats, role)))
        else:
            tags.add(name)
            frames[-1][1].append(SegmentDef(name, mandatory, repeats))
    close_to(0)
    if len(header) != 3:
        raise ConfigurationError(f"{source}: no 'message TYPE VERSION RELEASE' line")
    return Definition(header[0], header[1], header[2], tuple(top), frozenset(tags))


def load_definition(path: str | Path) -> Definition:
    """Read a definition file (for partner-specific definitions of your own)."""
    return _parse(Path(path).read_text("utf-8"), str(path))


# UNH's type, version and release name the file: only letters and digits may do that, so
# nothing in a message can reach another path (or an over-long name).
_DEFINITION_NAME = re.compile(r"[A-Z0-9]{1,6}_[A-Z0-9]{1,6}")


def definition_for(message_type: str, version: str, release: str) -> Definition | None:
    """The bundled definition for a message type and directory, or None."""
    name = f"{message_type}_{version}{release}".upper()
    if not name.isascii() or not _DEFINITION_NAME.fullmatch(name):
        return None
    return _bundled_definition(name + ".def")


@functools.lru_cache(maxsize=64)
def _bundled_definition(name: str) -> Definition | None:
    # One part at a time: an installed namespace package's MultiplexedPath takes one.
    folder = bundled_schemas().joinpath("eancom")
    if not folder.is_dir():
        # Without its definitions a message would read as nothing but unknown segments.
        raise ConfigurationError(f"edimap's EANCOM definitions are missing ({folder}): "
                                 "the installation is incomplete; reinstall edimap")
    entry = folder.joinpath(name)
    if not entry.is_file():
        return None
    return _parse(entry.read_text("utf-8"), name)


@attrs.frozen
class Structure:
    """What the walk found: per segment its group path and role path, and findings."""

    group_paths: tuple[str, ...]
    role_paths: tuple[str, ...]
    findings: tuple[Finding, ...]


_TRIGGERS: dict[int, tuple[tuple[SegmentDef | GroupDef, ...], tuple[str, ...]]] = {}


def _triggers(entries: tuple[SegmentDef | GroupDef, ...]) -> tuple[str, ...]:
    """The trigger tags of a level, cached by identity (definitions live for the process;
    the tuple is kept in the cache so its id cannot be reused)."""
    cached = _TRIGGERS.get(id(entries))
    if cached is None:
        cached = _TRIGGERS[id(entries)] = (entries, tuple(e.trigger for e in entries))
    return cached[1]


class _Walker:
    def __init__(self, message: Message, definition: Definition) -> None:
        self.message = message
        self.segments: Sequence[Segment] = message.segments
        self.definition = definition
        self.groups = [""] * len(self.segments)
        self.roles = [""] * len(self.segments)
        self.findings: list[Finding] = []
        self._last: dict[str, int] | None = None  # (see _last_at)
        # The levels being walked: entries, [current position], lowest searchable position
        # (1 inside a group: its trigger starts the next repeat, one level up), group path
        # and role path.
        self.stack: list[tuple[tuple[SegmentDef | GroupDef, ...], list[int], int, str,
                               str]] = []

    def report(self, code: object, index: int, path: str, message: str) -> None:
        seg_index = min(index, len(self.segments) - 1)
        self.findings.append(code(message, self.message.location(  # type: ignore[operator]
            seg_index + 1, group_path=path or None)))

    def expected(self, entries: tuple[SegmentDef | GroupDef, ...], pos: int) -> list[str]:
        """Triggers acceptable from ``pos`` on: up to and including the first mandatory."""
        out: list[str] = []
        for entry in entries[pos:]:
            if entry.trigger not in out:
                out.append(entry.trigger)
            if entry.mandatory:
                break
        return out

    def walk(self, entries: tuple[SegmentDef | GroupDef, ...], i: int, path: str,
             roles: str, first_done: bool) -> int:
        """Walk ``entries`` from segment ``i``; return the index of the first segment that
        belongs to an enclosing level (or the end)."""
        counts = [0] * len(entries)
        lo = 0
        if first_done:  # the trigger of this group was consumed by the caller
            counts[0] = 1
            lo = 1
        state = [0]
        self.stack.append((entries, state, lo, path, roles))
        try:
            n = len(self.segments)
            while i < n:
                tag = self.segments[i].tag
                found = self._find(entries, max(state[0], lo), tag)
                if found is None:
                    above = self._accepted_above(tag, i)
                    if above is not True and self._out_of_place(i, tag):
                        i += 1
                        continue
                    if above is not None:
                        break
                    self._unplaceable(i, path, entries, state[0])
                    i += 1
                    continue
                self._check_skipped(entries, state[0], found, counts, i, path)
                entry = entries[found]
                if found == state[0] and counts[found] >= entry.max_repeats:
                    what = entry.name if isinstance(entry, GroupDef) else entry.tag
                    self.report(REPEATS, i, path, (
                        f"{what} repeats more than {entry.max_repeats} "
                        f"time{'s' if entry.max_repeats != 1 else ''} here"))
                counts[found] += 1
                state[0] = found
                if isinstance(entry, GroupDef):
                    sub_path = f"{path}/{entry.name}" if path else entry.name
                    sub_roles = f"{roles}/{entry.role}" if roles else entry.role
                    self.groups[i] = sub_path
                    self.roles[i] = sub_roles
                    i = self.walk(entry.entries, i + 1, sub_path, sub_roles, True)
                else:
                    self.groups[i] = path
                    self.roles[i] = roles
                    i += 1
            self._check_skipped(entries, state[0], len(entries), counts, i, path)
            return i
        finally:
            self.stack.pop()

    def _find(self, entries: tuple[SegmentDef | GroupDef, ...], pos: int, tag: str
              ) -> int | None:
        triggers = _triggers(entries)
        if tag not in triggers:
            return None
        try:
            return triggers.index(tag, pos)
        except ValueError:
            return None

    def _accepted_above(self, tag: str, i: int) -> bool | None:
        """Whether an enclosing level takes segment ``i`` (``tag``) from where it stands:
        True; False when only by passing a mandatory entry that comes later in the message
        (a line's MOA after its PRI would be the summary's, before UNS); None when none
        takes it. Passing a mandatory entry the message lacks is taking it."""
        taken: bool | None = None
        for entries, state, lo, _path, _roles in reversed(self.stack[:-1]):
            start = max(state[0], lo)
            found = self._find(entries, start, tag)
            if found is None:
                continue
            passed = {e.trigger for e in entries[start + 1:found] if e.mandatory}
            if not passed or all(self._last_at(tag) <= i for tag in passed):
                return True
            taken = False
        return taken

    def _last_at(self, tag: str) -> int:
        """The index of the message's last segment with ``tag`` (-1: none); the table is
        made once, when a walk first asks (a misplaced segment), so asking is cheap even
        for a message full of them."""
        if self._last is None:
            self._last = {seg.tag: n for n, seg in enumerate(self.segments)}
        return self._last.get(tag, -1)

    def _out_of_place(self, i: int, tag: str) -> bool:
        """Segment ``i`` read where its own group's definition puts it, with a finding,
        when the innermost level that has ``tag`` has it before where the walk stands
        there (a line's MOA after its PRI); False when no level has it earlier. Only
        inside a segment group: a header segment among the lines stays misplaced."""
        for entries, state, lo, path, roles in reversed(self.stack[1:]):
            earlier = _triggers(entries)[lo:max(state[0], lo)]
            if tag not in earlier:
                continue
            entry = entries[lo + earlier.index(tag)]
            level = path or "the message header"
            if isinstance(entry, GroupDef):
                path = f"{path}/{entry.name}" if path else entry.name
                roles = f"{roles}/{entry.role}" if roles else entry.role
            self.groups[i], self.roles[i] = path, roles
            self.report(OUT_OF_PLACE, i, path, f"{tag} stands after segments that follow it "
                        f"in {level}; read where the definition puts it ({path or level})")
            return True
        return False

    def _check_skipped(self, entries: tuple[SegmentDef | GroupDef, ...], start: int,
                       stop: int, counts: list[int], i: int, path: str) -> None:
        for j in range(start, stop):
            entry = entries[j]
            if entry.mandatory and counts[j] == 0:
                counts[j] = -1  # report once
                what = f"group {entry.name} ({entry.trigger})" if isinstance(
                    entry, GroupDef) else entry.tag
                where = f" in {path}" if path else ""
                self.report(MISSING, i, path, f"mandatory {what} is missing{where}")

    def _unplaceable(self, i: int, path: str, entries: tuple[SegmentDef | GroupDef, ...],
                     pos: int) -> None:
        tag = self.segments[i].tag
        expected = self.expected(entries, max(pos, self.stack[-1][2] if self.stack else 0))
        for outer_entries, state, lo, _path, _roles in reversed(self.stack[:-1]):
            for trig in self.expected(outer_entries, max(state[0], lo)):
                if trig not in expected:
                    expected.append(trig)
        where = path or "the message header"
        if tag in self.definition.tags:
            self.report(UNEXPECTED, i, path, (
                f"{tag} is not allowed here ({where}); expected one of "
                f"{', '.join(expected)}"))
        else:
            self.report(UNKNOWN, i, path, (
                f"{tag} is not a segment of {self.definition.name}; expected one of "
                f"{', '.join(expected)}"))


def validate_structure(message: Message, definition: Definition | None = None) -> Structure:
    """Walk ``message`` against its definition (looked up by UNH S009 when not given)."""
    definition = definition or definition_for(message.type, message.version, message.release)
    if definition is None:
        return Structure(
            group_paths=("",) * len(message.segments), role_paths=("",) * len(message.segments),
            findings=(NO_DEFINITION(
                f"no definition for {message.type} {message.version}.{message.release}; "
                "structure not checked", message.location(1, element=2)),))
    # The walk depends only on the sequence of tags, and a partner's orders mostly repeat
    # a few shapes: remember the paths of shapes that had no findings.
    shape = (id(definition), tuple([seg.tag for seg in message.segments]))
    known = _SHAPES.get(shape)
    if known is not None:
        return Structure(known[0], known[1], ())
    walker = _Walker(message, definition)
    end = walker.walk(definition.entries, 0, "", "", False)
    while end < len(message.segments):  # what no level took
        walker._unplaceable(end, "", definition.entries, len(definition.entries))
        end += 1
    groups, roles = tuple(walker.groups), tuple(walker.roles)
    if not walker.findings:
        if len(_SHAPES) >= _SHAPES_KEPT:
            _SHAPES.pop(next(iter(_SHAPES)))
        _SHAPES[shape] = (groups, roles)
    return Structure(groups, roles, tuple(walker.findings))


_SHAPES: dict[tuple[int, tuple[str, ...]], tuple[tuple[str, ...], tuple[str, ...]]] = {}
_SHAPES_KEPT = 512
