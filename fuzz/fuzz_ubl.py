"""atheris target: arbitrary bytes through the safe XML parser, the UBL readers, the XSD
check and the OIOUBL writer."""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    import edimap
    from edimap.ubl.validate import validate_xsd
    from edimap.ubl.xml import parse


def test_one_input(data: bytes) -> None:
    try:
        result = edimap.read(data, format="oioubl")
        for document in result.documents:
            edimap.write(document, format="oioubl")
            edimap.write(document, format="json")
        root, _ = parse(data)
        if root is not None:
            validate_xsd(root)
    except edimap.EdimapError:
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
