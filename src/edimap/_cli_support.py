"""What every edimap command shares: exit codes, and the guard that turns edimap's
exceptions into a message and an exit code, never a traceback."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from edimap.findings import (
    ConfigurationError,
    EdimapError,
    InputError,
    SourceError,
    UsageError,
)

__all__ = ["EXIT_INPUT", "EXIT_OK", "EXIT_USAGE", "FormatName", "announce_stop", "guard",
           "limit_option", "profile_options", "profile_set"]

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2

F = TypeVar("F", bound=Callable[..., Any])


class FormatName(click.ParamType):  # type: ignore[type-arg]  # generic from click 8.2
    """A registered format's name (``edimap.formats``), looked up when the command runs,
    so a format registered after the CLI was imported is a choice too; ``auto`` where
    ``allow_auto``."""

    name = "format"

    def __init__(self, *, allow_auto: bool = False) -> None:
        self.allow_auto = allow_auto

    def _choices(self) -> list[str]:
        from edimap import formats

        return (["auto"] if self.allow_auto else []) + list(formats.names())

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(self._choices()) + "]"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        from edimap import formats

        if value == "auto" and self.allow_auto:
            return "auto"
        try:
            return formats.get(value).name
        except UsageError:
            self.fail(f"{value!r} is not one of {', '.join(map(repr, self._choices()))}.",
                      param, ctx)


def guard(fn: F) -> F:
    """Turn edimap's exceptions into a message and an exit code, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except click.exceptions.Exit:
            raise
        except BrokenPipeError:
            # The reader of our output went away (| head): stop quietly.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(EXIT_OK)
        except click.ClickException:
            raise
        except InputError as exc:
            click.echo(f"edimap: {exc}", err=True)
            for finding in exc.findings:
                click.echo(f"  {finding}", err=True)
            sys.exit(EXIT_INPUT)
        except (UsageError, SourceError, ConfigurationError) as exc:
            click.echo(f"edimap: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        except EdimapError as exc:
            click.echo(f"edimap: {exc}", err=True)
            sys.exit(EXIT_INPUT)
        except MemoryError:
            # Whatever held the memory is freed by now: say so as a finding would.
            click.echo("edimap: ran out of memory (IO-LIMIT-MEMORY): give the process more "
                       "memory, split the input, or lower --max-input-size", err=True)
            sys.exit(EXIT_INPUT)
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            click.echo(f"edimap: {exc.strerror or exc}{where}", err=True)
            sys.exit(EXIT_USAGE)
        except Exception as exc:
            if os.environ.get("EDIMAP_DEBUG"):
                raise
            click.echo(f"edimap: internal error ({type(exc).__name__}: {exc}); please report "
                       "it with the input, or run with EDIMAP_DEBUG=1 for details", err=True)
            sys.exit(EXIT_USAGE)

    return wrapper  # type: ignore[return-value]


def profile_options(fn: F) -> F:
    """``--profile NAME|FILE`` and ``--profiles DIR``, passed as ``profile`` and
    ``profiles``."""
    fn = click.option(
        "--profiles", "profiles", type=click.Path(file_okay=False),
        help="A folder of partners' profiles (one TOML file each, chosen by its [match]).",
    )(fn)
    return click.option(
        "--profile", "profile", metavar="NAME|FILE",
        help="The profile for every partner without its own: strict (the default), "
             "tolerant, or a profile file.")(fn)


def announce_stop(signal_name: str) -> None:
    """What a run says when a signal asks it to stop (on a line of its own, after any
    progress bar)."""
    click.echo(f"\nedimap: {signal_name}: finishing what is in hand, then stopping (again to "
               "stop at once); run again to do the rest", err=True)


def _set_input_limit(ctx: click.Context, _param: click.Parameter, value: str | None
                     ) -> None:
    if value is None or ctx.resilient_parsing:
        return
    from edimap._limits import ENVIRONMENT, parse_size

    try:
        size = parse_size(value)
    except UsageError as exc:
        raise click.BadParameter(str(exc)) from None
    # Through the environment, so the worker processes of --jobs read under it too.
    os.environ[ENVIRONMENT] = str(size)


def limit_option(fn: F) -> F:
    """``--max-input-size SIZE``: the input limit, the same for every format."""
    return click.option(
        "--max-input-size", metavar="SIZE", expose_value=False, callback=_set_input_limit,
        help="Largest input read, for every format (4096, 64MiB, 1GB; default 256MiB or "
             "EDIMAP_MAX_INPUT_BYTES). Inputs are held in memory: raise it only with the "
             "memory for it.")(fn)


def profile_set(profile: str | None, profiles: str | None) -> Any:
    """The :class:`~edimap.profiles.ProfileSet` of the two options."""
    from edimap.profiles import ProfileSet

    return ProfileSet.of(profile, profiles)
