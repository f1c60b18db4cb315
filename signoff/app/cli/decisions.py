"""Starting and looking at decisions: ``submit``, ``show`` and ``pending``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from signoff.app.cli.common import DecisionId, answered, known_people, run, signoff_client
from signoff.app.cli.render import (
    routed_lines,
    state_panel,
    status_text,
    stderr_console,
    stdout_console,
)
from signoff.app.cli.submission import build_request, parse_payload, read_request_file
from signoff.core.models import DecisionState, RiskTier
from signoff.core.settings import Settings

if TYPE_CHECKING:
    from signoff.client.decision_search import DecisionListing

PAGE_SIZE = 500
Json = Annotated[bool, typer.Option("--json", help="Print JSON, for scripts.")]


def submit(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(
            help="A DecisionRequest as JSON or YAML ('-' for stdin).", show_default=False
        ),
    ] = None,
    decision_id: Annotated[str | None, typer.Option("--id", help="Idempotency key.")] = None,
    use_case: Annotated[str | None, typer.Option(help="e.g. refunds.")] = None,
    subject: Annotated[str | None, typer.Option(help="What it is about, e.g. an order.")] = None,
    title: Annotated[str | None, typer.Option(help="One line for the card.")] = None,
    text: Annotated[str | None, typer.Option(help="The AI's proposal as text.")] = None,
    payload: Annotated[str | None, typer.Option(help="The proposal as a JSON object.")] = None,
    confidence: Annotated[float | None, typer.Option(help="0 to 1.")] = None,
    rationale: Annotated[str | None, typer.Option(help="Why the AI proposes it.")] = None,
    risk: Annotated[RiskTier | None, typer.Option(help="Risk tier.")] = None,
    requester: Annotated[str | None, typer.Option(help="Who asks (never approves).")] = None,
    policy: Annotated[str | None, typer.Option(help="A policy name from the policy file.")] = None,
    model: Annotated[str | None, typer.Option(help="Model name.")] = None,
    model_version: Annotated[str | None, typer.Option(help="Model version.")] = None,
    prompt_version: Annotated[str | None, typer.Option(help="Prompt version.")] = None,
    flag: Annotated[list[str] | None, typer.Option(help="A guardrail flag; repeatable.")] = None,
    as_json: Json = False,
) -> None:
    """Submit an AI decision for sign-off and print where the policy routed it.

    Give a request file, flags, or both (flags win). An invalid request exits with 2 and
    names the field; an unknown policy exits with 1 and lists the known ones.
    """
    flags = {
        "id": decision_id,
        "use_case": use_case,
        "subject": subject,
        "title": title,
        "text": text,
        "confidence": confidence,
        "rationale": rationale,
        "risk_tier": risk.value if risk else None,
        "requester": requester,
        "policy": policy,
        "model": model,
        "model_version": model_version,
        "prompt_version": prompt_version,
        "flags": flag,
    }

    async def work(settings: Settings) -> DecisionState:
        base = read_request_file(file) if file is not None else {}
        request = build_request(base, flags | {"payload": parse_payload(payload)})
        client = await signoff_client(settings)
        return await answered(client.submit(request), settings)

    state = run(ctx, work)
    console = stdout_console()
    if as_json:
        console.print_json(state.model_dump_json())
        return
    for line in routed_lines(state):
        console.print(line, soft_wrap=True)
    console.print(f"See it with: signoff show {state.decision_id}", soft_wrap=True)


def show(ctx: typer.Context, decision_id: DecisionId, as_json: Json = False) -> None:
    """Show one decision: proposal, route, stage, votes, outcome, feedback and history."""

    async def work(settings: Settings) -> DecisionState:
        client = await signoff_client(settings)
        return await answered(client.state(decision_id), settings)

    state = run(ctx, work)
    console = stdout_console()
    if as_json:
        console.print_json(state.model_dump_json())
    else:
        console.print(state_panel(state))


def pending(
    ctx: typer.Context,
    person: Annotated[
        str | None, typer.Option("--for", help="Only decisions waiting on this person.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most this many.")] = 100,
    show_all: Annotated[bool, typer.Option("--all", help="Show every one.")] = False,
    as_json: Json = False,
) -> None:
    """List decisions still waiting for people (from Temporal's visibility store, which
    may lag a moment behind the newest decision). Says how many more there are when the
    list stops at --limit."""

    async def work(settings: Settings) -> tuple[list[DecisionListing], int]:
        known_people(settings, person)
        client = await signoff_client(settings)
        found: list[DecisionListing] = []
        cursor: str | None = None
        total = 0
        while show_all or len(found) < limit:
            page = await client.search_page(
                status="pending",
                pending_for=person,
                page_size=PAGE_SIZE if show_all else min(limit - len(found), PAGE_SIZE),
                cursor=cursor,
            )
            found.extend(page.listings)
            total = page.total if page.total is not None else total
            cursor = page.next_cursor
            if cursor is None:
                break
        return found, max(total, len(found))

    found, total = run(ctx, work)
    console = stdout_console()
    more = total - len(found)
    if more > 0:
        stderr_console().print(
            f"Showing {len(found):,} of {total:,} pending decisions; {more:,} more:"
            " raise --limit or pass --all to see them.",
            soft_wrap=True,
        )
    if as_json:
        console.print_json(data=[f.model_dump(mode="json") for f in found])
        return
    if not found:
        console.print("No pending decisions" + (f" for {person}." if person else "."))
        return
    table = Table(title=f"Pending for {person}" if person else "Pending decisions")
    table.add_column("id", no_wrap=True)
    for name in ("status", "use case", "risk", "stage"):
        table.add_column(name)
    for row in found:
        table.add_row(
            Text(row.decision_id), status_text(row.status), row.use_case, row.risk_tier, row.stage
        )
    console.print(table)
