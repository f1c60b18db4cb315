"""Fuzzing ``POST /slack/events``: whatever arrives, signed or not, the bot never answers
5xx, lets no traceback out, and changes nothing for an invalid input (no Temporal update,
no store row, no form opened); afterwards a valid click still approves.

Inputs are mutations of Slack's documented payloads (clicks on every button, a reject
form's submission, view_closed, slash commands, events incl. url_verification,
shortcuts), form-encoded and JSON, so the mutations reach the listeners, not only
Bolt's front door. A click or submission on the live decision is always broken in a
field it cannot act without (a noise mutation elsewhere may come first), so any state
change is a bug. Hypothesis generates each batch (``@given`` collects; the bot is async
and lives on the test's event loop), then every input goes through the real Bolt app
over the aiohttp test client, against a real worker on the Temporal dev server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import strategies as st

from signoff.adapters.store import Store
from signoff.bots.slack.app import build_app
from signoff.bots.slack.modals import MODAL_OPENERS, ModalContext, modal
from signoff.bots.slack.server import EVENTS_PATH, web_app
from signoff.core.contract import workflow_id_for
from signoff.core.models import Status
from tests.conftest import Harness
from tests.helpers.decisions import DIRECTORY, final_state, submit, votes
from tests.helpers.mutations import DELETE, collect, junk, mutated, not_a_string, paths
from tests.helpers.slack_api import SlackApi
from tests.helpers.slack_requests import (
    SECRET,
    click_payload,
    signed_headers,
    slack_settings,
    slash_command,
)

BUTTONS = ("approve", "escalate", "thumb_up", "thumb_down", *MODAL_OPENERS)
DECISION = "fuzz-decision"  # stands for the live decision's id until it is known
RESPONSE_URL = "http://response-url.invalid/"  # stands for the stand-in's response_url


def reject_submission() -> dict[str, Any]:
    context = ModalContext.of_button("reject", DECISION, 0, "C1")
    view = {**modal(context), "id": "V0FUZZ", "team_id": "T1", "hash": "h1"}
    view["state"] = {"values": {"reason": {"value": {"type": "plain_text_input", "value": "No"}}}}
    return {
        "type": "view_submission",
        "team": {"id": "T1", "domain": "acme"},
        "user": {"id": "UALICE", "team_id": "T1"},
        "api_app_id": "A1",
        "view": view,
    }


def harmless() -> list[dict[str, Any]]:
    """Documented payloads the bot has no state-changing listener for."""
    closed = {**reject_submission(), "type": "view_closed", "is_cleared": False}
    return [
        closed,
        {"type": "url_verification", "token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY"},
        {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event": {"type": "app_mention", "user": "UALICE", "text": "hi", "channel": "C1"},
            "event_id": "Ev1",
            "event_time": 1700000000,
        },
        {
            "type": "shortcut",
            "callback_id": "signoff",
            "trigger_id": "t1",
            "team": {"id": "T1"},
            "user": {"id": "UALICE"},
        },
        {
            "type": "message_action",
            "callback_id": "signoff",
            "trigger_id": "t1",
            "team": {"id": "T1"},
            "user": {"id": "UALICE"},
            "channel": {"id": "C1"},
            "message": {"type": "message", "user": "UBOB", "ts": "1700000001.000001"},
        },
    ]


@st.composite
def noise(draw: st.DrawFn, payload: dict[str, Any]) -> dict[str, Any]:
    """At most one mutation anywhere (more rarely reach a listener); it may leave the
    payload valid."""
    for _ in range(draw(st.integers(0, 1))):
        path = draw(st.sampled_from(paths(payload)))
        payload = mutated(payload, path, draw(st.one_of(st.just(DELETE), junk)))
    return payload


def broken_metadata() -> st.SearchStrategy[Any]:
    """``private_metadata`` a reject form cannot act on."""
    good = json.loads(ModalContext.of_button("reject", DECISION, 0, "C1").dump())
    missing = st.sampled_from(["k", "d"]).map(
        lambda key: {k: v for k, v in good.items() if k != key}
    )
    bad_kind = st.one_of(not_a_string, st.text(max_size=12)).map(lambda k: {**good, "k": k})
    bad_id = st.one_of(not_a_string, st.just("no such id!"), st.just("")).map(
        lambda d: {**good, "d": d}
    )
    as_text = st.one_of(missing, bad_kind, bad_id).map(json.dumps)
    return st.one_of(as_text, st.text(max_size=30), not_a_string, st.just(DELETE))


@st.composite
def broken_click(draw: st.DrawFn) -> dict[str, Any]:
    payload = click_payload(DECISION, draw(st.sampled_from(BUTTONS)), response_url=RESPONSE_URL)
    payload = draw(noise(payload))
    field = draw(
        st.sampled_from(
            [
                ("type",),
                ("actions",),
                ("actions", 0),
                ("actions", 0, "action_id"),
                ("actions", 0, "value"),
                ("user",),
                ("user", "id"),
            ]
        )
    )
    if field == ("actions", 0, "value"):  # a value naming no decision, or not Signoff's
        value = draw(st.one_of(not_a_string, st.text(max_size=20), st.just(DELETE)))
    else:
        value = draw(st.one_of(not_a_string, st.just(DELETE)))
    return mutated(payload, field, value)


@st.composite
def broken_submission(draw: st.DrawFn) -> dict[str, Any]:
    payload = draw(noise(reject_submission()))
    field = draw(
        st.sampled_from(
            [
                ("type",),
                ("view",),
                ("view", "callback_id"),
                ("view", "private_metadata"),
                ("view", "state", "values"),
                ("view", "id"),
                ("user",),
                ("user", "id"),
            ]
        )
    )
    value = draw(
        broken_metadata()
        if field[-1] == "private_metadata"
        else st.one_of(not_a_string, st.just(DELETE))
    )
    return mutated(payload, field, value)


@st.composite
def any_command(draw: st.DrawFn) -> dict[str, Any]:
    """A slash command, mutated freely: commands only read."""
    text = draw(st.sampled_from(["pending", f"show {DECISION}", "show", "", "delete all"]))
    command: dict[str, Any] = slash_command(text, response_url=RESPONSE_URL)
    return draw(noise(command))


@st.composite
def any_harmless(draw: st.DrawFn) -> dict[str, Any]:
    return draw(noise(draw(st.sampled_from(harmless()))))


def encoded(payload: Any, *, as_json: bool, command: bool = False) -> tuple[str, str]:
    """(body, content type) as Slack would post ``payload``: interactivity as a form's
    ``payload`` field or JSON, a slash command as form fields or JSON."""
    if as_json:
        return json.dumps(payload), "application/json"
    if command:
        fields = payload if isinstance(payload, dict) else {"text": payload}
        flat = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
        return urlencode(flat), "application/x-www-form-urlencoded"
    return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


@pytest.fixture
async def slack(live: Harness) -> Any:
    async with SlackApi() as api:
        api.profiles["UCAROL"] = {"email": "carol@example.com"}
        app = build_app(
            client=live.vouching_as("slack"),
            directory=DIRECTORY,
            settings=slack_settings(api),
        )
        async with TestClient(TestServer(web_app(app, SECRET))) as client:
            yield api, client


def _fill(payload: Any, decision_id: str, api: SlackApi) -> Any:
    """``payload`` naming the live decision and the stand-in's response_url."""
    text = json.dumps(payload).replace(DECISION, decision_id)
    return json.loads(text.replace(RESPONSE_URL, api.response_url("fuzz")))


