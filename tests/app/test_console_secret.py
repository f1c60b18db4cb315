"""The console's cookie secret: required where people can sign in, never a short one,
and `signoff dev`'s own kept under its data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff.app.console_secret import check_console_secret, dev_console_secret
from signoff.core.catalog import ConfigError
from signoff.core.settings import Settings

ISSUER = {"oidc_issuer": "https://login.example.com", "oidc_audience": "signoff"}


def test_a_server_people_sign_in_to_refuses_to_start_without_a_secret() -> None:
    with pytest.raises(ConfigError, match="SIGNOFF_CONSOLE_SECRET is not"):
        check_console_secret(Settings(**ISSUER))


def test_a_server_nobody_signs_in_to_needs_none() -> None:
    check_console_secret(Settings())


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ConfigError, match="shorter than 32"):
        check_console_secret(Settings(**ISSUER, console_secret="hunter2"))


def test_dev_keeps_one_secret_of_its_own(tmp_path: Path) -> None:
    settings, created = dev_console_secret(Settings(data_dir=tmp_path))
    assert created == tmp_path / "console-secret"
    assert created.stat().st_mode & 0o077 == 0
    again, created_again = dev_console_secret(Settings(data_dir=tmp_path))
    assert created_again is None
    assert settings.console_secret == again.console_secret
    check_console_secret(settings.model_copy(update=ISSUER))
