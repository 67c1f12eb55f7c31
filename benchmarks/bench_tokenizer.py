"""Tokenizer benchmark: a generated EANCOM ORDERS interchange, edimap next to pydifact.

Each measurement runs in its own process so peak RSS is that run's own. Results are printed
as a Markdown table for docs/performance.md.

    python benchmarks/bench_tokenizer.py --megabytes 100 [--file /tmp/orders-100mb.edi]

Runs:
  edimap-tokenize  EdifactReader over the file: every segment found (tag, position), every
                   envelope checked, every message handed out (elements split on access)
  edimap-elements  the same, and every element of every segment split into components
  pydifact         pydifact 0.2.3's Parser over the decoded text (it needs it all in memory)
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CHILD = r"""
import json, resource, sys, time, warnings
mode, path = sys.argv[1], sys.argv[2]
start = time.perf_counter()
count = 0
if mode.startswith("edimap"):
    from edimap.edifact import EdifactReader
    reader = EdifactReader(path)
    touch = mode == "edimap-elements"
    for message in reader:
        count += len(message.segments)
        if touch:
            for segment in message.segments:
                segment.elements
    assert not reader.findings, reader.findings[:3]
else:
    from pydifact.parser import Parser
    warnings.simplefilter("ignore")
    with open(path, encoding="latin-1") as fh:
        text = fh.read()
    for segment in Parser().parse(text):
        count += 1
seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"segments": count, "seconds": seconds, "rss_mb": rss}))
"""


def run(mode: str, path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(path)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def main() -> None:
    from host import best_of, describe

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=100)
    parser.add_argument("--file", type=Path, default=None)
    parser.add_argument("--skip-pydifact", action="store_true")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each measurement, every one a new process (best shown)")
    args = parser.parse_args()
    from generate import generate

    path = args.file or Path(f"/tmp/edimap-orders-{int(args.megabytes)}mb.edi")
    if not path.exists():
        generate(str(path), args.megabytes)
    size_mb = os.path.getsize(path) / 1e6
    modes = ["edimap-tokenize", "edimap-elements"]
    if not args.skip_pydifact:
        modes.append("pydifact")
    print(f"{describe()}; file: {path} ({size_mb:.1f} MB)\n")
    print(f"best of {args.repeat} runs; the slowest run's MB/s in brackets\n")
    print("| run | segments | seconds | MB/s | peak RSS (MB) |")
    print("|---|---:|---:|---:|---:|")
    for mode in modes:
        result = best_of(args.repeat, functools.partial(run, mode, path))
        print(f"| {mode} | {result['segments']:,} | {result['seconds']:.1f} | "
              f"{size_mb / result['seconds']:.1f} ({size_mb / result['slowest']:.1f}) | "
              f"{result['rss_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
