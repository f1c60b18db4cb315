"""Answering the person behind a Slack request, from a listener that must never raise.

A listener runs as a task once Bolt has its ``ack()``; one that raises makes Bolt drop
the ack already given, and Slack shows the person an error after 3 s (a 404 from the
bot). So every listener is wrapped by :func:`answering`: a failure nobody foresaw is
logged once, acked if it was not yet, and told to the person in one sentence, and a
reply that cannot be delivered is logged rather than raised.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from signoff.bots.slack.payloads import channel_of, who
from signoff.core import messages as shared

__all__ = ["Listener", "answering", "tell"]

log = logging.getLogger(__name__)

Listener = Callable[[AsyncAck, dict[str, Any], AsyncWebClient, AsyncRespond], Awaitable[None]]


async def tell(
    client: AsyncWebClient,
    respond: AsyncRespond | None,
    *,
    user: str | None,
    channel: str | None,
    text: str | None,
) -> None:
    """Show ``text`` to ``user`` alone: ephemerally where they clicked, else in a direct
    message; when Slack did not say who they are, through the request's ``response_url``
    (an ephemeral reply only the clicker sees). Never raises."""
    if not text:
        return
    try:
        if user and channel:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
        elif user:
            await client.chat_postMessage(channel=user, text=text)
        elif respond is not None and respond.response_url:
            await respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            log.warning("A Slack request named nobody to answer; not told: %s", text)
    except Exception as err:  # Slack refused or was unreachable: the answer is lost, not the bot
        log.warning("Could not answer %s in Slack (%s): %s", user or "a person", err, text)


def answering(listener: Listener) -> Listener:
    """``listener``, made to answer the person instead of raising (see the module)."""

    async def run(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        try:
            await listener(ack, body, client, respond)
        except Exception:
            log.exception("The Slack listener %s failed", listener.__name__)
            if ack.response is None:
                await ack()
            where = {"user": who(body), "channel": channel_of(body)}
            await tell(client, respond, **where, text=shared.ACTION_FAILED)

    run.__name__ = listener.__name__
    return run
