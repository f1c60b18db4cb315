"""The boundary to Microsoft Teams' Bot Framework connector: settings, an outbound
client with retries, and the keys that sign inbound tokens. The bot in ``bots/teams``
renders cards and handles clicks."""

from signoff.adapters.teams.connector import (
    ConnectorError,
    TeamsConnector,
    TokenSource,
    token_source,
)
from signoff.adapters.teams.signing_keys import SigningKey, SigningKeys
from signoff.adapters.teams.teams_settings import TeamsSettings, teams_settings

__all__ = [
    "ConnectorError",
    "SigningKey",
    "SigningKeys",
    "TeamsConnector",
    "TeamsSettings",
    "TokenSource",
    "teams_settings",
    "token_source",
]
