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

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    from host import describe

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--package", type=Path, default=None)
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

    start = time.perf_counter()
    xml = []
    for document in documents:
        data = edimap.write(document, format="oioubl")
        errors = validate_xsd(etree.fromstring(data))
        assert not errors, errors
        xml.append(data)
    edimap_seconds = time.perf_counter() - start

    schema = xmlschema.XMLSchema(str(schema_dir() / "maindoc" / "UBL-Invoice-2.1.xsd"))
    sample = xml[: max(50, len(xml) // 10)]
    start = time.perf_counter()
    for data in sample:
        schema.validate(etree.fromstring(data))
    xmlschema_seconds = time.perf_counter() - start

    print(f"{describe()}; {len(documents)} generated invoices (1-5 lines)\n")
    print("| run | documents | seconds | documents/s |")
    print("|---|---:|---:|---:|")
    print(f"| edimap: write OIOUBL + XSD (libxml2) | {len(documents)} | {edimap_seconds:.2f} | "
          f"{len(documents) / edimap_seconds:,.0f} |")
    print(f"| xmlschema: XSD only | {len(sample)} | {xmlschema_seconds:.2f} | "
          f"{len(sample) / xmlschema_seconds:,.0f} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
