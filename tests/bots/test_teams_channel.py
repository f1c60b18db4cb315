"""The Teams channel against a local Bot Framework connector, over real HTTP: cards
posted proactively into the policy's channel and approvers' personal chats, redraws of
the very activity posted, notices beside the card, and retries on 429 and 5xx."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from signoff.adapters.store import Store
from signoff.adapters.teams import ConnectorError, TeamsConnector, TeamsSettings, token_source
from signoff.bots.teams.channel import TeamsChannel
from signoff.bots.teams.conversations import conversation_key, message_key, user_key
from signoff.bots.teams.members import member_key
from signoff.core.channel_protocol import Channel, Notice
from signoff.core.models import ChannelTarget, Directory, Principal, Status
from tests.helpers.adaptive_cards import assert_valid_card, verbs
from tests.helpers.bot_connector import BotConnector
from tests.helpers.builders import make_outcome, make_state

TEAM_CHANNEL = "19:approvals@thread.tacv2"
SHARED = ChannelTarget(kind="teams", destination=TEAM_CHANNEL)
DMS = ChannelTarget(kind="teams", direct_messages=True)

DIRECTORY = Directory(
    people=[
        Principal(id="alice", name="Alice", identities={"teams": "aad-alice"}),
        Principal(id="bob", name="Bob", identities={"teams": "aad-bob"}),
        Principal(id="carol", name="Carol"),
        Principal(id="dave", name="Dave", identities={"teams": "aad-dave"}),
        Principal(id="erin", name="Erin", identities={"teams": "aad-erin"}),
    ]
)


@pytest.fixture
async def connector() -> AsyncIterator[BotConnector]:
    async with BotConnector() as server:
        yield server


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(f"sqlite:///{tmp_path / 'signoff.db'}")
    yield store
    await store.close()


def settings_for(connector: BotConnector) -> TeamsSettings:
    return TeamsSettings(anonymous=True, service_url=connector.service_url, tenant_id="t-1")


@pytest.fixture
async def channel(connector: BotConnector, store: Store) -> AsyncIterator[TeamsChannel]:
    settings = settings_for(connector)
    teams = TeamsChannel(
        TeamsConnector(token_source(settings), backoff=0.01), DIRECTORY, store, settings
    )
    yield teams
    await teams.close()


def card_of(activity: dict) -> dict:
    [attachment] = activity["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert_valid_card(attachment["content"])
    return attachment["content"]


def test_is_a_channel(channel: TeamsChannel) -> None:
    assert isinstance(channel, Channel)
    assert channel.kind == "teams"


async def test_the_shared_card_goes_to_the_policys_channel_and_refreshes_for_approvers(
    connector: BotConnector, channel: TeamsChannel
) -> None:
    card = await channel.post(make_state(), SHARED, None)

    [call] = connector.accepted("POST")
    assert call.conversation_id == TEAM_CHANNEL
    shown = card_of(call.body)
    assert verbs(shown) == set()  # everyone else only reads it while it is pending
    # alice and bob are asked; dave and erin are the managers who may override
    people = ["aad-alice", "aad-bob", "aad-dave", "aad-erin"]
    assert shown["refresh"]["userIds"] == [connector.mri(aad) for aad in people]
    assert card.message_id == message_key(TEAM_CHANNEL, card.ref["activity_id"])
    assert (card.ref["conversation_id"], card.ref["service_url"]) == (
        TEAM_CHANNEL,
        connector.service_url,
    )


async def test_refresh_names_people_by_their_teams_user_mri_as_teams_documents(
    connector: BotConnector, channel: TeamsChannel, store: Store
) -> None:
    """Teams refreshes a card for the user MRIs in ``refresh.userIds`` (``29:…``, at most
    60); an AAD object id there matches nobody, so approvers would never see their
    buttons. Signoff asks the channel's roster once per person and keeps the answer."""
    await channel.post(make_state(), SHARED, None)
    await channel.post(make_state(), SHARED, None)

    first, second = (card_of(call.body) for call in connector.accepted("POST"))
    user_ids = first["refresh"]["userIds"]
    assert 0 < len(user_ids) <= 60
    assert all(re.fullmatch(r"29:[^\s]+", user_id) for user_id in user_ids)
    assert not {"aad-alice", "aad-bob", "aad-dave", "aad-erin"} & set(user_ids)
    assert second["refresh"]["userIds"] == user_ids
    assert sorted(connector.member_lookups) == ["aad-alice", "aad-bob", "aad-dave", "aad-erin"]
    kept = await store.conversation("teams", member_key("aad-alice"))
    assert kept == {"mri": connector.mri("aad-alice"), "aad_object_id": "aad-alice"}


