"""atheris target: arbitrary bytes as SOAP requests to the Winfinans test double and as
responses to the client's codec."""

from __future__ import annotations

import contextlib
import sys

import atheris

with atheris.instrument_imports():
    from edimap.winfinans._contract import SoapFault, WireError, contract
    from edimap.winfinans.sandbox import Sandbox

SANDBOX = Sandbox()
CONTRACT = contract()
OPERATIONS = sorted(CONTRACT.operations.values(), key=lambda op: op.name)


def test_one_input(data: bytes) -> None:
    status, answer = SANDBOX.handle(data, None)
    if status not in (200, 500) or not answer.startswith(b"<"):
        raise AssertionError(f"the double answered {status} {answer[:40]!r}")
    op = OPERATIONS[len(data) % len(OPERATIONS)]
    with contextlib.suppress(SoapFault, WireError):
        CONTRACT.read_response(op, data)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
