"""End-to-end convert benchmark: ``edimap convert`` of a generated EANCOM ORDERS
interchange to JSON and to JSON Lines, as a user runs it, next to pydifact's bare parse of
the same file, in the same run. Each measurement is a process of its own, so its peak RSS
is its own. Prints a Markdown table for docs/performance.md.

    python benchmarks/bench_convert.py --megabytes 20 [--megabytes 100] [--repeat 3]
        [--jobs 2]

``--jobs N`` adds the same conversions with ``--jobs N`` (one input split into parts).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

PYDIFACT = r"""
import sys
from pydifact.segmentcollection import Interchange
text = open(sys.argv[1], encoding="latin-1").read()
count = sum(1 for _ in Interchange.from_str(text).segments)
print(count)
"""


def measure(command: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one run of ``command``."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: run the command with its own rusage
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            os.dup2(null.fileno(), 2)
        os.execvp(command[0], command)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0,):
        raise SystemExit(f"{command} failed ({os.waitstatus_to_exitcode(status)})")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    from generate import generate

    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=float, action="append")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--skip-pydifact", action="store_true")
    parser.add_argument("--jobs", type=int, action="append", default=[])
    parser.add_argument("--only-json", action="store_true", help="leave JSON Lines out")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.megabytes or [20.0]:
            source = Path(tmp) / f"orders-{size:g}mb.edi"
            messages = generate(str(source), size)
            runs = {
                "edimap convert --to json": [sys.executable, "-m", "edimap", "convert",
                                             str(source), "--to", "json", "-o",
                                             str(Path(tmp) / "out.json"), "-q"],
                "edimap convert --to jsonl": [sys.executable, "-m", "edimap", "convert",
                                              str(source), "--to", "jsonl", "-o",
                                              str(Path(tmp) / "out.jsonl"), "-q"],
            }
            if args.only_json:
                del runs["edimap convert --to jsonl"]
            for jobs in args.jobs:
                for name, command in list(runs.items()):
                    runs[f"{name} --jobs {jobs}"] = [*command, "--jobs", str(jobs)]
            if not args.skip_pydifact:
                runs["pydifact parse"] = [sys.executable, "-c", PYDIFACT, str(source)]
            # Round by round, every run once per round: a host that speeds up or slows
            # down during the benchmark moves them all alike.
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
            for _ in range(args.repeat):
                for name, command in runs.items():
                    times[name].append(measure(command))
            for name in runs:
                rows.append((size, messages, name, *min(times[name], key=lambda r: r[0])))
    print("| input | messages | run | seconds | MB/s | peak RSS (MB) |")
    print("|---:|---:|---|---:|---:|---:|")
    for size, messages, name, seconds, rss in rows:
        print(f"| {size:g} MB | {messages:,} | {name} | {seconds:.1f} | {size / seconds:.2f} | "
              f"{rss:.0f} |")
    print(json.dumps([dict(zip(("megabytes", "messages", "run", "seconds", "rss_mb"), row,
                               strict=True)) for row in rows]), file=sys.stderr)


if __name__ == "__main__":
    main()
