"""One large interchange converted by several processes: split at message boundaries, each
part read as the whole reads it, the output and report byte for byte those of --jobs 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edimap._split_run import convert_parts, plan_for
from edimap.edifact.reader import EdifactReader
from edimap.edifact.split import plan
from edimap.profiles import ProfileSet

from .conftest import FIXTURES, ROOT

_ORDER = (FIXTURES / "orders-d96a.edi").read_bytes()
_HEAD = _ORDER.split(b"UNH+", 1)[0].rstrip(b"\r\n")
_BODY = b"UNH+" + _ORDER.split(b"UNH+", 2)[1].split(b"UNH+")[0].rstrip(b"\r\n")
_REF = _BODY.split(b"+", 2)[1]

# What a message of the interchange may be: sound; with free text holding a released
# terminator and what looks like a message start; counted wrong; cut off before UNT; or
# followed by a segment outside any message.
_KINDS = st.sampled_from(["sound", "released", "bad-count", "no-unt", "stray"])


def _message(n: int, kind: str) -> bytes:
    ref = str(n).encode()
    segments = _BODY.replace(b"UNH+" + _REF + b"+", b"UNH+" + ref + b"+").replace(
        b"+" + _REF + b"'", b"+" + ref + b"'").split(b"'")[:-1]
    if kind == "released":
        segments.insert(3, b"FTX+ZZZ+++ring?'UNH+99+ORDERS:D:96A:UN:EAN008?' f" + ref)
        segments[-1] = b"UNT+%d+%s" % (len(segments), ref)
    elif kind == "bad-count":
        segments[-1] = b"UNT+2+" + ref
    elif kind == "no-unt":
        segments = segments[:-1]
    elif kind == "stray":
        segments.append(b"XYZ+1")
    return b"".join(s + b"'" for s in segments)


def _interchange(kinds: list[str], newline: bytes, unz_off: int) -> bytes:
    messages = [_message(n, kind) for n, kind in enumerate(kinds, start=1)]
    return newline.join([_HEAD, *messages, b"UNZ+%d+4711'" % (len(kinds) + unz_off)])


def _whole_and_parts(path: Path, parts: int) -> tuple[list[object], list[object]]:
    whole = EdifactReader(path)
    messages = list(whole.messages())
    split = plan(path, parts, min_part_bytes=1)
    assert split is not None
    found, envelope, trailing = [], [], []
    for k in range(len(split.parts)):
        reader = EdifactReader(path, part=(split, k))
        found += list(reader.messages())
        assert not reader.inexact
        envelope += reader.findings[:reader.envelope_findings]
        trailing += reader.findings[reader.envelope_findings:]
    return [messages, whole.findings], [found, envelope + trailing]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(_KINDS, min_size=3, max_size=14), parts=st.integers(2, 6),
       newline=st.sampled_from([b"", b"\n", b"\r\n"]), unz_off=st.sampled_from([0, 0, 1]))
def test_the_parts_of_an_interchange_read_exactly_as_the_whole(
        tmp_path: Path, kinds: list[str], parts: int, newline: bytes, unz_off: int) -> None:
    path = tmp_path / "split.edi"
    path.write_bytes(_interchange(kinds, newline, unz_off))
    whole, in_parts = _whole_and_parts(path, parts)
    assert in_parts[0] == whole[0]  # every message, segment and finding, same places
    assert in_parts[1] == whole[1]  # the envelope's findings, same order


def test_a_released_terminator_is_never_a_cut() -> None:
    data = _interchange(["released"] * 6, b"", 0)
    split = plan(data, 6, min_part_bytes=1)
    assert split is not None
    for part in split.parts[1:]:
        assert data[part.start:part.start + 4] == b"UNH+"
        assert data[part.start - 2:part.start] != b"?'"
    assert split.messages == 6


def test_what_a_split_cannot_read_exactly_is_read_whole() -> None:
    sound = _interchange(["sound"] * 6, b"\n", 0)
    assert plan(sound, 3, min_part_bytes=1) is not None
    # two interchanges; a functional group; a preamble; line breaks as terminators
    assert plan(sound + b"\n" + sound, 3, min_part_bytes=1) is None
    grouped = sound.replace(b"UNH+1+", b"UNG+ORDERS+1+2+200101:1200+1+UN+D:96A'UNH+1+", 1)
    assert plan(grouped, 3, min_part_bytes=1) is None
    assert plan(b"junk\n" + sound, 3, min_part_bytes=1) is None
    assert plan(sound, 3, min_part_bytes=len(sound)) is None  # too small to be worth it


def _convert(cwd: Path, source: Path, to: str, output: str, jobs: int
             ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EDIMAP_MIN_PART_BYTES": "20000",
           "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "edimap", "convert", str(source), "--to",
                           to, "-o", output, "--report", "report.json", "-j", str(jobs)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
                          check=False)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_convert_jobs_2_splits_one_input_and_writes_what_jobs_1_writes(
        tmp_path: Path) -> None:
    kinds = (["sound"] * 9 + ["bad-count", "released", "stray", "no-unt"]) * 12
    source = tmp_path / "orders.edi"
    source.write_bytes(_interchange(kinds, b"\n", 1))
    os.environ["EDIMAP_MIN_PART_BYTES"] = "20000"
    try:
        fmt, split = plan_for(str(source), "auto", "json", 2)
    finally:
        del os.environ["EDIMAP_MIN_PART_BYTES"]
    assert fmt == "eancom"
    assert split is not None
    assert len(split.parts) >= 4
    done = convert_parts(str(source), str(source), split, fmt, "json",
                         {"profiles": ProfileSet.of(None)}, 2, str(tmp_path))
    assert done is not None  # the parts read exactly: the run did not fall back
    for to, output in (("json", "out.json"), ("jsonl", "out.jsonl"), ("oioubl", "out/")):
        runs = []
        for jobs in (1, 2):
            cwd = tmp_path / f"{to}-{jobs}"
            cwd.mkdir()
            proc = _convert(cwd, source, to, output, jobs)
            assert proc.returncode == 1, proc.stderr  # some messages are broken
            runs.append((_tree(cwd), proc.stderr))
        assert runs[0] == runs[1], to
        assert len(runs[0][0]) >= 2
        assert b'"outcome": "failed"' in runs[0][0]["report.json"]


def test_a_reference_in_two_parts_falls_back_to_a_whole_reading(tmp_path: Path) -> None:
    data = _interchange(["sound"] * 120, b"\n", 0)
    data = data.replace(b"UNH+100+", b"UNH+3+", 1)
    source = tmp_path / "orders.edi"
    source.write_bytes(data)
    split = plan(source, 4, min_part_bytes=1)
    assert split is not None
    assert convert_parts(str(source), str(source), split, "eancom", "json",
                         {"profiles": ProfileSet.of(None)}, 2, str(tmp_path)) is None
    # Converted part by part as they come, then read again whole from the part where the
    # reference repeats: what was written before goes (files included), nothing is lost.
    for to, output in (("json", "out.json"), ("oioubl", "out/")):
        runs = []
        for jobs in (1, 2):
            cwd = tmp_path / f"{to}-{jobs}"
            cwd.mkdir()
            proc = _convert(cwd, source, to, output, jobs)
            assert proc.returncode == 1
            runs.append(_tree(cwd))
        assert runs[0] == runs[1], to
        assert b"EDI-UNH-DUPLICATE-REF" in runs[0]["report.json"]
