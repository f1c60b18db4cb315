"""Teams settings from the environment (``SIGNOFF_TEAMS_*``), apart from the core
:class:`signoff.core.settings.Settings` so Signoff runs without a Teams tenant."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from signoff.adapters.teams.signing_keys import BOT_FRAMEWORK_OPENID_METADATA

__all__ = ["TeamsSettings", "teams_settings"]

PUBLIC_SERVICE_URL = "https://smba.trafficmanager.net/teams/"


class TeamsSettings(BaseSettings):
    """What the Teams bot and channel need.

    With ``anonymous`` (local development only, as the Bot Framework Emulator does) the
    bot has no app id: inbound requests carry no token and outbound calls send none.
    Otherwise the app id and password of the Azure Bot registration are required.
    """

    model_config = SettingsConfigDict(
        env_prefix="SIGNOFF_TEAMS_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    app_id: str = Field(default="", description="The Azure Bot's Microsoft App ID")
    app_password: SecretStr = Field(default=SecretStr(""), description="Its client secret")
    app_type: Literal["MultiTenant", "SingleTenant"] = "MultiTenant"
    tenant_id: str | None = Field(
        default=None, description="The Microsoft 365 tenant; required for SingleTenant"
    )
    anonymous: bool = Field(default=False, description="No authentication: local development")
    service_url: str = Field(
        default=PUBLIC_SERVICE_URL,
        description="Where proactive messages go when no conversation reference names one",
    )
    openid_metadata_url: str = Field(
        default=BOT_FRAMEWORK_OPENID_METADATA,
        description="The OpenID metadata naming the keys that sign the Bot Framework's tokens",
    )

    @model_validator(mode="after")
    def _credentials(self) -> TeamsSettings:
        if self.anonymous or not self.app_id:
            return self  # local development, or Teams not configured at all
        if not self.app_password.get_secret_value():
            raise ValueError(
                "SIGNOFF_TEAMS_APP_ID is set but SIGNOFF_TEAMS_APP_PASSWORD is not "
                "(SIGNOFF_TEAMS_ANONYMOUS=1 runs without credentials, for local development only)"
            )
        if self.app_type == "SingleTenant" and not self.tenant_id:
            raise ValueError("a SingleTenant bot needs SIGNOFF_TEAMS_TENANT_ID")
        return self

    @property
    def base_url(self) -> str:
        return self.service_url if self.service_url.endswith("/") else self.service_url + "/"


def teams_settings() -> TeamsSettings | None:
    """Teams' settings when an app id (or anonymous mode) is configured, else None:
    Signoff runs without Teams and adds it where it is set up.

    Raises:
        pydantic.ValidationError: Teams is configured, but incompletely.
    """
    settings = TeamsSettings()
    return settings if settings.app_id or settings.anonymous else None
