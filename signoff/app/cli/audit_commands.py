"""``signoff audit``: who decided what, when and why, straight from the audit store.

These commands open the store named by the settings (``SIGNOFF_DATABASE_URL``, or the
SQLite file under ``SIGNOFF_DATA_DIR``) and need no Temporal server, so an auditor can
work from a copy of the database.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.text import Text

from signoff.app.cli.audit_options import (
    ActorOpt,
    DecisionOpt,
    Format,
    KindOpt,
    ModelOpt,
    OverridesOpt,
    Records,
    SinceOpt,
    StatusOpt,
    UntilOpt,
    UseCaseOpt,
    View,
    choose_view,
    parse_kinds,
    parse_time,
)
from signoff.app.cli.audit_tables import decisions_table, events_table
from signoff.app.cli.common import run
from signoff.app.cli.render import stderr_console, stdout_console
from signoff.app.cli.stores import open_store
from signoff.core.models import VerifyReport
from signoff.core.settings import Settings

audit_app = typer.Typer(help="Query, export and verify the audit trail.", no_args_is_help=True)


@audit_app.command()
def query(
    ctx: typer.Context,
    decision: DecisionOpt = None,
    actor: ActorOpt = None,
    kind: KindOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    status: StatusOpt = None,
    use_case: UseCaseOpt = None,
    model_version: ModelOpt = None,
    overrides_only: OverridesOpt = False,
    what: Annotated[View, typer.Option(help="events, decisions, or auto (see above).")] = View.AUTO,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 200,
) -> None:
    """Query the audit trail.

    With --decision or --kind (or --actor alone) it lists audit events: seq, time,
    kind, actor and what happened. Otherwise it lists decisions, newest first, filtered
    by --status, --use-case, --model-version, --overrides-only, --actor (anyone
    involved) and --since/--until (submission time). --what forces one view.
    """
    kinds = parse_kinds(kind)
    view = choose_view(
        what,
        event_filters=bool(decision or kind),
        decision_filters=bool(status or use_case or model_version or overrides_only),
        actor=actor is not None,
    )

    async def work(settings: Settings) -> None:
        start, end = parse_time(since, "--since"), parse_time(until, "--until")
        async with await open_store(settings) as store:
            if view == "events":
                events = await store.query_events(
                    decision_id=decision,
                    actor=actor,
                    kinds=kinds,
                    since=start,
                    until=end,
                    limit=limit,
                )
                table = events_table(events, one_decision=decision is not None)
            else:
                found = await store.query_decisions(
                    status=status,
                    use_case=use_case,
                    model_version=model_version,
                    actor=actor,
                    since=start,
                    until=end,
                    overridden_only=overrides_only,
                    limit=limit,
                )
                table = decisions_table(found)
        stdout_console().print(table)

    run(ctx, work)


@contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        yield handle


@audit_app.command()
def export(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", help="jsonl or csv.")] = Format.JSONL,
    what: Annotated[Records, typer.Option(help="Audit events or decision summaries.")] = (
        Records.EVENTS
    ),
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
    decision: DecisionOpt = None,
    actor: ActorOpt = None,
    kind: KindOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    status: StatusOpt = None,
    use_case: UseCaseOpt = None,
) -> None:
    """Export every matching event (or decision) as JSON Lines or CSV, for other tools.

    Event filters: --decision, --actor, --kind, --since, --until. Decision filters:
    --status, --use-case, --actor, --since, --until (submission time).
    """
    kinds = parse_kinds(kind)

    async def work(settings: Settings) -> int:
        start, end = parse_time(since, "--since"), parse_time(until, "--until")
        async with await open_store(settings) as store:
            with _output(out) as target:
                if what is Records.EVENTS:
                    return await store.export_events(
                        target,
                        fmt=fmt.value,
                        decision_id=decision,
                        actor=actor,
                        kinds=kinds,
                        since=start,
                        until=end,
                    )
                return await store.export_decisions(
                    target,
                    fmt=fmt.value,
                    status=status,
                    use_case=use_case,
                    actor=actor,
                    since=start,
                    until=end,
                )

    count = run(ctx, work)
    if out:
        stderr_console().print(Text(f"Exported {count} {what.value} to {out}."))


@audit_app.command()
def verify(
    ctx: typer.Context,
    decision: Annotated[
        str | None, typer.Option("--decision", help="Check only this decision.")
    ] = None,
) -> None:
    """Recompute the hash chains; exit 1 and name the first break in each broken one."""

    async def work(settings: Settings) -> VerifyReport:
        async with await open_store(settings) as store:
            return await store.verify(decision)

    report = run(ctx, work)
    console = stdout_console()
    if decision is not None and report.events_checked == 0:
        stderr_console().print(Text(f"No audit events for decision '{decision}'."))
        raise typer.Exit(1)
    if report.ok:
        console.print(
            f"OK: {report.events_checked} events in {report.decisions_checked} decisions verified"
        )
        return
    for found in report.breaks:
        line = f"BROKEN: decision '{found.decision_id}' at event {found.seq}"
        line += f" ({found.event_id})" if found.event_id else ""
        console.print(Text(f"{line}: {found.problem}"), soft_wrap=True)
    console.print(
        f"{len(report.breaks)} of {report.decisions_checked} decisions fail verification."
    )
    raise typer.Exit(1)
