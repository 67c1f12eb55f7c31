"""Many inputs on a two-worker local Dask cluster against ``--jobs 2`` on this machine, as
a user runs them: ``edimap convert DIR --to json -o OUT/`` with ``--cluster local:2`` and
with ``--jobs 2`` (and ``--jobs 1`` for reference), best of ``--repeat`` runs each.

    python benchmarks/bench_cluster.py --megabytes 20 --files 40 [--repeat 2]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    from bench_convert import measure
    from generate import generate

    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=float, default=20)
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "inputs"
        inputs.mkdir()
        messages = 0
        for n in range(args.files):
            messages += generate(str(inputs / f"orders-{n:03d}.edi"),
                                 args.megabytes / args.files, seed=n + 1)
        runs = {"--jobs 1": ["--jobs", "1"], "--jobs 2": ["--jobs", "2"],
                "--cluster local:2": ["--cluster", "local:2"]}
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.repeat):  # round by round, every run once per round
            for name, extra in runs.items():
                out = Path(tmp) / "out"
                shutil.rmtree(out, ignore_errors=True)
                times[name].append(measure([sys.executable, "-m", "edimap", "convert",
                                            str(inputs), "--to", "json", "-o", f"{out}/",
                                            "-q", *extra])[0])
        rows = [(name, min(t), max(t)) for name, t in times.items()]
    print(f"{args.files} inputs, {args.megabytes:g} MB, {messages:,} orders")
    print("| run | seconds (best) | slowest | orders/s |")
    print("|---|---:|---:|---:|")
    for name, best, worst in rows:
        print(f"| {name} | {best:.1f} | {worst:.1f} | {messages / best:,.0f} |")


if __name__ == "__main__":
    main()
