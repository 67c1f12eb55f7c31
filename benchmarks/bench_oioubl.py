"""OIOUBL benchmark: model → OIOUBL 2.1 XML and XSD validation, documents per second on one
core, next to xmlschema validating the same documents in the same run.

    python benchmarks/bench_oioubl.py [--documents 2000] [--package PATH]

Needs the official OIOUBL package installed (``edimap schemas install``), or ``--package``
pointing at the zip (it is installed into a temporary EDIMAP_HOME).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    from host import best_of, describe

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--package", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3,
                        help="passes over the documents for each measurement (best shown)")
    args = parser.parse_args()
    if args.package:
        os.environ["EDIMAP_HOME"] = tempfile.mkdtemp(prefix="edimap-bench-")
        from edimap.ubl import schemas

        schemas.install(args.package)

    import xmlschema
    from hypothesis import HealthCheck, given, settings
    from lxml import etree

    import edimap
    from edimap import strategies as eds
    from edimap.ubl.schemas import schema_dir
    from edimap.ubl.validate import validate_xsd

    documents: list[edimap.Invoice] = []

    @settings(max_examples=args.documents, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(eds.invoices(max_lines=5))
    def collect(invoice: edimap.Invoice) -> None:
        documents.append(invoice)

    collect()
    random.Random(1).shuffle(documents)
    validate_xsd(etree.fromstring(edimap.write(documents[0], format="oioubl")))  # compile once

    xml: list[bytes] = []

    def write_and_validate() -> dict[str, Any]:
        xml.clear()
        start = time.perf_counter()
        for document in documents:
            data = edimap.write(document, format="oioubl")
            errors = validate_xsd(etree.fromstring(data))
            assert not errors, errors
            xml.append(data)
        return {"seconds": time.perf_counter() - start}

    edimap_run = best_of(args.repeat, write_and_validate)

    schema = xmlschema.XMLSchema(str(schema_dir() / "maindoc" / "UBL-Invoice-2.1.xsd"))
    sample = xml[: max(50, len(xml) // 10)]

    def xmlschema_validate() -> dict[str, Any]:
        start = time.perf_counter()
        for data in sample:
            schema.validate(etree.fromstring(data))
        return {"seconds": time.perf_counter() - start}

    peer_run = best_of(args.repeat, xmlschema_validate)

    print(f"{describe()}; {len(documents)} generated invoices (1-5 lines)\n")
    print(f"best of {args.repeat} passes; the slowest pass's documents/s in brackets\n")
    print("| run | documents | seconds | documents/s |")
    print("|---|---:|---:|---:|")
    for name, count, run in (("edimap: write OIOUBL + XSD (libxml2)", len(documents), edimap_run),
                             ("xmlschema: XSD only", len(sample), peer_run)):
        print(f"| {name} | {count} | {run['seconds']:.2f} | {count / run['seconds']:,.0f} "
              f"({count / run['slowest']:,.0f}) |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
