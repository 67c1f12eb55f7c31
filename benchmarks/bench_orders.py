"""ORDERS benchmark: EANCOM ORDERS (20 lines each) → Order objects, messages per second on
one core, next to pydifact's parse of the same file in the same run.

    python benchmarks/bench_orders.py [--megabytes 10]

Runs (each in its own process):
  edimap-orders  read every message, check envelopes and structure, map to edimap.Order
                 (every invariant checked: GLN and GTIN check digits, quantities, dates)
  pydifact       pydifact 0.2.3's parse of the same file into segments (no mapping)
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

CHILD = r"""
import json, resource, sys, time, warnings
mode, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
# Imports are not timed (they are the same whatever the input's size).
if mode == "edimap-orders":
    from edimap.edifact import EdifactReader
    from edimap.edifact.orders import read_order
else:
    from pydifact.parser import Parser
    warnings.simplefilter("ignore")
start = time.perf_counter()
messages = 0
if mode == "edimap-orders":
    for message in EdifactReader(data):
        order, findings = read_order(message)
        assert order is not None, findings
        messages += 1
else:
    for segment in Parser().parse(data.decode("latin-1")):
        messages += segment.tag == "UNH"
seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"messages": messages, "seconds": seconds, "rss_mb": rss}))
"""


def main() -> None:
    from host import best_of, describe

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=10)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each measurement, every one a new process (best shown)")
    args = parser.parse_args()
    from generate import generate

    path = Path(f"/tmp/edimap-orders-{args.megabytes:g}mb.edi")
    if not path.exists():
        generate(str(path), args.megabytes)
    print(f"{describe()}; file: {path} ({os.path.getsize(path) / 1e6:.1f} MB, "
          "20 lines per order)\n")
    print(f"best of {args.repeat} runs; the slowest run's messages/s in brackets\n")
    print("| run | messages | seconds | messages/s | peak RSS (MB) |")
    print("|---|---:|---:|---:|---:|")

    def measure(mode: str) -> dict[str, Any]:
        out = subprocess.run([sys.executable, "-c", CHILD, mode, str(path)], check=True,
                             capture_output=True, text=True)
        return json.loads(out.stdout)  # type: ignore[no-any-return]

    for mode in ("edimap-orders", "pydifact"):
        r = best_of(args.repeat, functools.partial(measure, mode))
        print(f"| {mode} | {r['messages']:,} | {r['seconds']:.1f} | "
              f"{r['messages'] / r['seconds']:,.0f} ({r['messages'] / r['slowest']:,.0f}) | "
              f"{r['rss_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
