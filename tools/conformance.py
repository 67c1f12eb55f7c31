"""Write docs/conformance.md: every document of the shared corpus, read under
tools/conformance-profile.toml (strict, with an own company) and under the same profile
made tolerant, converted to every other format through the one pipeline (each output held
to its format's official rules), with what became of it.

    python tools/conformance.py [SHARED] > docs/conformance.md

SHARED is the shared folder (EDIMAP_SHARED, default ../shared). The official OIOUBL
package must be installed (edimap schemas install …) for the OIOUBL rules to be run.
"""

from __future__ import annotations

import collections
import os
import re
import sys
from pathlib import Path
from typing import Any

import attrs

import edimap
from edimap import formats
from edimap.pipeline import Outcome, write_document
from edimap.profiles import Profile, ProfileSet
from edimap.ubl import rules
from edimap.ubl.schemes import customization

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("json", "eancom", "oioubl")
OPTIONS = {"control_ref": "1"}


def outcome_text(outcome: Outcome) -> tuple[str, str]:
    """('valid' | 'refused', the cell's text)."""
    if outcome.converted:
        noted = sum(f["code"] == "WRITE-NOT-CARRIED" for f in outcome.findings)
        return "valid", "valid" + (f" ({noted} not carried)" if noted else "")
    codes = sorted({_why(f) for f in outcome.findings if f["severity"] == "error"})
    return "refused", "refused: " + ", ".join(codes)


def tolerant(profile: Profile) -> Profile:
    """``profile`` with the built-in tolerant severities under its own."""
    return attrs.evolve(profile, name=f"{profile.name}+tolerant", severity={
        **Profile.builtin("tolerant").severity, **profile.severity})


def _why(finding: dict[str, Any]) -> str:
    """A refusal's code with the rule it names or the model field it refuses at."""
    if finding["code"] == "WRITE-INVALID":
        return "WRITE-INVALID " + finding["message"].split("would break ")[1].split(":")[0]
    field = finding["location"].get("field")
    if finding["code"] == "WRITE-REFUSED" and field:
        return "WRITE-REFUSED " + re.sub(r"\[\d+\]", "[…]", field)
    return str(finding["code"])


PARTNERS = "strict + partner profiles"


def _is_peppol(path: Path) -> bool:
    """Whether the file is a Peppol BIS 3 document (by its CustomizationID)."""
    found = re.search(rb"CustomizationID>([^<]*)<", path.read_bytes())
    return found is not None and customization(found.group(1).decode()) == "peppol"


def _targets(peppol: bool, source_format: str | None, document: edimap.Document
             ) -> list[str | None]:
    """Each target format, or None where it does not apply: the source format (a Peppol
    BIS 3 document read as UBL is translated to OIOUBL too), EANCOM for an order
    response."""
    return [None if (target == source_format and not peppol) or (
        target == "eancom" and isinstance(document, edimap.OrderResponse)) else target
            for target in TARGETS]


def _partner_totals(path: Path, partners: ProfileSet,
                    totals: collections.Counter[tuple[str, str, str]]) -> None:
    """Count the documents of ``path`` converted under strict with the partner profiles of
    tools/conformance-partners (what a refusal names as the fix, supplied)."""
    result = edimap.read(path, profile=partners)
    peppol = _is_peppol(path)
    for item in result.items:
        document = item.document
        if not item.ok or document is None:
            continue
        for target in _targets(peppol, result.format, document):
            if target is not None:
                written = write_document(Outcome(path.name, item.reference, True, (),
                                                 document=document), formats.get(target),
                                         {**OPTIONS, "profiles": partners})
                totals[PARTNERS, target, outcome_text(written)[0]] += 1


