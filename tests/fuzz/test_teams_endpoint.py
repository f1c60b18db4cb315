"""``POST /api/messages`` under generated input: activities and invokes of every shape
(messages, ``adaptiveCard/action`` with ``Action.Execute`` data, conversation updates,
wrong types, missing fields, bodies that are not activities) with tokens valid and not
(expired, another audience or issuer, ``alg: none``, an unknown key id, garbage).

Whatever arrives: never a 5xx, never a traceback; a refused request leaves no row in
the store, no generated request moves the pending decision (its Temporal history is
unchanged), and a real click still decides it afterwards. The bot runs with an app id
against a real worker on the Temporal dev server, keys from the connector stand-in.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from signoff import SignoffPlugin
from signoff.adapters.store import Store
from signoff.adapters.store.tables import ConversationRow
from signoff.adapters.teams import TeamsConnector, TeamsSettings, token_source
from signoff.bots.teams.bot import SignoffTeamsBot
from signoff.bots.teams.channel import TeamsChannel
from signoff.bots.teams.execute import VERBS
from signoff.bots.teams.server import MESSAGES_PATH, make_adapter, web_app
from signoff.core.contract import workflow_id_for
from signoff.core.models import Status
from signoff.core.settings import Settings
from tests.conftest import Harness, make_request
from tests.helpers.bot_connector import BotConnector
from tests.helpers.bot_tokens import APP_ID, StandInCredentials
from tests.helpers.decisions import DIRECTORY, final_state
from tests.helpers.serving import serve
from tests.helpers.teams_requests import (
    Teams,
    forget_conversations,
    posted_cards,
    teams_settings,
)

REFUSED = {400, 401, 415}


@dataclass
class Target:
    teams: Teams  # the endpoint, with an app id; its ``activity``/``execute`` shapes
    decision_id: str
    loop: asyncio.AbstractEventLoop
    errors: list[logging.LogRecord] = field(default_factory=list)
    sent: int = 0

    def run(self, coro: Any) -> Any:
        """Run ``coro`` on the test's loop from Hypothesis' thread."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def token(self, kind: str) -> str | None:
        keys, url = self.teams.connector.keys, self.teams.connector.service_url
        now = int(time.time())
        tokens: dict[str, str | None] = {
            "valid": keys.token(url),
            "none": None,
            "expired": keys.token(url, exp=now - 3600, nbf=now - 7200),
            "audience": keys.token(url, aud="another-bot"),
            "issuer": keys.token(url, iss="https://login.microsoftonline.com/x/v2.0"),
            "kid": keys.token(url, headers={"kid": f"forged-{now}"}),
            "service url": keys.token("https://elsewhere.example/"),
            "alg none": "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJhdWQiOiIxIn0.",
        }
        return tokens.get(kind, kind)  # anything else: the garbage itself

    async def post(self, token: str | None, body: bytes, content_type: str) -> tuple[int, str]:
        headers = {"Content-Type": content_type}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        async with self.teams.session.post(self.teams.url, data=body, headers=headers) as answer:
            return answer.status, await answer.text()

    async def rows(self) -> int:
        async with self.teams.store.engine.connect() as conn:
            return (
                await conn.execute(select(func.count()).select_from(ConversationRow))
            ).scalar_one()

    async def history(self) -> int:
        handle = self.teams.harness.client.get_workflow_handle(workflow_id_for(self.decision_id))
        return len((await handle.fetch_history()).events)


class _Errors(logging.Handler):
    def __init__(self, sink: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record)


@pytest.fixture
async def target(
    dev_env: WorkflowEnvironment, settings: Settings, store: Store
) -> AsyncIterator[Target]:
    harness = Harness(dev_env.client, settings)
    await forget_conversations(store)
    async with BotConnector() as connector, aiohttp.ClientSession() as session:
        outbound = teams_settings(connector)
        channel = TeamsChannel(
            TeamsConnector(token_source(outbound), backoff=0.01), DIRECTORY, store, outbound
        )
        plugin = SignoffPlugin(settings=harness.settings, channels={"teams": channel})
        bot = SignoffTeamsBot(harness.vouching_as("teams"), DIRECTORY, store, answer_within=5)
        inbound = TeamsSettings(
            app_id=APP_ID, app_password="pw", openid_metadata_url=connector.openid_metadata_url
        )
        adapter = make_adapter(inbound, credentials_factory=StandInCredentials())
        runner, port = await serve(web_app(adapter, bot))
        url = f"http://127.0.0.1:{port}{MESSAGES_PATH}"
        async with Worker(dev_env.client, task_queue=harness.task_queue, plugins=[plugin]):
            teams = Teams(harness, connector, store, url, session)
            request = make_request("teams-leads")
            decision_id = (await harness.signoff.submit(request)).decision_id
            await posted_cards(teams, 3)  # the worker has written what it writes for them
            errors: list[logging.LogRecord] = []
            handler = _Errors(errors)
            logging.getLogger().addHandler(handler)
            try:
                yield Target(teams, decision_id, asyncio.get_running_loop(), errors)
            finally:
                logging.getLogger().removeHandler(handler)
        await runner.cleanup()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
