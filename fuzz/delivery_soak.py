"""The long run of the delivery fault harness (``tests/delivery_harness.py``).

400 orders (four of 260 lines, which go in by parts) pushed by two concurrent
``edimap winfinans push-orders`` runs against ``edimap sandbox`` with 20 % injected faults,
20 kills at random moments and kills at every named window of the protocol; then 150 queued
invoices picked up by two concurrent ``pull-invoices`` runs sharing one journal, with the
same faults and kills and a transport that takes the files away between runs. Prints the
figures as the table in ``docs/delivery.md`` and exits 1 when anything was duplicated,
missing, partial, or ended in an internal error.

    python fuzz/delivery_soak.py [--seed N] [--orders N] [--invoices N] [--kills N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.delivery_harness import Plan, render, run_pull, run_push


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--invoices", type=int, default=150)
    parser.add_argument("--kills", type=int, default=20)
    args = parser.parse_args()
    plan = Plan(orders=args.orders, big_orders=4, big_lines=260, invoices=args.invoices,
                fault_rate=0.2, random_kills=args.kills, max_rounds=args.kills * 3 + 60,
                seed=args.seed, max_request_bytes=65_536)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "push").mkdir()
        (Path(folder) / "pull").mkdir()
        push = run_push(Path(folder) / "push", plan)
        pull = run_pull(Path(folder) / "pull", plan)
    print(render(push, pull))
    for problem in push.problems + pull.problems:
        print(problem, file=sys.stderr)
    return 0 if push.clean and pull.clean and not (push.problems or pull.problems) else 1


if __name__ == "__main__":
    sys.exit(main())
