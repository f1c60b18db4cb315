"""What a person does to a decision from the terminal, one command per action.

Each goes through :meth:`SignoffClient.perform`, exactly like a click in Slack or Teams,
so the same validators refuse the same things and every action is audited (``via=cli``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.text import Text

from signoff.app.cli.common import (
    Actor,
    DecisionId,
    answered,
    known_people,
    run,
    signoff_client,
)
from signoff.app.cli.render import stdout_console
from signoff.core.models import ActionKind, ActionResult
from signoff.core.settings import Settings

Reason = Annotated[str | None, typer.Option("--reason", "-r", help="Why; kept in the audit.")]
NeededReason = Annotated[str, typer.Option("--reason", "-r", help="Why; kept in the audit.")]


class Thumb(StrEnum):
    UP = "up"
    DOWN = "down"


def perform(
    ctx: typer.Context, decision_id: str, kind: ActionKind, actor: str, **fields: Any
) -> None:
    """Apply one action and print what the person is told."""

    async def work(settings: Settings) -> ActionResult:
        known_people(settings, actor, fields.get("delegate_to"))
        client = await signoff_client(settings)
        action = client.perform(decision_id, kind, actor, via="cli", **fields)
        return await answered(action, settings)

    result = run(ctx, work)
    note = " (already applied)" if result.duplicate else ""
    stdout_console().print(Text(f"{result.message}{note} Status: {result.status}."), soft_wrap=True)


def approve(
    ctx: typer.Context, decision_id: DecisionId, actor: Actor, reason: Reason = None
) -> None:
    """Approve the AI's proposal as it is."""
    perform(ctx, decision_id, ActionKind.APPROVE, actor, reason=reason)


def reject(ctx: typer.Context, decision_id: DecisionId, actor: Actor, reason: NeededReason) -> None:
    """Reject the proposal, saying why."""
    perform(ctx, decision_id, ActionKind.REJECT, actor, reason=reason)


def edit(
    ctx: typer.Context,
    decision_id: DecisionId,
    actor: Actor,
    text: Annotated[str, typer.Option("--text", help="The corrected output.")],
    reason: Reason = None,
) -> None:
    """Rewrite the AI's output and approve the rewrite."""
    perform(ctx, decision_id, ActionKind.EDIT, actor, edited_text=text, reason=reason)


def request_changes(
    ctx: typer.Context, decision_id: DecisionId, actor: Actor, reason: NeededReason
) -> None:
    """Send the proposal back to the application with instructions."""
    perform(ctx, decision_id, ActionKind.REQUEST_CHANGES, actor, reason=reason)


def escalate(
    ctx: typer.Context, decision_id: DecisionId, actor: Actor, reason: Reason = None
) -> None:
    """Hand the decision to the next stage now."""
    perform(ctx, decision_id, ActionKind.ESCALATE, actor, reason=reason)


def delegate(
    ctx: typer.Context,
    decision_id: DecisionId,
    actor: Actor,
    to: Annotated[str, typer.Option("--to", help="Who answers instead of you.")],
    reason: Reason = None,
) -> None:
    """Pass your seat at this stage to someone else."""
    perform(ctx, decision_id, ActionKind.DELEGATE, actor, delegate_to=to, reason=reason)


def comment(
    ctx: typer.Context,
    decision_id: DecisionId,
    actor: Actor,
    text: Annotated[str, typer.Argument(help="The comment.", show_default=False)],
) -> None:
    """Add a comment to the decision's record."""
    perform(ctx, decision_id, ActionKind.COMMENT, actor, reason=text)


def override(
    ctx: typer.Context,
    decision_id: DecisionId,
    actor: Actor,
    reason: NeededReason,
    approve: Annotated[bool, typer.Option("--approve", help="Let the action run.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Stop the action.")] = False,
) -> None:
    """As a manager, replace the outcome (before or after it was final)."""
    if approve == reject:
        raise typer.BadParameter("give exactly one of --approve or --reject")
    verdict = "approve" if approve else "reject"
    perform(ctx, decision_id, ActionKind.OVERRIDE, actor, verdict=verdict, reason=reason)


def cancel(
    ctx: typer.Context, decision_id: DecisionId, actor: Actor, reason: Reason = None
) -> None:
    """Withdraw the decision (its requester or a manager)."""
    perform(ctx, decision_id, ActionKind.CANCEL, actor, reason=reason)


def thumb(
    ctx: typer.Context,
    decision_id: DecisionId,
    actor: Actor,
    verdict: Annotated[Thumb, typer.Argument(help="up or down.", show_default=False)],
) -> None:
    """Give feedback on a decided proposal; one vote per person, changeable."""
    perform(ctx, decision_id, ActionKind.THUMB, actor, thumb=verdict.value)


def correct(
    ctx: typer.Context,
    decision_id: DecisionId,
    actor: Actor,
    text: Annotated[str, typer.Argument(help="What the right answer was.", show_default=False)],
) -> None:
    """Record a correction after the fact, for evaluation."""
    perform(ctx, decision_id, ActionKind.CORRECTION, actor, reason=text)


def label(
    ctx: typer.Context,
    decision_id: DecisionId,
    actor: Actor,
    value: Annotated[str, typer.Argument(metavar="LABEL", help="The expert's ground-truth label.")],
) -> None:
    """As an expert, give the ground-truth label."""
    perform(ctx, decision_id, ActionKind.GROUND_TRUTH, actor, label=value)


COMMANDS = {
    "approve": approve,
    "reject": reject,
    "edit": edit,
    "request-changes": request_changes,
    "escalate": escalate,
    "delegate": delegate,
    "comment": comment,
    "override": override,
    "cancel": cancel,
    "thumb": thumb,
    "correct": correct,
    "label": label,
}
