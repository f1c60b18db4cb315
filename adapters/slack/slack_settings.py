"""Slack settings from the environment (``SIGNOFF_SLACK_*``), apart from the core
:class:`signoff.core.settings.Settings` so Signoff runs without a Slack workspace."""

from __future__ import annotations

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["SlackSettings", "slack_settings"]


class SlackSettings(BaseSettings):
    """What the Slack channel and bot need.

    ``api_base_url`` points the Web API client elsewhere, e.g. at a local stand-in in
    tests; it must end with ``/``, as slack_sdk joins method names onto it.
    """

    model_config = SettingsConfigDict(
        env_prefix="SIGNOFF_SLACK_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    bot_token: SecretStr = Field(description="The bot user OAuth token, xoxb-...")
    signing_secret: SecretStr | None = Field(
        default=None, description="Verifies requests Slack sends to the bot over HTTP"
    )
    app_token: SecretStr | None = Field(
        default=None, description="An app-level token, xapp-..., to run in Socket Mode"
    )
    api_base_url: str = "https://slack.com/api/"


def slack_settings() -> SlackSettings | None:
    """Slack's settings when a bot token is configured, else None: Signoff runs without
    a Slack workspace, and adds Slack where one is set up."""
    try:
        return SlackSettings()
    except ValidationError:
        return None
