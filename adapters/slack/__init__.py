"""Slack for Signoff: the Web API client, settings, and the channel that posts cards."""

from adapters.slack.channel import SlackChannel
from adapters.slack.client import make_client, retry_handlers
from adapters.slack.settings import SlackSettings

__all__ = ["SlackChannel", "SlackSettings", "make_client", "retry_handlers"]
