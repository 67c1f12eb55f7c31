"""docs/conformance.md is what tools/conformance.py makes of the shared corpus today, and
under strict reading with an own company every target keeps its share of valid output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_conformance_page_is_current_and_each_target_is_at_least_90_percent(
        shared: Path, installed: Path) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "conformance.py"),
                           str(shared)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "EDIMAP_HOME": str(installed)})
    assert proc.returncode == 0, proc.stderr
    page = (ROOT / "docs" / "conformance.md").read_text("utf-8")
    assert proc.stdout == page, "docs/conformance.md is stale: run tools/conformance.py"
    strict = {target: (int(valid), int(refused)) for target, valid, refused in re.findall(
        r"^\| strict \| (\w+) \| (\d+) \| (\d+) \|", page, re.MULTILINE)}
    assert set(strict) == {"json", "eancom", "oioubl"}
    for target, (valid, refused) in strict.items():
        assert valid >= 0.9 * (valid + refused), (target, valid, refused)
