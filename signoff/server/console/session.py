"""The console's two signed cookies: who is signed in (with their CSRF token and a
one-time notice), and a sign-in in progress (its state, nonce and PKCE verifier).

Both are signed with ``SIGNOFF_CONSOLE_SECRET`` by itsdangerous and carry their time, so
an altered or old cookie reads as none. They are HttpOnly, SameSite=Lax (the provider's
redirect back is a top-level GET, which Lax lets through) and Secure over https. The
cookie names a directory id only: the person is looked up again on every request, so
someone taken out of the directory is signed out at once.

A signed cookie alone cannot be taken back: a copy made before signing out would pass
its signature until it expired. So each session has an id, and signing out (or signing
in again in the same browser) ends it in the store, which every server process reads
on every request (:meth:`Store.console_session_ended`).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from signoff.core.models import Principal
from signoff.server.context import ServerContext

__all__ = ["Cookies", "Session", "cookies_for", "end", "read_form", "signed_in"]

SESSION_COOKIE = "signoff_console"
SIGNIN_COOKIE = "signoff_console_signin"
SESSION_MAX_AGE_S = 8 * 3600
SIGNIN_MAX_AGE_S = 600
PATH = "/console"
MAX_FORM_BYTES = 64 * 1024


@dataclass(frozen=True)
class Session:
    person_id: str
    csrf: str
    session_id: str
    """What signing out ends in the store; the same for the session's whole life."""
    started_at: datetime
    """When the person signed in. The session ends 8 hours later however often its
    cookie is signed again since (each notice re-signs it), so a copy kept fresh by
    use never outlives the record that it was signed out."""
    notice: str | None = None
    """Said once on the next page: what became of the last form sent."""

    @classmethod
    def new(cls, person_id: str) -> Session:
        return cls(
            person_id=person_id,
            csrf=secrets.token_urlsafe(32),
            session_id=secrets.token_urlsafe(32),
            started_at=datetime.now(UTC).replace(microsecond=0),
        )

    @property
    def expires_at(self) -> datetime:
        return self.started_at + timedelta(seconds=SESSION_MAX_AGE_S)

    def csrf_matches(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf, str(sent))

    def with_notice(self, notice: str | None) -> Session:
        return replace(self, notice=notice)


class Cookies:
    """Reads and writes the console's cookies with one secret."""

    def __init__(self, secret: str) -> None:
        self._session = URLSafeTimedSerializer(secret, salt="signoff.console.session")
        self._signin = URLSafeTimedSerializer(secret, salt="signoff.console.signin")

    def session(self, request: Request) -> Session | None:
        """The session the cookie holds, whether or not it was signed out since."""
        data = _load(self._session, request.cookies.get(SESSION_COOKIE), SESSION_MAX_AGE_S)
        if not isinstance(data, dict):
            return None
        try:
            session = Session(
                person_id=str(data["p"]),
                csrf=str(data["c"]),
                session_id=str(data["s"]),
                started_at=datetime.fromtimestamp(int(data["t"]), UTC),
                notice=data.get("n"),
            )
        except (KeyError, TypeError, ValueError, OverflowError, OSError):
            return None
        return session if session.expires_at > datetime.now(UTC) else None

    def keep_session(self, response: Response, request: Request, session: Session) -> None:
        started = int(session.started_at.timestamp())
        data = {"p": session.person_id, "c": session.csrf, "s": session.session_id, "t": started}
        value = self._session.dumps(data | {"n": session.notice})
        _set(response, request, SESSION_COOKIE, value, SESSION_MAX_AGE_S)

    def signin(self, request: Request) -> dict[str, Any] | None:
        data = _load(self._signin, request.cookies.get(SIGNIN_COOKIE), SIGNIN_MAX_AGE_S)
        return data if isinstance(data, dict) else None

    def keep_signin(self, response: Response, request: Request, pending: dict[str, Any]) -> None:
        _set(response, request, SIGNIN_COOKIE, self._signin.dumps(pending), SIGNIN_MAX_AGE_S)

    @staticmethod
    def forget(response: Response, *names: str) -> None:
        for name in names or (SESSION_COOKIE, SIGNIN_COOKIE):
            response.delete_cookie(name, path=PATH, httponly=True, samesite="lax")


def cookies_for(ctx: ServerContext) -> Cookies | None:
    """The cookies under the configured secret; None without one (nobody can sign in)."""
    secret = ctx.settings.console_secret
    if secret is None:
        return None
    return Cookies(secret.get_secret_value())


async def signed_in(request: Request, ctx: ServerContext) -> tuple[Principal, Session] | None:
    """The person the session names, if it was not signed out and the directory still
    knows them."""
    cookies = cookies_for(ctx)
    session = cookies.session(request) if cookies else None
    if session is None or await ctx.store.console_session_ended(session.session_id):
        return None
    person = ctx.directory.get(session.person_id)
    return (person, session) if person is not None else None


async def end(ctx: ServerContext, session: Session) -> None:
    """Sign ``session`` out on every server sharing the store, for the rest of its life."""
    await ctx.store.end_console_session(session.session_id, expires_at=session.expires_at)


def from_another_site(request: Request) -> bool:
    """Whether the browser says the request comes from a page of another site
    (``Sec-Fetch-Site``, which pages cannot set and proxies leave alone, unlike ``Host``
    beside ``Origin``). The CSRF token is the defence; this is a second one, for a
    token that leaked."""
    return request.headers.get("sec-fetch-site", "same-origin") in ("cross-site", "same-site")


async def read_form(request: Request) -> dict[str, str]:
    """A form's fields (``application/x-www-form-urlencoded``, as the console's forms
    send), the first of each name; an oversized body, or one another site's page sent,
    reads as empty (so its CSRF token never matches)."""
    if from_another_site(request):
        return {}
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(name, value)
    return fields


def _load(serializer: URLSafeTimedSerializer, value: str | None, max_age: int) -> object:
    if not value:
        return None
    try:
        return serializer.loads(value, max_age=max_age)
    except BadSignature:  # also an expired one (SignatureExpired)
        return None


def _set(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