HEADER_SAFE = st.characters(min_codepoint=0x21, max_codepoint=0x7E)  # what HTTP lets through
TOKENS = st.sampled_from(  # valid a quarter of the time, so that many reach the bot
    ["valid"] * 7 + ["none", "expired", "audience", "issuer", "kid", "service url", "alg none"]
) | st.text(HEADER_SAFE, max_size=40)
STRANGERS = st.text(min_size=1, max_size=12).map(lambda s: f"stranger-{s}")  # not in the directory


def _action(decision_id: str) -> st.SearchStrategy[dict[str, Any]]:
    data = st.fixed_dictionaries(
        {"d": st.just(decision_id) | JSON, "s": st.none() | st.integers(-2, 5) | JSON},
        optional={
            "reject.reason": JSON,
            "edit.text": JSON,
            "delegate.to": st.sampled_from(["alice", "bob"]) | JSON,
            "override.verdict": st.sampled_from(["approve", "reject"]) | JSON,
        },
    )
    return st.fixed_dictionaries(
        {"type": st.just("Action.Execute") | JSON, "verb": st.sampled_from(sorted(VERBS)) | JSON},
        optional={"data": data | JSON},
    )


@st.composite
def activities(draw: st.DrawFn, target: Target) -> dict[str, Any]:
    """An activity Teams could send or a forger could make up, at times of the wrong shape."""
    aad = draw(STRANGERS)
    kind = draw(st.sampled_from(["message", "invoke", "conversationUpdate", "other"]))
    if kind == "invoke":
        name = draw(st.sampled_from(["adaptiveCard/action", "message/submitAction"]) | JSON)
        value = draw(
            st.fixed_dictionaries(
                {"action": _action(target.decision_id) | JSON},
                optional={"trigger": st.sampled_from(["manual", "automatic"]) | JSON},
            )
            | st.fixed_dictionaries({"actionName": st.just("feedback"), "actionValue": JSON})
            | JSON
        )
        activity = target.teams.activity(aad, type="invoke", name=name, value=value)
    elif kind == "message":
        text = draw(st.sampled_from(["pending", f"show {target.decision_id}", "help"]) | JSON)
        activity = target.teams.activity(aad, type="message", text=text)
    elif kind == "conversationUpdate":
        added = draw(st.lists(st.fixed_dictionaries({"id": JSON, "aadObjectId": JSON}), max_size=2))
        activity = target.teams.activity(aad, type="conversationUpdate", membersAdded=added)
    else:
        activity = target.teams.activity(aad, type=draw(JSON))
    for key in draw(st.lists(st.sampled_from(sorted(activity)), max_size=3, unique=True)):
        if draw(st.booleans()):
            del activity[key]  # a missing field
        else:
            activity[key] = draw(JSON)  # a field of the wrong type
    return activity


@st.composite
def requests(draw: st.DrawFn, target: Target) -> tuple[str | None, bytes, str]:
    token = target.token(draw(TOKENS))
    shape = draw(st.sampled_from(["activity"] * 6 + ["json", "bytes", "content type"]))
    if shape == "activity":
        return token, json.dumps(draw(activities(target))).encode(), "application/json"
    if shape == "json":
        return token, json.dumps(draw(JSON)).encode(), "application/json"
    if shape == "bytes":
        return token, draw(st.binary(max_size=64)), "application/json"
    return token, b"{}", draw(st.sampled_from(["text/plain", "", "application/xml"]))


async def test_no_generated_request_gets_a_5xx_or_moves_the_decision_and_a_click_still_works(
    target: Target,
) -> None:
    history = await target.history()

    @given(st.data())
    def property_holds(data: st.DataObject) -> None:
        target.errors.clear()
        for _ in range(data.draw(st.integers(1, 6))):
            token, body, content_type = data.draw(requests(target))
            before = target.run(target.rows())
            status, text = target.run(target.post(token, body, content_type))
            target.sent += 1
            assert status < 500, (status, text, body[:300])
            assert "Traceback" not in text
            if status in REFUSED:
                assert target.run(target.rows()) == before, (status, body[:300])
            assert not target.errors, [r.getMessage() for r in target.errors]

    await asyncio.to_thread(property_holds)

    assert await target.history() == history
    assert (await target.teams.harness.signoff.state(target.decision_id)).status is Status.PENDING
    click = target.teams.execute(target.decision_id, "approve")
    status, text = await target.post(
        target.token("valid"), json.dumps(click).encode(), "application/json"
    )
    assert status == 200, text
    assert (await final_state(target.teams.harness, target.decision_id)).status is Status.APPROVED
    print(f"{target.sent} generated requests")
