"""Who is calling the HTTP API: a bearer JWT from the operator's OpenID Connect provider,
checked against the keys the provider publishes, and the directory person it names.

The provider is found by OpenID Connect Discovery from the configured issuer alone, and
the discovery document must name that same issuer: a document naming another would hand
trust to whoever serves it. Keys come through PyJWT's ``PyJWKClient`` (kept for five
minutes), on a thread since it blocks. A token naming a key the set lacks fetches the set
again, which is how a rotated key is found, but at most once per ``_REFETCH_EVERY_S``
however many such tokens arrive: whoever forges a token chooses its key id, and must not
be able to make every request a fetch from the provider. That interval counts from the
last such fetch alone (``PyJWKClient.get_signing_key``'s own cooldown counts from every
fetch, so a key first used just after the server started would be refused for a while),
which is why keys are looked up here rather than there.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import jwt

from signoff.core.models.directory import Directory, Principal

__all__ = ["ALGORITHMS", "InvalidToken", "OidcVerifier", "ProviderUnavailable", "person_for"]

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")
"""Asymmetric only: with ``HS256`` the provider's public key, which anyone can fetch,
would be the secret, and ``none`` needs no key at all."""

_KEYS_KEPT_S = 300.0
_REFETCH_EVERY_S = 30.0
_RETRY_AFTER_FAILURE_S = 5.0  # callers queued behind a failed fetch fail at once
_MAX_TOKEN_CHARS = 16_384


class InvalidToken(Exception):
    """The token proves nothing; its message is one sentence fit to show the caller."""


class ProviderUnavailable(Exception):
    """The provider's configuration or keys cannot be had now, so no token can be checked:
    the caller is not at fault (a 503, not a 401)."""


class OidcVerifier:
    """Checks bearer tokens from one OpenID Connect provider, for one audience.

    Args:
        issuer: The provider's issuer URL, exactly as its tokens' ``iss`` names it.
        audience: The client id a token must be for (``aud``).
        leeway_s: Seconds of clock difference allowed for ``exp``, ``nbf`` and ``iat``.
        http_timeout_s: Seconds the discovery document or the key set may take to come.
    """

    def __init__(
        self, issuer: str, audience: str, *, leeway_s: float = 30, http_timeout_s: float = 5
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self._leeway_s = leeway_s
        self._timeout_s = http_timeout_s
        self._keys: jwt.PyJWKClient | None = None
        self._lock = asyncio.Lock()  # one fetch at a time; those waiting reuse what it got
        self._refetched_at = float("-inf")
        self._failed_at = float("-inf")
        self._discovered: dict[str, Any] | None = None

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, once its signature, issuer, audience and times hold.

        Raises:
            InvalidToken: anything wrong with the token, in one sentence.
            ProviderUnavailable: the provider's keys could not be fetched.
        """
        header, unverified = _parse(token)
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALGORITHMS:
            raise InvalidToken("The sign-in token is not signed with an algorithm accepted here.")
        # Before any key lookup, so a token from elsewhere costs no fetch.
        if unverified.get("iss") != self.issuer:
            raise InvalidToken(f"The sign-in token was not issued by {self.issuer}.")
        if not isinstance(kid, str):
            raise InvalidToken(f"The sign-in token is not signed by a key of {self.issuer}.")
        key = await self._key(kid)
        try:
            return jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self._leeway_s,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("The sign-in token has expired.") from None
        except jwt.ImmatureSignatureError:
            raise InvalidToken("The sign-in token is not valid yet.") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("The sign-in token is not for this audience.") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken(f"The sign-in token was not issued by {self.issuer}.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"The sign-in token has no {exc.claim!r} claim.") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("The sign-in token's signature is not valid.") from None
        except (jwt.InvalidKeyError, TypeError):
            # PyJWT's words for a key of another type than the token's algorithm needs.
            raise InvalidToken(
                f"The sign-in token is not signed by a key of {self.issuer}."
            ) from None
        except (jwt.PyJWTError, ValueError):
            raise InvalidToken("The sign-in token's claims are not well-formed.") from None

    async def _key(self, kid: str) -> jwt.PyJWK:
        keys = await self._signing_keys(refresh=False)
        key = _matching(keys, kid)
        if key is None and time.monotonic() - self._refetched_at >= _REFETCH_EVERY_S:
            self._refetched_at = time.monotonic()
            key = _matching(await self._signing_keys(refresh=True), kid)
        if key is None:
            raise InvalidToken(f"The sign-in token is not signed by a key of {self.issuer}.")
        return key

    async def _signing_keys(self, *, refresh: bool) -> list[jwt.PyJWK]:
        async with self._lock:
            # Only a fetch the caller cannot do without fails fast: a forced refresh is
            # already rare, and its failure leaves the kept keys good.
            if not refresh and time.monotonic() - self._failed_at < _RETRY_AFTER_FAILURE_S:
                raise ProviderUnavailable(_unavailable(self.issuer))
            try:
                if self._keys is None:
                    self._keys = jwt.PyJWKClient(
                        await self._jwks_uri(), lifespan=_KEYS_KEPT_S, timeout=self._timeout_s
                    )
                keys = await asyncio.to_thread(self._keys.get_signing_keys, refresh)
            except (
                ProviderUnavailable,
                jwt.PyJWKClientError,
                jwt.PyJWKSetError,
                ValueError,
            ) as exc:
                if not refresh:
                    self._failed_at = time.monotonic()
                if isinstance(exc, ProviderUnavailable):
                    raise
                raise ProviderUnavailable(_unavailable(self.issuer)) from exc
            self._failed_at = float("-inf")
            return keys

    async def discovery(self) -> dict[str, Any]:
        """The provider's discovery document, which must name the issuer we trust; kept
        once fetched (a failed fetch is not kept, so the next call tries again).

        Raises:
            ProviderUnavailable: it cannot be fetched, or names another issuer.
        """
        if self._discovered is not None:
            return self._discovered
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        timeout = aiohttp.ClientTimeout(total=self._timeout_s)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(url) as response,
            ):
                response.raise_for_status()
                document = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ProviderUnavailable(_unavailable(self.issuer)) from exc
        if not isinstance(document, dict) or document.get("issuer") != self.issuer:
            raise ProviderUnavailable(
                f"The sign-in provider at {url} does not name itself {self.issuer}."
            )
        self._discovered = document
        return document

    async def _jwks_uri(self) -> str:
        jwks_uri = (await self.discovery()).get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise ProviderUnavailable(f"The sign-in provider {self.issuer} publishes no keys.")
        return jwks_uri


