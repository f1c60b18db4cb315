"""Who may post to the Teams bot: only the Bot Framework, proven by a token signed with a
key it publishes. The keys come from the connector stand-in's OpenID metadata, fetched
without holding up the bot's other requests, and not fetched again for every forged
key id."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
import pytest
from botbuilder.core import ActivityHandler

from signoff.adapters.teams import TeamsSettings
from signoff.bots.teams.server import MESSAGES_PATH, make_adapter, web_app
from tests.helpers.bot_connector import BotConnector
from tests.helpers.bot_tokens import APP_ID, StandInCredentials
from tests.helpers.serving import serve


@dataclass
class Endpoint:
    """The bot's endpoint with a bot that only records what reaches it."""

    connector: BotConnector
    url: str
    session: aiohttp.ClientSession
    received: list[Any]

    def activity(self, **fields: Any) -> dict[str, Any]:
        return {
            "type": "message",
            "id": "1",
            "text": "hello",
            "channelId": "msteams",
            "serviceUrl": self.connector.service_url,
            "from": {"id": "29:x", "aadObjectId": "aad-alice"},
            "recipient": {"id": "28:bot"},
            "conversation": {"id": "a:1", "conversationType": "personal"},
            **fields,
        }

    async def post(self, token: str | None, activity: dict[str, Any] | None = None) -> int:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        body = activity or self.activity()
        async with self.session.post(self.url, json=body, headers=headers) as response:
            return response.status


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    received: list[Any] = []

    class Recorder(ActivityHandler):
        async def on_turn(self, turn_context: Any) -> None:
            received.append(turn_context.activity)

    async with BotConnector() as connector, aiohttp.ClientSession() as session:
        config = TeamsSettings(
            app_id=APP_ID, app_password="pw", openid_metadata_url=connector.openid_metadata_url
        )
        adapter = make_adapter(config, credentials_factory=StandInCredentials())
        runner, port = await serve(web_app(adapter, Recorder()))
        try:
            yield Endpoint(connector, f"http://127.0.0.1:{port}{MESSAGES_PATH}", session, received)
        finally:
            await runner.cleanup()


async def test_a_token_the_bot_framework_signed_for_this_bot_lets_the_activity_in(
    endpoint: Endpoint,
) -> None:
    token = endpoint.connector.keys.token(endpoint.connector.service_url)

    assert await endpoint.post(token) == 201
    assert [a.text for a in endpoint.received] == ["hello"]


def _forged(connector: BotConnector) -> dict[str, str | None]:
    """Tokens a forger might send, each wrong in one way only."""
    keys, url = connector.keys, connector.service_url
    now = int(time.time())
    modulus = keys.jwks()["keys"][0]["n"]
    return {
        "no token": None,
        "not a JWT": "not-a-token",
        "expired": keys.token(url, exp=now - 3600, nbf=now - 7200),
        "for another bot": keys.token(url, aud="another-bot"),
        "from another issuer": keys.token(url, iss="https://sts.windows.net/attacker/"),
        "without an issuer": keys.token(url, iss=None),
        "for another service url": keys.token("https://attacker.example/"),
        "without an expiry": keys.token(url, exp=None),
        "signed with an unpublished key id": keys.token(url, headers={"kid": "nobody"}),
        "without a key id": keys.token(url, headers={"kid": None}),
        "alg none": jwt.encode(
            {"iss": "https://api.botframework.com", "aud": APP_ID}, None, "none"
        ),
        "HS256 under the published key id": jwt.encode(
            {"iss": "https://api.botframework.com", "aud": APP_ID, "serviceurl": url},
            modulus,
            algorithm="HS256",
            headers={"kid": keys.kid},
        ),
    }


async def test_each_forged_token_is_refused_with_401_and_reaches_no_bot(
    endpoint: Endpoint,
) -> None:
    statuses = {
        name: await endpoint.post(token) for name, token in _forged(endpoint.connector).items()
    }

    assert statuses == dict.fromkeys(statuses, 401)
    assert endpoint.received == []


async def test_a_valid_token_for_a_channel_its_key_is_not_endorsed_for_is_refused(
    endpoint: Endpoint,
) -> None:
    token = endpoint.connector.keys.token(endpoint.connector.service_url)

    assert await endpoint.post(token, endpoint.activity(channelId="slack")) == 401
    assert endpoint.received == []


async def test_many_requests_with_unknown_key_ids_fetch_the_keys_once(endpoint: Endpoint) -> None:
    connector = endpoint.connector
    forged = [
        connector.keys.token(connector.service_url, headers={"kid": f"forged-{n}"})
        for n in range(60)
    ]

    first = await asyncio.gather(*(endpoint.post(token) for token in forged[:30]))
    then = await asyncio.gather(*(endpoint.post(token) for token in forged[30:]))

    assert set(first) | set(then) == {401}
    assert connector.key_fetches == 1
    assert await endpoint.post(connector.keys.token(connector.service_url)) == 201


async def test_while_the_key_endpoint_stalls_the_bot_answers_other_requests(
    endpoint: Endpoint,
) -> None:
    connector = endpoint.connector
    connector.keys_stalled.set()
    waiting = asyncio.ensure_future(endpoint.post(connector.keys.token(connector.service_url)))
    while connector.key_fetches == 0:
        await asyncio.sleep(0.01)

    started = time.monotonic()
    async with endpoint.session.get(endpoint.url.replace(MESSAGES_PATH, "/healthz")) as health:
        assert health.status == 200
    assert await endpoint.post(None) == 401
    answered_within = time.monotonic() - started
    assert not waiting.done()

    connector.keys_stalled.clear()
    assert await waiting == 201
    assert answered_within < 1.0


async def test_an_unreachable_key_endpoint_refuses_with_401_without_hanging(
    endpoint: Endpoint,
) -> None:
    endpoint.connector.keys_down = True
    token = endpoint.connector.keys.token(endpoint.connector.service_url)

    started = time.monotonic()
    statuses = [await endpoint.post(token) for _ in range(5)]

    assert statuses == [401] * 5
    assert time.monotonic() - started < 5
    assert endpoint.received == []
