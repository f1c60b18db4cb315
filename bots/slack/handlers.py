"""What the Slack listeners do, as plain async functions: parse a payload into a small
model, talk to the decision workflow through :class:`SignoffClient`, and return the text
to show the person (``None`` when the card's redraw says it all).

The listeners in :mod:`signoff.bots.slack.app` stay thin: ack, call one function here, answer.

Idempotency: every action's ``action_id`` is derived from the interaction itself (see
:mod:`signoff.bots.slack.payloads`), so a request Slack delivers twice carries the same
id and the workflow applies it once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from signoff.bots import apply_actions
from signoff.bots.pending_list import pending_list
from signoff.bots.slack import slack_messages as messages
from signoff.bots.slack.modals import DELEGATE, REASON, TEXT, VERDICT, ModalContext, modal
from signoff.bots.slack.payloads import Click, Submission
from signoff.client.signoff_client import SignoffClient
from signoff.core import messages as shared
from signoff.core.errors import DecisionNotFound
from signoff.core.messages import STATUS_WORDS
from signoff.core.models import Action, ActionKind, Directory
from signoff.core.models.state import DecisionState

__all__ = [
    "act",
    "click",
    "delegate_target",
    "find_principal",
    "modal_for",
    "slash_command",
    "submission_errors",
    "submit",
]

log = logging.getLogger(__name__)

PICK_LOOKUP_SECONDS = 2.0

# button -> (action kind, extra fields); buttons not here open a modal
DIRECT: dict[str, tuple[ActionKind, dict[str, Any]]] = {
    "approve": (ActionKind.APPROVE, {}),
    "escalate": (ActionKind.ESCALATE, {}),
    "thumb_up": (ActionKind.THUMB, {"thumb": "up"}),
    "thumb_down": (ActionKind.THUMB, {"thumb": "down"}),
}

# modal kind -> the input it cannot go without, besides the reason some need
FORM_NEEDS = {"override": VERDICT[0], "edit": TEXT[0], "delegate": DELEGATE[0]}


async def find_principal(
    directory: Directory, slack_user: str, web_client: AsyncWebClient | None = None
) -> str | None:
    """The principal a Slack user acts as: their linked identity in the directory, else
    the directory entry with their Slack profile's e-mail (when a client is given)."""
    person = directory.by_identity("slack", slack_user)
    if person is not None:
        return person.id
    if web_client is None:
        return None
    try:
        response = await web_client.users_info(user=slack_user)
    except SlackApiError as err:
        log.info("users.info for %s failed: %s", slack_user, err)
        return None
    email = ((response.get("user") or {}).get("profile") or {}).get("email")
    person = directory.by_email(email) if email else None
    return person.id if person else None


async def act(client: SignoffClient, decision_id: str, action: Action) -> str | None:
    """Apply the action; the refusal or failure to show the person, if any."""
    return await apply_actions.act(client, decision_id, [action], not_found=messages.NOT_FOUND)


async def click(client: SignoffClient, principal: str, button: Click) -> str | None:
    """A button that acts at once (approve, escalate, thumbs)."""
    kind, fields = DIRECT[button.name]
    action = Action.from_card(
        kind,
        card_stage=button.stage,
        action_id=button.action_id,
        actor=principal,
        via="slack",
        **fields,
    )
    return await act(client, button.decision_id, action)


async def modal_for(client: SignoffClient, button: Click) -> dict:
    """The modal a button opens; edit and view_full show the proposal's text. A button
    naming a decision Temporal never heard of is turned away at once, instead of with a
    form that could only fail; the other forms open even while the worker is down.

    Raises:
        DecisionNotFound: the decision does not exist.
    """
    context = ModalContext.of_button(
        button.name, decision_id=button.decision_id, stage=button.stage, channel=button.channel
    )
    text = None
    if context.kind in ("edit", "view_full"):
        state: DecisionState = await client.state(button.decision_id)
        text = state.request.proposal.text if state.request.proposal else None
    elif await client.exists(button.decision_id) is False:
        raise DecisionNotFound(button.decision_id)
    return modal(context, proposal_text=text)


def submission_errors(submission: Submission) -> dict[str, str]:
    """Errors to show in the modal (block id -> message), checked before acking."""
    context, values = submission.context, submission.values
    kind = context.kind
    required = [FORM_NEEDS[kind]] if kind in FORM_NEEDS else []
    if context.needs_reason:
        required.append(REASON[0])
    errors = {block: shared.REQUIRED for block in required if not values.get(block)}
    if kind == "delegate" and values.get(DELEGATE[0]) == submission.user:
        errors[DELEGATE[0]] = messages.DELEGATE_SELF
    return errors


async def delegate_target(
    directory: Directory, submission: Submission, web_client: AsyncWebClient
) -> tuple[str | None, str | None]:
    """The principal picked in a delegate modal, found as a clicking person is (Slack id,
    else the e-mail of their Slack profile), or the error to show in the modal. The
    lookup happens before the ack, which must reach Slack within 3 s, so a Slack API
    slower than :data:`PICK_LOOKUP_SECONDS` is an error to retry, not a silent wait."""
    picked = str(submission.values.get(DELEGATE[0]))
    try:
        async with asyncio.timeout(PICK_LOOKUP_SECONDS):
            target = await find_principal(directory, picked, web_client)
    except TimeoutError:
        return None, messages.DELEGATE_SLOW
    return (target, None) if target else (None, messages.DELEGATE_NOT_LINKED)


async def submit(
    client: SignoffClient, principal: str, submission: Submission, delegate_to: str | None = None
) -> str | None:
    """Perform a submitted modal's action (validated by :func:`submission_errors`; a
    delegation's target found by :func:`delegate_target`)."""
    context, values = submission.context, submission.values
    kind = ActionKind(context.kind)
    fields: dict[str, Any] = {"reason": values.get(REASON[0])}
    if kind is ActionKind.EDIT:
        fields["edited_text"] = values.get(TEXT[0])
    elif kind is ActionKind.DELEGATE:
        fields["delegate_to"] = delegate_to
    elif kind is ActionKind.OVERRIDE:
        fields["verdict"] = values.get(VERDICT[0])
    action = Action.from_card(
        kind,
        card_stage=context.stage,
        action_id=submission.action_id,
        actor=principal,
        via="slack",
        **fields,
    )
    return await act(client, context.decision_id, action)


async def slash_command(client: SignoffClient, principal: str, text: str) -> str:
    """``/signoff pending`` or ``/signoff show ID``."""
    words = text.split()
    if words == ["pending"]:
        return await pending_list(client, principal, line=messages.PENDING_LINE)
    if len(words) == 2 and words[0] == "show":
        try:
            state = await client.state(words[1])
        except DecisionNotFound:
            return messages.NOT_FOUND.format(decision_id=words[1])
        return _status(state)
    return messages.USAGE


def _status(state: DecisionState) -> str:
    stage = ""
    if state.stage is not None and not state.status.is_final:
        stage = messages.SHOW_STAGE.format(
            index=state.stage.index + 1, total=len(state.plan.stages), name=state.stage.name
        )
    waiting = (
        messages.SHOW_WAITING.format(people=", ".join(state.waiting_on)) if state.waiting_on else ""
    )
    return messages.SHOW.format(
        title=state.request.title,
        decision_id=state.decision_id,
        status=STATUS_WORDS.get(state.status, state.status.value),
        stage=stage,
        waiting=waiting,
    )