def person_for(
    claims: dict[str, Any], directory: Directory, *, claim: str, match: str
) -> Principal | None:
    """The directory person the verified ``claims`` name, or None.

    An e-mail the provider itself marks unverified (``email_verified: false``) names
    nobody: at many providers people type in their e-mail address, anyone's.

    Args:
        claim: The claim holding the person's name at the provider, e.g. ``email``.
        match: ``email`` (any case), ``id``, or ``identity`` (``identities["oidc"]``).
    """
    value = claims.get(claim)
    if not isinstance(value, str) or not value:
        return None
    if claim == "email" and claims.get("email_verified") is False:
        return None
    if match == "email":
        return directory.by_email(value)
    if match == "id":
        return directory.get(value)
    if match == "identity":
        return directory.by_identity("oidc", value)
    raise ValueError(f"match must be 'email', 'id' or 'identity', not {match!r}")


def _parse(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The unverified header and claims, to choose a key and refuse early."""
    if not isinstance(token, str) or len(token) > _MAX_TOKEN_CHARS:
        raise InvalidToken("The sign-in token is not a well-formed JWT.")
    try:
        parts = jwt.decode_complete(token, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, TypeError, UnicodeError):
        raise InvalidToken("The sign-in token is not a well-formed JWT.") from None
    header, claims = parts["header"], parts["payload"]
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise InvalidToken("The sign-in token is not a well-formed JWT.")
    return header, claims


def _matching(keys: list[jwt.PyJWK], kid: str) -> jwt.PyJWK | None:
    return next((key for key in keys if key.key_id == kid), None)


def _unavailable(issuer: str) -> str:
    return f"The sign-in provider {issuer} cannot be reached to check the token."
