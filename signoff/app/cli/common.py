"""What every command shares: the global options, settings, and running async work.

Commands are plain functions that build one coroutine and hand it to :func:`run`, which
loads :class:`~signoff.core.settings.Settings` (``SIGNOFF_*`` plus the global options),
runs the coroutine and turns any failure into one sentence and an exit code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from signoff.app.cli.failures import USAGE, CliError, no_worker, reported, unreachable
from signoff.app.telemetry import configure_tracing
from signoff.core.settings import Settings

if TYPE_CHECKING:
    from signoff.client.signoff_client import SignoffClient

T = TypeVar("T")
CONNECT_TIMEOUT = 10.0
# How long a command waits for a worker to take up its decision before saying none runs.
WORKER_TIMEOUT = 30.0

DecisionId = Annotated[
    str, typer.Argument(metavar="ID", help="The decision's id.", show_default=False)
]
Actor = Annotated[
    str, typer.Option("--as", help="Who acts: a person's id in the directory.", show_default=False)
]


MetricsPort = Annotated[
    int | None,
    typer.Option(
        "--metrics-port",
        min=1,
        max=65535,
        show_default=False,
        help="Serve Prometheus metrics (the Temporal SDK's and Signoff's) at"
        " http://HOST:PORT/metrics: the port of SIGNOFF_METRICS_ADDRESS, keeping its host"
        " (0.0.0.0 when it is unset).",
    ),
]


def with_metrics_port(settings: Settings, port: int | None) -> Settings:
    """``settings`` with ``--metrics-port`` in ``metrics_address``: one setting, which
    the flag only spells shorter, as ``--address`` does SIGNOFF_TEMPORAL_ADDRESS."""
    if port is None:
        return settings
    host = settings.metrics_address.rpartition(":")[0] if settings.metrics_address else ""
    return settings.model_copy(update={"metrics_address": f"{host or '0.0.0.0'}:{port}"})


@dataclass(frozen=True)
class Overrides:
    """The global options, kept on the click context for the subcommand."""

    address: str | None = None
    namespace: str | None = None
    task_queue: str | None = None
    database_url: str | None = None

    def apply(self, settings: Settings) -> Settings:
        updates = {
            "temporal_address": self.address,
            "temporal_namespace": self.namespace,
            "task_queue": self.task_queue,
            "database_url": self.database_url,
        }
        return settings.model_copy(update={k: v for k, v in updates.items() if v is not None})


def load_settings(ctx: typer.Context, **updates: Any) -> Settings:
    """Settings from the environment, then the global options, then ``updates``; the
    Temporal profile's address and namespace, if one is named, where none of those set one."""
    overrides = ctx.find_object(Overrides) or Overrides()
    settings = overrides.apply(Settings())
    settings = settings.model_copy(update=updates) if updates else settings
    if not settings.temporal_connection.uses_profile:
        return settings
    from signoff.client.connection import with_profile_endpoint  # loads the SDK: only now

    return with_profile_endpoint(settings)


def run(ctx: typer.Context, work: Callable[[Settings], Awaitable[T]], **updates: Any) -> T:
    """Run ``work(settings)`` to completion; any failure exits with its sentence."""
    with reported():
        settings = load_settings(ctx, **updates)
        configure_tracing()
    with reported(settings):
        return asyncio.run(_awaited(work, settings))


async def _awaited(work: Callable[[Settings], Awaitable[T]], settings: Settings) -> T:
    return await work(settings)


async def signoff_client(settings: Settings) -> SignoffClient:
    """A client for ``settings``; a server that does not answer is named in the error."""
    from signoff.client.signoff_client import (
        connect_client,  # the SDK loads slowly; only when needed
    )

    try:
        return await asyncio.wait_for(connect_client(settings), CONNECT_TIMEOUT)
    except (RuntimeError, TimeoutError) as exc:
        raise unreachable(settings.temporal_address) from exc


async def answered(work: Awaitable[T], settings: Settings) -> T:
    """Await a call that needs a worker; without one it would wait forever."""
    try:
        return await asyncio.wait_for(work, WORKER_TIMEOUT)
    except TimeoutError as exc:
        raise no_worker(settings.task_queue, WORKER_TIMEOUT) from exc


def known_people(settings: Settings, *people: str | None) -> None:
    """A mistyped name is caught here, in one sentence (exit 2), wherever a command names
    a person: rather than refused as "not asked" by the workflow, recorded as feedback
    from nobody, or answered with an empty list as if nothing waited for them."""
    from signoff.core.catalog import load_directory

    directory = load_directory(settings.directory_file)
    for person in people:
        if person is not None and directory.get(person) is None:
            raise CliError(
                f"Nobody called '{person}' is in the directory ({settings.directory_file}).",
                USAGE,
            )
