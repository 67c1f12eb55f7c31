"""Every example in README.md and docs/ runs, as a user would run it, and shows what the
page shows.

Each page runs in a workspace of its own: a temporary folder with the files the pages name
(``fixtures/``, ``orders.edi``, ``partner.edi``, ``inbox/``, ``profiles/salling.toml`` …,
made by :func:`workspace`), its own ``EDIMAP_HOME``, and the ``edimap`` of this
environment first on ``PATH``. Its blocks run in page order, so a file one block writes is
there for the next.

- ``console`` blocks are transcripts: each ``$ command`` runs in bash, and what follows it
  on the page up to the next ``$`` is compared with what it prints (standard output and
  error together). ``…`` stands for any text within a line, and a line of ``…`` alone for
  any number of lines. A block that shows no output at all is a list of commands: each
  must run without a usage error (exit 0 or 1). A command ending in ``&`` runs in the
  background until the block ends, and the output shown under it is what it printed first.
  ``NAME=…`` in a command is the value a command in the background printed as ``export
  NAME=…`` (the credentials a test double prints), and the double's port 8040 is a free
  port.
- ``python`` blocks with ``>>>`` are doctests; other ``python`` blocks run as scripts (the
  Winfinans ones against ``edimap sandbox``, whose URL is ``url``) and must not raise.
  Each runs in a Python process of its own.
- ``sh`` blocks are set-up commands (``.ci/run`` runs the README's), ``text``, ``toml``
  and ``json`` blocks show files and messages: none of them run here.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from .conftest import FIXTURES, ROOT, shared_dir

PAGES = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.md")
                                     if not p.is_symlink())]
MARK = "@@edimap-doc-example@@"


@attrs.frozen
class Block:
    page: Path
    line: int
    lang: str
    text: str

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line} ({self.lang})"


def blocks(page: Path) -> Iterator[Block]:
    """The fenced code blocks of ``page``, list-item indentation removed."""
    lines = page.read_text("utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = re.match(r"^(\s*)```(\w*)\s*$", lines[i])
        if not opening:
            i += 1
            continue
        indent, lang, start = len(opening.group(1)), opening.group(2), i + 1
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            i += 1
        yield Block(page, start, lang, textwrap.dedent("\n".join(
            line[indent:] if line[:indent].strip() == "" else line
            for line in lines[start:i])))
        i += 1


# -- the workspace


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def workspace(folder: Path, shared: Path | None) -> None:
    """The files the pages name."""
    shutil.copytree(FIXTURES, folder / "fixtures")
    orders = (FIXTURES / "orders-d96a.edi").read_bytes()
    (folder / "orders.edi").write_bytes(orders)
    (folder / "ORDERS.edi").write_bytes(orders)
    (folder / "partner-orders.edi").write_bytes(orders)
    shutil.copy(FIXTURES / "order.json", folder / "order.json")
    # A partner's interchange: its second order names the supplier by a GLN with a wrong
    # check digit.
    first, second = orders.split(b"UNH+2+", 1)
    (folder / "partner.edi").write_bytes(first + b"UNH+2+" + second.replace(
        b"NAD+SU+5798000000001::9", b"NAD+SU+5798000000002::9", 1))
    (folder / "bad-count.edi").write_bytes(
        b"UNB+UNOC:3+5790000274017:14+5798000000001:14+261125:0830+42'UNH+1+ORDERS:D:96A:UN"
        b":EAN008'BGM+220+PO1+9'UNT+9+1'UNZ+1+42'\n")
    inbox = folder / "inbox"
    inbox.mkdir()
    (inbox / "x.edi").write_bytes(orders)
    (inbox / "salling.edi").write_bytes(orders.replace(b"+5790000274017:14+",
                                                       b"+5790000000005:14+", 1))
    shutil.copy(FIXTURES / "invoice.json", inbox / "invoice.json")
    profiles = folder / "profiles"
    profiles.mkdir()
    example = (ROOT / "docs" / "profiles.md").read_text("utf-8").split("```toml\n", 1)[1]
    (profiles / "salling.toml").write_text(example.split("```", 1)[0], "utf-8")
    (folder / "docs").mkdir()
    invoice = subprocess.run([sys.executable, "-m", "edimap", "convert",
                              str(FIXTURES / "invoice.json"), "--to", "oioubl", "--no-check"],
                             capture_output=True, check=True, timeout=300).stdout
    (folder / "invoice.xml").write_bytes(invoice)
    lines = invoice.decode("utf-8").splitlines()
    date = next(i for i, line in enumerate(lines) if "<cbc:IssueDate>" in line)
    (folder / "bad-invoice.xml").write_text("\n".join(
        [*lines[:11], "  <cbc:Bogus>1</cbc:Bogus>", *lines[11:date], *lines[date:]]) + "\n",
        "utf-8")
    if shared is not None:
        for path in (shared / "packages").glob("OIOUBL_Schematron_*.zip"):
            (folder / path.name).symlink_to(path)
        negative = shared / "corpus" / "ubl" / "oioubl-gobl" / "negative-rounding_real.xml"
        if negative.exists():
            shutil.copy(negative, folder / negative.name)


@attrs.define
class Page:
    """A page's workspace and environment."""

    folder: Path
    env: dict[str, str]
    port: int
    server_env: dict[str, str] = attrs.field(factory=dict)  # the page's own test double


