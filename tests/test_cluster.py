"""convert --cluster: a real Dask scheduler and two workers on 127.0.0.1 (processes this
module starts and stops), byte for byte the output and report of a local run, a worker
killed mid-run losing nothing, reruns skipping what is done, and fsspec URLs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import FIXTURES, ROOT

pytest.importorskip("distributed", reason="the dask extra is not installed")

from .test_split import _interchange

_ENV = {**os.environ, "EDIMAP_MIN_PART_BYTES": "20000", "PYTHONPATH": str(ROOT / "src")}


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", *args], stdout=subprocess.DEVNULL,
                            stderr=log.open("wb"), env=_ENV, cwd=log.parent)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[Any]]]:
    """(scheduler address, worker processes): a scheduler and two single-threaded workers
    without nannies, so that a worker killed stays dead."""
    where = tmp_path_factory.mktemp("cluster")
    scheduler_file = where / "scheduler.json"
    processes = [_start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port",
                         "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                        where / "scheduler.log")]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        import json

        address = json.loads(scheduler_file.read_text())["address"]
        for n in range(2):
            processes.append(_start(["distributed.cli.dask_worker", address, "--nthreads",
                                     "1", "--no-nanny", "--no-dashboard", "--host",
                                     "127.0.0.1", "--name", f"w{n}"], where / f"w{n}.log"))
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, processes[1:]
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=30)


def _inputs(folder: Path) -> Path:
    """Small interchanges, a big one that splits (with broken messages), a broken file and
    JSON documents."""
    inputs = folder / "in"
    inputs.mkdir()
    kinds = (["sound"] * 9 + ["bad-count", "released", "stray", "no-unt"]) * 40
    shutil.copy(FIXTURES / "orders-d96a.edi", inputs / "a-orders.edi")
    (inputs / "b-big.edi").write_bytes(_interchange(kinds, b"\n", 1))
    shutil.copy(FIXTURES / "orders-d96a.edi", inputs / "c-same-orders.edi")
    (inputs / "d-broken.edi").write_bytes(b"UNB+UNOC:3+1+2+200101:1200+7'UNH+1+ORDERS'")
    for document in ("order.json", "invoice.json"):
        shutil.copy(FIXTURES / document, inputs / f"e-{document}")
    return inputs


def _convert(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edimap", "convert", *args, "--report",
                           "report.json", "-q"], cwd=cwd, env=_ENV, capture_output=True,
                          text=True, timeout=900, check=False)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".edimap" not in p.parts}


def test_a_cluster_run_writes_what_a_local_run_writes_even_when_a_worker_dies(
        cluster: tuple[str, list[Any]], tmp_path: Path) -> None:
    address, workers = cluster
    inputs = _inputs(tmp_path)
    local, remote = tmp_path / "local", tmp_path / "remote"
    local.mkdir()
    remote.mkdir()
    proc = _convert(local, str(inputs), "--to", "oioubl", "-o", "out/")
    assert proc.returncode == 1, proc.stderr  # the broken inputs fail
    run = subprocess.Popen([sys.executable, "-m", "edimap", "convert", str(inputs), "--to",
                            "oioubl", "-o", "out/", "--report", "report.json", "-q",
                            "--cluster", address], cwd=remote, env=_ENV,
                           stderr=subprocess.PIPE, text=True)
    # The first input is done while the big one's parts are still being converted.
    done = remote / "out" / ".edimap" / "done"
    while run.poll() is None and not (done.exists() and any(done.iterdir())):
        time.sleep(0.02)
    assert run.poll() is None, "the run ended before a worker could be killed"
    workers[0].send_signal(signal.SIGKILL)  # mid-run: its tasks run again on the other
    _, stderr = run.communicate(timeout=900)
    assert run.returncode == 1, stderr
    assert _tree(remote) == _tree(local)
    assert len(_tree(local)) > 400
    # A rerun finds every input done: nothing converted again, the same report.
    before = (remote / "report.json").read_bytes()
    again = _convert(remote, str(inputs), "--to", "oioubl", "-o", "out/", "--cluster",
                     address)
    assert again.returncode == 1, again.stderr
    assert (remote / "report.json").read_bytes() == before
    assert _tree(remote) == _tree(local)


def test_inputs_and_outputs_by_url(cluster: tuple[str, list[Any]], tmp_path: Path) -> None:
    address, _ = cluster
    inputs = _inputs(tmp_path)
    (tmp_path / "local").mkdir()
    _convert(tmp_path / "local", str(inputs), "--to", "json", "-o", "out/")
    proc = _convert(tmp_path, f"file://{inputs}", "--to", "json", "-o",
                    f"file://{tmp_path}/by-url", "--cluster", address)
    assert proc.returncode == 1, proc.stderr
    assert _tree(tmp_path / "by-url") == _tree(tmp_path / "local" / "out")
    report = (tmp_path / "report.json").read_text()
    assert f'"output": "file://{tmp_path}/by-url/Order-4500012345.json"' in report


def test_memory_urls_on_an_in_process_cluster(tmp_path: Path) -> None:
    import fsspec
    from distributed import Client

    from edimap import cluster
    from edimap.profiles import ProfileSet

    memory = fsspec.filesystem("memory")
    memory.pipe("/inbox/orders.edi", (FIXTURES / "orders-d96a.edi").read_bytes())
    with Client(processes=False, n_workers=1, threads_per_worker=2,
                dashboard_address=":0") as client:
        entries, summary = cluster.convert(
            ["memory://inbox"], to_format="json", output="memory://outbox",
            options={"profiles": ProfileSet.of(None)}, client=client)
    assert summary["converted"] == 2
    assert [e["output"] for e in entries] == ["memory://outbox/Order-4500012345.json",
                                              "memory://outbox/Order-4500012346.json"]
    written = memory.cat("/outbox/Order-4500012345.json")
    assert written.startswith(b'{\n  "document": "order"')