def main() -> None:
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else
                  os.environ.get("EDIMAP_SHARED", ROOT.parent / "shared"))
    strict = Profile.load(ROOT / "tools" / "conformance-profile.toml")
    totals: collections.Counter[tuple[str, str, str]] = collections.Counter()
    rows = []
    for path in sorted((shared / "corpus").rglob("*")):
        if not path.is_file() or path.name == "MANIFEST.tsv":
            continue
        strictly = {i.reference for i in edimap.read(path, profile=strict).items if i.ok}
        result = edimap.read(path, profile=tolerant(strict))
        name = path.relative_to(shared / "corpus").as_posix()
        peppol = _is_peppol(path)
        for item in result.items:
            document = item.document
            if not item.ok or document is None:
                continue
            reading = ("strict", "tolerant") if item.reference in strictly else ("tolerant",)
            cells = []
            for target in _targets(peppol, result.format, document):
                if target is None:
                    cells.append("—")
                    continue
                written = write_document(Outcome(name, item.reference, True, (),
                                                 document=document),
                                         formats.get(target),
                                         {**OPTIONS, "profiles": ProfileSet.of(strict)})
                verdict, text = outcome_text(written)
                for mode in reading:
                    totals[mode, target, verdict] += 1
                cells.append(text)
            rows.append(f"| `{name}` | {item.reference} | {document.kind.value} | "
                        f"{'yes' if 'strict' in reading else 'no'} | " + " | ".join(cells)
                        + " |")
    print(HEADER.format(rules="run" if rules.available() else "NOT installed"))
    print("| input | document | kind | reads under strict | JSON | EANCOM | OIOUBL |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    partners = ProfileSet.of(strict, ROOT / "tools" / "conformance-partners")
    for path in sorted((shared / "corpus").rglob("*")):
        if path.is_file() and path.name != "MANIFEST.tsv":
            _partner_totals(path, partners, totals)
    print("\n## Totals\n")
    print("| read under | target | valid | refused | valid share |")
    print("|---|---|---|---|---|")
    for mode in ("strict", "tolerant", PARTNERS):
        for target in TARGETS:
            valid, refused = totals[mode, target, "valid"], totals[mode, target, "refused"]
            share = f"{100 * valid / (valid + refused):.0f} %" if valid + refused else "—"
            print(f"| {mode} | {target} | {valid} | {refused} | {share} |")


HEADER = """# Conformance: the corpus converted to every other format

Generated by `python tools/conformance.py > docs/conformance.md`. Each document is read
under `tools/conformance-profile.toml` — `strict`, with an own company for the documents
that leave the seller out — and under the same profile made tolerant (the partners' check
digits, placeholders and codes kept as sent). Every output is held to its format's
official rules (the OIOUBL rules: {rules}); *valid* means it passed them, *refused* names
the finding codes (and rule ids) of the refusal — each refusal names the document and the
field, and what would supply it. — means not applicable (the source format, or an order
response to EANCOM); Peppol BIS 3 documents are translated to OIOUBL as well. Documents
that do not read are not listed.

Under `strict`, a partner's own codes where EANCOM takes a code list's do not read: an
agency that is no code of list 3055 (the OCA order's `NAD+BY+…::ZZ`, EANCOM-CODE), a unit
that is not shaped like UN/ECE Rec 20 (the php-edifact order's `QTY+21:2:GBND`,
EANCOM-UNIT); `edimap validate` refuses the same. The last rows of the totals read the
corpus under `strict` with the partner profiles of `tools/conformance-partners/` as well
(the OCA orders' agency `ZZ` and unit `BOU`, the php-edifact order's German unit codes):
what the refusals name as the fix, supplied.

Most refusals are content the target requires and the source does not have: OIOUBL needs
an endpoint (GLN, CVR number …) for every party, where EDIFACT partners name a store by a
number of their own (`NAD+BY+1234::92`) or by name alone — a partner profile's
`[partner]` or `[identities]` supplies it; a Rec 20 unit (`[units]` maps a partner's
own); the account of the payment means. What OIOUBL cannot state is refused too: one VAT
category at two rates (F-LIB315); an order whose lines have no item number of the
seller's is written under the advanced ordering profile, which does not ask for one
(F-ORD185 holds only under the simple one), and an order without any lines is refused.
Others are sources that break a rule edimap will not repair: stated
totals that do not add up (BR-CO-…), a partner's placeholder
where a GLN belongs (`PARTNER1`, `<Supplier GLN>`: OIOUBL takes 13 characters, F-LIB181)
when the party has no other identifier to stand in as its endpoint.
"""


if __name__ == "__main__":
    main()
