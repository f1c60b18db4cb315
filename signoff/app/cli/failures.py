"""Turning any failure into one sentence a person can act on, and an exit code.

The CLI is used by people at a terminal and by scripts: both want a short reason and a
non-zero status, never a traceback, so every command runs inside :func:`reported`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError
from rich.text import Text

from signoff.app.cli.render import stderr_console
from signoff.core.catalog import ConfigError
from signoff.core.errors import (
    ActionRefused,
    DecisionNotFound,
    InvalidPolicyError,
    SignoffError,
)
from signoff.core.settings import Settings

USAGE = 2  # the exit code click uses for bad input, kept for invalid requests too

_NOUNS = {
    "DecisionRequest": "request",
    "Action": "action",
    "ApiKeyGrant": "API key",
    "Settings": "setting",
    "TemporalConnection": "setting",
}
# The environment variables behind each settings model's fields.
_ENV_PREFIXES = {"Settings": "SIGNOFF_", "TemporalConnection": "SIGNOFF_TEMPORAL_"}
# Union members show up in pydantic locations as type names ("str", "ReviewPolicy");
# they mean nothing to the person who wrote the field, so they are dropped.
_TYPE_TAG = re.compile(r"^(str|int|float|bool|list\[.*\]|dict\[.*\]|[A-Z][A-Za-z0-9]*)$")


class CliError(Exception):
    """A failure the CLI has already phrased for a person."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def unreachable(address: str) -> CliError:
    return CliError(f"Cannot reach Temporal at {address} — is `signoff dev` running?")


def no_worker(task_queue: str, seconds: float | None) -> CliError:
    within = f" within {seconds:.0f} s" if seconds else ""
    return CliError(
        f"No worker answered on task queue '{task_queue}'{within}"
        " — is `signoff dev` or `signoff worker` running?"
    )


def describe_validation(error: ValidationError) -> str:
    """``Invalid request: confidence: Input should be less than or equal to 1.``"""
    noun = _NOUNS.get(error.title, error.title)
    seen: list[str] = []
    for item in error.errors(include_url=False):
        # A key that cannot be printed as written (a line break in it) is quoted, so the
        # sentence stays on one line.
        parts = [
            str(p) if str(p).isprintable() else repr(str(p))
            for p in item["loc"]
            if not _TYPE_TAG.match(str(p))
        ]
        field = ".".join(parts)
        if error.title in _ENV_PREFIXES and parts:
            field = _ENV_PREFIXES[error.title] + parts[0].upper()
        message = str(item["msg"]).removeprefix("Value error, ")
        line = f"{field}: {message}" if field else message
        if line not in seen:
            seen.append(line)
    shown = "; ".join(seen[:3]) + (f" (and {len(seen) - 3} more)" if len(seen) > 3 else "")
    return f"Invalid {noun}: {shown}."


def explain(exc: BaseException, settings: Settings | None = None) -> tuple[str, int]:
    """The sentence and exit code for ``exc``; ``settings`` name the server and queue."""
    # Imported here: the SDK and SQLAlchemy take most of a second to load, which
    # `signoff --help` and usage errors should not pay.
    from sqlalchemy.exc import SQLAlchemyError
    from temporalio.service import RPCError, RPCStatusCode

    if isinstance(exc, CliError):
        return exc.message, exc.exit_code
    if isinstance(exc, ValidationError):
        return describe_validation(exc), USAGE
    if isinstance(exc, ActionRefused):
        return f"Refused: {exc.message}", 1
    if isinstance(exc, InvalidPolicyError):
        return f"Cannot submit: {str(exc).rstrip('.')}.", 1
    if isinstance(exc, DecisionNotFound | ConfigError | SignoffError):
        return str(exc), 1
    address = settings.temporal_address if settings else "the configured address"
    if isinstance(exc, RPCError):
        if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            return unreachable(address).message, 1
        if "no poller" in exc.message and settings is not None:
            return no_worker(settings.task_queue, None).message, 1
        return f"Temporal refused the request: {exc.message}", 1
    if isinstance(exc, RuntimeError) and "client connect" in str(exc):
        return unreachable(address).message, 1
    if isinstance(exc, SQLAlchemyError):
        cause = getattr(exc, "orig", None) or exc
        return f"The audit store failed: {str(cause).splitlines()[0]}", 1
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}", 1
    return f"Unexpected error ({type(exc).__name__}): {exc}", 1


@contextmanager
def reported(settings: Settings | None = None) -> Iterator[None]:
    """Print the sentence for any failure on stderr and exit with its code."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except KeyboardInterrupt:
        stderr_console().print("Interrupted.")
        raise typer.Exit(130) from None
    except BrokenPipeError:
        # The reader went away (`signoff audit export | head`): nothing left to say.
        raise typer.Exit(141) from None
    except Exception as exc:
        message, code = explain(exc, settings)
        stderr_console().print(Text(message), soft_wrap=True)
        raise typer.Exit(code) from None
