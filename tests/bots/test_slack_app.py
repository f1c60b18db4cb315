"""The real Bolt app over HTTP, with Slack-signed requests, against a real Signoff
worker on the Temporal dev server and the local Slack Web API stand-in."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from signoff import SignoffPlugin
from signoff.adapters.slack import make_client
from signoff.adapters.store import Store
from signoff.bots.slack import SlackChannel
from signoff.bots.slack import slack_messages as messages
from signoff.core import messages as shared
from signoff.core.models import AuditKind, Status
from signoff.core.settings import Settings
from tests.conftest import Harness
from tests.helpers.decisions import DIRECTORY, final_state, submit, votes
from tests.helpers.slack_api import SlackApi
from tests.helpers.slack_requests import (
    Bot,
    click,
    signed_headers,
    slack_bot,
    slack_settings,
    slash_command,
    submission,
)
from tests.helpers.waiting import eventually


async def test_signed_approve_click_approves_and_audits_via_slack(
    live: Harness, bot: Bot, store: Store
) -> None:
    decision_id = await submit(live)

    response = await bot.send(click(decision_id, "approve"))

    assert response.status == 200
    state = await final_state(live, decision_id)
    assert state.status is Status.APPROVED
    assert [(v.actor, v.verdict) for v in votes(state)] == [("alice", "approve")]

    async def voted() -> list[Any]:
        events = await store.events(decision_id)
        return [e for e in events if e.kind is AuditKind.VOTED]

    (vote,) = await eventually(voted)
    assert vote.actor == "alice"
    assert vote.data["via"] == "slack"
    assert not bot.api.calls_to("chat.postEphemeral")
    assert not bot.api.calls_to("auth.test")


async def test_forged_signature_gets_401_and_changes_nothing(live: Harness, bot: Bot) -> None:
    decision_id = await submit(live)

    response = await bot.send(click(decision_id, "approve"), secret="not-the-secret")

    assert response.status == 401
    await asyncio.sleep(0.3)
    state = await live.signoff.state(decision_id)
    assert state.status is Status.PENDING
    assert votes(state) == []
    assert bot.api.calls == []


async def test_stale_timestamp_gets_401(live: Harness, bot: Bot) -> None:
    decision_id = await submit(live)

    response = await bot.send(click(decision_id, "approve"), timestamp=int(time.time()) - 6 * 60)

    assert response.status == 401
    await asyncio.sleep(0.3)
    assert (await live.signoff.state(decision_id)).status is Status.PENDING


async def test_redelivered_interaction_is_applied_once(
    live: Harness, bot: Bot, store: Store
) -> None:
    decision_id = await submit(live)
    body = click(decision_id, "approve")

    first, second = await asyncio.gather(bot.send(body), bot.send(body))
    again = await bot.send(body)

    assert (first.status, second.status, again.status) == (200, 200, 200)
    state = await final_state(live, decision_id)
    assert len(votes(state)) == 1

    async def voted() -> list[Any]:
        events = await store.events(decision_id)
        return [e for e in events if e.kind is AuditKind.VOTED]

    assert len(await eventually(voted)) == 1
    await asyncio.sleep(0.5)
    assert not bot.api.calls_to("chat.postEphemeral")


async def test_click_by_someone_not_asked_is_refused_to_them_alone(live: Harness, bot: Bot) -> None:
    decision_id = await submit(live)
    # Carol has no Slack identity in the directory: found by her Slack profile's e-mail.
    bot.api.profiles["UCAROL"] = {"email": "Carol@example.com"}

    response = await bot.send(click(decision_id, "approve", user="UCAROL"))

    assert response.status == 200
    (ephemeral,) = await eventually(lambda: _calls(bot, "chat.postEphemeral"))
    assert ephemeral.args["channel"] == "C1"
    assert ephemeral.args["user"] == "UCAROL"
    assert ephemeral.args["text"]
    assert ephemeral.args["text"] != messages.NOT_LINKED
    state = await live.signoff.state(decision_id)
    assert state.status is Status.PENDING
    assert votes(state) == []


async def test_click_by_unlinked_slack_user_is_told_so(live: Harness, bot: Bot) -> None:
    decision_id = await submit(live)

    await bot.send(click(decision_id, "approve", user="USTRANGER"))

    (ephemeral,) = await eventually(lambda: _calls(bot, "chat.postEphemeral"))
    assert ephemeral.args["user"] == "USTRANGER"
    assert ephemeral.args["text"] == messages.NOT_LINKED
    assert (await live.signoff.state(decision_id)).status is Status.PENDING


async def test_reject_opens_a_modal_and_its_submission_rejects(live: Harness, bot: Bot) -> None:
    decision_id = await submit(live)

    response = await bot.send(click(decision_id, "reject"))

    assert response.status == 200
    (opened,) = await eventually(lambda: _calls(bot, "views.open"))
    view = opened.args["view"]
    assert view["callback_id"] == "signoff:reject"
    assert json.loads(view["private_metadata"])["d"] == decision_id
    assert (await live.signoff.state(decision_id)).status is Status.PENDING

    empty = await bot.send(submission(view, {"reason": {"value": {"value": "  "}}}))
    assert empty.status == 200
    assert (await live.signoff.state(decision_id)).status is Status.PENDING

    values = {"reason": {"value": {"type": "plain_text_input", "value": "Wrong amount"}}}
    response = await bot.send(submission(view, values))

    assert response.status == 200
    state = await final_state(live, decision_id)
    assert state.status is Status.REJECTED
    assert [(v.actor, v.verdict, v.reason) for v in votes(state)] == [
        ("alice", "reject", "Wrong amount")
    ]


async def test_empty_reason_is_shown_in_the_modal(live: Harness, bot: Bot) -> None:
    decision_id = await submit(live)
    await bot.send(click(decision_id, "reject"))
    (opened,) = await eventually(lambda: _calls(bot, "views.open"))

    body = submission(opened.args["view"], {"reason": {"value": {"value": ""}}})
    async with bot.session.post(bot.url, data=body, headers=signed_headers(body)) as response:
        answer = await response.json()

    assert answer == {"response_action": "errors", "errors": {"reason": shared.REQUIRED}}


async def test_thumbs_up_on_a_final_card_records_feedback(live: Harness, bot: Bot) -> None:
    decision_id = await submit(live)
    await live.signoff.perform(decision_id, "approve", "alice")
    await final_state(live, decision_id)

    response = await bot.send(click(decision_id, "thumb_up", user="UBOB"))

    assert response.status == 200

    async def thumbs() -> dict[str, str]:
        return dict((await live.signoff.state(decision_id)).feedback.thumbs)

    assert await eventually(thumbs) == {"bob": "up"}
    assert not bot.api.calls_to("chat.postEphemeral")


async def test_slash_command_show_answers_ephemerally(live: Harness, bot: Bot) -> None:
    decision_id = await submit(live)
    body = urlencode(
        slash_command(f"show {decision_id}", response_url=bot.api.response_url("show"))
    )

    response = await bot.send(body)

    assert response.status == 200
    (answer,) = await eventually(lambda: _responses(bot, "show"))
    assert answer["response_type"] == "ephemeral"
    assert decision_id in answer["text"]
    assert "alice" in answer["text"]


async def test_healthz(bot: Bot) -> None:
    async with bot.session.get(bot.url.replace("/slack/events", "/healthz")) as response:
        assert response.status == 200


async def _calls(bot: Bot, method: str) -> list[Any]:
    return bot.api.calls_to(method)


async def _responses(bot: Bot, name: str) -> list[dict[str, Any]]:
    return bot.api.responses.get(name, [])


async def test_edit_modal_is_prefilled_and_approves_the_edit(live: Harness, bot: Bot) -> None:
    decision_id = await submit(live)

    await bot.send(click(decision_id, "edit"))

    (opened,) = await eventually(lambda: _calls(bot, "views.open"))
    view = opened.args["view"]
    text_input = next(b for b in view["blocks"] if b["block_id"] == "text")["element"]
    assert text_input["initial_value"] == "Refund $120 to the customer's card."
    values = {
        "text": {"value": {"value": "Refund $100 to the customer's card."}},
        "reason": {"value": {"value": None}},
    }
    await bot.send(submission(view, values))

    state = await final_state(live, decision_id)
    assert state.status is Status.APPROVED_WITH_EDITS
    assert state.edit is not None
    assert (state.edit.actor, state.edit.text) == ("alice", "Refund $100 to the customer's card.")


async def test_the_whole_loop_runs_in_slack(
    dev_env: WorkflowEnvironment, settings: Settings, api: SlackApi, store: Store
) -> None:
    """Submit → cards posted → signed approve → final → every card redrawn → thumbs →
    feedback in the workflow and the store."""
    harness = Harness(dev_env.client, settings)
    plugin = SignoffPlugin(
        settings=harness.settings,
        channels={"slack": SlackChannel(make_client(slack_settings(api)), DIRECTORY)},
    )
    async with (
        slack_bot(harness.vouching_as("slack"), api) as bot,
        Worker(dev_env.client, task_queue=harness.task_queue, plugins=[plugin]),
    ):
        decision_id = await submit(harness, "slack-leads")

        async def three_cards() -> list[Any]:
            posted = api.calls_to("chat.postMessage")
            return posted if len(posted) == 3 else []

        await eventually(three_cards)
        assert (await bot.send(click(decision_id, "approve"))).status == 200
        assert (await final_state(harness, decision_id)).status is Status.APPROVED

        async def all_redrawn() -> bool:
            shown = [json.dumps(m.get("blocks")) for m in api.messages.values()]
            return len(shown) == 3 and all(
                "signoff:thumb_up" in s and "signoff:approve" not in s for s in shown
            )

        await eventually(all_redrawn)
        assert (await bot.send(click(decision_id, "thumb_up", user="UBOB"))).status == 200

        async def thumbs() -> dict[str, str]:
            return (await harness.signoff.state(decision_id)).feedback.thumbs

        assert await eventually(thumbs) == {"bob": "up"}

        async def stored() -> dict[str, str]:
            return (await store.feedback(decision_id))["thumbs"]

        assert await eventually(stored) == {"bob": "up"}


async def test_a_restarted_bot_applies_a_click_on_a_card_posted_before_the_restart(
    live: Harness, api: SlackApi
) -> None:
    async with slack_bot(live.vouching_as("slack"), api):
        decision_id = await submit(live)
    # The bot keeps nothing: the decision lives in its workflow, cards in the store.
    async with slack_bot(live.vouching_as("slack"), api) as restarted:
        response = await restarted.send(click(decision_id, "approve"))

    assert response.status == 200
    state = await final_state(live, decision_id)
    assert [(v.actor, v.verdict) for v in votes(state)] == [("alice", "approve")]


MALFORMED = [
    "payload=%7Bnot-json",
    "payload=%5B%5D",
    "payload=",
    "payload=null",
    'payload={"type": "block_actions", "actions": [',
]


@pytest.mark.parametrize("body", MALFORMED)
async def test_an_unsigned_malformed_request_is_refused_as_unsigned_before_it_is_read(
    bot: Bot, body: str
) -> None:
    async with bot.session.post(
        bot.url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    ) as response:
        assert response.status == 401
        assert (await response.json())["error"] == shared.SLACK_UNSIGNED


@pytest.mark.parametrize(
    "body",
    [
        *MALFORMED,
        "payload=" + quote(json.dumps({"type": "block_actions", "actions": []})),
        "payload=" + quote(json.dumps({"type": "block_actions", "actions": None})),
        "payload=" + quote(json.dumps({"type": "block_actions", "actions": ["approve"]})),
    ],
)
async def test_a_signed_request_whose_payload_cannot_be_read_is_a_400_in_one_sentence(
    bot: Bot, body: str
) -> None:
    response = await bot.send(body)

    assert response.status == 400
    assert (await response.json())["error"] == shared.SLACK_UNREADABLE


async def test_a_signed_modal_submission_without_its_view_is_not_a_server_error(bot: Bot) -> None:
    response = await bot.send("payload=" + quote(json.dumps({"type": "view_submission"})))

    assert response.status == 400
    assert (await response.json())["error"] == shared.SLACK_UNREADABLE
