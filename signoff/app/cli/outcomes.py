"""``signoff outcome``: report what really happened after a decision, at any later time.

Beside ``submit`` and ``show``: the application's own systems usually report outcomes
through the client or the HTTP API; this is the operator's way to record one (a backfill
from a spreadsheet, a correction of a feed) through the same durable, audited path.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from signoff.app.cli.common import DecisionId, answered, run, signoff_client
from signoff.app.cli.render import stdout_console
from signoff.core.models import ReportedOutcome
from signoff.core.settings import Settings


def outcome(
    ctx: typer.Context,
    decision_id: DecisionId,
    label: Annotated[
        str, typer.Argument(help="What happened, e.g. chargeback.", show_default=False)
    ],
    source: Annotated[
        str,
        typer.Option("--source", help="The system that saw it, e.g. chargeback-feed."),
    ],
    at: Annotated[
        str,
        typer.Option(
            "--at", help="When it happened, ISO 8601 with a time zone: 2026-11-02T09:30:00Z."
        ),
    ],
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            help="Names the report: the same source and key record once (default: made of"
            " source, time and label).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON, for scripts.")] = False,
) -> None:
    """Record a decision's real-world outcome in its audit trail, also long after the
    decision closed. The same report again records nothing new."""

    async def work(settings: Settings) -> ReportedOutcome:
        client = await signoff_client(settings)
        report = client.record_outcome(decision_id, label, source, at, key=key, via="cli")
        return await answered(report, settings)

    recorded = run(ctx, work)
    console = stdout_console()
    if as_json:
        console.print_json(recorded.model_dump_json())
        return
    said = "was already recorded" if recorded.duplicate else "recorded"
    console.print(
        Text(
            f"Outcome '{recorded.label}' from {recorded.source} (happened"
            f" {recorded.at.isoformat()}) {said} for {recorded.decision_id}"
            f" as audit event {recorded.event_id}."
        ),
        soft_wrap=True,
    )
