"""The Teams bot over HTTP, with the invoke activities Teams sends, against a real
Signoff worker on the Temporal dev server that posts through a local Bot Framework
connector; and the same decision clicked in Slack and Teams at once."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from signoff import SignoffPlugin
from signoff.adapters.store import Store
from signoff.adapters.teams import TeamsConnector, token_source
from signoff.bots.teams.bot import SignoffTeamsBot
from signoff.bots.teams.channel import TeamsChannel
from signoff.bots.teams.conversations import conversation_key, user_key
from signoff.bots.teams.server import MESSAGES_PATH, make_adapter, web_app
from signoff.core.messages import BADGE_SAMPLED
from signoff.core.models import AuditKind, RiskTier, Status
from signoff.core.policy import qa_sampled
from signoff.core.settings import Settings
from tests.conftest import Harness, make_request
from tests.helpers.adaptive_cards import assert_valid_card, verbs
from tests.helpers.bot_connector import BotConnector
from tests.helpers.both_chats import both_chats
from tests.helpers.decisions import DIRECTORY, final_state, votes
from tests.helpers.serving import serve
from tests.helpers.slack_requests import click
from tests.helpers.teams_requests import (
    TEAM_CHANNEL,
    Teams,
    answered_card,
    forget_conversations,
    posted_cards,
    teams_settings,
)
from tests.helpers.waiting import eventually


async def test_the_whole_loop_runs_in_teams(teams: Teams, store: Store) -> None:
    """Submit → cards posted proactively → approve → final → every card updated →
    thumbs → feedback in the workflow and the store."""
    decision_id = (await teams.harness.signoff.submit(make_request("teams-leads"))).decision_id
    # the shared card in the channel, and a personal card each for alice and bob
    posts = await posted_cards(teams, 3)
    assert {p.conversation_id for p in posts} == {
        TEAM_CHANNEL,
        "a:personal-aad-alice",
        "a:personal-aad-bob",
    }
    for post in posts:
        assert_valid_card(post.body["attachments"][0]["content"])

    status, body = await teams.send(teams.execute(decision_id, "approve"))

    assert status == 200
    assert verbs(answered_card(body)) >= {"thumb_up", "thumb_down"}  # alice's card, now final
    assert (await final_state(teams.harness, decision_id)).status is Status.APPROVED

    async def all_updated() -> bool:
        shown = teams.connector.activities.values()
        return len(shown) == 3 and all(
            "approve" not in verbs(a["attachments"][0]["content"])
            and "thumb_up" in verbs(a["attachments"][0]["content"])
            for a in shown
        )

    await eventually(all_updated)
    status, _ = await teams.send(teams.execute(decision_id, "thumb_up", aad="aad-bob", stage=None))
    assert status == 200

    async def stored() -> dict[str, str]:
        return (await store.feedback(decision_id))["thumbs"]

    assert await eventually(stored) == {"bob": "up"}
    assert (await teams.harness.signoff.state(decision_id)).feedback.thumbs == {"bob": "up"}


async def test_the_user_mri_teams_sends_with_a_message_is_what_the_card_refreshes_for(
    teams: Teams,
) -> None:
    """``from.id`` is the sender's user MRI (Teams' docs: ``turnContext.Activity.From.Id``);
    once heard from, a person needs no roster lookup for their card to refresh."""
    status, _ = await teams.send(teams.activity("aad-alice", type="message", text="help"))
    assert status in (200, 201)

    await teams.harness.signoff.submit(make_request("teams-leads"))
    posts = await posted_cards(teams, 3)

    [shared] = [p for p in posts if p.conversation_id == TEAM_CHANNEL]
    refresh = shared.body["attachments"][0]["content"]["refresh"]
    assert teams.connector.mri("aad-alice") in refresh["userIds"]
    assert teams.connector.mri("aad-bob") in refresh["userIds"]  # from the roster
    assert "aad-alice" not in teams.connector.member_lookups


async def test_an_automatic_approval_sampled_for_qa_asks_the_leads_to_look_back_in_teams(
    teams: Teams,
) -> None:
    candidates = (f"qa-{n}-{teams.harness.task_queue}" for n in range(1000))
    decision_id = next(c for c in candidates if qa_sampled(c, 0.5))
    request = make_request("teams-auto-qa", id=decision_id, confidence=0.95, risk_tier=RiskTier.LOW)
    assert (await teams.harness.signoff.submit(request)).status is Status.AUTO_APPROVED

    posts = await posted_cards(teams, 3)
    cards = {p.conversation_id: p.body["attachments"][0]["content"] for p in posts}
    assert set(cards) == {TEAM_CHANNEL, "a:personal-aad-alice", "a:personal-aad-bob"}
    card = cards["a:personal-aad-bob"]
    assert_valid_card(card)
    assert BADGE_SAMPLED in json.dumps(card, ensure_ascii=False)
    assert {"thumb_up", "thumb_down"} <= verbs(card)

    thumb_down = teams.execute(decision_id, "thumb_down", aad="aad-bob", stage=None)
    status, _ = await teams.send(thumb_down)

    assert status == 200
    assert (await teams.harness.signoff.state(decision_id)).feedback.thumbs == {"bob": "down"}


async def test_reject_with_a_reason_rejects_and_keeps_the_reason(teams: Teams) -> None:
    decision_id = (await teams.harness.signoff.submit(make_request("teams-leads"))).decision_id
    invoke = teams.execute(decision_id, "reject", **{"reject.reason": "No receipt attached."})

    status, body = await teams.send(invoke)

    assert status == 200
    answered_card(body)
    state = await final_state(teams.harness, decision_id)
    assert state.status is Status.REJECTED
    assert state.outcome is not None and state.outcome.reason == "No receipt attached."


async def test_reject_without_a_reason_is_a_bad_request_naming_the_field(teams: Teams) -> None:
    decision_id = (await teams.harness.signoff.submit(make_request("teams-leads"))).decision_id

    status, body = await teams.send(teams.execute(decision_id, "reject", **{"reject.reason": " "}))

    assert status == 200  # the invoke was handled; the answer is the error
    assert body["statusCode"] == 400
    assert body["type"] == "application/vnd.microsoft.error"
    assert "reject.reason" in body["value"]["message"]
    assert (await teams.harness.signoff.state(decision_id)).status is Status.PENDING


async def test_edit_approves_the_edited_text_and_keeps_the_original(teams: Teams) -> None:
    request = make_request("teams-leads")
    decision_id = (await teams.harness.signoff.submit(request)).decision_id
    invoke = teams.execute(decision_id, "edit", **{"edit.text": "Refund $80 to the card."})

    status, body = await teams.send(invoke)

    assert status == 200
    answered_card(body)
    state = await final_state(teams.harness, decision_id)
    assert state.status is Status.APPROVED_WITH_EDITS
    assert state.edit is not None and state.edit.text == "Refund $80 to the card."
    assert state.request.proposal.text == request.proposal.text


async def test_a_refused_click_returns_the_reason_on_that_persons_card(
    teams: Teams, store: Store
) -> None:
    decision_id = (await teams.harness.signoff.submit(make_request("teams-leads"))).decision_id
    status, body = await teams.send(teams.execute(decision_id, "approve", aad="aad-nobody"))

    assert status == 200
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "not linked" in body["value"]

    approved = teams.execute(decision_id, "approve")
    await teams.send(approved)
    await final_state(teams.harness, decision_id)
    status, body = await teams.send(teams.execute(decision_id, "approve", aad="aad-bob"))

    card = answered_card(body)
    assert "already final" in str(card["body"][0])
    assert "approve" not in verbs(card)

    async def refusal_audited() -> bool:
        events = await store.events(decision_id)
        return any(e.kind is AuditKind.REFUSED and e.actor == "bob" for e in events)

    assert await eventually(refusal_audited)


async def test_a_delegation_to_someone_the_directory_does_not_know_is_refused_on_the_card_and_audited(  # noqa: E501
    teams: Teams, store: Store
) -> None:
    decision_id = (await teams.harness.signoff.submit(make_request("teams-leads"))).decision_id

    status, body = await teams.send(
        teams.execute(
            decision_id, "delegate", **{"delegate.to": "nobody-x", "delegate.reason": "x"}
        )
    )

    assert status == 200
    assert "nobody-x is not in the directory" in str(answered_card(body)["body"])
    state = await teams.harness.signoff.state(decision_id)
    assert state.stage is not None and "nobody-x" not in state.stage.asked
    refusals = [e for e in await store.events(decision_id) if e.kind is AuditKind.REFUSED]
    assert [(e.actor, e.data["code"], e.data["via"]) for e in refusals] == [
        ("alice", "unknown_person", "teams")
    ]


async def test_a_refresh_shows_approvers_their_buttons_and_others_the_status(teams: Teams) -> None:
    decision_id = (await teams.harness.signoff.submit(make_request("teams-leads"))).decision_id

    _, for_alice = await teams.send(teams.execute(decision_id, "refresh"))
    _, for_stranger = await teams.send(teams.execute(decision_id, "refresh", aad="aad-nobody"))

    assert {"approve", "reject", "edit"} <= verbs(answered_card(for_alice))
    assert verbs(answered_card(for_stranger)) == set()
    assert (await teams.harness.signoff.state(decision_id)).status is Status.PENDING


async def test_the_same_invoke_delivered_twice_is_applied_once(teams: Teams, store: Store) -> None:
    decision_id = (await teams.harness.signoff.submit(make_request("teams-leads"))).decision_id
    invoke = teams.execute(decision_id, "approve")

    await teams.send(invoke)
    await teams.send(invoke)

    state = await final_state(teams.harness, decision_id)
    assert [v.actor for v in votes(state)] == ["alice"]
    events = await store.events(decision_id)
    assert [e.kind for e in events].count(AuditKind.VOTED) == 1


async def test_teams_feedback_buttons_under_a_card_record_a_thumb_and_a_comment(
    teams: Teams, store: Store
) -> None:
    decision_id, status = await _feedback_under_the_shared_card(
        teams, store, "aad-bob", "dislike", "Too generous."
    )

    assert status == 200
    assert (await teams.harness.signoff.state(decision_id)).feedback.thumbs == {"bob": "down"}

    async def commented() -> bool:
        return any(
            e.kind is AuditKind.COMMENTED and e.data.get("text") == "Too generous."
            for e in await store.events(decision_id)
        )

    assert await eventually(commented)


async def test_teams_words_under_a_card_from_someone_the_decision_does_not_involve_are_refused(
    teams: Teams, store: Store
) -> None:
    """Anyone in the channel can use Teams' feedback under the shared card: their thumb
    counts (feedback is anyone's), their words do not become a comment on a decision
    that does not involve them, and the refusal is audited."""
    decision_id, status = await _feedback_under_the_shared_card(
        teams, store, "aad-p07", "like", "Approve more."
    )

    assert status == 200
    state = await teams.harness.signoff.state(decision_id)
    assert state.feedback.thumbs == {"p07": "up"}

    async def refused() -> list[Any]:
        return [
            e
            for e in await store.events(decision_id)
            if e.kind is AuditKind.REFUSED and e.actor == "p07"
        ]

    [refusal] = await eventually(refused)
    assert refusal.data["code"] == "not_involved"
    events = await store.events(decision_id)
    assert not [e for e in events if e.kind is AuditKind.COMMENTED]
    assert all(entry.detail != "Approve more." for entry in state.history)


async def test_installing_the_app_lets_the_bot_post_into_that_chat(
    teams: Teams, store: Store
) -> None:
    install = teams.activity("aad-alice", type="installationUpdate", action="add")
    install["conversation"] = {
        "id": "a:installed-alice",
        "conversationType": "personal",
        "tenantId": "t-1",
    }
    install["channelData"] = {"tenant": {"id": "t-1"}}

    status, _ = await teams.send(install)

    assert status in (200, 201)
    saved = await store.conversation("teams", user_key("aad-alice"))
    assert saved is not None and saved["conversation_id"] == "a:installed-alice"
    decision_id = (await teams.harness.signoff.submit(make_request("teams-leads"))).decision_id
    await posted_cards(teams, 3)
    cards = await store.cards(decision_id)
    assert {c.ref["conversation_id"] for c in cards if c.recipient == "alice"} == {
        "a:installed-alice"
    }


async def test_a_request_without_a_type_is_rejected(teams: Teams) -> None:
    async with teams.session.post(teams.url, json={"text": "hi"}) as response:
        assert response.status == 400
        assert "type" in await response.text()


async def test_clicked_in_slack_and_teams_at_the_same_moment_is_decided_exactly_once(
    dev_env: WorkflowEnvironment, settings: Settings, store: Store
) -> None:
    harness = Harness(dev_env.client, settings)
    await forget_conversations(store)
    async with both_chats(harness, store) as chats:
        api, connector = chats.api, chats.connector
        slack_bot, teams = chats.slack_bot, chats.teams
        async with Worker(dev_env.client, task_queue=harness.task_queue, plugins=[chats.plugin]):
            request = make_request("slack-and-teams-leads")
            decision_id = (await harness.signoff.submit(request)).decision_id

            async def both_posted() -> bool:
                return bool(api.calls_to("chat.postMessage")) and bool(connector.accepted("POST"))

            await eventually(both_posted)
            # alice approves in Slack while bob rejects in Teams, at the same moment
            await asyncio.gather(
                slack_bot.send(click(decision_id, "approve", user="UALICE")),
                teams.send(
                    teams.execute(decision_id, "reject", aad="aad-bob", **{"reject.reason": "No."})
                ),
            )
            state = await final_state(harness, decision_id)
            events = [e.kind for e in await store.events(decision_id)]

    assert state.status in (Status.APPROVED, Status.REJECTED)
    assert state.outcome is not None and len(state.outcome.standing_on) == 1
    assert events.count(AuditKind.FINALIZED) == 1
    assert events.count(AuditKind.VOTED) == 1  # the later click was refused, not counted


async def test_when_temporal_is_slow_a_click_is_answered_as_recording_and_applied_later(
    dev_env: WorkflowEnvironment, settings: Settings, store: Store
) -> None:
    harness = Harness(dev_env.client, settings)
    await forget_conversations(store)
    async with BotConnector() as connector, aiohttp.ClientSession() as session:
        config = teams_settings(connector)
        channel = TeamsChannel(TeamsConnector(token_source(config)), DIRECTORY, store, config)
        plugin = SignoffPlugin(settings=harness.settings, channels={"teams": channel})
        bot = SignoffTeamsBot(harness.vouching_as("teams"), DIRECTORY, store, answer_within=1.0)
        runner, port = await serve(web_app(make_adapter(config), bot))
        teams = Teams(harness, connector, store, f"http://127.0.0.1:{port}{MESSAGES_PATH}", session)
        try:
            async with Worker(dev_env.client, task_queue=harness.task_queue, plugins=[plugin]):
                request = make_request("teams-leads")
                decision_id = (await harness.signoff.submit(request)).decision_id
                await posted_cards(teams, 3)
            # No worker now: Temporal cannot apply the click until one is back.
            status, body = await teams.send(teams.execute(decision_id, "approve"))

            assert status == 200
            assert body["type"] == "application/vnd.microsoft.activity.message"
            assert "recording" in body["value"]
            async with Worker(dev_env.client, task_queue=harness.task_queue, plugins=[plugin]):
                state = await final_state(harness, decision_id)
        finally:
            await runner.cleanup()

    assert state.status is Status.APPROVED
    assert [v.actor for v in votes(state)] == ["alice"]


async def test_adding_the_bot_to_a_team_lets_it_post_into_that_channel(
    teams: Teams, store: Store
) -> None:
    added = teams.activity(
        "aad-alice",
        type="conversationUpdate",
        membersAdded=[{"id": "28:signoff-bot"}],
    )
    added["conversation"] = {"id": "19:general@thread.tacv2", "conversationType": "channel"}
    added["channelData"] = {
        "channel": {"id": "19:general@thread.tacv2"},
        "team": {"id": "19:general@thread.tacv2"},
        "eventType": "teamMemberAdded",
        "tenant": {"id": "t-1"},
    }

    status, _ = await teams.send(added)

    assert status in (200, 201)
    saved = await store.conversation("teams", conversation_key("19:general@thread.tacv2"))
    assert saved is not None
    assert (saved["service_url"], saved["tenant_id"]) == (teams.connector.service_url, "t-1")


async def test_pending_in_a_personal_chat_lists_what_waits_for_the_writer(teams: Teams) -> None:
    decision_id = (await teams.harness.signoff.submit(make_request("teams-leads"))).decision_id
    await posted_cards(teams, 3)
    message = teams.activity("aad-alice", type="message", text="pending")
    message["conversation"] = {"id": "a:chat-alice", "conversationType": "personal"}
    message["channelData"] = {"tenant": {"id": "t-1"}}

    async def listed() -> list[Any]:
        await teams.send(message)
        replies = [
            c for c in teams.connector.accepted("POST") if c.conversation_id == "a:chat-alice"
        ]
        return [r for r in replies if decision_id in r.body.get("text", "")]

    [reply] = (await eventually(listed))[:1]
    assert reply.body["text"].startswith("Waiting for you:")


async def test_show_in_a_channel_answers_with_the_card_everyone_sees(teams: Teams) -> None:
    decision_id = (await teams.harness.signoff.submit(make_request("teams-leads"))).decision_id
    message = teams.activity("aad-alice", type="message", text=f"show {decision_id}")

    status, _ = await teams.send(message)

    assert status in (200, 201)
    [reply] = [
        c
        for c in teams.connector.accepted("POST")
        if c.body.get("attachments") and c.activity_id is not None
    ]
    card = reply.body["attachments"][0]["content"]
    assert_valid_card(card)
    assert verbs(card) == set()  # alice's buttons stay in her own card
    assert teams.connector.mri("aad-alice") in card["refresh"]["userIds"]


async def test_a_restarted_bot_takes_clicks_and_feedback_on_cards_posted_before(
    teams: Teams, store: Store
) -> None:
    decision_id = (await teams.harness.signoff.submit(make_request("teams-leads"))).decision_id
    await posted_cards(teams, 3)
    # A new bot process: nothing in memory, the same store and workflows.
    fresh = SignoffTeamsBot(teams.harness.vouching_as("teams"), DIRECTORY, store)
    runner, port = await serve(web_app(make_adapter(teams_settings(teams.connector)), fresh))
    restarted = Teams(
        teams.harness,
        teams.connector,
        store,
        f"http://127.0.0.1:{port}{MESSAGES_PATH}",
        teams.session,
    )
    try:
        status, _ = await restarted.send(restarted.execute(decision_id, "approve"))
        await final_state(teams.harness, decision_id)
        [card] = [c for c in await store.cards(decision_id) if c.recipient is None]
        feedback = restarted.activity(
            "aad-bob",
            type="invoke",
            name="message/submitAction",
            replyToId=card.ref["activity_id"],
            value={"actionName": "feedback", "actionValue": {"reaction": "like"}},
        )
        await restarted.send(feedback)
    finally:
        await runner.cleanup()

    assert status == 200
    state = await teams.harness.signoff.state(decision_id)
    assert [(v.actor, v.verdict) for v in votes(state)] == [("alice", "approve")]
    assert state.feedback.thumbs == {"bob": "up"}


async def test_a_reason_longer_than_an_action_takes_is_a_bad_request_naming_the_field(
    teams: Teams,
) -> None:
    decision_id = (await teams.harness.signoff.submit(make_request("teams-leads"))).decision_id

    status, body = await teams.send(
        teams.execute(decision_id, "reject", **{"reject.reason": "x" * 6_000})
    )

    assert status == 200
    assert body["statusCode"] == 400 and "'reason'" in body["value"]["message"]
    assert (await teams.harness.signoff.state(decision_id)).status is Status.PENDING


async def test_an_invoke_the_bot_does_not_answer_is_a_400_saying_so_not_a_501(
    teams: Teams,
) -> None:
    unnamed = teams.activity("aad-alice", type="invoke")
    unknown = teams.activity("aad-alice", type="invoke", name="composeExtension/query")

    for invoke in (unnamed, unknown):
        status, body = await teams.send(invoke)
        assert status == 400
        assert "does not answer" in body["error"]


async def _feedback_under_the_shared_card(
    teams: Teams, store: Store, aad_id: str, reaction: str, text: str
) -> tuple[str, int]:
    """A decision approved in Teams, then Teams' own feedback (a reaction and words)
    from ``aad_id`` under its shared card; the decision id and the bot's status."""
    decision_id = (await teams.harness.signoff.submit(make_request("teams-leads"))).decision_id
    await teams.send(teams.execute(decision_id, "approve"))
    await final_state(teams.harness, decision_id)

    async def shared_card() -> list[Any]:
        return [c for c in await store.cards(decision_id) if c.recipient is None]

    # Cards are drawn from the store's outbox after the decision moves on, not with it.
    [card] = await eventually(shared_card)
    feedback = teams.activity(
        aad_id,
        type="invoke",
        name="message/submitAction",
        replyToId=card.ref["activity_id"],
        value={
            "actionName": "feedback",
            "actionValue": {"reaction": reaction, "feedback": json.dumps({"feedbackText": text})},
        },
    )
    status, _ = await teams.send(feedback)
    return decision_id, status
