"""The secret the console signs its session cookies with, checked before the server
starts: ``signoff serve`` refuses to let people sign in without one (any cookie it set
would be forgeable or lost at restart), and ``signoff dev`` keeps one of its own."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import SecretStr

from signoff.app.kept_secret import kept_secret
from signoff.core.catalog import ConfigError
from signoff.core.settings import Settings

__all__ = ["check_console_secret", "dev_console_secret"]

DEV_SECRET_FILE = "console-secret"
MIN_SECRET_CHARS = 32
MISSING = (
    "People can sign in to the console here (SIGNOFF_OIDC_ISSUER is set) but"
    " SIGNOFF_CONSOLE_SECRET is not, so the server will not start: set it to at least"
    f" {MIN_SECRET_CHARS} random characters, e.g. from"
    " `python -c 'import secrets; print(secrets.token_urlsafe(32))'`."
)
TOO_SHORT = (
    f"SIGNOFF_CONSOLE_SECRET is shorter than {MIN_SECRET_CHARS} characters, so the server"
    " will not start: anyone could guess it and sign cookies as anyone."
)


def check_console_secret(settings: Settings) -> None:
    """Refuse a short secret, and a missing one where people can sign in; a server
    nobody signs in to needs none.

    Raises:
        ConfigError: with the one sentence to show the operator.
    """
    secret = settings.console_secret
    if secret is None:
        if settings.oidc_issuer is not None:
            raise ConfigError(MISSING, field="console_secret")
        return
    if len(secret.get_secret_value()) < MIN_SECRET_CHARS:
        raise ConfigError(TOO_SHORT, field="console_secret")


def dev_console_secret(settings: Settings) -> tuple[Settings, Path | None]:
    """``signoff dev``'s settings with a console secret: the one set, else the one kept
    under the data directory (made there the first time; returned as the second item)."""
    if settings.console_secret is not None:
        return settings, None
    secret, created = kept_secret(
        settings.data_dir / DEV_SECRET_FILE, lambda: secrets.token_urlsafe(32)
    )
    return settings.model_copy(update={"console_secret": SecretStr(secret)}), created