@pytest.fixture
def page_space(tmp_path: Path) -> Page:
    shared = shared_dir() if shared_dir().is_dir() else None
    workspace(tmp_path / "work", shared)
    env = {**os.environ, "EDIMAP_HOME": str(tmp_path / "home"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "COLUMNS": "200", "NO_COLOR": "1"}
    for name in ("EDIMAP_WF_URL", "EDIMAP_WF_DB_GUID", "EDIMAP_WF_API_GUID"):
        env.pop(name, None)
    return Page(tmp_path / "work", env, free_port())


# -- transcripts


def expected_pattern(lines: list[str]) -> re.Pattern[str]:
    parts = []
    for line in lines:
        if line.strip() == "…":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append("".join(".*?" if piece == "…" else re.escape(piece)
                                 for piece in re.split("(…)", line)) + r"\n")
    return re.compile("".join(parts), re.DOTALL)


def transcript(text: str) -> list[tuple[str, list[str]]]:
    """(command, the output shown under it) for each ``$`` line."""
    steps: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
    return steps


def command_text(command: str, page: Page) -> str:
    command = command.replace("127.0.0.1:8040", f"127.0.0.1:{page.port}")
    if re.match(r"edimap sandbox\b", command) and "--port" not in command:
        command = command.replace("edimap sandbox", f"edimap sandbox --port {page.port}", 1)
    # NAME=… is the value a command in the background printed as "export NAME=…".
    return re.sub(r"\b(\w+)=…", lambda m: f"{m.group(1)}=\"$(sed -n 's/^ *export "
                  f"{m.group(1)}=//p' .background-*.log | head -1)\"", command)


def run_transcript(block: Block, page: Page) -> None:
    steps = transcript(block.text)
    listing = all(not shown for _, shown in steps)
    script = ["exec 2>&1", "trap 'kill $(jobs -p) 2>/dev/null' EXIT"]
    for n, (command, shown) in enumerate(steps):
        text = command_text(command, page)
        # (the marker keeps the exit status of the command before it, for "echo $?")
        script.append(f"__status=$?; echo '{MARK}{n}'; (exit $__status)")
        if text.rstrip().endswith("&"):
            log = f".background-{n}.log"
            script.append(f"{text.rstrip()[:-1]} > {log} 2>&1 &")
            script.append(f"for i in $(seq 200); do [ $(wc -l < {log}) -ge {len(shown)} ] "
                          f"&& break; sleep 0.05; done; cat {log}")
        elif listing and text.startswith("edimap sandbox"):
            # A server runs until stopped: it ran when it says it listens.
            text = text.replace(f"--port {page.port}", f"--port {free_port()}")
            script.append(f"timeout 20 {text} | sed '/listening on/q'\necho \"exit=0\"")
        elif listing:
            script.append(f"{text}\necho \"exit=$?\"")
        else:
            script.append(text)
    env = {**page.env, **page.server_env} if listing else page.env
    proc = subprocess.run(["bash", "-c", "\n".join(script)], cwd=page.folder, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    # (trailing spaces at the ends of lines are not compared)
    printed = re.sub(r"[ \t]+\n", "\n", proc.stdout)
    outputs = re.split(f"{re.escape(MARK)}\\d+\n", printed.replace(MARK, "\n" + MARK))[1:]
    outputs = [o[:-1] if o.endswith("\n\n") or o == "\n" else o for o in outputs[:-1]] + \
        outputs[-1:]
    assert len(outputs) == len(steps), f"{block}: the transcript stopped\n{proc.stdout}"
    for (command, shown), printed_by_it in zip(steps, outputs, strict=True):
        # (a last line without its line break, as an interchange on standard output ends)
        output = printed_by_it if printed_by_it.endswith("\n") or not printed_by_it \
            else printed_by_it + "\n"
        if listing:
            code = re.search(r"exit=(\d+)\n?$", output)
            assert code, f"{block}: $ {command}\n{output}"
            assert code.group(1) in ("0", "1"), f"{block}: $ {command}\n{output}"
            continue
        pattern = expected_pattern([line.replace("127.0.0.1:8040", f"127.0.0.1:{page.port}")
                                    for line in shown])
        assert pattern.fullmatch(output), (f"{block}: $ {command}\nthe page shows:\n"
                                           + "\n".join(shown) + f"\nit printed:\n{output}")


# -- Python


PYTHON_DRIVER = """
import doctest, os, sys
text, name, line = sys.stdin.read(), sys.argv[1], int(sys.argv[2])
namespace = {"__name__": "__main__", "url": os.environ.get("EDIMAP_WF_URL")}
if ">>>" in text:
    test = doctest.DocTestParser().get_doctest(text, namespace, name, name, line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    sys.exit(1 if runner.run(test).failed else 0)
exec(compile(text, name, "exec"), namespace)
"""


def run_python(block: Block, page: Page) -> None:
    """The block in a Python process of its own (what it registers or changes stays
    there), in the workspace."""
    proc = subprocess.run([sys.executable, "-c", PYTHON_DRIVER, str(block), str(block.line)],
                          input=block.text, cwd=page.folder, capture_output=True, text=True,
                          env={**page.env, **page.server_env}, timeout=600, check=False)
    assert proc.returncode == 0, f"{block}:\n{proc.stdout}\n{proc.stderr}"


def sandbox(page: Page) -> subprocess.Popen[str]:
    """``edimap sandbox --seed-demo`` on a port of its own, its URL and credentials in the
    page's environment (for the commands that need one) and as ``url``."""
    proc = subprocess.Popen([sys.executable, "-m", "edimap", "sandbox", "--seed-demo",
                             "--port", str(free_port()), "--db", ".page-sandbox.sqlite"],
                            cwd=page.folder, env=page.env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    assert proc.stdout is not None
    # (its journal and counters apart from the transcripts', which bring a double of their own)
    page.server_env["EDIMAP_HOME"] = str(page.folder.parent / "home-of-the-double")
    for line in proc.stdout:
        found = re.search(r"export (EDIMAP_WF_\w+)=(\S+)", line)
        if found:
            page.server_env[found.group(1)] = found.group(2)
        if "listening on" in line:
            url = line.split("listening on ", 1)[1].split()[0]
            page.server_env["EDIMAP_WF_URL"] = url
            return proc
    raise AssertionError("edimap sandbox did not start")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_example_on_the_page_runs_and_shows_what_the_page_shows(
        page: Path, page_space: Page) -> None:
    found = [b for b in blocks(page) if b.lang in ("console", "python")]
    if not found:
        pytest.skip(f"{page.name} has no examples")
    needs_shared = ("negative-rounding_real.xml", "OIOUBL_Schematron_")
    if any(name in b.text for b in found for name in needs_shared) and not any(
            page_space.folder.glob("OIOUBL_Schematron_*.zip")):
        pytest.skip(f"the shared material ({shared_dir()}) is not here")
    server = None
    listing_winfinans = any(b.lang == "console" and "winfinans" in b.text
                            and all(not shown for _, shown in transcript(b.text))
                            for b in found)
    if listing_winfinans or any(b.lang == "python" and "Client(url" in b.text for b in found):
        server = sandbox(page_space)
    try:
        for block in found:
            if block.lang == "console":
                run_transcript(block, page_space)
            else:
                run_python(block, page_space)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def test_the_command_reference_is_current() -> None:
    from edimap._cli_reference import markdown

    assert (ROOT / "docs" / "commands.md").read_text("utf-8") == markdown(), \
        "run: python -m edimap._cli_reference > docs/commands.md"


def test_the_documentation_site_builds_strictly(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d",
                           str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    built = (tmp_path / "site" / "commands" / "index.html").read_text("utf-8")
    assert "edimap winfinans pull-invoices" in built
    assert (tmp_path / "site" / "changelog" / "index.html").exists()
