"""atheris target: arbitrary bytes through the EDIFACT reader, the mappers and CONTRL."""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    import edimap
    from edimap.edifact import contrl, read_interchanges


def test_one_input(data: bytes) -> None:
    try:
        result = edimap.read(data, format="eancom")
        for document in result.documents:
            edimap.write(document, format="eancom", control_ref="1", sender="1",
                         recipient="2", syntax_id="UNOY")
            edimap.write(document, format="json")
        for interchange in read_interchanges(data):
            if interchange.header is not None:
                contrl.to_bytes(contrl.build(interchange), control_ref="1")
    except edimap.EdimapError:
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
