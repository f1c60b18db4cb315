"""Approval cards in Slack: the shared card in the policy's channel, direct messages to
approvers, redraws with ``chat.update``, and notices as direct messages.

Why it is built this way: ``docs/design-notes.md``, "The Slack bot: cards and notices".
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, NamedTuple

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from signoff.bots.slack.blocks import approval_blocks
from signoff.core.card_view import CardView, card_view
from signoff.core.channel_protocol import CardRef, Notice, card_beside
from signoff.core.messages import NOTICE_HEADINGS
from signoff.core.models import ChannelTarget, DecisionState, Directory

__all__ = ["SlackChannel"]

log = logging.getLogger(__name__)

NO_IDENTITY = "no slack identity"
NOT_IN_SLACK = "no slack user with this e-mail"


class _Unreachable(NamedTuple):
    """Why a person has no Slack user id: what their skipped card records, and the log line."""

    skipped: str
    why: str


class SlackChannel:
    """The Slack side of the channel protocol.

    People are reached by their Slack user id in the directory, else by the e-mail the
    directory holds for them, which Slack resolves (``users.lookupByEmail``, scope
    ``users:read.email``): the README lets operators link people either way.

    Args:
        client: A Web API client, e.g. from :func:`signoff.adapters.slack.client.make_client`.
        directory: Maps principals to Slack user ids (``identities["slack"]``) or e-mails.
    """

    kind = "slack"

    def __init__(self, client: AsyncWebClient, directory: Directory) -> None:
        self._client = client
        self._directory = directory
        self._dm_channels: dict[str, str] = {}
        # e-mail -> Slack user id, as Slack answered; a user id does not change, so the
        # answer is kept. An unknown e-mail is asked again next time: the person may
        # have joined the workspace since.
        self._ids_by_email: dict[str, str] = {}

    async def post(
        self, state: DecisionState, target: ChannelTarget, recipient: str | None
    ) -> CardRef:
        if recipient is None:
            if not target.destination:
                raise ValueError(
                    "a shared Slack card needs the policy channel's destination "
                    "(a Slack channel id such as C0123456789)"
                )
            channel_id = target.destination
        else:
            user_id = await self._slack_id(recipient)
            if isinstance(user_id, _Unreachable):
                log.warning("%s; no direct message for %s", user_id.why, state.decision_id)
                ref = {"skipped": user_id.skipped}
                return CardRef(channel=self.kind, recipient=recipient, ref=ref)
            channel_id = await self._open_dm(user_id)
        view = card_view(state)
        response = await self._client.chat_postMessage(
            channel=channel_id, text=_fallback(view), blocks=approval_blocks(view)
        )
        # Slack answers with the conversation's id, which for a DM may differ from ours.
        ref = {"channel": response.get("channel") or channel_id, "ts": response["ts"]}
        return CardRef(channel=self.kind, recipient=recipient, ref=ref)

    async def redraw(self, state: DecisionState, card: CardRef) -> None:
        channel_id, ts = card.ref.get("channel"), card.ref.get("ts")
        if not channel_id or not ts:
            return  # a skipped card (no Slack identity) or one from elsewhere
        view = card_view(state)
        await self._client.chat_update(
            channel=channel_id, ts=ts, text=_fallback(view), blocks=approval_blocks(view)
        )

    async def notify(
        self,
        state: DecisionState,
        target: ChannelTarget,
        notice: Notice,
        cards: Sequence[CardRef] = (),
    ) -> None:
        heading = NOTICE_HEADINGS.get(notice.kind, notice.kind)
        about = f"*{state.request.title}* (`{state.decision_id}`)"
        if not notice.recipients:
            if target.destination:
                text = f"{heading}: {notice.text}\n{about}"
                await self._client.chat_postMessage(channel=target.destination, text=text)
            return
        for principal in notice.recipients:
            user_id = await self._slack_id(principal)
            if isinstance(user_id, _Unreachable):
                log.warning("%s; %s notice not sent", user_id.why, notice.kind)
                continue
            text = f"<@{user_id}> {heading}: {notice.text}"
            card = card_beside(principal, cards)
            if card is None:
                channel_id = await self._open_dm(user_id)
                await self._client.chat_postMessage(channel=channel_id, text=f"{text}\n{about}")
            else:
                channel_id, ts = card.ref["channel"], card.ref["ts"]
                await self._client.chat_postMessage(channel=channel_id, thread_ts=ts, text=text)

    async def _slack_id(self, principal: str) -> str | _Unreachable:
        """The principal's Slack user id, or why there is none.

        Raises:
            SlackApiError: Slack failed otherwise than by not knowing the e-mail, so the
                activity is retried.
        """
        person = self._directory.get(principal)
        if person is not None and (user_id := person.identities.get(self.kind)):
            return user_id
        if person is None or not person.email:
            why = f"{principal} has no Slack identity in the directory"
            return _Unreachable(NO_IDENTITY, why)
        email = person.email.lower()
        if email not in self._ids_by_email:
            try:
                response = await self._client.users_lookupByEmail(email=person.email)
            except SlackApiError as err:
                if err.response.get("error") != "users_not_found":
                    raise
                why = (
                    f"Slack knows no member with the e-mail the directory has for {principal}"
                    " (users.lookupByEmail: users_not_found)"
                )
                return _Unreachable(NOT_IN_SLACK, why)
            self._ids_by_email[email] = response["user"]["id"]
        return self._ids_by_email[email]

    async def _open_dm(self, user_id: str) -> str:
        """The DM conversation with a user; Slack returns the same one every time."""
        if user_id not in self._dm_channels:
            response = await self._client.conversations_open(users=user_id)
            channel: dict[str, Any] = response["channel"]
            self._dm_channels[user_id] = channel["id"]
        return self._dm_channels[user_id]


def _fallback(view: CardView) -> str:
    """The notification and screen-reader text: the title and the status."""
    return f"{view.title} — {view.status_words}"
