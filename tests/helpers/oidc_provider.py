"""A small OpenID Connect provider on 127.0.0.1, for specs that sign people in: discovery,
a JWK set of RSA keys that can be rotated, tokens signed on demand, and the
authorization-code flow with PKCE (S256) a browser goes through, with ``login_hint``
naming the person in place of a login form, and the client-credentials grant an
application's OAuth client uses (RFC 6749 §4.4; ``client_secret_basic`` or
``client_secret_post``), whose access tokens are shaped as RFC 9068 says: ``sub`` and
``client_id`` name the client, and no claim names a person.

``login_hint`` holding an ``@`` is the person's e-mail (their ``sub`` is derived from
it, stable and opaque, as providers' are); otherwise it is their ``sub`` and they have no
e-mail.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus, urlencode

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.helpers.serving import serve

__all__ = ["OidcProvider", "pkce_pair"]


def pkce_pair() -> tuple[str, str]:
    """A ``code_verifier`` and its S256 ``code_challenge``, as a client makes them."""
    verifier = secrets.token_urlsafe(48)
    return verifier, _s256(verifier)


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class _SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    def jwk(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}


@dataclass(frozen=True)
class _Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    login_hint: str


class OidcProvider:
    """Use as ``async with OidcProvider() as provider:``; its issuer is ``issuer``.

    Args:
        client_id: The one client it knows, and the audience its tokens name by default.
    """

    def __init__(self, client_id: str = "signoff-console") -> None:
        self.client_id = client_id
        self.jwks_fetches = 0  # requests for /jwks
        self.token_requests = 0  # POSTs to /token, answered or refused
        self.clock_offset_s = 0.0
        """How far the provider's clock is off: client-credentials tokens are dated by it."""
        self._clients: dict[str, str] = {}  # OAuth client id -> its secret
        self._keys = [_new_key()]
        self._grants: dict[str, _Grant] = {}
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def issuer(self) -> str:
        if self._port is None:
            raise RuntimeError("the OIDC provider is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def kid(self) -> str:
        """The id of the key tokens are signed with now."""
        return self._keys[-1].kid

    def token(
        self,
        *,
        sub: str,
        email: str | None = None,
        audience: str | None = None,
        expires_in: float = 300,
        issued_at: float | None = None,
        kid: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """A token signed with the current key (or the published key ``kid``); ``extra``
        claims go over the others, ``None`` dropping one."""
        now = time.time() if issued_at is None else issued_at
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": sub,
            "aud": audience or self.client_id,
            "iat": int(now),
            "exp": int(now + expires_in),
        }
        if email is not None:
            claims |= {"email": email, "email_verified": True}
        claims = {k: v for k, v in {**claims, **(extra or {})}.items() if v is not None}
        key = next(k for k in self._keys if k.kid == kid) if kid else self._keys[-1]
        return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid})

    def register_client(self, client_id: str) -> str:
        """Let ``client_id`` use the client-credentials grant; returns its secret."""
        self._clients[client_id] = secrets.token_urlsafe(24)
        return self._clients[client_id]

    def rotate(self, keep_old: bool = True) -> str:
        """Sign with a new key from now on, publishing it; ``keep_old=False`` also takes
        the previous keys out of the JWK set. Returns the new key's id."""
        new = _new_key()
        self._keys = [*self._keys, new] if keep_old else [new]
        return new.kid

    def public_pem(self) -> bytes:
        """The current key's public half as PEM: what an HS256 forgery uses as its secret."""
        return (
            self._keys[-1]
            .private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    async def __aenter__(self) -> OidcProvider:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self._discovery)
        app.router.add_get("/jwks", self._jwks)
        app.router.add_get("/authorize", self._authorize)
        app.router.add_post("/token", self._token)
        self._runner, self._port = await serve(app)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _discovery(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.issuer,
                "jwks_uri": f"{self.issuer}/jwks",
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "grant_types_supported": ["authorization_code", "client_credentials"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
            }
        )

    async def _jwks(self, request: web.Request) -> web.Response:
        self.jwks_fetches += 1
        return web.json_response({"keys": [key.jwk() for key in self._keys]})

    async def _authorize(self, request: web.Request) -> web.Response:
        """Signs ``login_hint`` in at once and sends the browser back with a code."""
        query = request.query
        needed = ("client_id", "redirect_uri", "state", "code_challenge", "login_hint")
        missing = [name for name in needed if not query.get(name)]
        if missing:
            return _error("invalid_request", f"missing {', '.join(missing)}")
        if query["client_id"] != self.client_id:
            return _error("unauthorized_client", "unknown client_id")
        if query.get("response_type", "code") != "code":
            return _error("unsupported_response_type", "only code")
        if query.get("code_challenge_method") != "S256":
            return _error("invalid_request", "code_challenge_method must be S256")
        code = secrets.token_urlsafe(24)
        self._grants[code] = _Grant(
            client_id=query["client_id"],
            redirect_uri=query["redirect_uri"],
            code_challenge=query["code_challenge"],
            nonce=query.get("nonce"),
            login_hint=query["login_hint"],
        )
        back = urlencode({"code": code, "state": query["state"]})
        raise web.HTTPFound(f"{query['redirect_uri']}?{back}")

    async def _token(self, request: web.Request) -> web.Response:
        """Trades a code, once, for tokens, when the verifier matches its challenge; or
        gives a client that proves its secret a token of its own."""
        self.token_requests += 1
        form = await request.post()
        if form.get("grant_type") == "client_credentials":
            return self._client_credentials(request, form)
        if form.get("grant_type") != "authorization_code":
            return _error("unsupported_grant_type", "only authorization_code, client_credentials")
        grant = self._grants.pop(str(form.get("code", "")), None)  # a code is good once
        if grant is None:
            return _error("invalid_grant", "unknown or used code")
        if form.get("client_id") != grant.client_id or (
            form.get("redirect_uri") != grant.redirect_uri
        ):
            return _error("invalid_grant", "client_id or redirect_uri differs")
        if _s256(str(form.get("code_verifier", ""))) != grant.code_challenge:
            return _error("invalid_grant", "code_verifier does not match code_challenge")
        hint = grant.login_hint
        if "@" in hint:
            sub, email = "u-" + hashlib.sha256(hint.lower().encode()).hexdigest()[:16], hint
        else:
            sub, email = hint, None
        nonce = {"nonce": grant.nonce} if grant.nonce else {}
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.token(sub=sub, email=email, extra=nonce),
                "access_token": self.token(sub=sub, email=email),
            },
            headers={"Cache-Control": "no-store"},
        )

    def _client_credentials(self, request: web.Request, form: Any) -> web.Response:
        """An access token for the client itself, for ``audience`` if it asks (as Auth0
        takes it), else for the provider's own client id."""
        basic = request.headers.get("Authorization", "")
        posted = form.get("client_id"), form.get("client_secret")
        if basic and any(posted):
            return _error("invalid_request", "use one client authentication method")
        if basic.startswith("Basic "):
            try:
                pair = base64.b64decode(basic.removeprefix("Basic "), validate=True).decode()
                client_id, secret = (unquote_plus(part) for part in pair.split(":", 1))
            except ValueError:
                return _error("invalid_client", "malformed Basic credentials", 401)
        else:
            client_id, secret = (str(part or "") for part in posted)
        known = self._clients.get(client_id)
        if known is None or not secrets.compare_digest(known, secret):
            return _error("invalid_client", "unknown client or wrong secret", 401)
        now = time.time() + self.clock_offset_s
        token = self.token(
            sub=client_id,
            audience=str(form.get("audience") or self.client_id),
            issued_at=now,
            extra={"client_id": client_id, "jti": uuid.uuid4().hex},
        )
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 300, "access_token": token},
            headers={"Cache-Control": "no-store"},
        )


def _new_key() -> _SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _SigningKey(kid=f"k-{uuid.uuid4().hex[:8]}", private=private)


def _error(code: str, description: str, status: int = 400) -> web.Response:
    headers = {"WWW-Authenticate": 'Basic realm="token"'} if status == 401 else None
    return web.json_response(
        {"error": code, "error_description": description}, status=status, headers=headers
    )
