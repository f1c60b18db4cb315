"""The Slack bot's inbound half: a slack-bolt ``AsyncApp`` that turns clicks, modal
submissions and ``/signoff`` into actions on decision workflows.

Why it is built this way: ``docs/design-notes.md``, "The Slack bot: inbound".
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from signoff.adapters.slack import SlackSettings, make_client
from signoff.bots.slack import handlers
from signoff.bots.slack import slack_messages as messages
from signoff.bots.slack.handlers import Click, Submission
from signoff.bots.slack.modals import DELEGATE, MODAL_KINDS, MODAL_OPENERS
from signoff.client.signoff_client import SignoffClient
from signoff.core.errors import DecisionNotFound
from signoff.core.models import Directory

__all__ = ["build_app"]

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

    async def principal_of(body: dict[str, Any], client: AsyncWebClient) -> str | None:
        """Who clicked, called after ``ack()``: the e-mail fallback is a Web API call,
        which must not hold up Slack's 3 s."""
        user = (body.get("user") or {}).get("id") or body.get("user_id")
        return await handlers.find_principal(directory, user, client) if user else None

    @app.action(DIRECT_BUTTONS)
    async def on_button(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        button = Click.of(body)
        principal = await principal_of(body, client)
        if principal is None:
            reply: str | None = messages.NOT_LINKED
        else:
            reply = await handlers.click(signoff, principal, button)
        await _tell(client, button.channel, button.user, reply)

    @app.action(MODAL_BUTTONS)
    async def on_modal_button(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        button = Click.of(body)
        if button.name != "view_full" and await principal_of(body, client) is None:
            await _tell(client, button.channel, button.user, messages.NOT_LINKED)
            return
        try:
            view = await handlers.modal_for(signoff, button)
        except DecisionNotFound:
            text = messages.NOT_FOUND.format(decision_id=button.decision_id)
            await _tell(client, button.channel, button.user, text)
            return
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(MODAL_CALLBACKS)
    async def on_submission(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        submission = Submission.of(body)
        errors = handlers.submission_errors(submission)
        delegate_to = None
        if not errors and submission.context.kind == "delegate":
            delegate_to, error = await handlers.delegate_target(directory, submission, client)
            errors = {DELEGATE[0]: error} if error else {}
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        principal = await principal_of(body, client)
        if principal is None:
            reply: str | None = messages.NOT_LINKED
        else:
            reply = await handlers.submit(signoff, principal, submission, delegate_to)
        await _tell(client, submission.context.channel, submission.user, reply)

    @app.command("/signoff")
    async def on_command(
        ack: Any, command: dict[str, Any], client: AsyncWebClient, respond: Any
    ) -> None:
        await ack()
        principal = await principal_of(command, client)
        if principal is None:
            text = messages.NOT_LINKED
        else:
            text = await handlers.slash_command(signoff, principal, command.get("text", ""))
        await respond(text=text, response_type="ephemeral")

    return app


async def _tell(client: AsyncWebClient, channel: str | None, user: str, text: str | None) -> None:
    """Show ``text`` to ``user`` alone: ephemeral where they clicked, else a DM."""
    if not text:
        return
    if channel:
        await client.chat_postEphemeral(channel=channel, user=user, text=text)
    else:
        await client.chat_postMessage(channel=user, text=text)
