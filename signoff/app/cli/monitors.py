"""``signoff monitors``: drift monitors on a Temporal Schedule per use case.

``enable``, ``disable``, ``list`` and ``run-now`` talk to Temporal (the schedules);
``alarms`` reads the store, like ``signoff eval``, and needs no Temporal server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Column, Table
from rich.text import Text

from signoff.app.cli.common import Actor, answered, known_people, run, signoff_client
from signoff.app.cli.evaluation import parse_window
from signoff.app.cli.failures import reported
from signoff.app.cli.render import stdout_console, when
from signoff.app.cli.stores import open_store
from signoff.core.models.drift_monitor import MonitorRun, MonitorSettings
from signoff.core.settings import Settings

if TYPE_CHECKING:
    from signoff.client.monitors import MonitorListing

monitors_app = typer.Typer(
    help="Watch a use case for drift on a schedule, and see the alarms.", no_args_is_help=True
)

UseCase = Annotated[
    str, typer.Argument(metavar="USE_CASE", help="The use case watched.", show_default=False)
]


@monitors_app.command()
def enable(
    ctx: typer.Context,
    use_case: UseCase,
    requester: Actor,
    every: Annotated[str, typer.Option(help="How often it runs (1h, 15m, 1d).")] = "1h",
    reference: Annotated[
        str, typer.Option(help="The reference window, before the current one.")
    ] = "30d",
    window: Annotated[str, typer.Option(help="The current window, before each run.")] = "1d",
    cusum_limit: Annotated[
        float, typer.Option(help="The override-rate CUSUM's limit: higher alarms later.")
    ] = 5.0,
) -> None:
    """Run the drift monitors of USE_CASE on a schedule. An alarm is recorded in the
    operations trail and sent to the owners of the policies that routed its decisions:
    one above suggest is demoted at once (the circuit breaker)."""
    with reported():
        interval = parse_window(every, "--every")
        settings = MonitorSettings(
            use_case=use_case,
            reference=parse_window(reference, "--reference"),
            window=parse_window(window, "--window"),
            requester=requester,
            cusum_limit=cusum_limit,
        )

    async def work(config: Settings) -> bool:
        from signoff.client.monitors import enable_monitor

        known_people(config, requester)
        return await enable_monitor(await signoff_client(config), settings, every=interval)

    created = run(ctx, work)
    said = "is monitored" if created else "was monitored already"
    stdout_console().print(
        Text(f"Use case '{use_case}' {said} every {every} (schedule {settings.schedule_id})."),
        soft_wrap=True,
    )


@monitors_app.command()
def disable(ctx: typer.Context, use_case: UseCase) -> None:
    """Stop USE_CASE's monitor; its runs and alarms stay recorded."""

    async def work(config: Settings) -> None:
        from signoff.client.monitors import disable_monitor

        await disable_monitor(await signoff_client(config), use_case)

    run(ctx, work)
    stdout_console().print(Text(f"Use case '{use_case}' is no longer monitored."), soft_wrap=True)


@monitors_app.command("list")
def list_monitors(ctx: typer.Context) -> None:
    """Every monitored use case, its windows and times."""

    async def work(config: Settings) -> list[MonitorListing]:
        from signoff.client.monitors import list_monitors

        return await list_monitors(await signoff_client(config))

    listings = run(ctx, work)
    console = stdout_console()
    if not listings:
        console.print("No monitors yet: `signoff monitors enable USE_CASE` starts one.")
        return
    table = Table(Column("use case", overflow="fold"), "every", "reference", "window", "next run")
    for m in listings:
        s = m.settings
        table.add_row(
            Text(s.use_case), str(m.every), str(s.reference), str(s.window), when(m.next_run)
        )
    console.print(table)


@monitors_app.command("run-now")
def run_now(
    ctx: typer.Context,
    use_case: UseCase,
    wait: Annotated[bool, typer.Option(help="Wait for the run and print its readings.")] = True,
) -> None:
    """Run USE_CASE's monitors now, as its schedule would."""

    async def work(config: Settings) -> MonitorRun | str:
        from signoff.client.monitors import run_now

        handle = await run_now(await signoff_client(config), use_case)
        return await answered(handle.result(), config) if wait else handle.id

    result = run(ctx, work)
    if isinstance(result, str):
        stdout_console().print(Text(f"Started {result}."), soft_wrap=True)
        return
    _print_runs([result], title="Run")


@monitors_app.command()
def alarms(
    ctx: typer.Context,
    use_case: Annotated[
        str | None, typer.Argument(metavar="[USE_CASE]", help="Only this use case's.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 50,
) -> None:
    """The monitors' alarms, newest first, from the store."""

    async def work(config: Settings) -> list[MonitorRun]:
        async with await open_store(config) as store:
            return await store.monitor_runs(use_case, alarms_only=True, limit=limit)

    runs = run(ctx, work)
    if not runs:
        stdout_console().print("No drift alarms.")
        return
    _print_runs(runs, title="Alarms")


def _print_runs(runs: list[MonitorRun], *, title: str) -> None:
    table = Table(
        Column("at", no_wrap=True),
        Column("use case", overflow="fold"),
        "decisions (ref / now)",
        Column("readings", overflow="fold"),
        Column("sent to", overflow="fold"),
        title=title,
    )
    for r in runs:
        readings = "\n".join(
            f"{'ALARM ' if s.alarm else ''}{s.test} {s.value:.3g}"
            + (f" p={s.p_value:.2g}" if s.p_value is not None else "")
            for s in r.readings
        )
        sent = ", ".join(
            f"{t.policy} ({'breaker' if t.trips else 'acknowledge'})" for t in r.targets
        )
        table.add_row(
            when(r.as_of),
            Text(r.use_case),
            f"{r.reference_n} / {r.current_n}",
            Text(readings or "not enough decisions"),
            Text(sent),
        )
    stdout_console().print(table)
