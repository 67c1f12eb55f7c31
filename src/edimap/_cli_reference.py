"""The command-line reference (``docs/commands.md``), made from the commands themselves:
each command's usage, its help with its example, and every option with its type and
default. ``python -m edimap._cli_reference > docs/commands.md``; the suite checks that the
page is current.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import click

__all__ = ["markdown"]

INTRO = """# Command reference

Every command of `edimap`, made from the commands themselves (`edimap COMMAND --help`
says the same). Exit codes, for every command: **0** done, no error in the input; **1**
the input has problems (findings on stderr); **2** usage or I/O error.

## Shell completion

`edimap` completes commands, options and choices in bash, zsh and fish. Add the line for
your shell to its start-up file:

```sh
eval "$(_EDIMAP_COMPLETE=bash_source edimap)"     # ~/.bashrc
eval "$(_EDIMAP_COMPLETE=zsh_source edimap)"      # ~/.zshrc
_EDIMAP_COMPLETE=fish_source edimap | source      # ~/.config/fish/completions/edimap.fish
```
"""


def _commands(command: click.Command, path: list[str]) -> Iterator[
        tuple[list[str], click.Command]]:
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from _commands(command.commands[name], [*path, name])
    else:
        yield path, command


def _kind(param: click.Parameter) -> str:
    if isinstance(param.type, click.Choice):
        return " \\| ".join(f"`{c}`" for c in param.type.choices)
    if isinstance(param, click.Option) and param.is_flag:
        return "flag"
    return param.type.name.lower()


def _default(param: click.Parameter) -> str:
    default = param.default
    # (click 8.2 and later mark "no default" with a sentinel of its own.)
    unset = default is None or default == () or type(default).__name__ == "Sentinel"
    if unset or (isinstance(param, click.Option) and param.is_flag and default is False):
        return ""
    if isinstance(param, click.Option) and param.secondary_opts and isinstance(default,
                                                                                bool):
        return f"`{param.opts[0] if default else param.secondary_opts[0]}`"
    return f"`{default}`"


def _option_rows(command: click.Command) -> list[str]:
    rows = []
    for param in command.params:
        if not isinstance(param, click.Option) or param.hidden:
            continue
        names = ", ".join(f"`{n}`" for n in (*param.opts, *param.secondary_opts))
        help_text = " ".join((param.help or "").split()).replace("|", "\\|")
        rows.append(f"| {names} | {_kind(param)} | {_default(param)} | {help_text} |")
    return rows


def _help(command: click.Command) -> str:
    """The command's help as Markdown: paragraphs as they are, ``\\b`` blocks (the
    examples) as console blocks."""
    out = []
    for block in inspect.cleandoc(command.help or "").split("\n\n"):
        if block.startswith("\b"):
            lines = block.splitlines()[1:]
            title = lines[0].strip() if lines and lines[0].strip().endswith(":") else None
            body = lines[1:] if title else lines
            if title:
                out.append(f"*{title[:-1]}:*")
            out.append("```console\n" + "\n".join(
                "$ " + line.strip() if line.strip().startswith("edimap ") else line.strip()
                for line in body) + "\n```")
        else:
            out.append(" ".join(block.split()))
    return "\n\n".join(out)


def markdown() -> str:
    from edimap.cli import main

    parts = [INTRO]
    for path, command in _commands(main, ["edimap"]):
        context = click.Context(command, info_name=" ".join(path))
        usage = " ".join(command.collect_usage_pieces(context))
        parts.append(f"## {' '.join(path)}\n\n```\n{' '.join(path)} {usage}\n```\n\n"
                     + _help(command))
        rows = _option_rows(command)
        if rows:
            parts.append("| option | value | default | what it does |\n|---|---|---|---|\n"
                         + "\n".join(rows))
    return "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
