"""Generate a large EANCOM ORDERS D.96A interchange for the benchmarks.

UNOC (ISO 8859-1) with Danish letters, release characters in free text, 20 lines per order.

    python benchmarks/generate.py OUT.edi --megabytes 100
"""

from __future__ import annotations

import argparse
import random

from edimap.ids import gln as _gln

_NAMES = ["Rugbrød 500 g", "Æblemost 1 l", "Smør 250 g", "Grøn te?", "Ost 45+ skiver",
          "Kaffe 'Mørk'", "Havregryn: 1 kg", "Syltetøj jordbær", "Øl 33 cl", "Fløde 38%"]


def _gln_for(n: int) -> str:
    body = f"579{n:09d}"
    return body + _gln.calc_check_digit(body)


def _esc(text: str) -> str:
    return "".join("?" + c if c in "+:'?" else c for c in text)


def order(index: int, lines: int, rng: random.Random) -> str:
    ref = str(index)
    segs = [
        f"UNH+{ref}+ORDERS:D:96A:UN:EAN008",
        f"BGM+220+PO{index:010d}+9",
        "DTM+137:20261125:102",
        "DTM+2:20261128:102",
        "FTX+ZZZ+++Levering ved bagdøren?: ring på ?+45 1234 5678",
        f"NAD+BY+{_gln_for(index % 997)}::9",
        f"NAD+SU+{_gln_for(999_000)}::9",
        f"NAD+DP+{_gln_for(500_000 + index % 313)}::9++Købmand Hansen+Vestergade 12"
        "+Aarhus C++8000+DK",
        "CUX+2:DKK:9",
    ]
    for n in range(1, lines + 1):
        gtin_body = f"570{rng.randrange(10**9):09d}"
        segs += [
            f"LIN+{n}++{gtin_body}{_gln.calc_check_digit(gtin_body)}:EN",
            f"PIA+5+ITEM-{n:05d}:SA",
            f"IMD+F++:::{_esc(rng.choice(_NAMES))}",
            f"QTY+21:{rng.randrange(1, 200)}:PCE",
            f"PRI+AAA:{rng.randrange(100, 99999) / 100:.2f}",
        ]
    segs += ["UNS+S", f"CNT+2:{lines}"]
    segs.append(f"UNT+{len(segs) + 1}+{ref}")
    return "'".join(segs) + "'\n"


def generate(path: str, megabytes: float, lines: int = 20, seed: int = 1) -> int:
    """Write the interchange; return the number of messages."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    count = 0
    with open(path, "wb") as out:
        out.write(f"UNA:+.? 'UNB+UNOC:3+{_gln_for(1)}:14+{_gln_for(2)}:14+261125:0830+1'\n"
                  .encode("latin-1"))
        written = 0
        while written < target:
            count += 1
            data = order(count, lines, rng).encode("latin-1")
            out.write(data)
            written += len(data)
        out.write(f"UNZ+{count}+1'\n".encode("latin-1"))
    return count


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("--megabytes", type=float, default=100)
    parser.add_argument("--lines", type=int, default=20)
    args = parser.parse_args()
    n = generate(args.out, args.megabytes, args.lines)
    print(f"{args.out}: {n} messages")
