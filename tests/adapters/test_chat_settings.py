"""Slack and Teams turn on from the environment; empty values (as docker compose passes
for unset variables) count as unset, and half a configuration is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from signoff.adapters.slack import slack_settings
from signoff.adapters.teams import teams_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env file
    for name in (
        "SIGNOFF_SLACK_BOT_TOKEN",
        "SIGNOFF_SLACK_SIGNING_SECRET",
        "SIGNOFF_SLACK_APP_TOKEN",
        "SIGNOFF_TEAMS_APP_ID",
        "SIGNOFF_TEAMS_APP_PASSWORD",
        "SIGNOFF_TEAMS_APP_TYPE",
        "SIGNOFF_TEAMS_TENANT_ID",
        "SIGNOFF_TEAMS_ANONYMOUS",
    ):
        monkeypatch.delenv(name, raising=False)


def test_without_settings_neither_chat_is_on() -> None:
    assert slack_settings() is None
    assert teams_settings() is None


def test_empty_values_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNOFF_SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SIGNOFF_SLACK_SIGNING_SECRET", "")
    monkeypatch.setenv("SIGNOFF_SLACK_APP_TOKEN", "")
    monkeypatch.setenv("SIGNOFF_TEAMS_APP_ID", "")

    slack = slack_settings()

    assert slack is not None and (slack.signing_secret, slack.app_token) == (None, None)
    assert teams_settings() is None


def test_a_teams_app_id_without_its_password_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIGNOFF_TEAMS_APP_ID", "11111111-2222-3333-4444-555555555555")

    with pytest.raises(ValidationError, match="SIGNOFF_TEAMS_APP_PASSWORD"):
        teams_settings()


def test_a_single_tenant_bot_needs_its_tenant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNOFF_TEAMS_APP_ID", "11111111-2222-3333-4444-555555555555")
    monkeypatch.setenv("SIGNOFF_TEAMS_APP_PASSWORD", "secret")
    monkeypatch.setenv("SIGNOFF_TEAMS_APP_TYPE", "SingleTenant")

    with pytest.raises(ValidationError, match="SIGNOFF_TEAMS_TENANT_ID"):
        teams_settings()


def test_anonymous_teams_is_for_local_development_without_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIGNOFF_TEAMS_ANONYMOUS", "1")

    settings = teams_settings()

    assert settings is not None and settings.anonymous and settings.app_id == ""
