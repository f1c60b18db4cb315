"""The console and webhook channels, as a person at the terminal or a receiver sees them."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator

import pytest
from rich.console import Console

from signoff.adapters.channels import (
    ConsoleChannel,
    WebhookChannel,
    WebhookEvent,
    build_channels,
    close_channels,
)
from signoff.core.catalog import ConfigError
from signoff.core.channel_protocol import CardRef, Channel, Notice
from signoff.core.models import ChannelTarget, DecisionState, Status
from signoff.core.settings import Settings
from tests.helpers.builders import make_outcome, make_request, make_state
from tests.helpers.http_recorder import HttpRecorder, RecordedRequest
from tests.helpers.standard_webhooks import SECRET, received


@pytest.fixture
async def channel(server: HttpRecorder) -> AsyncIterator[WebhookChannel]:
    webhook = WebhookChannel(SECRET, default_url=server.url)
    yield webhook
    await webhook.close()


def event_of(request: RecordedRequest) -> WebhookEvent:
    return WebhookEvent.model_validate(received(request))


def approved(state: DecisionState) -> DecisionState:
    return state.model_copy(
        update={"status": Status.APPROVED, "outcome": make_outcome(), "version": 2}
    )


async def test_webhook_posts_a_signed_card(server: HttpRecorder, channel: WebhookChannel) -> None:
    state = make_state()
    card = await channel.post(state, ChannelTarget(kind="webhook"), recipient=None)

    event = event_of(server.requests[0])
    assert event.type == "card.posted"
    assert event.card == card
    assert event.state == state
    assert event.notice is None
    assert (card.channel, card.recipient, card.ref["url"]) == ("webhook", None, server.url)


async def test_webhook_redraw_sends_the_new_state_to_the_same_card(
    server: HttpRecorder, channel: WebhookChannel
) -> None:
    state = make_state()
    card = await channel.post(state, ChannelTarget(kind="webhook"), recipient="alice")
    await channel.redraw(approved(state), card)

    posted, updated = (event_of(r) for r in server.requests)
    assert updated.type == "card.updated"
    assert updated.card == posted.card
    assert updated.state.status is Status.APPROVED
    assert updated.state.outcome is not None
    keys = [r.headers["webhook-id"] for r in server.requests]
    assert len(set(keys)) == 2


async def test_webhook_redraw_of_the_same_version_repeats_its_key(
    server: HttpRecorder, channel: WebhookChannel
) -> None:
    state = make_state()
    card = await channel.post(state, ChannelTarget(kind="webhook"), recipient=None)
    await channel.redraw(state, card)
    await channel.redraw(state, card)
    _, first, again = (r.headers["webhook-id"] for r in server.requests)
    assert first == again


async def test_webhook_notice_event(server: HttpRecorder, channel: WebhookChannel) -> None:
    notice = Notice(kind="reminder", recipients=["alice", "bob"], text="Still waiting on you")
    await channel.notify(make_state(), ChannelTarget(kind="webhook"), notice)

    event = event_of(server.requests[0])
    assert (event.type, event.notice, event.card) == ("notice", notice, None)


async def test_webhook_target_destination_wins_over_the_default(server: HttpRecorder) -> None:
    channel = WebhookChannel(SECRET, default_url="http://127.0.0.1:9/unused")
    try:
        target = ChannelTarget(kind="webhook", destination=server.url)
        card = await channel.post(make_state(), target, recipient=None)
    finally:
        await channel.close()
    assert card.ref["url"] == server.url
    assert len(server.requests) == 1


async def test_webhook_without_any_url_is_a_config_error() -> None:
    channel = WebhookChannel(SECRET)
    with pytest.raises(ConfigError, match="needs a URL"):
        await channel.post(make_state(), ChannelTarget(kind="webhook"), recipient=None)
    await channel.close()


async def test_console_card_shows_title_status_and_who_is_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    screen = Console(file=io.StringIO(), width=120, color_system=None)
    channel = ConsoleChannel(screen)
    state = make_state(request=make_request(title="Refund [40 EUR] for order 1042"))

    with caplog.at_level(logging.INFO, logger="signoff.console"):
        card = await channel.post(state, ChannelTarget(kind="console"), recipient=None)

    shown = screen.file.getvalue()
    for text in (shown, caplog.text):
        assert "Refund [40 EUR] for order 1042 [pending]" in text
        assert "waiting on alice, bob" in text
        assert "confidence 0.82" in text
        assert "deadline 2025-03-04 11:30 UTC" in text
    assert card == CardRef(channel="console", recipient=None, ref={"line": 1})


async def test_console_redraw_shows_the_outcome(caplog: pytest.LogCaptureFixture) -> None:
    channel = ConsoleChannel()
    state = make_state()
    card = await channel.post(state, ChannelTarget(kind="console"), recipient="bob")
    with caplog.at_level(logging.INFO, logger="signoff.console"):
        await channel.redraw(approved(state), card)

    assert "card #1 updated" in caplog.text
    assert "[approved]" in caplog.text
    assert "outcome approved by alice" in caplog.text
    assert "waiting on" not in caplog.text


async def test_console_card_of_a_sampled_automatic_approval_asks_for_a_look_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    state = make_state(status=Status.AUTO_APPROVED, stage=None, sampled_for_qa=True)
    with caplog.at_level(logging.INFO, logger="signoff.console"):
        await ConsoleChannel().post(state, ChannelTarget(kind="console"), recipient="alice")

    assert "picked for a QA look back" in caplog.text


async def test_console_truncates_a_long_proposal(caplog: pytest.LogCaptureFixture) -> None:
    channel = ConsoleChannel(proposal_chars=40)
    request = make_request(proposal={"text": "word " * 200})
    with caplog.at_level(logging.INFO, logger="signoff.console"):
        await channel.post(make_state(request=request), ChannelTarget(kind="console"), None)
    [proposal] = [line for line in caplog.text.splitlines() if "proposal:" in line]
    assert proposal.endswith("…")
    assert len(proposal.split("proposal: ", 1)[1]) == 40


async def test_console_notice_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    notice = Notice(kind="escalation", recipients=["dave"], text="Escalated to managers")
    with caplog.at_level(logging.INFO, logger="signoff.console"):
        await ConsoleChannel().notify(make_state(), ChannelTarget(kind="console"), notice)
    assert "escalation for dave on refund-1042: Escalated to managers" in caplog.text


async def test_build_channels_adds_webhook_only_with_a_secret(server: HttpRecorder) -> None:
    unsigned = Settings(_env_file=None, outcome_webhook_url=server.url)
    assert list(build_channels(unsigned)) == ["console"]

    channels = build_channels(unsigned.model_copy(update={"webhook_secret": SECRET}))
    try:
        assert list(channels) == ["console", "webhook"]
        assert all(isinstance(c, Channel) for c in channels.values())
        await channels["webhook"].post(make_state(), ChannelTarget(kind="webhook"), None)
    finally:
        await close_channels(channels)
    assert len(server.requests) == 1
