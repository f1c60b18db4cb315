"""The Teams bot's inbound half: a botbuilder ``ActivityHandler`` that remembers where
it may post, and turns card clicks, Teams' feedback buttons and chat messages into
actions on decision workflows.

Why it is built this way: ``docs/design-notes.md``, "The Teams bot: inbound".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes

from signoff.bots.teams import handlers
from signoff.bots.teams import teams_messages as words
from signoff.bots.teams.conversations import (
    CHANNEL,
    ConversationBook,
    ConversationRef,
    conversation_key,
    message_key,
    user_key,
)
from signoff.bots.teams.handlers import Answer
from signoff.bots.teams.members import Member, accounts_in, member_key, mris_of
from signoff.client.signoff_client import SignoffClient
from signoff.core.models import Directory

__all__ = ["SignoffTeamsBot"]

log = logging.getLogger(__name__)


class MessageIndex(ConversationBook, Protocol):
    """The store, as the bot needs it: conversations, and cards by their message."""

    async def decision_of_message(self, channel: str, message_id: str) -> str | None: ...


ANSWERED_INVOKES = frozenset({"adaptiveCard/action", "message/submitAction"})


class SignoffTeamsBot(ActivityHandler):
    def __init__(
        self,
        client: SignoffClient,
        directory: Directory,
        store: MessageIndex,
        *,
        answer_within: float = handlers.ANSWER_WITHIN,
    ) -> None:
        self._client = client
        self._directory = directory
        self._store = store
        self._answer_within = answer_within
        self._remembered: dict[str, dict[str, Any]] = {}

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        # An invoke this bot does not answer is refused (400), and a refusal keeps nothing.
        if activity.type != ActivityTypes.invoke or activity.name in ANSWERED_INVOKES:
            await self._remember(activity)
        await super().on_turn(turn_context)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        principal = self._principal(activity)
        action_id = f"teams:{activity.id}"
        if activity.name == "adaptiveCard/action":  # ANSWERED_INVOKES
            answer = await handlers.card_action(
                self._client,
                self._directory,
                principal,
                _json(activity.value).get("action") or {},
                action_id=action_id,
                answer_within=self._answer_within,
                viewer_mri=self._mri(activity),
                mris=self._mris,
            )
            return InvokeResponse(status=200, body=answer.model_dump())
        if activity.name == "message/submitAction":
            return await self._feedback(activity, principal, action_id)
        answer = await super().on_invoke_activity(turn_context)
        if answer is None or answer.status >= 500:
            # botbuilder answers an invoke it has no handler for with 501: the request,
            # not the bot, is what is wrong, so it is a 400 that says so.
            name = repr(activity.name) if activity.name else "unnamed"
            problem = words.UNKNOWN_INVOKE.format(name=name)
            return InvokeResponse(status=400, body={"error": problem})
        return answer

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        text = TurnContext.remove_recipient_mention(activity) or activity.text or ""
        personal = bool(activity.conversation) and (
            activity.conversation.conversation_type == "personal"
        )
        reply = await handlers.chat_command(
            self._client,
            self._directory,
            self._principal(activity),
            text.strip(),
            personal=personal,
            viewer_mri=self._mri(activity),
            mris=self._mris,
        )
        await turn_context.send_activity(Activity().deserialize(reply))

    async def _feedback(
        self, activity: Activity, principal: str | None, action_id: str
    ) -> InvokeResponse:
        value = _json(activity.value)
        if value.get("actionName") != "feedback":
            return InvokeResponse(status=200, body={})
        decision_id = None
        if activity.reply_to_id:
            where = ConversationRef.of(activity.serialize())
            key = message_key(where.conversation_id, activity.reply_to_id)
            decision_id = await self._store.decision_of_message(CHANNEL, key)
        try:
            problem = await handlers.feedback_loop(
                self._client, decision_id, principal, value, action_id=action_id
            )
        except ValueError as err:
            return InvokeResponse(status=400, body=Answer.error(400, str(err)).model_dump())
        if problem is not None:
            log.info("feedback on %s not recorded: %s", activity.reply_to_id, problem)
        return InvokeResponse(status=200, body={})

    def _principal(self, activity: Activity) -> str | None:
        sender = activity.from_property
        aad = sender.aad_object_id if sender else None
        person = self._directory.by_identity("teams", aad) if aad else None
        return person.id if person else None

    def _mri(self, activity: Activity) -> str | None:
        member = Member.of(activity.serialize().get("from"))
        return member.mri if member else None

    async def _mris(self, principals: Sequence[str]) -> Mapping[str, str]:
        return await mris_of(self._store, self._directory, principals)

    async def _remember(self, activity: Activity) -> None:
        """Keep the reference to where this activity came from, so cards can go there,
        and the Teams user MRIs of the people it names, so cards can refresh for them."""
        raw = activity.serialize()
        for member in accounts_in(raw):
            await self._keep(member_key(member.aad_object_id), member.model_dump())
        if not raw.get("serviceUrl") or not (raw.get("conversation") or {}).get("id"):
            return
        where = ConversationRef.of(raw)
        if where.conversation_type == "personal":
            sender = activity.from_property
            if sender is None or not sender.aad_object_id:
                return
            key = user_key(sender.aad_object_id)
        else:
            key = conversation_key(where.conversation_id)
        await self._keep(key, where.model_dump())

    async def _keep(self, key: str, reference: dict[str, Any]) -> None:
        if self._remembered.get(key) != reference:  # every click would write it again
            await self._store.save_conversation(CHANNEL, key, reference)
            self._remembered[key] = reference


def _json(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
