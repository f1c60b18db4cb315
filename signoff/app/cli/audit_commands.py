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
from typing import TYPE_CHECKING, Annotated, TextIO

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
    parse_status,
    parse_time,
)
from signoff.app.cli.audit_tables import decisions_table, events_table
from signoff.app.cli.common import run, signoff_client
from signoff.app.cli.render import stderr_console, stdout_console
from signoff.app.cli.stores import open_store
from signoff.core.models import VerifyReport

if TYPE_CHECKING:
    from signoff.client.history_audit import HistoryReport
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

    async def work(settings: Settings) -> dict[str, str]:
        start, end = parse_time(since, "--since"), parse_time(until, "--until")
        parse_status(status)
        from signoff.adapters.notary import Anchor

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
                table = events_table(
                    events,
                    one_decision=decision is not None,
                    width=stdout_console().width,
                )
                shown = {e.decision_id for e in events}
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
                shown = {d.decision_id for d in found}
            # What is shown comes from the database: each decision in it is checked
            # against its chain (and the chain against its signatures) before it is shown.
            checked = await store.verify(decision_ids=shown, anchor=Anchor.for_settings(settings))
        stdout_console().print(table)
        return {b.decision_id: b.problem for b in checked.breaks}

    untrusted = run(ctx, work)
    for decision_id, problem in sorted(untrusted.items()):
        stderr_console().print(
            Text(f"UNTRUSTED: decision '{decision_id}' does not match its audit trail: {problem}"),
            soft_wrap=True,
        )
    if untrusted:
        raise typer.Exit(1)


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
        parse_status(status)
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
    checkpoint_log: Annotated[
        list[Path] | None,
        typer.Option(
            help="A checkpoint log to check against (repeatable; workers on several hosts"
            " keep one each). Default: SIGNOFF_AUDIT_CHECKPOINT_LOG."
        ),
    ] = None,
    against_temporal: Annotated[
        bool,
        typer.Option(
            "--against-temporal",
            help="Also compare every decision's events with its Temporal workflow history.",
        ),
    ] = False,
) -> None:
    """Check the audit trail; exit 1 and name the first break in each broken decision.

    Recomputes every hash chain, checks each decision's row against its chain and, with
    an audit keyring (`signoff keys create`), each chain against the heads the audit key
    signed and the checkpoint log outside the database. --against-temporal compares the
    events with what each workflow's history recorded.
    """

    async def work(settings: Settings) -> tuple[VerifyReport, HistoryReport | None]:
        from signoff.adapters.notary import Anchor

        anchor = Anchor.for_settings(settings, checkpoint_log or None)
        async with await open_store(settings) as store:
            report = await store.verify(decision, anchor=anchor)
            if not against_temporal:
                return report, None
            from signoff.client.history_audit import compare_with_temporal

            client = await signoff_client(settings)
            compared = await compare_with_temporal(
                client.temporal, store, task_queue=settings.task_queue, decision_id=decision
            )
            return report, compared

    report, history = run(ctx, work)
    if decision is not None and report.events_checked == 0 and not report.breaks:
        stderr_console().print(Text(f"No audit events for decision '{decision}'."))
        raise typer.Exit(1)
    if not show_verification(report, history):
        raise typer.Exit(1)


def show_verification(report: VerifyReport, history: HistoryReport | None) -> bool:
    """Print what was checked and every break; whether everything held."""
    console = stdout_console()
    breaks = list(report.breaks) + (history.breaks if history else [])
    for found in breaks:
        line = f"BROKEN: decision '{found.decision_id}'"
        line += f" at event {found.seq}" if found.seq else ""
        line += f" ({found.event_id})" if found.event_id else ""
        console.print(Text(f"{line}: {found.problem}"), soft_wrap=True)
    for problem in report.log_problems:
        console.print(Text(f"BROKEN: {problem}"), soft_wrap=True)
    if history is not None:
        for decision_id, why in sorted(history.not_comparable.items()):
            console.print(Text(f"NOT COMPARED: decision '{decision_id}': {why}"), soft_wrap=True)
    checked = f"{report.events_checked} events in {report.decisions_checked} decisions"
    if report.anchored:
        checked += f", {report.signed_heads_checked} signed heads"
    if history is not None:
        checked += f"; {history.decisions_compared} decisions compared with Temporal"
    held = not breaks and not report.log_problems
    if held:
        console.print(f"OK: {checked} verified")
    else:
        failing = {b.decision_id for b in breaks}
        console.print(f"{len(failing)} of {report.decisions_checked} decisions fail verification.")
    if not report.anchored:
        console.print(
            Text(
                "WARNING: no audit keyring, so the chains were checked against the database"
                " alone: whoever can write to it can rewrite events and recompute every"
                " hash unseen. Create one with `signoff keys create`."
            ),
            soft_wrap=True,
        )
    return held
