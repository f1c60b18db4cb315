"""Turning any failure into one sentence a person can act on, and an exit code.

The CLI is used by people at a terminal and by scripts: both want a short reason and a
non-zero status, never a traceback, so every command runs inside :func:`reported`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.text import Text

from signoff.app.cli.render import stderr_console
from signoff.client import failure_sentences
from signoff.client.failure_sentences import FailureKind
from signoff.core.settings import Settings

USAGE = 2  # the exit code click uses for bad input, kept for invalid requests too


class CliError(Exception):
    """A failure the CLI has already phrased for a person."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def unreachable(address: str) -> CliError:
    return CliError(failure_sentences.unreachable(address))


def no_worker(task_queue: str, seconds: float | None) -> CliError:
    return CliError(failure_sentences.no_worker(task_queue, seconds))


def explain(exc: BaseException, settings: Settings | None = None) -> tuple[str, int]:
    """The sentence and exit code for ``exc``; ``settings`` name the server and queue."""
    if isinstance(exc, CliError):
        return exc.message, exc.exit_code
    failure = failure_sentences.describe(
        exc,
        address=settings.temporal_address if settings else "the configured address",
        task_queue=settings.task_queue if settings else None,
    )
    return failure.sentence, USAGE if failure.kind is FailureKind.INVALID else 1


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