async def test_no_input_breaks_the_slack_endpoint_or_changes_a_decision(
    live: Harness, slack: Any, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    api, client = slack
    caplog.set_level(logging.WARNING)
    decision_id = await submit(live)
    handle = live.client.get_workflow_handle(workflow_id_for(decision_id))
    history_before = (
        await handle.describe()
    ).raw_description.workflow_execution_info.history_length
    events_before = len(await store.events(decision_id))

    signed = [
        *[(p, False) for p in collect(st.one_of(broken_click(), broken_submission()))],
        *[(p, True) for p in collect(any_command())],
        *[(p, False) for p in collect(any_harmless())],
    ]
    formats = collect(st.booleans())
    raw = collect(
        st.tuples(
            st.text(max_size=200),
            st.sampled_from(
                ["application/json", "application/x-www-form-urlencoded", "text/plain"]
            ),
        )
    )
    forged = collect(st.integers(0, 2))

    started = time.monotonic()
    sent = 0
    problems: list[str] = []

    async def post(body: str, content_type: str, headers: dict[str, str]) -> int:
        nonlocal sent
        sent += 1
        response = await client.post(
            EVENTS_PATH, data=body.encode(), headers={**headers, "Content-Type": content_type}
        )
        text = await response.text()
        if response.status >= 500 or "Traceback" in text:
            problems.append(f"{response.status} for {body[:300]!r}: {text[:200]}")
        return response.status

    requests = []
    for index, (payload, command) in enumerate(signed):
        filled = _fill(payload, decision_id, api)
        requests.append(encoded(filled, as_json=formats[index % len(formats)], command=command))

    # Unsigned, forged or stale, any body reaches nothing.
    for index, (body, content_type) in enumerate(requests):
        how = forged[index % len(forged)]
        headers = [
            {},
            signed_headers(body, secret="not-the-secret"),
            signed_headers(body, timestamp=int(time.time()) - 600),
        ][how]
        status = await post(body, content_type, headers)
        if status != 401:
            problems.append(f"unsigned answered {status} for {body[:300]!r}")
    assert api.calls == []

    for body, content_type in requests:
        await post(body, content_type, signed_headers(body))
    for text, content_type in raw:
        await post(text, content_type, signed_headers(text))
    await asyncio.sleep(1.0)  # listeners still answering after their ack

    assert problems == []
    assert [
        r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR
    ] == []
    state = await live.signoff.state(decision_id)
    assert (state.status, votes(state), state.feedback.thumbs) == (Status.PENDING, [], {})
    history = (await handle.describe()).raw_description.workflow_execution_info.history_length
    assert history == history_before  # no update reached the workflow
    assert len(await store.events(decision_id)) == events_before
    assert api.calls_to("views.open") == []
    print(f"{sent} requests in {time.monotonic() - started:.1f}s")

    # The bot is still whole: a valid click approves.
    body, _ = encoded(_fill(click_payload(DECISION, "approve"), decision_id, api), as_json=False)
    response = await client.post(EVENTS_PATH, data=body.encode(), headers=signed_headers(body))
    assert response.status == 200
    assert (await final_state(live, decision_id)).status is Status.APPROVED
