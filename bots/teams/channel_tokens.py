"""Who may post to ``/api/messages``: the Bot Framework's bearer token on each inbound
activity, checked as "Authentication with the Bot Connector API" (connector to bot) asks,
with the signing keys fetched without blocking (:class:`signoff.adapters.teams.SigningKeys`).

Why not botbuilder's check: its key fetch blocks the event loop, and a forged token
makes it raise ``KeyError``, ``IndexError``, ``requests`` errors or a bare ``Exception``
(an unendorsed channel, a disallowed algorithm) instead of refusing. Here every way a
token can fail is one :class:`Unauthorized`. Only channel tokens are accepted (issuer
``https://api.botframework.com``, the public cloud's); the Bot Framework Emulator runs
against an anonymous bot (``SIGNOFF_TEAMS_ANONYMOUS``), and Signoff is no skill host.
"""

from __future__ import annotations

from typing import Any

import jwt
from botbuilder.schema import Activity, CallerIdConstants
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.skills import BotFrameworkClient

from signoff.adapters.teams import SigningKeys

__all__ = ["ISSUER", "ChannelAuthentication", "Unauthorized", "channel_claims"]

ISSUER = "https://api.botframework.com"
ALGORITHMS = ("RS256", "RS384", "RS512")  # what the Bot Framework signs with
CLOCK_SKEW = 300  # seconds, as the Bot Connector documentation allows


class Unauthorized(PermissionError):
    """The request carries no token the Bot Framework issued for this bot and activity."""


async def channel_claims(
    auth_header: str, activity: Activity, *, app_id: str, keys: SigningKeys
) -> dict[str, Any]:
    """The claims of a valid channel token for ``activity``.

    Raises:
        Unauthorized: not ``Bearer <JWT>``; an algorithm the Bot Framework does not sign
            with; a key id it never published (or keys that cannot be fetched now); a key
            not endorsed for the activity's channel; a bad signature; another issuer or
            audience; expired; or a ``serviceurl`` other than the activity's.
    """
    scheme, _, token = auth_header.partition(" ")
    if scheme != "Bearer" or not token or " " in token:
        raise Unauthorized("expected 'Authorization: Bearer <token>'")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as err:
        raise Unauthorized(f"not a JWT: {err}") from None
    if header.get("alg") not in ALGORITHMS:
        raise Unauthorized("the token's algorithm is not one the Bot Framework signs with")
    kid = header.get("kid")
    signing = await keys.get(kid) if isinstance(kid, str) else None
    if signing is None:
        raise Unauthorized("the token is not signed with a published Bot Framework key")
    if not activity.channel_id or activity.channel_id not in signing.endorsements:
        raise Unauthorized(f"the signing key is not endorsed for channel {activity.channel_id!r}")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            signing.key.key,
            algorithms=list(ALGORITHMS),
            audience=app_id,
            issuer=ISSUER,
            leeway=CLOCK_SKEW,
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.PyJWTError as err:
        raise Unauthorized(f"the token is not valid: {err}") from None
    if claims.get("serviceurl") != activity.service_url:
        raise Unauthorized("the token's serviceurl is not the activity's serviceUrl")
    return claims


class ChannelAuthentication(BotFrameworkAuthentication):
    """botbuilder's authentication with :func:`channel_claims` as the check of a token;
    a request without one, and everything outbound, is left to ``inner``.

    Args:
        inner: botbuilder's authentication for the same app id.
        app_id: The bot's Microsoft App ID, the audience of its tokens.
        keys: The Bot Framework's signing keys.
    """

    def __init__(self, inner: BotFrameworkAuthentication, app_id: str, keys: SigningKeys) -> None:
        self._inner = inner
        self._app_id = app_id
        self.keys = keys

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        if not auth_header:  # refused unless the bot is anonymous; no key to fetch either way
            return await self._inner.authenticate_request(activity, auth_header)
        if not self._app_id:
            raise Unauthorized("an anonymous bot has no tokens issued for it")
        claims = await channel_claims(auth_header, activity, app_id=self._app_id, keys=self.keys)
        identity = ClaimsIdentity(claims, True)
        result = AuthenticateRequestResult()
        result.claims_identity = identity
        result.audience = self._inner.get_originating_audience()
        result.caller_id = CallerIdConstants.public_azure_channel
        result.connector_factory = self._inner.create_connector_factory(identity)
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        raise Unauthorized("Signoff's Teams bot takes no streaming requests")

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        raise Unauthorized("Signoff's Teams bot takes no skill requests")

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._inner.create_connector_factory(claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        return await self._inner.create_user_token_client(claims_identity)

    def create_bot_framework_client(self) -> BotFrameworkClient:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()
