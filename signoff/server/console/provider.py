"""The console's side of the OpenID Connect authorization-code flow with PKCE (S256):
where to send the browser, and trading the code it brings back for an ID token.

The endpoints come from the provider's discovery document, fetched by the same
:class:`OidcVerifier` that checks the tokens (and that refuses a document naming another
issuer). The console is a public client: PKCE, not a client secret, ties the code to
the browser that asked for it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp

from signoff.server.oidc import InvalidToken, OidcVerifier, ProviderUnavailable

__all__ = ["PendingSignIn", "authorization_url", "exchange_code"]

HTTP_TIMEOUT_S = 10


@dataclass(frozen=True)
class PendingSignIn:
    """What the browser's sign-in cookie keeps between leaving and coming back."""

    state: str
    nonce: str
    verifier: str
    next: str = "/console/"

    @classmethod
    def new(cls, next_page: str) -> PendingSignIn:
        return cls(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            verifier=secrets.token_urlsafe(48),
            next=next_page,
        )

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


async def authorization_url(
    people: OidcVerifier, pending: PendingSignIn, *, redirect_uri: str, login_hint: str | None
) -> str:
    endpoint = await _endpoint(people, "authorization_endpoint")
    query = {
        "response_type": "code",
        "client_id": people.audience,
        "redirect_uri": redirect_uri,
        "scope": "openid email profile",
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": pending.challenge,
        "code_challenge_method": "S256",
    }
    if login_hint:
        query["login_hint"] = login_hint
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{urlencode(query)}"


async def exchange_code(
    people: OidcVerifier, pending: PendingSignIn, *, code: str, redirect_uri: str
) -> str:
    """The ID token the provider gives for ``code``.

    Raises:
        InvalidToken: the provider refused the code, or answered without an ID token.
        ProviderUnavailable: it could not be reached.
    """
    endpoint = await _endpoint(people, "token_endpoint")
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": people.audience,
        "code_verifier": pending.verifier,
    }
    timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(endpoint, data=form, headers={"Accept": "application/json"}) as answer,
        ):
            body = await answer.json(content_type=None)
            status = answer.status
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise ProviderUnavailable(
            f"The sign-in provider {people.issuer} cannot be reached to finish signing in."
        ) from exc
    if status != 200 or not isinstance(body, dict):
        error = body.get("error") if isinstance(body, dict) else None
        raise InvalidToken(f"The sign-in provider refused the sign-in ({error or status}).")
    token = body.get("id_token")
    if not isinstance(token, str):
        raise InvalidToken("The sign-in provider answered without an ID token.")
    return token


async def _endpoint(people: OidcVerifier, name: str) -> str:
    found = (await people.discovery()).get(name)
    if not isinstance(found, str) or not found.startswith(("https://", "http://")):
        raise ProviderUnavailable(f"The sign-in provider {people.issuer} publishes no {name}.")
    return found
