"""A policy that wants a reason to approve: Slack's Approve asks for it in a modal and
Teams' Approve unfolds a form requiring it, and either way the reason is kept on the
vote. Real bots over HTTP, against a real Signoff worker on the Temporal dev server."""

from __future__ import annotations

from typing import Any

from signoff.bots.slack import approval_blocks
from signoff.core import messages as shared
from signoff.core.card_view import card_view
from signoff.core.messages import REASON_LABEL
from signoff.core.models import AuditKind, Status
from tests.conftest import Harness, make_request
from tests.helpers.decisions import final_state, votes
from tests.helpers.slack_requests import Bot, click, submission
from tests.helpers.teams_requests import Teams, answered_card
from tests.helpers.waiting import eventually

# reason_required: [approve, escalate]; one stage, the leads alice and bob.
POLICY = "slack-teams-reason"
WHY = "The photo shows the parcel crushed."


async def calls(bot: Bot, method: str) -> list[Any]:
    return bot.api.calls_to(method)


async def slack_approve_button(live: Harness, decision_id: str) -> str:
    """The name of the Approve button on the decision's Slack card, as a click sends it."""
    blocks = approval_blocks(card_view(await live.signoff.state(decision_id)))
    (approve,) = [
        e
        for b in blocks
        for e in b.get("elements", [])
        if e.get("type") == "button" and e["text"]["text"] == "Approve"
    ]
    return approve["action_id"].removeprefix("signoff:")


async def test_slack_approve_asks_why_in_a_modal_and_approves_with_the_reason(
    live: Harness, bot: Bot
) -> None:
    decision_id = (await live.signoff.submit(make_request(POLICY))).decision_id

    await bot.send(click(decision_id, await slack_approve_button(live, decision_id)))

    (opened,) = await eventually(lambda: calls(bot, "views.open"))
    view = opened.args["view"]
    assert (view["callback_id"], view["title"]["text"]) == ("signoff:approve", "Approve")
    (box,) = view["blocks"]
    assert (box["label"]["text"], box["optional"]) == (REASON_LABEL["approve"], False)
    assert (await live.signoff.state(decision_id)).status is Status.PENDING

    response = await bot.send(submission(view, {"reason": {"value": {"value": " "}}}))
    assert await response.json() == {
        "response_action": "errors",
        "errors": {"reason": shared.REQUIRED},
    }

    await bot.send(submission(view, {"reason": {"value": {"value": WHY}}}))

    state = await final_state(live, decision_id)
    assert state.status is Status.APPROVED
    assert [(v.actor, v.verdict, v.reason) for v in votes(state)] == [("alice", "approve", WHY)]
    assert not bot.api.calls_to("chat.postEphemeral")


async def test_slack_approve_sent_without_a_reason_is_refused_to_that_person(
    live: Harness, bot: Bot
) -> None:
    """A click from a card drawn before, say, or a hand-made request: the workflow's own
    check still holds."""
    decision_id = (await live.signoff.submit(make_request(POLICY))).decision_id

    await bot.send(click(decision_id, "approve"))

    (ephemeral,) = await eventually(lambda: calls(bot, "chat.postEphemeral"))
    assert (ephemeral.args["user"], ephemeral.args["text"]) == (
        "UALICE",
        "A reason is required to approve.",
    )
    state = await live.signoff.state(decision_id)
    assert state.status is Status.PENDING and votes(state) == []


async def test_teams_approve_unfolds_a_form_requiring_a_reason_and_approves_with_it(
    teams: Teams,
) -> None:
    decision_id = (await teams.harness.signoff.submit(make_request(POLICY))).decision_id
    _, body = await teams.send(teams.execute(decision_id, "refresh"))
    (approve,) = [a for a in answered_card(body)["actions"] if a["title"] == "Approve"]
    assert approve["type"] == "Action.ShowCard"
    (box,) = approve["card"]["body"]
    assert (box["id"], box["isRequired"]) == ("approve.reason", True)
    (button,) = approve["card"]["actions"]

    status, body = await teams.send(
        teams.execute(decision_id, button["verb"], stage=button["data"]["s"], **{box["id"]: WHY})
    )

    assert status == 200
    answered_card(body)
    state = await final_state(teams.harness, decision_id)
    assert state.status is Status.APPROVED
    assert [(v.actor, v.verdict, v.reason) for v in votes(state)] == [("alice", "approve", WHY)]
    events = await teams.store.events(decision_id)
    (vote,) = [e for e in events if e.kind is AuditKind.VOTED]
    assert (vote.data["via"], vote.data["reason"]) == ("teams", WHY)


async def test_teams_approve_without_the_reason_is_refused_on_that_persons_card(
    teams: Teams,
) -> None:
    decision_id = (await teams.harness.signoff.submit(make_request(POLICY))).decision_id

    _, body = await teams.send(teams.execute(decision_id, "approve"))

    card = answered_card(body)
    assert card["body"][0]["text"] == "A reason is required to approve."
    assert (await teams.harness.signoff.state(decision_id)).status is Status.PENDING
