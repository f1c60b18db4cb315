"""The real Bolt app over Socket Mode: envelopes pushed down a real WebSocket by the local
Slack stand-in, acked by the app, acted on by a real Signoff worker on the Temporal dev
server. The app has no signing secret: Slack authenticates the socket, not each envelope."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import aiohttp
import pytest
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from signoff import SignoffClient
from signoff.adapters.slack import SlackSettings
from signoff.bots.slack.app import build_app
from signoff.bots.slack.server import EVENTS_PATH, web_app
from signoff.bots.slack.socket_mode import SocketModeRefused, serve_socket_mode, socket_mode
from signoff.core import messages as shared
from signoff.core.models import Status
from tests.conftest import Harness
from tests.helpers.decisions import DIRECTORY, final_state, submit, votes
from tests.helpers.serving import serve
from tests.helpers.slack_api import APP_TOKEN, TOKEN, SlackApi
from tests.helpers.slack_requests import click, signed_headers, slash_command, submission
from tests.helpers.waiting import eventually


@pytest.fixture
def slack(api: SlackApi) -> SlackSettings:
    return SlackSettings(
        bot_token=TOKEN, signing_secret=None, app_token=APP_TOKEN, api_base_url=api.base_url
    )


@pytest.fixture
async def connected(live: Harness, api: SlackApi, slack: SlackSettings) -> AsyncIterator[SlackApi]:
    """The stand-in, with the bot connected to it over Socket Mode."""
    app = build_app(
        client=live.vouching_as("slack"), directory=DIRECTORY, settings=slack, socket_mode=True
    )
    async with socket_mode(app, slack):
        yield api


def interactive(form: str) -> dict[str, Any]:
    """An interactive payload as a Socket Mode envelope carries it: the JSON that HTTP
    mode receives in the ``payload`` form field."""
    return json.loads(parse_qs(form)["payload"][0])


def idle_app(env: WorkflowEnvironment, settings: SlackSettings, **kwargs: Any) -> Any:
    """An app for specs that never reach a workflow."""
    signoff = SignoffClient(env.client, task_queue="unused")
    return build_app(client=signoff, directory=DIRECTORY, settings=settings, **kwargs)


async def test_an_approve_click_over_socket_mode_approves_and_is_acknowledged(
    live: Harness, connected: SlackApi
) -> None:
    decision_id = await submit(live)

    ack = await connected.socket_send("interactive", interactive(click(decision_id, "approve")))

    assert set(ack) == {"envelope_id"}
    state = await final_state(live, decision_id)
    assert state.status is Status.APPROVED
    assert [(v.actor, v.verdict) for v in votes(state)] == [("alice", "approve")]
    assert not connected.calls_to("chat.postEphemeral")


async def test_reject_over_socket_mode_shows_modal_errors_in_the_ack_then_rejects(
    live: Harness, connected: SlackApi
) -> None:
    decision_id = await submit(live)
    await connected.socket_send("interactive", interactive(click(decision_id, "reject")))
    (opened,) = await eventually(lambda: _calls(connected, "views.open"))
    view = opened.args["view"]

    empty = interactive(submission(view, {"reason": {"value": {"value": ""}}}))
    refused = await connected.socket_send("interactive", empty, accepts_response_payload=True)

    errors = {"reason": shared.REQUIRED}
    assert refused["payload"] == {"response_action": "errors", "errors": errors}
    assert (await live.signoff.state(decision_id)).status is Status.PENDING

    reason = {"reason": {"value": {"type": "plain_text_input", "value": "Wrong amount"}}}
    await connected.socket_send(
        "interactive", interactive(submission(view, reason)), accepts_response_payload=True
    )

    state = await final_state(live, decision_id)
    assert state.status is Status.REJECTED
    assert [(v.actor, v.reason) for v in votes(state)] == [("alice", "Wrong amount")]


async def test_slash_command_over_socket_mode_answers_ephemerally(
    live: Harness, connected: SlackApi
) -> None:
    decision_id = await submit(live)
    command = slash_command(f"show {decision_id}", response_url=connected.response_url("show"))

    ack = await connected.socket_send("slash_commands", command, accepts_response_payload=True)

    assert set(ack) == {"envelope_id"}
    (answer,) = await eventually(lambda: _responses(connected, "show"))
    assert answer["response_type"] == "ephemeral"
    assert decision_id in answer["text"]


@pytest.mark.parametrize(
    ("app_token", "error"),
    [("xapp-1-A1-revoked", "invalid_auth"), (TOKEN, "not_allowed_token_type")],
    ids=["wrong app token", "bot token instead"],
)
async def test_an_app_level_token_slack_refuses_is_reported_clearly(
    dev_env: WorkflowEnvironment, api: SlackApi, slack: SlackSettings, app_token: str, error: str
) -> None:
    settings = slack.model_copy(update={"app_token": SecretStr(app_token)})
    app = idle_app(dev_env, settings, socket_mode=True)

    with pytest.raises(SocketModeRefused, match=error) as refused:
        async with asyncio.timeout(5), socket_mode(app, settings):
            pass

    assert "SIGNOFF_SLACK_APP_TOKEN" in str(refused.value)
    assert app_token not in str(refused.value)
    assert api.open_sockets == 0


async def test_socket_mode_without_an_app_token_is_refused_before_connecting(
    dev_env: WorkflowEnvironment, api: SlackApi, slack: SlackSettings
) -> None:
    settings = slack.model_copy(update={"app_token": None})
    app = idle_app(dev_env, settings, socket_mode=True)

    with pytest.raises(ValueError, match="SIGNOFF_SLACK_APP_TOKEN"):
        async with socket_mode(app, settings):
            pass

    assert api.calls == []


async def test_stopping_the_bot_closes_the_connection(
    dev_env: WorkflowEnvironment, api: SlackApi, slack: SlackSettings
) -> None:
    stop = asyncio.Event()
    serving = asyncio.create_task(
        serve_socket_mode(idle_app(dev_env, slack, socket_mode=True), slack, stop=stop)
    )
    await eventually(lambda: _open_sockets(api))
    assert len(api.calls_to("apps.connections.open")) == 1

    stop.set()
    await asyncio.wait_for(serving, 5)

    assert await eventually(lambda: _all_closed(api))
    with pytest.raises(TimeoutError):
        await api.socket_send("events_api", {"type": "event_callback"}, timeout=0.3)


async def test_http_mode_still_needs_a_signing_secret(
    dev_env: WorkflowEnvironment, slack: SlackSettings
) -> None:
    with pytest.raises(ValueError, match="SIGNOFF_SLACK_SIGNING_SECRET"):
        idle_app(dev_env, slack)


async def test_a_socket_mode_app_refuses_http_requests(
    dev_env: WorkflowEnvironment, slack: SlackSettings
) -> None:
    """Without a configured signing secret, no one holds the one the app checks against."""
    unknown_secret = secrets.token_urlsafe(32)  # as the Socket Mode app holds: nobody's
    runner, port = await serve(web_app(idle_app(dev_env, slack, socket_mode=True), unknown_secret))
    url = f"http://127.0.0.1:{port}{EVENTS_PATH}"
    body = click("any-decision", "approve")
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=body, headers=signed_headers(body)) as response,
        ):
            assert response.status == 401
    finally:
        await runner.cleanup()


async def _calls(api: SlackApi, method: str) -> list[Any]:
    return api.calls_to(method)


async def _responses(api: SlackApi, name: str) -> list[dict[str, Any]]:
    return api.responses.get(name, [])


async def _open_sockets(api: SlackApi) -> int:
    return api.open_sockets


async def _all_closed(api: SlackApi) -> bool:
    return api.open_sockets == 0
