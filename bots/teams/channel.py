"""Approval cards in Teams: proactive posts into the policy's channel and each
approver's personal chat, redraws by updating the very activity posted, and notices as
replies beside the card.

Why it is built this way: ``docs/design-notes.md``, "The Teams bot: cards and notices".
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp

from signoff.adapters.store import Store
from signoff.adapters.store.engine import make_async_engine
from signoff.adapters.teams import ConnectorError, TeamsConnector, TeamsSettings, token_source
from signoff.bots.teams.conversations import (
    CHANNEL,
    ConversationBook,
    ConversationRef,
    conversation_key,
    message_key,
    user_key,
)
from signoff.bots.teams.members import Member, member_key, mris_of
from signoff.bots.teams.rendering import (
    card_activity,
    personal_card,
    refresh_candidates,
    shared_card,
    teams_id,
)
from signoff.core.channel_protocol import CardRef, Notice, notice_routes
from signoff.core.messages import NOTICE_HEADINGS
from signoff.core.models import ChannelTarget, DecisionState, Directory

__all__ = ["TeamsChannel"]

log = logging.getLogger(__name__)

NO_IDENTITY = "no teams identity"


class TeamsChannel:
    """The Teams side of the channel protocol.

    Args:
        connector: Outbound Bot Framework calls.
        directory: Maps principals to AAD object ids (``identities["teams"]``).
        conversations: Where captured conversation references are kept (the store).
        settings: The bot's app id, tenant and default service URL.
    """

    kind = CHANNEL

    def __init__(
        self,
        connector: TeamsConnector,
        directory: Directory,
        conversations: ConversationBook,
        settings: TeamsSettings,
    ) -> None:
        self._connector = connector
        self._directory = directory
        self._conversations = conversations
        self._settings = settings
        self._owned: Store | None = None

    @classmethod
    def open(cls, settings: TeamsSettings, directory: Directory, store_url: str) -> TeamsChannel:
        """A channel with its own connector and its own handle on the store at
        ``store_url`` (the worker's plugin migrates it); :meth:`close` releases both."""
        store = Store(make_async_engine(store_url))
        channel = cls(TeamsConnector(token_source(settings)), directory, store, settings)
        channel._owned = store
        return channel

    async def post(
        self, state: DecisionState, target: ChannelTarget, recipient: str | None
    ) -> CardRef:
        if recipient is None:
            if not target.destination:
                raise ValueError(
                    "a shared Teams card needs the policy channel's destination "
                    "(a Teams conversation id such as 19:abc@thread.tacv2)"
                )
            where = await self._shared_conversation(target.destination)
            card = await self._shared_card(state, where)
        else:
            aad = teams_id(self._directory, recipient)
            if aad is None:
                log.warning(
                    "%s has no Teams identity in the directory; no card for %s",
                    recipient,
                    state.decision_id,
                )
                return CardRef(channel=self.kind, recipient=recipient, ref={"skipped": NO_IDENTITY})
            where = await self._personal_conversation(aad, target)
            card = await self._personal_card(state, where, recipient)
        activity_id = await self._connector.send(
            where.service_url, where.conversation_id, card_activity(state, card)
        )
        ref = {**where.model_dump(), "activity_id": activity_id}
        key = message_key(where.conversation_id, activity_id)
        return CardRef(channel=self.kind, recipient=recipient, ref=ref, message_id=key)

    async def redraw(self, state: DecisionState, card: CardRef) -> None:
        if "activity_id" not in card.ref:
            return  # skipped: no Teams identity
        where = ConversationRef.model_validate(card.ref)
        drawn = (
            await self._shared_card(state, where)
            if card.recipient is None
            else await self._personal_card(state, where, card.recipient)
        )
        await self._connector.update(
            where.service_url,
            where.conversation_id,
            card.ref["activity_id"],
            card_activity(state, drawn),
        )

    async def notify(
        self,
        state: DecisionState,
        target: ChannelTarget,
        notice: Notice,
        cards: Sequence[CardRef] = (),
    ) -> None:
        heading = NOTICE_HEADINGS.get(notice.kind, notice.kind)
        about = f"**{state.request.title}** ({state.decision_id})"
        if not notice.recipients:
            if target.destination:
                where = await self._shared_conversation(target.destination)
                text = f"{heading}: {notice.text}\n\n{about}"
                await self._connector.send(where.service_url, where.conversation_id, _message(text))
            return
        for principal, aad, card in notice_routes(self._directory, self.kind, notice, cards):
            person = self._directory.get(principal)
            name = html.escape(person.name if person else principal)
            text = f"<at>{name}</at> {heading}: {notice.text}"
            mention = {
                "type": "mention",
                "text": f"<at>{name}</at>",
                "mentioned": {"id": aad, "name": name},
            }
            if card is None:
                where = await self._personal_conversation(aad, target)
                await self._connector.send(
                    where.service_url,
                    where.conversation_id,
                    _message(f"{text}\n\n{about}", [mention]),
                )
            else:
                where = ConversationRef.model_validate(card.ref)
                await self._connector.reply(
                    where.service_url,
                    where.conversation_id,
                    card.ref["activity_id"],
                    _message(text, [mention]),
                )

    async def close(self) -> None:
        await self._connector.close()
        if self._owned is not None:
            await self._owned.close()

    async def _shared_card(self, state: DecisionState, where: ConversationRef) -> dict[str, Any]:
        mris = await self._mris(refresh_candidates(state), where)
        return shared_card(state, self._directory, mris)

    async def _personal_card(
        self, state: DecisionState, where: ConversationRef, recipient: str
    ) -> dict[str, Any]:
        mri = (await self._mris([recipient], where)).get(recipient)
        return personal_card(state, self._directory, recipient, viewer_mri=mri)

    async def _mris(self, principals: Sequence[str], where: ConversationRef) -> dict[str, str]:
        """principal -> Teams user MRI: as learned before, else from the roster of the
        conversation the card goes to (and kept). Someone the roster does not know is
        left out: their card is not refreshed, and Teams offers them Refresh by hand."""
        found = await mris_of(self._conversations, self._directory, principals)
        for principal in principals:
            aad = teams_id(self._directory, principal)
            if principal in found or aad is None:
                continue
            try:
                account = await self._connector.member(
                    where.service_url, where.conversation_id, aad
                )
            except (ConnectorError, aiohttp.ClientError, TimeoutError) as err:
                log.info("no Teams user id for %s in %s: %s", principal, where.conversation_id, err)
                continue
            member = Member.of(account)
            if member is not None and member.aad_object_id == aad:
                await self._conversations.save_conversation(
                    CHANNEL, member_key(aad), member.model_dump()
                )
                found[principal] = member.mri
        return found

    async def _shared_conversation(self, conversation_id: str) -> ConversationRef:
        """A channel or group chat: its captured reference, else the configured service
        URL (posting into a channel needs only its id)."""
        stored = await self._conversations.conversation(CHANNEL, conversation_key(conversation_id))
        if stored is not None:
            return ConversationRef.model_validate(stored)
        return ConversationRef(
            service_url=self._settings.base_url,
            conversation_id=conversation_id,
            conversation_type="channel",
            tenant_id=self._settings.tenant_id,
        )

    async def _personal_conversation(self, aad: str, target: ChannelTarget) -> ConversationRef:
        """The person's chat with the bot, opened through the connector if no install
        was captured; remembered either way. Teams needs the tenant to open one: the
        configured tenant, else that of the policy's channel as captured, whose service
        URL (Teams' region for that tenant) is used too."""
        key = user_key(aad)
        stored = await self._conversations.conversation(CHANNEL, key)
        if stored is not None:
            return ConversationRef.model_validate(stored)
        settings = self._settings
        anchor = await self._shared_conversation(target.destination) if target.destination else None
        tenant = settings.tenant_id or (anchor.tenant_id if anchor else None)
        service_url = anchor.service_url if anchor else settings.base_url
        parameters: dict[str, Any] = {
            "isGroup": False,
            "bot": {"id": f"28:{settings.app_id}" if settings.app_id else "signoff"},
            "members": [{"id": aad}],
            "tenantId": tenant,
            "channelData": {"tenant": {"id": tenant}},
        }
        conversation_id = await self._connector.create_conversation(service_url, parameters)
        where = ConversationRef(
            service_url=service_url,
            conversation_id=conversation_id,
            conversation_type="personal",
            tenant_id=tenant,
        )
        await self._conversations.save_conversation(CHANNEL, key, where.model_dump())
        return where


def _message(text: str, entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    activity: dict[str, Any] = {"type": "message", "textFormat": "markdown", "text": text}
    if entities:
        activity["entities"] = entities
    return activity
