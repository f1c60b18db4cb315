"""Channels that need no chat workspace: the terminal and signed webhooks."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console

from signoff.adapters.channels.console import ConsoleChannel, render_card
from signoff.adapters.channels.webhook import WebhookChannel, WebhookEvent
from signoff.core.channel_protocol import Channel
from signoff.core.settings import Settings

__all__ = [
    "ConsoleChannel",
    "WebhookChannel",
    "WebhookEvent",
    "build_channels",
    "close_channels",
    "render_card",
]


def build_channels(settings: Settings, console: Console | None = None) -> dict[str, Channel]:
    """The channels a worker offers by kind: the console always, and webhooks whenever
    there is a secret to sign them with (a policy's channel names its URL, else the
    outcome webhook's is used).

    Slack and Teams channels are added by their own adapters; this covers what runs
    with nothing but Signoff installed.
    """
    channels: dict[str, Channel] = {"console": ConsoleChannel(console)}
    if settings.webhook_secret is not None:
        channels["webhook"] = WebhookChannel(
            settings.webhook_secret, default_url=settings.outcome_webhook_url
        )
    return channels


async def close_channels(channels: Mapping[str, Channel]) -> None:
    """Release the HTTP sessions channels hold; for a plugin's ``run_context`` exit."""
    for channel in channels.values():
        close = getattr(channel, "close", None)
        if close is not None:
            await close()
