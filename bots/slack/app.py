"""The Slack bot's inbound half: a slack-bolt ``AsyncApp`` that turns clicks, modal
submissions and ``/signoff`` into actions on decision workflows.

Why it is built this way: ``docs/design-notes.md``, "The Slack bot: inbound".
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from signoff.adapters.slack import SlackSettings, make_client
from signoff.bots.slack import handlers
from signoff.bots.slack import slack_messages as messages
from signoff.bots.slack.modals import DELEGATE, MODAL_KINDS, MODAL_OPENERS, notice
from signoff.bots.slack.payloads import Click, PayloadError, Submission, channel_of, who
from signoff.bots.slack.replies import answering, tell
from signoff.client.signoff_client import SignoffClient
from signoff.core.errors import DecisionNotFound
from signoff.core.models import Directory

__all__ = ["build_app"]

log = logging.getLogger(__name__)

DIRECT_BUTTONS = re.compile(r"^signoff:(approve|escalate|thumb_up|thumb_down)$")
MODAL_BUTTONS = re.compile(rf"^signoff:({'|'.join(MODAL_OPENERS)})$")
MODAL_CALLBACKS = re.compile(rf"^signoff:({'|'.join(MODAL_KINDS)})$")


def build_app(
    *,
    client: SignoffClient,
    directory: Directory,
    settings: SlackSettings,
    web_client: AsyncWebClient | None = None,
    socket_mode: bool = False,
) -> AsyncApp:
    """The Bolt app; serve it with :func:`signoff.bots.slack.server.web_app`, or with
    :func:`signoff.bots.slack.socket_mode.serve_socket_mode` when built with ``socket_mode=True``.

    Raises:
        ValueError: the settings have no signing secret and the app is not for Socket Mode.
    """
    if settings.signing_secret is not None:
        signing_secret = settings.signing_secret.get_secret_value()
    elif socket_mode:
        # Slack authenticates the Socket Mode WebSocket and Bolt skips verification for its
        # envelopes; an unguessable secret keeps any HTTP request to this app refused.
        signing_secret = secrets.token_urlsafe(32)
    else:
        raise ValueError("the Slack bot needs SIGNOFF_SLACK_SIGNING_SECRET to verify requests")
    bot_token = settings.bot_token.get_secret_value()
    signoff = client

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=bot_token)

    app = AsyncApp(
        signing_secret=signing_secret,
        authorize=authorize,
        client=web_client or make_client(settings, with_token=False),
        process_before_response=False,
        request_verification_enabled=True,
    )

    async def principal_of(user: str | None, client: AsyncWebClient) -> str | None:
        """Who the Slack user is here, found after ``ack()``: the e-mail fallback is a
        Web API call, which must not hold up Slack's 3 s."""
        return await handlers.find_principal(directory, user, client) if user else None

    async def read_click(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> Click | None:
        """The click, or None once a click Signoff cannot act on is acked and explained."""
        try:
            return Click.of(body)
        except PayloadError as err:
            await ack()
            await tell(client, respond, user=who(body), channel=channel_of(body), text=str(err))
            return None

    @app.action(DIRECT_BUTTONS)
    @answering
    async def on_button(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        if (button := await read_click(ack, body, client, respond)) is None:
            return
        await ack()
        principal = await principal_of(button.user, client)
        if principal is None:
            reply: str | None = messages.NOT_LINKED
        else:
            reply = await handlers.click(signoff, principal, button)
        await tell(client, respond, user=button.user, channel=button.channel, text=reply)

    @app.action(MODAL_BUTTONS)
    @answering
    async def on_modal_button(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        if (button := await read_click(ack, body, client, respond)) is None:
            return
        await ack()
        where = {"user": button.user, "channel": button.channel}
        if button.name != "view_full" and await principal_of(button.user, client) is None:
            await tell(client, respond, **where, text=messages.NOT_LINKED)
            return
        try:
            view = await handlers.modal_for(signoff, button)
        except DecisionNotFound:
            text = messages.NOT_FOUND.format(decision_id=button.decision_id)
            await tell(client, respond, **where, text=text)
            return
        try:
            await client.views_open(trigger_id=button.trigger_id, view=view)
        except SlackApiError as err:  # e.g. expired_trigger_id: more than 3 s since the click
            log.warning("Slack would not open a modal: %s", err.response.get("error"))
            await tell(client, respond, **where, text=messages.MODAL_NOT_OPENED)

    @app.view(MODAL_CALLBACKS)
    @answering
    async def on_submission(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        try:
            submission = Submission.of(body)
        except PayloadError as err:  # the modal says so in place of the form
            await ack(response_action="update", view=notice(str(err)))
            return
        errors = handlers.submission_errors(submission)
        delegate_to = None
        if not errors and submission.context.kind == "delegate":
            delegate_to, error = await handlers.delegate_target(directory, submission, client)
            errors = {DELEGATE[0]: error} if error else {}
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        principal = await principal_of(submission.user, client)
        if principal is None:
            reply: str | None = messages.NOT_LINKED
        else:
            reply = await handlers.submit(signoff, principal, submission, delegate_to)
        where = {"user": submission.user, "channel": submission.context.channel}
        await tell(client, respond, **where, text=reply)

    @app.command("/signoff")
    @answering
    async def on_command(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        principal = await principal_of(who(body), client)
        if principal is None:
            text = messages.NOT_LINKED
        else:
            words = body.get("text")
            words = words if isinstance(words, str) else ""
            text = await handlers.slash_command(signoff, principal, words)
        # A command is answered through its response_url, which only its typist sees.
        await tell(client, respond, user=None, channel=None, text=text)

    return app
