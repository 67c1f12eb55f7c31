"""atheris target: arbitrary bytes through the canonical JSON reader and back."""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    import edimap


def test_one_input(data: bytes) -> None:
    try:
        result = edimap.read(data, format="json")
        for document in result.documents:
            edimap.write(document, format="json")
            edimap.write(document, format="eancom", control_ref="1", sender="1",
                         recipient="2", syntax_id="UNOY")
    except edimap.EdimapError:
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