async def test_an_approver_gets_their_own_card_in_a_personal_chat_opened_proactively(
    connector: BotConnector, channel: TeamsChannel, store: Store
) -> None:
    card = await channel.post(make_state(), DMS, "alice")

    [created] = [c for c in connector.accepted("POST") if c.conversation_id is None]
    assert created.body["members"] == [{"id": "aad-alice"}]
    assert created.body["tenantId"] == "t-1"
    [posted] = [c for c in connector.accepted("POST") if c.conversation_id is not None]
    assert posted.conversation_id == card.ref["conversation_id"] == "a:personal-aad-alice"
    assert {"approve", "reject", "edit", "request_changes", "escalate", "delegate"} <= verbs(
        card_of(posted.body)
    )
    assert "override" not in verbs(card_of(posted.body))  # alice is not a manager
    saved = await store.conversation("teams", user_key("aad-alice"))
    assert saved is not None and saved["conversation_id"] == "a:personal-aad-alice"


async def test_a_captured_personal_chat_is_used_without_opening_a_new_one(
    connector: BotConnector, channel: TeamsChannel, store: Store
) -> None:
    captured = {
        "service_url": connector.service_url,
        "conversation_id": "a:installed-alice",
        "conversation_type": "personal",
    }
    await store.save_conversation("teams", user_key("aad-alice"), captured)

    card = await channel.post(make_state(), DMS, "alice")

    assert card.ref["conversation_id"] == "a:installed-alice"
    assert all(c.conversation_id is not None for c in connector.calls)


async def test_someone_without_a_teams_identity_is_skipped_not_retried(
    connector: BotConnector, channel: TeamsChannel
) -> None:
    card = await channel.post(make_state(), DMS, "carol")

    assert card.ref == {"skipped": "no teams identity"}
    assert connector.calls == []
    await channel.redraw(make_state(), card)  # nothing to redraw
    assert connector.calls == []


async def test_a_redraw_updates_the_posted_activity_with_the_outcome(
    connector: BotConnector, channel: TeamsChannel
) -> None:
    card = await channel.post(make_state(), SHARED, None)
    final = make_state(status=Status.APPROVED, outcome=make_outcome(), version=2)

    await channel.redraw(final, card)

    [update] = connector.accepted("PUT")
    assert (update.conversation_id, update.activity_id) == (TEAM_CHANNEL, card.ref["activity_id"])
    assert verbs(card_of(update.body)) == {"thumb_up", "thumb_down", "correction"}
    assert update.body["channelData"] == {"feedbackLoopEnabled": True}
    assert len(connector.accepted("POST")) == 1  # updated, not posted again


async def test_a_reminder_replies_beside_the_persons_card_and_mentions_them(
    connector: BotConnector, channel: TeamsChannel
) -> None:
    state = make_state()
    shared = await channel.post(state, SHARED, None)

    await channel.notify(
        state, SHARED, Notice(kind="reminder", recipients=["bob"], text="Due soon."), [shared]
    )

    reply = connector.accepted("POST")[-1]
    assert (reply.conversation_id, reply.activity_id) == (TEAM_CHANNEL, shared.ref["activity_id"])
    assert reply.body["text"].startswith("<at>Bob</at> ")
    assert "Due soon." in reply.body["text"]
    assert reply.body["entities"][0]["mentioned"] == {"id": "aad-bob", "name": "Bob"}


