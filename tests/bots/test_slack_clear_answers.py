"""The Slack bot answers every signed request clearly, at once: a payload Bolt cannot route
is a 400 in one sentence; a click or form Signoff cannot act on is acked and explained to
the person alone; nothing of it reaches the decision. Real Bolt app over HTTP, real
worker on the Temporal dev server, the Slack Web API stand-in."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import pytest

from signoff.bots.slack import slack_messages as messages
from signoff.core import messages as shared
from signoff.core.models import Status
from tests.conftest import Harness
from tests.helpers.decisions import submit, votes
from tests.helpers.slack_requests import Bot, click_payload, interactive
from tests.helpers.waiting import eventually

METADATA = json.dumps({"k": "reject", "d": "refund-1042", "s": 0, "c": "C1"})


def reject_form(view: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    """A reject modal's view_submission as Slack posts it, with ``changes`` to its view."""
    form = {
        "id": "V0REJECT",
        "type": "modal",
        "callback_id": "signoff:reject",
        "private_metadata": METADATA,
        "state": {"values": {"reason": {"value": {"type": "plain_text_input", "value": "No"}}}},
        **(view or {}),
        **changes,
    }
    return {
        "type": "view_submission",
        "team": {"id": "T1", "domain": "acme"},
        "user": {"id": "UALICE", "team_id": "T1"},
        "api_app_id": "A1",
        "view": {key: value for key, value in form.items() if value is not ...},
    }


async def still_pending(live: Harness, decision_id: str) -> None:
    await asyncio.sleep(0.3)
    state = await live.signoff.state(decision_id)
    assert state.status is Status.PENDING
    assert votes(state) == []


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.exc_info]


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "block_actions", "actions": []},
        {"type": "block_actions", "actions": [{"type": "button", "value": "{}"}]},
        {"type": "view_submission", "user": {"id": "UALICE"}},
        {"type": "view_submission", "view": {"type": "modal", "callback_id": 7}},
        {"type": "event_callback", "event": None},
        {"type": "shortcut", "callback_id": ["signoff"]},
        {"type": "block_actions", "team": ["T1"], "actions": [{"action_id": "signoff:approve"}]},
        {"type": "shortcut", "callback_id": "x", "view": None},
    ],
    ids=[
        "no actions",
        "action without action_id",
        "submission without view",
        "view with a numeric callback",
        "null event",
        "callback id a list",
        "team a list",
        "null view beside another type",
    ],
)
async def test_a_signed_payload_bolt_cannot_route_is_a_400_before_bolt_reads_it(
    bot: Bot, payload: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    response = await bot.send(interactive(payload))

    assert response.status == 400
    assert (await response.json())["error"] == shared.SLACK_UNREADABLE
    assert no_tracebacks(caplog) == []
    assert bot.api.calls == []


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"private_metadata": ...}, messages.UNREADABLE_FORM),
        ({"private_metadata": "not json"}, messages.UNKNOWN_FORM),
        ({"private_metadata": json.dumps({"d": "refund-1042"})}, messages.UNKNOWN_FORM),
        ({"private_metadata": json.dumps({"k": "bogus", "d": "x"})}, messages.UNKNOWN_FORM),
        ({"state": {"values": []}}, messages.UNREADABLE_FORM),
        ({"id": ...}, messages.UNREADABLE_FORM),
    ],
    ids=[
        "no metadata",
        "metadata not JSON",
        "metadata without kind",
        "unknown kind",
        "values a list",
        "no view id",
    ],
)
async def test_a_form_signoff_cannot_read_is_answered_in_the_modal_and_changes_nothing(
    live: Harness, bot: Bot, changes: dict[str, Any], said: str
) -> None:
    decision_id = await submit(live)
    metadata = json.dumps({"k": "reject", "d": decision_id, "s": 0, "c": "C1"})
    form = reject_form({"private_metadata": metadata}, **changes)

    started = time.monotonic()
    response = await bot.send(interactive(form))

    assert response.status == 200
    assert time.monotonic() - started < 2.0
    answer = await response.json()
    assert answer["response_action"] == "update"
    assert [block["text"]["text"] for block in answer["view"]["blocks"]] == [said]
    await still_pending(live, decision_id)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda p: p["actions"][0].pop("value"), messages.BAD_BUTTON),
        (lambda p: p["actions"][0].update(value="not json"), messages.BAD_BUTTON),
        (lambda p: p["actions"][0].update(value='{"d": "no such id!"}'), messages.BAD_BUTTON),
    ],
    ids=["value missing", "value not JSON", "decision id Signoff never gives"],
)
async def test_a_button_signoff_cannot_read_is_explained_to_the_clicker_at_once(
    live: Harness, bot: Bot, change: Any, said: str
) -> None:
    decision_id = await submit(live)
    payload = click_payload(decision_id, "approve")
    change(payload)

    started = time.monotonic()
    response = await bot.send(interactive(payload))

    assert response.status == 200
    assert time.monotonic() - started < 2.0
    (ephemeral,) = await eventually(lambda: _calls(bot, "chat.postEphemeral"))
    assert (ephemeral.args["user"], ephemeral.args["channel"]) == ("UALICE", "C1")
    assert ephemeral.args["text"] == said
    await still_pending(live, decision_id)


@pytest.mark.parametrize(
    "user", [None, "UALICE", {"name": "alice"}], ids=["none", "a string", "no id"]
)
async def test_a_click_that_does_not_say_who_clicked_is_answered_through_its_response_url(
    live: Harness, bot: Bot, user: Any
) -> None:
    decision_id = await submit(live)
    payload = click_payload(decision_id, "approve", response_url=bot.api.response_url("who"))
    if user is None:
        del payload["user"]
    else:
        payload["user"] = user

    started = time.monotonic()
    response = await bot.send(interactive(payload))

    assert response.status == 200
    assert time.monotonic() - started < 2.0
    (reply,) = await eventually(lambda: _responses(bot, "who"))
    assert reply == {
        "text": messages.WHO_ARE_YOU,
        "response_type": "ephemeral",
        "replace_original": False,
    }
    await still_pending(live, decision_id)


async def test_reject_on_a_decision_that_does_not_exist_says_so_instead_of_opening_a_form(
    bot: Bot,
) -> None:
    response = await bot.send(interactive(click_payload("no-such-decision", "reject")))

    assert response.status == 200
    (ephemeral,) = await eventually(lambda: _calls(bot, "chat.postEphemeral"))
    assert ephemeral.args["text"] == messages.NOT_FOUND.format(decision_id="no-such-decision")
    assert bot.api.calls_to("views.open") == []


async def test_a_form_slack_no_longer_opens_is_explained_to_the_clicker(
    live: Harness, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    decision_id = await submit(live)
    bot.api.fail_next(1, 200, error="expired_trigger_id")  # the click is over 3 s old

    response = await bot.send(interactive(click_payload(decision_id, "reject")))

    assert response.status == 200
    (ephemeral,) = await eventually(lambda: _calls(bot, "chat.postEphemeral"))
    assert ephemeral.args["text"] == messages.MODAL_NOT_OPENED
    assert "expired_trigger_id" in caplog.text
    assert no_tracebacks(caplog) == []


async def _calls(bot: Bot, method: str) -> list[Any]:
    return bot.api.calls_to(method)


async def _responses(bot: Bot, name: str) -> list[dict[str, Any]]:
    return bot.api.responses.get(name, [])
