"""What Slack sends the Signoff bot: signed HTTP requests carrying a button click, a modal
submission or a slash command, built as Slack builds them; and the bot to send them to."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from signoff import SignoffClient
from signoff.adapters.slack import SlackSettings
from signoff.bots.slack.app import build_app
from signoff.bots.slack.server import EVENTS_PATH, web_app
from tests.helpers.decisions import DIRECTORY
from tests.helpers.serving import serve
from tests.helpers.slack_api import TOKEN, SlackApi

__all__ = [
    "SECRET",
    "Bot",
    "click",
    "click_payload",
    "interactive",
    "signed_headers",
    "slack_bot",
    "slack_settings",
    "slash_command",
    "submission",
]

SECRET = "test-signing-secret"


def slack_settings(api: SlackApi) -> SlackSettings:
    """A bot token and signing secret, with the Web API at the stand-in ``api``."""
    return SlackSettings(bot_token=TOKEN, signing_secret=SECRET, api_base_url=api.base_url)


def signed_headers(
    body: str, *, secret: str = SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """The headers that make ``body`` a request from Slack, signed with ``secret``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body),
    }


class Bot:
    """The bot's HTTP endpoint, and a way to send it what Slack would."""

    def __init__(self, url: str, api: SlackApi, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.api = api
        self.session = session

    async def send(
        self, body: str, *, secret: str = SECRET, timestamp: int | None = None
    ) -> aiohttp.ClientResponse:
        headers = signed_headers(body, secret=secret, timestamp=timestamp)
        async with self.session.post(self.url, data=body, headers=headers) as response:
            await response.read()
            return response


@asynccontextmanager
async def slack_bot(signoff: SignoffClient, api: SlackApi) -> AsyncIterator[Bot]:
    """The real Bolt app over HTTP, acting through ``signoff`` and calling ``api``."""
    app = build_app(client=signoff, directory=DIRECTORY, settings=slack_settings(api))
    runner, port = await serve(web_app(app, SECRET))
    try:
        async with aiohttp.ClientSession() as session:
            yield Bot(f"http://127.0.0.1:{port}{EVENTS_PATH}", api, session)
    finally:
        await runner.cleanup()


def click(
    decision_id: str,
    button: str,
    user: str = "UALICE",
    stage: int = 0,
    *,
    response_url: str | None = None,
) -> str:
    """A block_actions payload as Slack posts it, form-encoded."""
    return interactive(click_payload(decision_id, button, user, stage, response_url=response_url))


def interactive(payload: object) -> str:
    """An interactivity payload (click, modal submission...) form-encoded as Slack posts it."""
    return urlencode({"payload": json.dumps(payload)})


def click_payload(
    decision_id: str,
    button: str,
    user: str = "UALICE",
    stage: int = 0,
    *,
    response_url: str | None = None,
) -> dict[str, Any]:
    """What :func:`click` posts, as the JSON object in its ``payload`` field."""
    return {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "acme"},
        "user": {"id": user, "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": f"trigger-{uuid.uuid4().hex[:8]}",
        "container": {"type": "message", "message_ts": "1700000001.000001", "channel_id": "C1"},
        "channel": {"id": "C1", "name": "refunds"},
        "actions": [
            {
                "type": "button",
                "action_id": f"signoff:{button}",
                "block_id": "actions",
                "value": json.dumps({"d": decision_id, "s": stage}),
                "action_ts": f"{time.time():.6f}",
            }
        ],
        # Slack sends one with every click on a message; tests give the stand-in's.
        **({"response_url": response_url} if response_url else {}),
    }


def submission(view: dict[str, Any], values: dict[str, Any], user: str = "UALICE") -> str:
    """A view_submission payload for the modal ``view``, form-encoded."""
    payload = {
        "type": "view_submission",
        "team": {"id": "T1", "domain": "acme"},
        "user": {"id": user, "team_id": "T1"},
        "api_app_id": "A1",
        "view": {
            **view,
            "id": f"V{uuid.uuid4().hex[:8]}",
            "hash": "h1",
            "state": {"values": values},
        },
    }
    return interactive(payload)


def slash_command(
    text: str, *, response_url: str, user: str = "UALICE", trigger_id: str = "t1"
) -> dict[str, str]:
    """``/signoff <text>`` typed by ``user``: the fields Slack sends (form-encode them for
    HTTP; Socket Mode carries them as they are)."""
    return {
        "team_id": "T1",
        "user_id": user,
        "command": "/signoff",
        "text": text,
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
