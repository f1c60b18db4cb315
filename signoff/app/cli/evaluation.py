"""``signoff eval``: how the AI and the people around it are doing, from the store.

Like ``signoff audit``, it reads the store named by the settings and needs no Temporal
server. The statistics (numpy, scikit-learn, statsmodels) load only when a report runs.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import TypeAdapter, ValidationError

from signoff.app.cli.audit_options import ModelOpt, SinceOpt, UntilOpt, UseCaseOpt, parse_time
from signoff.app.cli.common import run
from signoff.app.cli.failures import USAGE, CliError, reported
from signoff.app.cli.render import stdout_console
from signoff.app.cli.stores import open_store
from signoff.core.models import Duration
from signoff.core.settings import Settings

if TYPE_CHECKING:
    from signoff.core.learning import EvaluationFilters

eval_app = typer.Typer(help="Evaluate the AI's decisions and the people's.", no_args_is_help=True)


def parse_window(value: str, option: str = "--window", examples: str = "1d or 12h") -> timedelta:
    """``option``'s value as a positive duration (``1d``, ``12h``, ``7d``)."""
    try:
        window = TypeAdapter(Duration).validate_python(value)
    except ValidationError:
        window = timedelta(0)
    if window <= timedelta(0):
        raise CliError(
            f"{option} must be a positive duration such as {examples}, not {value!r}.", USAGE
        )
    return window


def _filters(
    use_case: str | None,
    model_version: str | None,
    since: str | None,
    until: str | None,
    window: str,
    min_group: int,
) -> EvaluationFilters:
    """The options as filters; a bad one is a :class:`CliError` naming it."""
    from signoff.core.learning import EvaluationFilters

    filters = EvaluationFilters(
        use_case=use_case,
        model_version=model_version,
        since=parse_time(since, "--since"),
        until=parse_time(until, "--until"),
        window=parse_window(window),
        minimum_group=min_group,
    )
    if filters.since and filters.until and filters.since >= filters.until:
        raise CliError("--since must be before --until.", USAGE)
    return filters


@eval_app.command()
def report(
    ctx: typer.Context,
    use_case: UseCaseOpt = None,
    model_version: ModelOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    window: Annotated[str, typer.Option(help="Time window of the trend (1d, 12h, 7d).")] = "1d",
    min_group: Annotated[
        int, typer.Option(min=1, help="Segments smaller than this are not compared.")
    ] = 30,
    html: Annotated[
        Path, typer.Option(help="Where to write the HTML report.", dir_okay=False)
    ] = Path("signoff-eval.html"),
) -> None:
    """Evaluate decisions per use case, model, prompt and policy version: routing, what
    people did with the AI's proposals, accuracy, calibration, feedback, expert
    agreement, timing and segment gaps. Prints a summary and writes an HTML report."""
    with reported():
        filters = _filters(use_case, model_version, since, until, window, min_group)

    async def work(settings: Settings) -> None:
        from signoff.app.eval_report import print_summary, render_html

        async with await open_store(settings) as store:
            evaluation = await store.evaluate(filters)
        console = stdout_console()
        print_summary(evaluation, console)
        html.write_text(render_html(evaluation), encoding="utf-8")
        console.print(f"HTML report: {html}")

    run(ctx, work)
