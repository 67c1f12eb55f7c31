"""Structured mutation run: real messages changed the way broken partners' files are
broken, through ``edimap.read`` and ``edimap.validate`` and the command line, which must
answer with findings only — no exception but ``EdimapError`` from the API, no exit 2 from
the CLI, no hang.

    python fuzz/mutate.py [COUNT] [--seed N] [--cli]

COUNT mutants (default 10,000) are made from the corpus (``EDIMAP_SHARED``, default
``../shared``), the fixtures and ``fuzz/seeds``: EDIFACT at segment level (segments
duplicated, dropped, swapped and moved, qualifiers swapped, values made huge, delimiters
and release characters changed, the bytes re-encoded or cut) and XML at element level
(elements duplicated, dropped and reordered, texts swapped and made huge, nesting made
deep, namespaces renamed and multiplied, other encodings, a DOCTYPE), and canonical JSON
key by key (keys dropped, unknown or swapped, values of the wrong type or huge, lists
repeated, deep nesting). Each runs through
``read`` and ``validate`` (the official rules once in every 25, where installed) under a
time limit; ``--cli`` also runs ``edimap validate`` over all of them in one process. The
suite runs a bounded number (``tests/test_hostile.py``).
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from lxml import etree

import edimap

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 20  # per input: a hang is a failure


def seeds(shared: Path | None = None) -> list[bytes]:
    """Every corpus document, fixture and fuzz seed, as bytes."""
    shared = shared or Path(os.environ.get("EDIMAP_SHARED", ROOT.parent / "shared"))
    folders = [ROOT / "fixtures", *(ROOT / "fuzz" / "seeds" / kind
                                    for kind in ("edifact", "json", "ubl")),
               shared / "corpus"]
    return [p.read_bytes() for folder in folders if folder.is_dir()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "MANIFEST.tsv"
            and p.suffix != ".md"]


# -- EDIFACT, segment by segment

_SEGMENT_END = re.compile(rb"(?<!\?)'")


def _segments(data: bytes) -> list[bytes]:
    return [s for s in _SEGMENT_END.split(data) if s.strip()]


def _join(segments: list[bytes]) -> bytes:
    return b"'".join(segments) + b"'"


def _edifact_mutations() -> list[Callable[[list[bytes], random.Random], list[bytes]]]:
    def duplicate(s: list[bytes], r: random.Random) -> list[bytes]:
        i = r.randrange(len(s))
        return s[:i + 1] + [s[i]] * r.choice((1, 2, 50)) + s[i + 1:]

    def drop(s: list[bytes], r: random.Random) -> list[bytes]:
        i = r.randrange(len(s))
        return s[:i] + s[i + 1:]

    def swap(s: list[bytes], r: random.Random) -> list[bytes]:
        i, j = r.randrange(len(s)), r.randrange(len(s))
        s = list(s)
        s[i], s[j] = s[j], s[i]
        return s

    def move(s: list[bytes], r: random.Random) -> list[bytes]:
        s = list(s)
        segment = s.pop(r.randrange(len(s)))
        s.insert(r.randrange(len(s) + 1), segment)
        return s

    def qualifier(s: list[bytes], r: random.Random) -> list[bytes]:
        # The first component of one segment's first element from another of its tag, or
        # a code no directory has.
        i = r.randrange(len(s))
        tag = s[i][:3]
        others = [x.split(b"+")[1].split(b":")[0] for x in s
                  if x[:3] == tag and x.count(b"+") >= 1]
        parts = s[i].split(b"+")
        if len(parts) > 1:
            head = parts[1].split(b":")
            head[0] = r.choice([*others, b"ZZZ", b"999", b"", b"\xff"])
            parts[1] = b":".join(head)
        return [*s[:i], b"+".join(parts), *s[i + 1:]]

    def huge(s: list[bytes], r: random.Random) -> list[bytes]:
        i = r.randrange(len(s))
        value = r.choice([b"9" * 40, b"1" * 5000, b"X" * 100_000, b"1E999999", b"-0,0000001",
                          b"1" + b"0" * 400, b"+" * 2000, b":" * 2000])
        return [*s[:i], s[i] + b"+" + value, *s[i + 1:]]

    return [duplicate, drop, swap, move, qualifier, huge]


def _edifact_bytes(data: bytes, r: random.Random) -> bytes:
    choice = r.randrange(6)
    if choice == 0:  # other delimiters declared, or the UNA broken
        return re.sub(rb"^UNA.{6}", lambda _: b"UNA" + bytes(r.sample(b":+.? '*|~", 6)),
                      data, count=1)
    if choice == 1:  # release characters anywhere
        i = r.randrange(len(data) + 1)
        return data[:i] + b"?" * r.choice((1, 2, 3)) + data[i:]
    if choice == 2:  # re-encoded
        text = data.decode("latin-1")
        return text.encode(r.choice(["utf-16", "utf-16-le", "utf-32", "utf-8"]))
    if choice == 3:  # cut
        return data[:r.randrange(len(data) + 1)]
    if choice == 4:  # bytes that are no text in the declared set
        i = r.randrange(len(data) + 1)
        return data[:i] + bytes(r.randrange(256) for _ in range(8)) + data[i:]
    return data.replace(b"UNOC", r.choice([b"UNOA", b"UNOY", b"UNOX", b"", b"UNOC:9"]), 1)


def edifact_mutant(data: bytes, r: random.Random) -> bytes:
    segments = _segments(data)
    if not segments or r.random() < 0.2:
        return _edifact_bytes(data, r)
    for _ in range(r.choice((1, 1, 2, 3))):
        segments = r.choice(_edifact_mutations())(segments, r) or segments[:1]
    return _join(segments)


# -- XML, element by element

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=False)


def _xml_tree_mutation(root: etree._Element, r: random.Random) -> None:
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    element = r.choice(elements)
    parent = element.getparent()
    choice = r.randrange(7)
    if choice == 0 and parent is not None:  # duplicated
        for _ in range(r.choice((1, 2, 30))):
            parent.insert(parent.index(element), etree.fromstring(etree.tostring(element)))
    elif choice == 1 and parent is not None:  # dropped
        parent.remove(element)
    elif choice == 2 and parent is not None and len(parent) > 1:  # reordered
        children = list(parent)
        r.shuffle(children)
        parent[:] = children
    elif choice == 3:  # texts swapped
        other = r.choice(elements)
        element.text, other.text = other.text, element.text
    elif choice == 4:  # huge values
        element.text = r.choice(["9" * 40, "1" * 5000, "X" * 200_000, "-1E-999999999",
                                 "1E5001", "0x1F", "NaN", "  ", "\u202e\u0000"[:1]])
    elif choice == 5 and parent is not None:  # deep nesting
        wrapper = inner = etree.Element(element.tag)
        for _ in range(r.choice((10, 70, 300))):
            inner = etree.SubElement(inner, element.tag)
        parent.replace(element, wrapper)
        inner.append(element)
    else:  # namespaces renamed or multiplied
        qname = etree.QName(element)
        if r.random() < 0.5:
            element.tag = etree.QName("urn:not:ubl", qname.localname).text
        else:
            for n in range(r.choice((5, 500))):
                element.set(f"{{urn:x{n}}}a", "1")


def xml_mutant(data: bytes, r: random.Random) -> bytes:
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError:
        return data[:r.randrange(len(data) + 1)]
    for _ in range(r.choice((1, 1, 2, 3))):
        try:
            _xml_tree_mutation(root, r)
        except (etree.XMLSyntaxError, ValueError):  # (a copy deeper than lxml parses)
            break
    encoding = r.choice(["UTF-8", "UTF-8", "UTF-16", "ISO-8859-1", "UTF-32"])
    try:
        out: bytes = etree.tostring(root, xml_declaration=True, encoding=encoding)
    except (LookupError, UnicodeEncodeError, ValueError):
        out = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    if r.random() < 0.05:  # a DOCTYPE with an entity
        out = out.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e "ee">]>', 1)
    return out


# -- canonical JSON, key by key


def _json_mutation(value: object, r: random.Random) -> object:
    if isinstance(value, dict) and value:
        key = r.choice(sorted(value))
        choice = r.randrange(5)
        if choice == 0:
            return {k: v for k, v in value.items() if k != key}  # dropped
        if choice == 1:
            return {**value, key: r.choice([None, "", "9" * 40, 1e308, -1, [], {}, "X" * 50_000,
                                             "1E-999999999", True])}
        if choice == 2:
            return {**value, key + "_": value[key]}  # an unknown key
        if choice == 3:  # values of two keys swapped
            other = r.choice(sorted(value))
            return {**value, key: value[other], other: value[key]}
        return {**value, key: _json_mutation(value[key], r)}
    if isinstance(value, list) and value:
        i = r.randrange(len(value))
        choice = r.randrange(3)
        if choice == 0:
            return value[:i] + [value[i]] * r.choice((2, 100)) + value[i + 1:]
        if choice == 1:
            return value[:i] + value[i + 1:]
        return [*value[:i], _json_mutation(value[i], r), *value[i + 1:]]
    return r.choice([None, "", 0, "0", [value], {"x": value}])


def json_mutant(data: bytes, r: random.Random) -> bytes:
    import json

    try:
        value = json.loads(data)
    except ValueError:
        return data[:r.randrange(len(data) + 1)]
    for _ in range(r.choice((1, 1, 2, 3))):
        value = _json_mutation(value, r)
    if r.random() < 0.1:  # deep nesting
        for _ in range(r.choice((100, 5000))):
            value = [value]
    try:
        return json.dumps(value).encode(r.choice(["utf-8", "utf-8", "utf-16"]))
    except (RecursionError, ValueError):
        return data


def mutants(count: int, seed: int = 0, shared: Path | None = None) -> Iterator[bytes]:
    """``count`` mutants of the seeds, the same for the same ``seed``."""
    r = random.Random(seed)
    pool = seeds(shared)
    for _ in range(count):
        data = r.choice(pool)
        head = data.lstrip()[:1]
        if head == b"<" or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            yield xml_mutant(data, r)
        elif head in (b"{", b"["):
            yield json_mutant(data, r)
        else:
            yield edifact_mutant(data, r)


class Hang(Exception):
    pass


def check(data: bytes, rules: bool) -> str | None:
    """What went wrong with one input, or None: read and validate it under a time limit."""
    def alarm(_signum: int, _frame: object) -> None:
        raise Hang

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(SECONDS)
    try:
        edimap.read(data)
        edimap.read(data, profile="tolerant")
        edimap.validate(data, rules=rules)
    except edimap.EdimapError:
        return None
    except Hang:
        return f"no answer within {SECONDS} s"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return None


def run(count: int, seed: int = 0, cli: bool = False, shared: Path | None = None
        ) -> list[tuple[int, str, bytes]]:
    """(index, what went wrong, input) for every failing mutant; ``cli``: also one
    ``edimap validate`` over them all."""
    from edimap.ubl import rules as official

    with_rules = official.available()
    failures = []
    folder = Path(tempfile.mkdtemp(prefix="edimap-mutants-")) if cli else None
    for n, data in enumerate(mutants(count, seed, shared)):
        problem = check(data, rules=with_rules and n % 25 == 0)
        if problem:
            failures.append((n, problem, data))
        if folder is not None:
            (folder / f"{n:06d}.bin").write_bytes(data)
    if folder is not None:
        proc = subprocess.run([sys.executable, "-m", "edimap", "validate", str(folder),
                               "--no-rules", "--format", "json"], capture_output=True,
                              timeout=SECONDS * count, check=False)
        if proc.returncode not in (0, 1):
            failures.append((-1, f"edimap validate exited {proc.returncode}: "
                                 f"{proc.stderr.decode(errors='replace')[-500:]}", b""))
    return failures


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(args[0]) if args else 10_000
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 0
    started = time.monotonic()
    failures = run(count, seed, cli="--cli" in sys.argv)
    print(f"{count} mutants (seed {seed}) in {time.monotonic() - started:.0f} s: "
          f"{len(failures)} failures")
    for n, problem, data in failures[:20]:
        print(f"  #{n}: {problem}  {data[:80]!r}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
