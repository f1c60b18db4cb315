"""The boundary to Slack's Web API: its settings and a client that retries rate limits,
server errors and dropped connections. The bot in ``bots/slack`` renders and posts."""

from signoff.adapters.slack.client import make_client, retry_handlers
from signoff.adapters.slack.slack_settings import SlackSettings, slack_settings

__all__ = ["SlackSettings", "make_client", "retry_handlers", "slack_settings"]
