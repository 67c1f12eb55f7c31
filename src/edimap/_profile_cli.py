"""``edimap profile``: which profile applies to each message of an input, and why."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from edimap._cli_support import EXIT_OK, guard, limit_option, profile_options, profile_set

__all__ = ["profile"]


@click.group()
def profile() -> None:
    """Partner profiles: how each partner's messages are read (docs/profiles.md)."""


@profile.command("show")
@click.argument("input_path", metavar="INPUT", type=click.Path(allow_dash=True))
@profile_options
@limit_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]),
              default="text", show_default=True)
@guard
def show(input_path: str, profile: str | None, profiles: str | None,
         output_format: str) -> None:
    """Print the profile that applies to each message of INPUT, why it was chosen, and
    the settings in force.

    \b
    Examples:
      edimap profile show ORDERS.edi --profile tolerant
      edimap profile show inbox/salling.edi --profiles profiles/
    """
    from edimap import _api

    chosen = profile_set(profile, profiles)
    source: Any = sys.stdin.buffer if input_path == "-" else Path(input_path)
    result = _api.read(source, profile=chosen)
    entries: list[dict[str, Any]] = []
    for item in result.items:
        settings = chosen.named(item.profile).settings()
        entries.append({"reference": item.reference, "sender": item.sender,
                        "profile": item.profile, "why": item.profile_reason,
                        "settings": settings})
    if output_format == "json":
        click.echo(json.dumps(entries, indent=2, ensure_ascii=False))
        sys.exit(EXIT_OK)
    for entry in entries:
        click.echo(f"message {entry['reference']}: profile {entry['profile']}")
        click.echo(f"  why: {entry['why']}")
        for line in _settings_lines(entry["settings"]):
            click.echo("  " + line)
    if not entries:
        click.echo(f"{input_path}: no message or document to read", err=True)
    sys.exit(EXIT_OK)


def _settings_lines(settings: dict[str, Any]) -> list[str]:
    """The settings as ``key = value`` lines, tables flattened with dots."""
    out: list[str] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, dict):
            out.append(f"{prefix} = (none)")
        else:
            out.append(f"{prefix} = {json.dumps(value, ensure_ascii=False, default=str)}")

    walk("", {k: v for k, v in settings.items() if k not in ("name",)})
    return out
