"""The fuzz targets' seed corpora (fuzz/seeds, made by fuzz/make_seeds.py) are inputs that
get deep into the code: documents that read, and SOAP messages the Winfinans codec
understands."""

from __future__ import annotations

import contextlib

import pytest

import edimap
from edimap.winfinans._contract import SoapFault, WireError, contract

from .conftest import ROOT

SEEDS = ROOT / "fuzz" / "seeds"


@pytest.mark.parametrize("target", ["edifact", "json", "ubl"])
def test_every_document_seed_reads(target: str) -> None:
    seeds = sorted((SEEDS / target).iterdir())
    assert len(seeds) >= 5
    for seed in seeds:
        result = edimap.read(seed)
        assert result.documents, (seed, [str(f) for f in result.all_findings if f.is_error])


def test_the_winfinans_seeds_are_requests_and_answers_of_every_step() -> None:
    codec = contract()
    requests, answers = set(), 0
    for seed in sorted((SEEDS / "winfinans").iterdir()):
        data = seed.read_bytes()
        try:
            op, _ = codec.read_request(data)
            requests.add(op.name)
            continue
        except WireError:
            pass
        understood = False
        for op in codec.operations.values():
            with contextlib.suppress(SoapFault, WireError):
                codec.read_response(op, data)
                understood = True
                break
        assert understood, seed
        answers += 1
    assert {"CompanyLoad", "AddressLookup", "SalesOrderAdd",
            "SalesOrderB2BBackboneItemConfirm"} <= requests
    assert answers >= len(requests)
