"""Usage mistakes (a missing ``--reason``, ``--risk huge``) answered in one sentence on
stderr with exit 2, like every other bad input, instead of click's usage box."""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

from signoff.app.cli.failures import USAGE

# Newer typer vendors click (``typer._click``) and exports only some of its errors; the
# usage error and its base are reached through the public BadParameter, whichever click.
UsageError: type[Exception] = typer.BadParameter.__mro__[1]
ClickException: type[Exception] = typer.BadParameter.__mro__[2]


def usage_sentence(error: Any) -> str:
    """``Missing option '--reason' — see `signoff reject --help`.``"""
    message = error.format_message().strip().replace("Value error, ", "").rstrip(".")
    command = error.ctx.command_path if error.ctx is not None else "signoff"
    return f"{message} — see `{command} --help`."


class OneSentenceUsage(TyperGroup):
    """The app's group: runs click non-standalone and reports its errors itself."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except UsageError as err:
            typer.echo(usage_sentence(err), err=True)
            sys.exit(USAGE)
        except ClickException as err:
            typer.echo(err.format_message(), err=True)  # type: ignore[attr-defined]
            sys.exit(err.exit_code)  # type: ignore[attr-defined]
        except typer.Abort:
            typer.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)
