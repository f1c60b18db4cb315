"""The Bot Framework's side of inbound authentication, for tests: a signing key published
as the Bot Framework publishes its keys (JWK with ``endorsements``), tokens signed with it
as the connector signs them (``iss``, ``aud``, ``serviceurl``, ``exp``), and outbound
credentials that need no Microsoft Entra ID."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt
from botframework.connector.auth import AppCredentials, ServiceClientCredentialsFactory
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from signoff.bots.teams.channel_tokens import ISSUER

__all__ = ["APP_ID", "BotFrameworkKeys", "StandInCredentials"]

APP_ID = "11111111-2222-3333-4444-555555555555"
_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # one per test run


class BotFrameworkKeys:
    """One published signing key, endorsed for Teams (``msteams``)."""

    def __init__(self, endorsements: tuple[str, ...] = ("msteams",)) -> None:
        self.kid = f"kid-{uuid.uuid4().hex[:8]}"
        self.endorsements = list(endorsements)

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(_RSA.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "endorsements": self.endorsements}]}

    def token(
        self,
        service_url: str,
        *,
        app_id: str = APP_ID,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A bearer token as the connector sends it; ``claims`` override (``None``
        drops one), ``headers`` override the JOSE header (e.g. another ``kid``)."""
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "aud": app_id,
            "serviceurl": service_url,
            "nbf": now - 5,
            "exp": now + 600,
            **claims,
        }
        body = {k: v for k, v in body.items() if v is not None}
        header = {k: v for k, v in {"kid": self.kid, **(headers or {})}.items() if v is not None}
        return jwt.encode(body, _RSA, algorithm="RS256", headers=header)


class _FixedToken(AppCredentials):
    def get_access_token(self, force_refresh: bool = False) -> str:
        return "stand-in-outbound-token"


class StandInCredentials(ServiceClientCredentialsFactory):
    """Outbound credentials for the bot's replies that ask Microsoft Entra ID for nothing."""

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == APP_ID

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        return _FixedToken(app_id=app_id, oauth_scope=oauth_scope)
