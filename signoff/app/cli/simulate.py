"""``signoff simulate``: a population with known truth through the configured
deployment's worker, then the evaluation and what was injected beside what came back.

The decisions are real: they run as workflows, are audited, and stay in the store
under their own use case (``simulation-<run>``), so ``signoff eval report --use-case``
reads them again. The scripted people act through this CLI's surface key, which the
worker must trust to act for them (``signoff dev``'s key is trusted for anyone).
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from signoff.app.cli.common import answered, run, signoff_client
from signoff.app.cli.failures import USAGE, CliError, reported
from signoff.app.cli.render import stdout_console
from signoff.app.cli.stores import open_store
from signoff.core.settings import Settings

if TYPE_CHECKING:
    from rich.console import Console

    from signoff.app.simulation import Scenario, SimulationReport


def _scenario(**fields: object) -> Scenario:
    """The options as a scenario; an impossible one is one sentence (exit 2)."""
    from signoff.app.simulation import Scenario

    try:
        return Scenario.model_validate(fields)
    except ValidationError as err:
        first = err.errors()[0]
        loc = tuple(str(p) for p in first["loc"] if isinstance(p, str))
        message = first["msg"].removeprefix("Value error, ")
        if not loc:  # a rule across options: already a sentence of its own
            raise CliError(f"{message[:1].upper()}{message[1:]}.", USAGE) from None
        option = _OPTIONS.get(loc, "--" + "-".join(loc).replace("_", "-"))
        raise CliError(f"{option}: {message}.", USAGE) from None


_OPTIONS = {("segment", "accuracy_gap"): "--segment-gap"}
"""Scenario fields whose option is not their path joined with dashes."""


def _requester(settings: Settings, requester: str | None) -> str:
    from signoff.core.catalog import load_directory
    from signoff.core.models import Role

    directory = load_directory(settings.directory_file)
    if requester is not None:
        if directory.get(requester) is None:
            raise CliError(
                f"Nobody called '{requester}' is in the directory ({settings.directory_file}).",
                USAGE,
            )
        return requester
    found = next((p.id for p in directory.people if Role.REQUESTER in p.roles), None)
    if found is None:
        raise CliError("The directory names no requester: pass --requester.", USAGE)
    return found


def print_report(found: SimulationReport, console: Console) -> None:
    from rich.table import Table

    from signoff.app.eval_report import print_summary

    print_summary(found.evaluation, console)
    table = Table(title=f"Injected and recovered: {found.use_case}", title_justify="left")
    for column in ("metric", "injected", "recovered", "tolerance", "holds"):
        table.add_column(column)
    for row in found.comparisons:
        holds = {True: "yes", False: "NO", None: ""}[row.holds]
        table.add_row(
            row.metric,
            _number(row.injected),
            _number(row.recovered),
            _number(row.tolerance),
            f"{holds} {row.note}".strip(),
        )
    console.print(table)


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.3f}"


def simulate(
    ctx: typer.Context,
    policy: Annotated[
        str, typer.Option(help="A policy of the worker's catalog; its people act as scripted.")
    ] = "refunds",
    requester: Annotated[
        str | None,
        typer.Option(help="Who submits (default: the directory's first requester)."),
    ] = None,
    decisions: Annotated[int, typer.Option(help="How many decisions.")] = 200,
    days: Annotated[int, typer.Option(help="Simulated days they are spread over.")] = 10,
    seed: Annotated[int, typer.Option(help="The same seed draws the same population.")] = 1,
    overconfidence: Annotated[
        float, typer.Option(help="Confidence minus the chance of being right.")
    ] = 0.15,
    segment_gap: Annotated[
        float, typer.Option(help="How much less often region=south is right.")
    ] = 0.25,
    drift_day: Annotated[
        int | None, typer.Option(help="The first simulated day of a drift (default: none).")
    ] = None,
    drift_accuracy_drop: Annotated[
        float, typer.Option(help="From --drift-day, how much less often right.")
    ] = 0.3,
    drift_confidence_shift: Annotated[
        float, typer.Option(help="From --drift-day, added to every confidence.")
    ] = 0.0,
    reviewer_error: Annotated[float, typer.Option(help="How often a reviewer slips.")] = 0.1,
    expert_error: Annotated[
        float, typer.Option(help="How often an expert's label is wrong.")
    ] = 0.1,
    concurrency: Annotated[int, typer.Option(min=1, max=256, help="Decisions at once.")] = 16,
    min_group: Annotated[
        int, typer.Option(min=1, help="Segments smaller than this are not compared.")
    ] = 30,
    embedded: Annotated[
        bool,
        typer.Option(
            "--embedded",
            help="Run in a Temporal dev server and worker of its own (as `signoff dev`),"
            " with a store under --data-dir, instead of the configured deployment.",
        ),
    ] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="With --embedded: where its store lives (default: a new temp dir)."),
    ] = None,
) -> None:
    """Run a population of decisions with a known truth through the worker: a model
    overconfident by a known amount, a segment it treats worse, an optional drift,
    reviewers and experts who slip at known rates. Prints the evaluation and, for each
    injected quantity, what the evaluation and the drift watch recovered."""
    with reported():
        drift = None
        if drift_day is not None:
            drift = {
                "day": drift_day,
                "accuracy_drop": drift_accuracy_drop,
                "confidence_shift": drift_confidence_shift,
            }
        scenario = _scenario(
            seed=seed,
            decisions=decisions,
            days=days,
            overconfidence=overconfidence,
            segment={"accuracy_gap": segment_gap},
            drift=drift,
            reviewer_error=reviewer_error,
            expert_error=expert_error,
        )

    async def work(settings: Settings) -> None:
        if not embedded:
            await _simulate(settings, scenario, policy, requester, concurrency, min_group)
            return
        from signoff.app.cli.embedded import embedded_deployment

        where = data_dir or Path(tempfile.mkdtemp(prefix="signoff-simulate-"))
        async with embedded_deployment(settings, where) as local:
            stdout_console().print(f"Embedded deployment: store {local.store_url}", soft_wrap=True)
            await _simulate(local, scenario, policy, requester, concurrency, min_group)

    run(ctx, work)


async def _simulate(
    settings: Settings,
    scenario: Scenario,
    policy: str,
    requester: str | None,
    concurrency: int,
    min_group: int,
) -> None:
    from signoff.app.simulation import Simulation, settled_report

    who = _requester(settings, requester)
    client = await signoff_client(settings)
    simulation = Simulation(client, scenario, policy=policy, requester=who, concurrency=concurrency)
    console = stdout_console()
    console.print(
        f"Simulating {scenario.decisions} decisions over {scenario.days} days under"
        f" policy '{policy}' as use case {simulation.use_case}…",
        soft_wrap=True,
    )
    running = asyncio.create_task(simulation.run())
    try:
        await answered(_first_of(simulation.first_routed, running), settings)
        simulation_run = await running
    finally:
        running.cancel()
    async with await open_store(settings) as store:
        found = await settled_report(store, simulation_run, minimum_group=min_group)
    print_report(found, console)


async def _first_of(first_routed: asyncio.Event, running: asyncio.Task[object]) -> None:
    """Returns once a worker routed the first decision (or the run ended, its failure
    then raised by awaiting it)."""
    routed = asyncio.ensure_future(first_routed.wait())
    await asyncio.wait([routed, running], return_when=asyncio.FIRST_COMPLETED)
    routed.cancel()
    if running.done():
        running.result()
