"""What the Teams bot does, as plain async functions: read one inbound activity's
request, talk to the decision workflow through :class:`SignoffClient`, and say what to
answer. The activity handler in :mod:`signoff.bots.teams.bot` stays thin.

Idempotency: every action's ``action_id`` is the invoke activity's id, so an invoke
Teams delivers twice is applied once; a second click is a new invoke, which the
workflow treats as the repeated vote it is.

Slowness: Teams gives up on an invoke that is not answered within seconds. When
Temporal takes longer than ``answer_within`` (a worker restarting, say), the click is
left running in the background and the person is told it is being recorded; the card
is updated by the worker once it is.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from signoff.bots import apply_actions
from signoff.bots.pending_list import pending_list
from signoff.bots.teams import teams_messages as messages
from signoff.bots.teams.execute import Execute
from signoff.bots.teams.rendering import (
    ADAPTIVE_CARD,
    card_activity,
    personal_card,
    refresh_candidates,
    shared_card,
)
from signoff.client.signoff_client import SignoffClient
from signoff.core import messages as shared
from signoff.core.errors import ActionPending, ActionRefused, DecisionNotFound
from signoff.core.models import Action, ActionKind, DecisionState, Directory

__all__ = ["Answer", "card_action", "chat_command", "feedback_loop", "text_activity"]

log = logging.getLogger(__name__)

ANSWER_WITHIN = 8.0
"""Seconds an invoke waits for Temporal before answering that the click is being
recorded; Teams shows an error for invokes unanswered after about 15 s."""
MIN_STATE_WAIT = 1.0
"""Seconds the card lookup after a click may take even when the click used up the rest."""


MriLookup = Callable[[Sequence[str]], Awaitable[Mapping[str, str]]]
"""principals -> the Teams user MRIs Signoff has learned for them (``members.mris_of``)."""


async def _shared(
    state: DecisionState, directory: Directory, mris: MriLookup | None
) -> dict[str, Any]:
    known = await mris(refresh_candidates(state)) if mris is not None else None
    return shared_card(state, directory, known)


class Answer(BaseModel):
    """The body of an ``adaptiveCard/action`` invoke response (Universal Actions)."""

    statusCode: int = 200  # the wire name
    type: Literal[
        "application/vnd.microsoft.card.adaptive",
        "application/vnd.microsoft.activity.message",
        "application/vnd.microsoft.error",
    ]
    value: Any

    @classmethod
    def card(cls, card: dict[str, Any]) -> Answer:
        return cls(type=ADAPTIVE_CARD, value=card)

    @classmethod
    def message(cls, text: str) -> Answer:
        return cls(type="application/vnd.microsoft.activity.message", value=text)

    @classmethod
    def error(cls, status: int, message: str) -> Answer:
        code = "BadRequest" if status == 400 else "NotFound"
        return cls(
            statusCode=status,
            type="application/vnd.microsoft.error",
            value={"code": code, "message": message},
        )


async def card_action(
    client: SignoffClient,
    directory: Directory,
    principal: str | None,
    action: dict[str, Any],
    *,
    action_id: str,
    answer_within: float = ANSWER_WITHIN,
    viewer_mri: str | None = None,
    mris: MriLookup | None = None,
) -> Answer:
    """An ``Action.Execute`` click or a card refresh, answered with the card as this
    person should now see it; a refusal is on top of it, for them alone."""
    try:
        command = Execute.parse(action)
        wanted = _action(command, principal, action_id) if principal and command.kind else None
    except ValidationError as err:  # e.g. a reason longer than an Action takes
        problem = err.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        return Answer.error(400, f"The card action's '{where}' is not valid: {problem['msg']}.")
    except ValueError as err:
        return Answer.error(400, str(err))
    deadline = asyncio.get_running_loop().time() + answer_within

    async def state_in_time() -> DecisionState:
        left = max(deadline - asyncio.get_running_loop().time(), MIN_STATE_WAIT)
        return await asyncio.wait_for(client.state(command.decision_id), left)

    try:
        if principal is None:
            if command.kind is None:  # a refresh: show what anyone sees
                return Answer.card(await _shared(await state_in_time(), directory, mris))
            return Answer.message(messages.NOT_LINKED)
        notice = None
        if wanted is not None:
            acting = asyncio.ensure_future(client.act(command.decision_id, wanted))
            done, _ = await asyncio.wait({acting}, timeout=answer_within)
            if not done:
                _finish_in_background(acting, action_id)
                return Answer.message(messages.RECORDING)
            try:
                acting.result()
            except (ActionRefused, ActionPending) as answer:
                notice = answer.message
        state = await state_in_time()
    except DecisionNotFound:
        return Answer.error(404, messages.NOT_FOUND.format(decision_id=command.decision_id))
    except TimeoutError:  # the click is in; the card catches up when the worker draws it
        return Answer.message(messages.RECORDING)
    except Exception:  # Temporal failed in a way we did not foresee: say so, never a 5xx
        log.exception("the Teams click %s could not be applied", action_id)
        return Answer.message(shared.ACTION_FAILED)
    card = personal_card(state, directory, principal, viewer_mri=viewer_mri, notice=notice)
    return Answer.card(card)


_background: set[asyncio.Future[Any]] = set()


def _finish_in_background(acting: asyncio.Future[Any], action_id: str) -> None:
    """Keep a slow click running (and referenced) until Temporal answers it."""
    _background.add(acting)

    def done(future: asyncio.Future[Any]) -> None:
        _background.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.warning("the Teams click %s failed: %s", action_id, future.exception())

    acting.add_done_callback(done)


def _action(command: Execute, principal: str, action_id: str) -> Action:
    kind = command.kind
    assert kind is not None
    return Action.from_card(
        kind,
        card_stage=command.stage,
        action_id=action_id,
        actor=principal,
        reason=command.reason,
        edited_text=command.edited_text,
        delegate_to=command.delegate_to,
        verdict=command.verdict,
        thumb=command.thumb,
        via="teams",
    )


async def feedback_loop(
    client: SignoffClient,
    decision_id: str | None,
    principal: str | None,
    value: dict[str, Any],
    *,
    action_id: str,
) -> str | None:
    """Teams' own thumbs under a card (``message/submitAction``, action ``feedback``):
    the reaction becomes a thumb and any words a comment. Returns what to tell the
    person when it could not be recorded."""
    if principal is None:
        return messages.NOT_LINKED
    if decision_id is None:
        return messages.NO_DECISION_FOR_MESSAGE
    action_value = value.get("actionValue") or {}
    thumb = {"like": "up", "dislike": "down"}.get(str(action_value.get("reaction")))
    if thumb is None:
        raise ValueError("the feedback's 'actionValue.reaction' must be 'like' or 'dislike'")
    text = _feedback_text(action_value.get("feedback"))
    actions = [
        Action(
            kind=ActionKind.THUMB, thumb=thumb, action_id=action_id, actor=principal, via="teams"
        )
    ]
    if text:
        actions.append(
            Action(
                kind=ActionKind.COMMENT,
                reason=text,
                action_id=f"{action_id}:comment",
                actor=principal,
                via="teams",
            )
        )
    return await apply_actions.act(client, decision_id, actions, not_found=messages.NOT_FOUND)


def _feedback_text(feedback: Any) -> str | None:
    """Teams sends the words as a JSON string ``{"feedbackText": ...}`` (or an object)."""
    if isinstance(feedback, str):
        try:
            feedback = json.loads(feedback)
        except ValueError:
            return feedback.strip() or None
    if isinstance(feedback, dict):
        text = feedback.get("feedbackText")
        return text.strip() or None if isinstance(text, str) else None
    return None


async def chat_command(
    client: SignoffClient,
    directory: Directory,
    principal: str | None,
    text: str,
    *,
    personal: bool = True,
    viewer_mri: str | None = None,
    mris: MriLookup | None = None,
) -> dict[str, Any]:
    """A message to the bot: ``pending`` lists what waits for the writer, ``show ID``
    answers with the decision's card, as they may use it in a personal chat and as
    everyone sees it elsewhere; anything else gets the help. Returns the activity to
    reply with."""
    words = text.split()
    if principal is None:
        return text_activity(messages.NOT_LINKED)
    if words == ["pending"]:
        return text_activity(await pending_list(client, principal, line=messages.PENDING_LINE))
    if len(words) == 2 and words[0] == "show":
        try:
            state = await client.state(words[1])
        except DecisionNotFound:
            return text_activity(messages.NOT_FOUND.format(decision_id=words[1]))
        card = (
            personal_card(state, directory, principal, viewer_mri=viewer_mri)
            if personal
            else await _shared(state, directory, mris)
        )
        return card_activity(state, card)
    return text_activity(messages.HELP)


def text_activity(text: str) -> dict[str, Any]:
    return {"type": "message", "textFormat": "markdown", "text": text}
