"""The Slack bot's other actions, each a round trip: a Slack-signed request to the real Bolt
app, a real decision workflow on the Temporal dev server, and what people then see, read
from the Signoff client and from the Slack Web API stand-in's record of calls."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from signoff import SignoffPlugin
from signoff.adapters.slack import make_client
from signoff.adapters.store import Store
from signoff.bots.slack import SlackChannel
from signoff.bots.slack import slack_messages as messages
from signoff.core import messages as shared
from signoff.core.messages import BADGE_SAMPLED
from signoff.core.models import AuditKind, DecisionState, Proposal, RiskTier, Status
from signoff.core.policy import qa_sampled
from signoff.core.settings import Settings
from tests.conftest import Harness
from tests.helpers.decisions import DIRECTORY, final_state, submit, votes
from tests.helpers.slack_api import SlackApi
from tests.helpers.slack_requests import Bot, click, slack_settings, slash_command, submission
from tests.helpers.waiting import eventually

# Two stages (leads, then heads), a card in channel C1 and one in a DM to each approver;
# the heads, mona (UMONA) and nico (UNICO), are also its managers.
TWO_STAGES = "slack-two-stage"


@pytest.fixture
async def live(
    dev_env: WorkflowEnvironment, settings: Settings, api: SlackApi
) -> AsyncIterator[Harness]:
    """The suite's worker, also posting cards and notices to the Slack stand-in: who is
    asked is checked where they would see it."""
    harness = Harness(dev_env.client, settings)
    slack = SlackChannel(make_client(slack_settings(api)), DIRECTORY)
    channels = {"console": harness.channel, "slack": slack}
    plugin = SignoffPlugin(settings=harness.settings, channels=channels)
    async with Worker(dev_env.client, task_queue=harness.task_queue, plugins=[plugin]):
        yield harness


# -- what Slack sends -------------------------------------------------------------------


def typed(block_id: str, text: str) -> dict[str, Any]:
    """A modal's text input as Slack reports it on submission."""
    return {block_id: {"value": {"type": "plain_text_input", "value": text}}}


def picked_user(slack_user: str) -> dict[str, Any]:
    return {"delegate": {"user": {"type": "users_select", "selected_user": slack_user}}}


def chosen_verdict(verdict: str) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": verdict.title()}, "value": verdict}
    return {"verdict": {"value": {"type": "radio_buttons", "selected_option": option}}}


# -- what people see ----------------------------------------------------------------------


async def modal(bot: Bot, callback_id: str | None = None) -> dict[str, Any]:
    """The one modal the bot opened (with ``callback_id``, when given)."""

    async def opened() -> list[dict[str, Any]]:
        return [call.args["view"] for call in bot.api.calls_to("views.open")]

    (view,) = await eventually(opened)
    if callback_id is not None:
        assert view["callback_id"] == callback_id
    return view


async def ephemeral(bot: Bot) -> dict[str, Any]:
    """What was shown to one person alone; exactly one such message is expected."""

    async def shown() -> list[dict[str, Any]]:
        return [call.args for call in bot.api.calls_to("chat.postEphemeral")]

    (args,) = await eventually(shown)
    return args


async def answer(bot: Bot, body: str) -> Any:
    """The HTTP answer Slack gets: empty for a plain ack, else ``response_action`` JSON."""
    response = await bot.send(body)
    assert response.status == 200
    return await response.json() if response.content_length else None


async def slash(bot: Bot, text: str, user: str = "UALICE") -> str:
    """``/signoff <text>`` typed by ``user``; the ephemeral answer's text."""
    name = f"slash-{uuid.uuid4().hex[:8]}"
    command = slash_command(text, user=user, response_url=bot.api.response_url(name))
    assert (await bot.send(urlencode(command))).status == 200

    async def answered() -> list[dict[str, Any]]:
        return bot.api.responses.get(name, [])

    (reply,) = await eventually(answered)
    assert reply["response_type"] == "ephemeral"
    return str(reply["text"])


def in_channel(api: SlackApi, channel: str) -> list[dict[str, Any]]:
    return [message for (where, _), message in api.messages.items() if where == channel]