async def test_a_notice_to_someone_without_a_card_goes_to_their_personal_chat(
    connector: BotConnector, channel: TeamsChannel
) -> None:
    notice = Notice(kind="outcome", recipients=["erin"], text="Approved by Bob.")

    await channel.notify(make_state(), SHARED, notice)

    sent = connector.accepted("POST")[-1]
    assert sent.conversation_id == "a:personal-aad-erin"
    assert "Approved by Bob." in sent.body["text"]


async def test_a_rate_limit_is_retried_after_retry_after(
    connector: BotConnector, channel: TeamsChannel
) -> None:
    connector.fail_next(1, 429, retry_after=1)

    await channel.post(make_state(), SHARED, None)

    limited, accepted = connector.calls
    assert (limited.status, accepted.status) == (429, 201)
    assert accepted.received_at - limited.received_at >= 1.0


async def test_an_outage_that_outlasts_the_retries_fails_the_post_so_temporal_retries(
    connector: BotConnector, channel: TeamsChannel
) -> None:
    connector.fail_next(4, 503)

    with pytest.raises(ConnectorError) as raised:
        await channel.post(make_state(), SHARED, None)

    assert raised.value.status == 503
    assert [c.status for c in connector.calls] == [503] * 4
    assert connector.activities == {}


async def test_a_configured_bot_sends_its_token_with_every_call(connector: BotConnector) -> None:
    async def token() -> str:
        return "token-for-the-bot"

    client = TeamsConnector(token)
    try:
        await client.send(connector.service_url, TEAM_CHANNEL, {"type": "message", "text": "hi"})
    finally:
        await client.close()

    assert connector.calls[0].authorization == "Bearer token-for-the-bot"


async def test_an_anonymous_bot_sends_no_token(connector: BotConnector) -> None:
    client = TeamsConnector(token_source(settings_for(connector)))
    try:
        await client.send(connector.service_url, TEAM_CHANNEL, {"type": "message", "text": "hi"})
    finally:
        await client.close()

    assert connector.calls[0].authorization is None


async def test_a_captured_channel_reference_decides_where_the_shared_card_goes(
    connector: BotConnector, store: Store
) -> None:
    elsewhere = TeamsSettings(anonymous=True, service_url="http://127.0.0.1:9/", tenant_id="t-1")
    captured = {"service_url": connector.service_url, "conversation_id": TEAM_CHANNEL}
    await store.save_conversation("teams", conversation_key(TEAM_CHANNEL), captured)
    teams = TeamsChannel(TeamsConnector(token_source(elsewhere)), DIRECTORY, store, elsewhere)
    try:
        card = await teams.post(make_state(), SHARED, None)
    finally:
        await teams.close()

    assert card.ref["service_url"] == connector.service_url
    assert [c.conversation_id for c in connector.accepted("POST")] == [TEAM_CHANNEL]


async def test_a_personal_chat_is_opened_in_the_tenant_of_the_policys_captured_channel(
    connector: BotConnector, store: Store
) -> None:
    untenanted = TeamsSettings(anonymous=True, service_url="http://127.0.0.1:9/")
    captured = {
        "service_url": connector.service_url,
        "conversation_id": TEAM_CHANNEL,
        "tenant_id": "t-captured",
    }
    await store.save_conversation("teams", conversation_key(TEAM_CHANNEL), captured)
    both = ChannelTarget(kind="teams", destination=TEAM_CHANNEL, direct_messages=True)
    teams = TeamsChannel(TeamsConnector(token_source(untenanted)), DIRECTORY, store, untenanted)
    try:
        await teams.post(make_state(), both, "alice")
    finally:
        await teams.close()

    [created] = [c for c in connector.accepted("POST") if c.conversation_id is None]
    assert created.body["tenantId"] == "t-captured"
