"""``signoff dev``, ``signoff worker`` and ``signoff demo``: running Signoff locally.

``dev`` is the whole local setup in one process: the embedded Temporal server, a worker
drawing cards in this terminal, and the SQLite store under the data directory. The work
lives in :mod:`signoff.app.cli.serving`, imported on use so that ``--help`` stays quick.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from signoff.app.cli.common import (
    MetricsPort,
    answered,
    run,
    signoff_client,
    with_metrics_port,
)
from signoff.app.cli.devserver import HOST
from signoff.app.cli.samples import DemoResult, run_samples
from signoff.core.settings import Settings
from signoff.core.temporal_connection import TemporalConnection


def dev(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Temporal's gRPC port.")] = 7233,
    ui_port: Annotated[int | None, typer.Option(help="Web UI port (default: port + 1000).")] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Where the SQLite files and the server log live.")
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Also submit the sample decisions.")] = False,
    use_existing: Annotated[
        bool,
        typer.Option("--use-existing", help="Use a Temporal server already on --port."),
    ] = False,
    slack_port: Annotated[
        int, typer.Option(help="The Slack bot's port in HTTP mode, when Slack is configured.")
    ] = 3000,
    teams_port: Annotated[
        int, typer.Option(help="The Teams bot's port, when Teams is configured.")
    ] = 3978,
    api_port: Annotated[
        int, typer.Option(help="The HTTP API's port (`signoff serve`); 0 takes a free one.")
    ] = 8700,
) -> None:
    """Run Temporal's dev server and a Signoff worker here, until Ctrl-C.

    Everything is kept under the data directory (--data-dir or SIGNOFF_DATA_DIR, default
    .signoff): temporal.db, signoff.db and temporal.log, so decisions survive a restart.
    The HTTP API runs here too, and with SIGNOFF_SLACK_* or SIGNOFF_TEAMS_* set, the
    Slack and Teams bots.
    """
    from signoff.app.cli.bots import BotAddresses
    from signoff.app.cli.serving import serve_dev

    # The embedded server speaks plain gRPC: TLS, credentials and a profile meant for
    # `signoff worker` against a real cluster must not reach it.
    updates: dict[str, Any] = {
        "temporal_address": f"{HOST}:{port}",
        "temporal_connection": TemporalConnection.local(),
    }
    if data_dir is not None:
        updates["data_dir"] = data_dir

    async def work(settings: Settings) -> None:
        await serve_dev(
            settings,
            port=port,
            ui_port=ui_port or port + 1000,
            demo=demo,
            use_existing=use_existing,
            bots=BotAddresses(slack_port=slack_port, teams_port=teams_port, api_port=api_port),
        )

    run(ctx, work, **updates)


def worker(ctx: typer.Context, metrics_port: MetricsPort = None) -> None:
    """Run a Signoff worker against SIGNOFF_TEMPORAL_ADDRESS (or --address) until Ctrl-C."""
    from signoff.app.cli.serving import serve_worker

    async def work(settings: Settings) -> None:
        await serve_worker(with_metrics_port(settings, metrics_port))

    run(ctx, work)


def demo(ctx: typer.Context) -> None:
    """Submit sample decisions that show the lifecycle.

    Needs a worker with the example policies (`signoff dev`): one auto-approved, one
    pending, one approved, one rejected, one edited, one overridden, and a loan waiting
    for two analysts. Ids are stable, so running it again finds the same seven.
    """
    from signoff.app.cli.serving import print_demo

    async def work(settings: Settings) -> list[DemoResult]:
        client = await signoff_client(settings)
        return await answered(run_samples(client), settings)

    print_demo(run(ctx, work), f"http://{HOST}:8233")
