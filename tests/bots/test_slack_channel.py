"""The Slack channel against a local Slack Web API, over real HTTP: cards posted where
the policy says, direct messages to approvers, redraws of the same message, notices,
and retries on 429 and 5xx."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_interval_calculators import (
    FixedValueRetryIntervalCalculator,
)
from slack_sdk.web.async_client import AsyncWebClient

from signoff.adapters.slack import SlackSettings, make_client
from signoff.bots.slack import SlackChannel
from signoff.bots.slack.blocks import ACTION_IDS, approval_blocks
from signoff.core.card_view import card_view
from signoff.core.channel_protocol import CardRef, Channel, Notice
from signoff.core.models import ChannelTarget, Directory, Principal, Status
from tests.helpers.builders import make_outcome, make_state
from tests.helpers.slack_api import TOKEN, SlackApi

SHARED = ChannelTarget(kind="slack", destination="C0APPROVALS")
DMS = ChannelTarget(kind="slack", direct_messages=True)

DIRECTORY = Directory(
    people=[
        Principal(id="alice", name="Alice", identities={"slack": "UALICE"}),
        Principal(id="bob", name="Bob", identities={"slack": "UBOB"}),
        Principal(id="dave", name="Dave", identities={"slack": "UDAVE"}),
        Principal(id="erin", name="Erin", identities={"teams": "29:erin"}),
    ]
)


def client_for(api: SlackApi, token: str = TOKEN) -> AsyncWebClient:
    settings = SlackSettings(bot_token=token, api_base_url=api.base_url)
    # A short fixed wait between 5xx retries keeps the tests fast; 429s wait Retry-After.
    return make_client(settings, interval_calculator=FixedValueRetryIntervalCalculator(0.05))


@pytest.fixture
def channel(api: SlackApi) -> SlackChannel:
    return SlackChannel(client_for(api), DIRECTORY)


def actions_of(blocks: list[dict]) -> set[str]:
    return {e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]}


def test_is_a_channel(channel: SlackChannel) -> None:
    assert isinstance(channel, Channel)
    assert channel.kind == "slack"


async def test_card_in_the_policy_channel_carries_the_approval_blocks(
    api: SlackApi, channel: SlackChannel
) -> None:
    state = make_state()

    card = await channel.post(state, SHARED, None)

    [call] = api.calls_to("chat.postMessage")
    assert call.authorization == f"Bearer {TOKEN}"
    assert call.args["channel"] == "C0APPROVALS"
    assert call.args["blocks"] == approval_blocks(card_view(state))
    assert ACTION_IDS["approve"] in actions_of(call.args["blocks"])
    assert state.request.title in call.args["text"]
    [(where, ts)] = api.messages  # the one message Slack now holds
    assert where == "C0APPROVALS"
    assert card == CardRef(channel="slack", recipient=None, ref={"channel": where, "ts": ts})


async def test_a_direct_message_opens_a_conversation_with_the_approvers_slack_id(
    api: SlackApi, channel: SlackChannel
) -> None:
    card = await channel.post(make_state(), DMS, "alice")

    [opened] = api.calls_to("conversations.open")
    assert opened.args["users"] == "UALICE"
    [posted] = api.calls_to("chat.postMessage")
    assert posted.args["channel"] == "DUALICE"
    assert card.recipient == "alice"
    [(where, ts)] = api.messages
    assert card.ref == {"channel": where, "ts": ts} == {"channel": "DUALICE", "ts": ts}


async def test_an_approver_without_a_slack_identity_gets_nothing_and_a_skipped_ref(
    api: SlackApi, channel: SlackChannel, caplog: pytest.LogCaptureFixture
) -> None:
    state = make_state()

    card = await channel.post(state, DMS, "erin")
    await channel.redraw(state, card)

    assert card == CardRef(channel="slack", recipient="erin", ref={"skipped": "no slack identity"})
    assert api.calls == []
    assert "erin has no Slack identity" in caplog.text


async def test_a_shared_card_needs_a_destination(channel: SlackChannel) -> None:
    with pytest.raises(ValueError, match="destination"):
        await channel.post(make_state(), DMS, None)


async def test_a_redraw_updates_the_same_message_with_the_final_status(
    api: SlackApi, channel: SlackChannel
) -> None:
    card = await channel.post(make_state(), SHARED, None)
    final = make_state(status=Status.APPROVED, outcome=make_outcome(), version=2)

    await channel.redraw(final, card)

    [update] = api.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (card.ref["channel"], card.ref["ts"])
    blocks = approval_blocks(card_view(final))
    assert update.args["blocks"] == blocks
    assert ACTION_IDS["approve"] not in actions_of(blocks)
    assert api.messages[(card.ref["channel"], card.ref["ts"])]["blocks"] == blocks
    assert len(api.calls_to("chat.postMessage")) == 1  # updated, not posted again


@pytest.mark.parametrize("kind", ["reminder", "escalation", "assignment", "outcome"])
async def test_notices_to_people_without_a_card_reach_them_by_direct_message(
    api: SlackApi, channel: SlackChannel, kind: str
) -> None:
    notice = Notice(kind=kind, recipients=["dave", "bob"], text="Please look at this refund.")

    await channel.notify(make_state(), SHARED, notice)

    assert [c.args["users"] for c in api.calls_to("conversations.open")] == ["UDAVE", "UBOB"]
    posted = api.calls_to("chat.postMessage")
    assert [c.args["channel"] for c in posted] == ["DUDAVE", "DUBOB"]
    for call, user in zip(posted, ["UDAVE", "UBOB"], strict=True):
        assert call.args["text"].startswith(f"<@{user}> ")
        assert "Please look at this refund." in call.args["text"]


async def test_a_reminder_replies_in_the_thread_of_the_persons_own_card(
    api: SlackApi, channel: SlackChannel
) -> None:
    state = make_state()
    shared = await channel.post(state, SHARED, None)
    own = await channel.post(state, DMS, "bob")
    reminder = Notice(kind="reminder", recipients=["bob"], text="Due in an hour.")

    await channel.notify(state, DMS, reminder, [shared, own])

    reply = api.calls_to("chat.postMessage")[-1]
    assert (reply.args["channel"], reply.args["thread_ts"]) == (own.ref["channel"], own.ref["ts"])
    assert reply.args["text"].startswith("<@UBOB> ")
    assert "Due in an hour." in reply.args["text"]


async def test_a_reminder_to_someone_with_only_the_shared_card_mentions_them_in_its_thread(
    api: SlackApi, channel: SlackChannel
) -> None:
    state = make_state()
    shared = await channel.post(state, SHARED, None)
    reminder = Notice(kind="reminder", recipients=["dave"], text="Due in an hour.")

    await channel.notify(state, SHARED, reminder, [shared])

    reply = api.calls_to("chat.postMessage")[-1]
    assert (reply.args["channel"], reply.args["thread_ts"]) == ("C0APPROVALS", shared.ref["ts"])
    assert reply.args["text"].startswith("<@UDAVE> ")
    assert api.calls_to("conversations.open") == []


async def test_a_dm_conversation_is_opened_once_per_person(
    api: SlackApi, channel: SlackChannel
) -> None:
    await channel.post(make_state(), DMS, "alice")
    await channel.notify(make_state(), DMS, Notice(kind="outcome", recipients=["alice"], text="x"))

    assert len(api.calls_to("conversations.open")) == 1
    assert len(api.calls_to("chat.postMessage")) == 2


async def test_a_notice_without_recipients_goes_to_the_shared_channel(
    api: SlackApi, channel: SlackChannel
) -> None:
    await channel.notify(make_state(), SHARED, Notice(kind="outcome", recipients=[], text="done"))

    [call] = api.calls_to("chat.postMessage")
    assert call.args["channel"] == "C0APPROVALS"


async def test_a_rate_limit_is_retried_after_retry_after(
    api: SlackApi, channel: SlackChannel
) -> None:
    api.fail_next(1, 429, retry_after=1)

    card = await channel.post(make_state(), SHARED, None)

    limited, accepted = api.calls
    assert (limited.status, accepted.status) == (429, 200)
    assert accepted.received_at - limited.received_at >= 1.0
    assert list(api.messages) == [(card.ref["channel"], card.ref["ts"])]  # posted once


async def test_server_errors_are_retried(api: SlackApi, channel: SlackChannel) -> None:
    api.fail_next(2, 500)

    card = await channel.post(make_state(), SHARED, None)

    assert [c.status for c in api.calls] == [500, 500, 200]
    assert (card.ref["channel"], card.ref["ts"]) in api.messages


async def test_an_outage_beyond_the_retries_propagates(
    api: SlackApi, channel: SlackChannel
) -> None:
    api.fail_next(4, 503)

    with pytest.raises(SlackApiError) as raised:
        await channel.post(make_state(), SHARED, None)

    assert raised.value.response.status_code == 503
    assert len(api.calls) == 4  # the first attempt and three retries
    assert api.messages == {}


async def test_an_invalid_token_surfaces_as_an_error(api: SlackApi) -> None:
    channel = SlackChannel(client_for(api, token="xoxb-wrong"), DIRECTORY)

    with pytest.raises(SlackApiError) as raised:
        await channel.post(make_state(), SHARED, None)

    assert raised.value.response["error"] == "invalid_auth"
    assert api.messages == {}


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNOFF_SLACK_BOT_TOKEN", "xoxb-from-env")
    monkeypatch.setenv("SIGNOFF_SLACK_SIGNING_SECRET", "shh")

    settings = SlackSettings(_env_file=None)

    assert settings.bot_token.get_secret_value() == "xoxb-from-env"
    assert settings.signing_secret is not None
    assert settings.app_token is None
    assert settings.api_base_url == "https://slack.com/api/"
    client = make_client(settings.model_copy(update={"api_base_url": "http://x/api"}))
    assert client.base_url == "http://x/api/"
    assert client.token == "xoxb-from-env"


# Carol and Fay are linked by e-mail alone: Slack says who they are.
BY_EMAIL = Directory(
    people=[
        *DIRECTORY.people,
        Principal(id="carol", name="Carol", email="carol@example.com"),
        Principal(id="fay", name="Fay", email="fay@example.com"),
    ]
)


@pytest.fixture
def by_email(api: SlackApi) -> SlackChannel:
    api.profiles["UCAROL"] = {"email": "carol@example.com"}
    return SlackChannel(client_for(api), BY_EMAIL)


async def test_an_approver_known_by_e_mail_gets_a_direct_message_found_by_lookup_by_email(
    api: SlackApi, by_email: SlackChannel
) -> None:
    card = await by_email.post(make_state(), DMS, "carol")
    again = await by_email.post(make_state(), DMS, "carol")

    [lookup] = api.calls_to("users.lookupByEmail")  # asked once, then remembered
    assert lookup.args["email"] == "carol@example.com"
    assert [c.args["channel"] for c in api.calls_to("chat.postMessage")] == ["DUCAROL"] * 2
    assert card.recipient == again.recipient == "carol"
    assert card.ref["channel"] == "DUCAROL"


async def test_an_e_mail_slack_does_not_know_skips_the_card_and_says_so_in_the_log(
    api: SlackApi, by_email: SlackChannel, caplog: pytest.LogCaptureFixture
) -> None:
    state = make_state()

    card = await by_email.post(state, DMS, "fay")
    await by_email.redraw(state, card)

    assert card.recipient == "fay"
    assert "skipped" in card.ref
    assert [c.method for c in api.calls] == ["users.lookupByEmail"]
    assert "users_not_found" in caplog.text
    assert "fay" in caplog.text


async def test_a_notice_reaches_a_person_known_by_e_mail(
    api: SlackApi, by_email: SlackChannel
) -> None:
    notice = Notice(kind="reminder", recipients=["carol", "fay"], text="Due in an hour.")

    await by_email.notify(make_state(), DMS, notice)

    [posted] = api.calls_to("chat.postMessage")  # fay: Slack knows nobody by her e-mail
    assert posted.args["channel"] == "DUCAROL"
    assert posted.args["text"].startswith("<@UCAROL> ")