def in_dm(api: SlackApi, slack_user: str) -> list[dict[str, Any]]:
    """Messages in the bot's DM with ``slack_user`` (the stand-in names it ``D<user>``)."""
    return in_channel(api, f"D{slack_user}")


async def dm_cards(api: SlackApi, *slack_users: str) -> list[list[dict[str, Any]]]:
    """Each user's DM cards, once every one of them has some."""
    cards = [[m for m in in_dm(api, user) if m.get("blocks")] for user in slack_users]
    return cards if all(cards) else []


async def dm_notices(api: SlackApi, slack_user: str) -> list[str]:
    """Notices are DMs of text alone; cards carry blocks."""
    return [m["text"] for m in in_dm(api, slack_user) if not m.get("blocks")]


def button_values(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The card's buttons: action id -> the decision and stage the button acts on."""
    return {
        element["action_id"]: json.loads(element["value"])
        for block in card["blocks"]
        for element in [*block.get("elements", []), block.get("accessory") or {}]
        if element.get("type") == "button"
    }


async def handed_to(live: Harness, decision_id: str, person: str) -> DecisionState:
    """The decision's state once ``person`` is asked at its stage."""

    async def asked() -> DecisionState | None:
        state = await live.signoff.state(decision_id)
        return state if state.stage and person in state.stage.asked else None

    return await eventually(asked)


async def decided(live: Harness, decision_id: str, by: str = "alice") -> None:
    await live.signoff.perform(decision_id, "approve", by)
    assert (await final_state(live, decision_id)).status is Status.APPROVED


# -- request changes ----------------------------------------------------------------------


async def test_request_changes_ends_the_round_with_the_reviewers_instructions(
    live: Harness, bot: Bot
) -> None:
    decision_id = await submit(live)
    instructions = "Offer store credit instead; the card on file has expired."

    await bot.send(click(decision_id, "request_changes"))

    view = await modal(bot, "signoff:request_changes")
    assert json.loads(view["private_metadata"])["d"] == decision_id
    assert (await live.signoff.state(decision_id)).status is Status.PENDING
    assert await answer(bot, submission(view, typed("reason", instructions))) is None

    state = await final_state(live, decision_id)
    assert state.status is Status.CHANGES_REQUESTED
    assert state.outcome is not None
    assert (state.outcome.approved, state.outcome.decided_by) == (False, ["alice"])
    assert state.outcome.reason == instructions
    assert [(v.actor, v.reason) for v in votes(state)] == [("alice", instructions)]


async def test_request_changes_without_instructions_is_shown_in_the_modal(
    live: Harness, bot: Bot
) -> None:
    decision_id = await submit(live)
    await bot.send(click(decision_id, "request_changes"))
    view = await modal(bot, "signoff:request_changes")

    reply = await answer(bot, submission(view, typed("reason", "   ")))

    assert reply == {"response_action": "errors", "errors": {"reason": shared.REQUIRED}}
    await asyncio.sleep(0.3)
    assert votes(await live.signoff.state(decision_id)) == []


# -- escalate -------------------------------------------------------------------------------


async def test_escalate_moves_the_decision_to_the_next_stage_and_asks_its_people(
    live: Harness, bot: Bot
) -> None:
    decision_id = await submit(live, TWO_STAGES)
    await eventually(lambda: dm_cards(bot.api, "UALICE", "UBOB"))

    response = await bot.send(click(decision_id, "escalate", stage=0))

    assert response.status == 200

    async def escalated() -> DecisionState | None:
        state = await live.signoff.state(decision_id)
        return state if state.stage and state.stage.index == 1 else None

    state = await eventually(escalated)
    assert state.status is Status.PENDING
    assert state.stage is not None
    assert (state.stage.name, state.stage.asked) == ("heads", ["mona", "nico"])
    assert [(s.name, s.votes) for s in state.past_stages] == [("leads", [])]
    for (card,) in await eventually(lambda: dm_cards(bot.api, "UMONA", "UNICO")):
        assert button_values(card)["signoff:approve"] == {"d": decision_id, "s": 1}
    for slack_user in ("UMONA", "UNICO"):
        (notice,) = await eventually(lambda u=slack_user: dm_notices(bot.api, u))
        assert notice.startswith(f"<@{slack_user}> ⏫ Escalated to you")


async def test_escalating_from_an_out_of_date_card_is_refused_to_that_person(
    live: Harness, bot: Bot
) -> None:
    decision_id = await submit(live, TWO_STAGES)
    await live.signoff.perform(decision_id, "escalate", "bob")

    await bot.send(click(decision_id, "escalate", stage=0))

    told = await ephemeral(bot)
    assert (told["user"], told["channel"]) == ("UALICE", "C1")
    assert "out of date" in told["text"]
    state = await live.signoff.state(decision_id)
    assert state.stage is not None and state.stage.index == 1


# -- QA sampling ----------------------------------------------------------------------------


async def test_an_automatic_approval_sampled_for_qa_asks_the_leads_to_look_back_in_slack(
    live: Harness, bot: Bot
) -> None:
    candidates = (f"qa-{n}-{uuid.uuid4().hex[:6]}" for n in range(1000))
    decision_id = next(c for c in candidates if qa_sampled(c, 0.5))
    await submit(live, "slack-auto-qa", id=decision_id, confidence=0.95, risk_tier=RiskTier.LOW)

    ((card,), _) = await eventually(lambda: dm_cards(bot.api, "UALICE", "UBOB"))
    assert BADGE_SAMPLED in json.dumps(card, ensure_ascii=False)
    assert {"signoff:thumb_up", "signoff:thumb_down"} <= set(button_values(card))

    await bot.send(click(decision_id, "thumb_down", user="UBOB"))

    async def thumbs() -> dict[str, str]:
        return dict((await live.signoff.state(decision_id)).feedback.thumbs)

    assert await eventually(thumbs) == {"bob": "down"}


# -- delegate -------------------------------------------------------------------------------


async def test_delegate_hands_the_vote_to_the_picked_person_who_is_then_asked(
    live: Harness, bot: Bot
) -> None:
    decision_id = await submit(live, TWO_STAGES)
    await bot.send(click(decision_id, "delegate"))
    view = await modal(bot, "signoff:delegate")
    picker = next(b for b in view["blocks"] if b["block_id"] == "delegate")["element"]
    assert picker["type"] == "users_select"

    assert await answer(bot, submission(view, picked_user("UTESS"))) is None

    state = await handed_to(live, decision_id, "tess")
    assert state.stage is not None and state.stage.asked == ["tess", "bob"]
    ((card,),) = await eventually(lambda: dm_cards(bot.api, "UTESS"))
    assert button_values(card)["signoff:approve"] == {"d": decision_id, "s": 0}
    (notice,) = await eventually(lambda: dm_notices(bot.api, "UTESS"))
    assert notice.startswith("<@UTESS> 📥 Assigned to you: alice asked you")

    await bot.send(click(decision_id, "approve", user="UTESS"))

    state = await final_state(live, decision_id)
    assert state.status is Status.APPROVED
    assert state.outcome is not None and state.outcome.decided_by == ["tess"]


@pytest.mark.parametrize(
    ("slack_user", "error"),
    [("UALICE", messages.DELEGATE_SELF), ("USTRANGER", messages.DELEGATE_NOT_LINKED)],
    ids=["yourself", "unlinked-user"],
)
async def test_delegating_to_yourself_or_an_unlinked_user_is_shown_in_the_modal(
    live: Harness, bot: Bot, slack_user: str, error: str
) -> None:
    decision_id = await submit(live)
    await bot.send(click(decision_id, "delegate"))
    view = await modal(bot, "signoff:delegate")
    before = await live.signoff.state(decision_id)

    reply = await answer(bot, submission(view, picked_user(slack_user)))

    assert reply == {"response_action": "errors", "errors": {"delegate": error}}
    await asyncio.sleep(0.3)
    assert await live.signoff.state(decision_id) == before
    assert before.stage is not None and before.stage.asked == ["alice", "bob"]
    assert "chat.postEphemeral" not in [call.method for call in bot.api.calls]


async def test_a_slack_too_slow_to_say_who_was_picked_asks_to_submit_again(
    live: Harness, bot: Bot
) -> None:
    bot.api.profiles["UTESS2"] = {"email": "tess@example.com"}
    bot.api.delays["users.info"] = 3.0  # past what fits in Slack's 3-second ack
    decision_id = await submit(live, TWO_STAGES)
    await bot.send(click(decision_id, "delegate"))
    view = await modal(bot, "signoff:delegate")

    reply = await answer(bot, submission(view, picked_user("UTESS2")))

    assert reply == {"response_action": "errors", "errors": {"delegate": messages.DELEGATE_SLOW}}
    state = await live.signoff.state(decision_id)
    assert state.stage is not None and "tess" not in state.stage.asked


async def test_a_delegate_linked_only_by_email_can_be_picked(live: Harness, bot: Bot) -> None:
    bot.api.profiles["UTESS2"] = {"email": "tess@example.com"}  # tess, under another Slack id
    decision_id = await submit(live, TWO_STAGES)
    await bot.send(click(decision_id, "delegate"))
    view = await modal(bot, "signoff:delegate")

    assert await answer(bot, submission(view, picked_user("UTESS2"))) is None

    await handed_to(live, decision_id, "tess")


# -- override -------------------------------------------------------------------------------


async def test_a_manager_overrides_a_final_decision_from_slack(
    live: Harness, bot: Bot, store: Store
) -> None:
    decision_id = await submit(live, TWO_STAGES)
    await eventually(lambda: dm_cards(bot.api, "UALICE", "UBOB"))  # the approvers were asked
    await decided(live, decision_id)
    reason = "Chargeback filed by the customer's bank."

    await bot.send(click(decision_id, "override", user="UMONA"))

    view = await modal(bot, "signoff:override")
    verdicts = next(b for b in view["blocks"] if b["block_id"] == "verdict")["element"]
    assert [o["value"] for o in verdicts["options"]] == ["approve", "reject"]
    values = {**chosen_verdict("reject"), **typed("reason", reason)}
    assert await answer(bot, submission(view, values, user="UMONA")) is None

    async def overridden() -> DecisionState | None:
        state = await live.signoff.state(decision_id)
        return state if state.status is Status.OVERRIDDEN else None

    outcome = (await eventually(overridden)).outcome
    assert outcome is not None and outcome.approved is False
    assert outcome.reason == reason
    assert [(o.actor, o.verdict, o.reason, o.previous_status) for o in outcome.overrides] == [
        ("mona", "reject", reason, Status.APPROVED)
    ]
    assert (outcome.decided_by, outcome.standing_on) == (["alice"], ["mona"])

    async def audited() -> list[Any]:
        events = await store.events(decision_id)
        return [e for e in events if e.kind is AuditKind.OVERRIDDEN]

    (event,) = await eventually(audited)
    assert (event.actor, event.data["verdict"], event.data["reason"]) == ("mona", "reject", reason)

    async def every_card_shows_it() -> bool:
        cards = [*in_channel(bot.api, "C1"), *in_dm(bot.api, "UALICE"), *in_dm(bot.api, "UBOB")]
        return len(cards) == 3 and all("*Overridden* by mona" in json.dumps(c) for c in cards)

    assert await eventually(every_card_shows_it)


async def test_an_override_by_someone_who_is_not_a_manager_is_refused_to_them_alone(
    live: Harness, bot: Bot
) -> None:
    decision_id = await submit(live, TWO_STAGES)
    await decided(live, decision_id)
    await bot.send(click(decision_id, "override", user="UBOB"))
    view = await modal(bot, "signoff:override")

    values = {**chosen_verdict("reject"), **typed("reason", "I disagree with Alice.")}
    assert await answer(bot, submission(view, values, user="UBOB")) is None

    told = await ephemeral(bot)
    assert (told["user"], told["channel"]) == ("UBOB", "C1")
    assert told["text"] == "Only managers can override; they are: mona, nico."
    state = await live.signoff.state(decision_id)
    assert state.status is Status.APPROVED
    assert state.outcome is not None and state.outcome.overrides == []


# -- feedback and reading -------------------------------------------------------------------


async def test_a_suggested_correction_on_a_final_card_is_recorded_as_feedback(
    live: Harness, bot: Bot, store: Store
) -> None:
    decision_id = await submit(live)
    await decided(live, decision_id)
    correction = "Refund $80: only the lid of the parcel was damaged."

    await bot.send(click(decision_id, "correction", user="UBOB"))
    view = await modal(bot, "signoff:correction")
    assert await answer(bot, submission(view, typed("reason", correction), user="UBOB")) is None

    async def corrections() -> list[tuple[str | None, str | None]]:
        feedback = (await live.signoff.state(decision_id)).feedback
        return [(c.actor, c.detail) for c in feedback.corrections]

    assert await eventually(corrections) == [("bob", correction)]

    async def stored() -> list[tuple[str, str]]:
        return [(c["actor"], c["text"]) for c in (await store.feedback(decision_id))["corrections"]]

    assert await eventually(stored) == [("bob", correction)]


async def test_view_full_shows_the_whole_of_a_long_proposal(live: Harness, bot: Bot) -> None:
    # Longer than one Slack section holds, and with characters Slack markup would eat.
    proposal = "\n".join(
        f"{n:03d}. Refund <item {n}> & its shipping to the customer's card_on_file *now*."
        for n in range(1, 121)
    )
    decision_id = await submit(live, "first-lead", proposal=Proposal(text=proposal))

    await bot.send(click(decision_id, "view_full"))

    view = await modal(bot)
    assert view["title"]["text"] == messages.MODAL_TITLES["view_full"]
    assert len(view["blocks"]) > 1
    # plain text, so Slack shows it as written rather than as markup
    assert {b["text"]["type"] for b in view["blocks"]} == {"plain_text"}
    assert "".join(b["text"]["text"] for b in view["blocks"]) == proposal


# -- /signoff ---------------------------------------------------------------------------------


async def test_signoff_pending_lists_what_waits_for_the_caller(live: Harness, bot: Bot) -> None:
    waiting = await submit(live)
    done = await submit(live)
    await decided(live, done, by="bob")

    async def listed() -> bool:
        ids = {d.decision_id for d in await live.signoff.pending("alice")}
        return waiting in ids and done not in ids

    await eventually(listed)  # visibility lags the workflow a little

    lines = (await slash(bot, "pending")).splitlines()

    assert lines[0] == shared.PENDING_HEADING
    line = messages.PENDING_LINE.format(
        decision_id=waiting, use_case="refunds", risk_tier="medium", stage="leads"
    )
    assert line in lines
    assert not any(done in shown for shown in lines)


async def test_signoff_pending_says_so_when_nothing_waits(live: Harness, bot: Bot) -> None:
    # Rita only ever requests decisions; her Slack account is linked by its e-mail.
    bot.api.profiles["URITA"] = {"email": "rita@example.com"}
    await submit(live)  # waits for alice and bob, not for her

    assert await slash(bot, "pending", user="URITA") == shared.NOTHING_PENDING


@pytest.mark.parametrize("text", ["", "help", "pending now", "show"])
async def test_an_unknown_subcommand_answers_the_usage(bot: Bot, text: str) -> None:
    assert await slash(bot, text) == messages.USAGE


# -- comments ---------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["UP07", "UALICE"], ids=["not involved", "asked"])
async def test_slack_takes_no_comment_even_from_a_comment_form_it_never_drew(
    live: Harness, bot: Bot, store: Store, user: str
) -> None:
    """Slack's cards have no comment button and its modals no comment form: a signed
    submission of one (what a person could only send by building it themselves) is
    answered without a 5xx and records nothing, from someone the decision does not
    involve or from an approver it asks."""
    decision_id = await submit(live, TWO_STAGES)
    metadata = json.dumps({"k": "comment", "d": decision_id, "s": 0, "c": "C1"})
    view = {"type": "modal", "callback_id": "signoff:comment", "private_metadata": metadata}
    before = await live.signoff.state(decision_id)

    response = await bot.send(submission(view, typed("reason", "Approve it."), user=user))

    assert response.status < 500
    await asyncio.sleep(0.3)
    assert await live.signoff.state(decision_id) == before
    kinds = [e.kind for e in await store.events(decision_id)]
    assert AuditKind.COMMENTED not in kinds
