"""The options ``signoff audit`` shares, and turning them into store filters."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

import typer

from signoff.app.cli.failures import USAGE, CliError
from signoff.core.models import AuditKind, Status


class View(StrEnum):
    AUTO = "auto"
    EVENTS = "events"
    DECISIONS = "decisions"


class Records(StrEnum):
    EVENTS = "events"
    DECISIONS = "decisions"


class Format(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


DecisionOpt = Annotated[
    str | None,
    typer.Option(
        "--decision",
        help="One decision's events, or an operations chain's (ops/YYYY-MM-DD: administrators'"
        " changes and refusals of no decision).",
    ),
]
ActorOpt = Annotated[
    str | None, typer.Option(help="Events by this person (decisions: involving them).")
]
KindOpt = Annotated[
    list[str] | None,
    typer.Option("--kind", help="Event kind (voted, overridden, refused, ...); repeatable."),
]
SinceOpt = Annotated[
    str | None, typer.Option(help="From this ISO time (inclusive, UTC if no zone).")
]
UntilOpt = Annotated[str | None, typer.Option(help="Before this ISO time (exclusive).")]
StatusOpt = Annotated[str | None, typer.Option(help="Decisions with this status.")]
UseCaseOpt = Annotated[str | None, typer.Option(help="Decisions of this use case.")]
ModelOpt = Annotated[str | None, typer.Option(help="Decisions by this model version.")]
OverridesOpt = Annotated[
    bool, typer.Option("--overrides-only", help="Only decisions a manager overrode.")
]


def parse_time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"{option} must be an ISO date or time, not {value!r}.", USAGE) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_kinds(kinds: list[str] | None) -> list[str] | None:
    if not kinds:
        return None
    known = [k.value for k in AuditKind]
    unknown = [k for k in kinds if k not in known]
    if unknown:
        raise typer.BadParameter(
            f"unknown kind {unknown[0]!r}; known kinds: {', '.join(known)}", param_hint="--kind"
        )
    return kinds


def choose_view(
    what: View, *, event_filters: bool, decision_filters: bool, actor: bool
) -> Literal["events", "decisions"]:
    """``auto`` lists events when asked about one decision or event kinds (or only an
    actor), and decisions otherwise; filters from both views at once are a usage error."""
    if what is View.EVENTS:
        return "events"
    if what is View.DECISIONS:
        return "decisions"
    if event_filters and decision_filters:
        raise typer.BadParameter(
            "--decision/--kind filter events while --status/--use-case/--model-version/"
            "--overrides-only filter decisions; use one kind of filter, or --what"
        )
    if event_filters or (actor and not decision_filters):
        return "events"
    return "decisions"


def parse_status(status: str | None) -> str | None:
    """A status the store knows, or one sentence (exit 2) naming the ones it does: a
    mistyped status must not look like a store with no such decisions."""
    if status is None:
        return None
    known = [s.value for s in Status]
    if status not in known:
        raise CliError(f"Unknown status '{status}'; known statuses: {', '.join(known)}.", USAGE)
    return status
