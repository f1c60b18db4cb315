"""Who is calling: an application by its API key or by its OAuth client's own token, or
a person by a sign-in token, both tokens from the operator's OpenID Connect provider.
All come as ``Authorization: Bearer …``; an API key is told apart by its ``sok_``
prefix, an application's token from a person's by :mod:`signoff.server.oauth_apps`.

Only a hash of each API key is stored (:meth:`signoff.adapters.store.Store.api_key`); a
key names its application, the use cases it may touch and what it may do there. A
person is whoever the directory says the token's claim names (``SIGNOFF_OIDC_CLAIM``),
never a name a request carries. A decision a caller may not read is answered as not
found, so nobody can probe for others' decisions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from signoff.core.models import ApiScope, ApplicationGrant, Principal
from signoff.server.context import ServerContext, context
from signoff.server.oauth_apps import application_for
from signoff.server.oidc import InvalidToken, ProviderUnavailable, person_for
from signoff.server.problems import RETRY_AFTER_S, ApiProblem

API_KEY_PREFIX = "sok_"
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description=(
        "An application's API key (`sok_…`, from `signoff api-keys create`), a token"
        " a registered OAuth client got from the sign-in provider (client credentials),"
        " or a person's token from that provider."
    ),
)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="signoff"'}
STORE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Caller:
    """An application (``app``) or a person (``person``); exactly one is set."""

    app: ApplicationGrant | None = None
    person: Principal | None = None

    @property
    def name(self) -> str:
        if self.app is not None:
            return self.app.principal
        assert self.person is not None
        return self.person.id


def _unauthenticated(detail: str) -> ApiProblem:
    return ApiProblem(401, detail, code="unauthenticated", headers=CHALLENGE)


async def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ctx: Annotated[ServerContext, Depends(context)],
) -> Caller:
    sent = len(request.headers.getlist("authorization"))
    if sent > 1:
        # Which one counts would be the server's guess, and a proxy in front may have
        # guessed the other way.
        raise ApiProblem(
            400, f"Send one Authorization header, not {sent}.", code="invalid", headers=CHALLENGE
        )
    if credentials is None:
        raise _unauthenticated(
            "Send `Authorization: Bearer` with an API key (`signoff api-keys create`) or a"
            " sign-in token."
        )
    token = credentials.credentials
    if token.startswith(API_KEY_PREFIX):
        try:
            async with asyncio.timeout(STORE_TIMEOUT_S):
                grant = await ctx.store.api_key(token)
        except TimeoutError:
            # A database that takes the connection and never answers would hold every
            # request (and the driver sets no limit of its own).
            raise ApiProblem(
                503,
                f"The audit store did not answer within {STORE_TIMEOUT_S:.0f} s.",
                code="unavailable",
                headers={"Retry-After": RETRY_AFTER_S},
            ) from None
        if grant is None:
            raise _unauthenticated("This API key is unknown or revoked.")
        return _known(request, Caller(app=grant))
    if ctx.people is None:
        raise _unauthenticated(
            "People cannot sign in here: no sign-in provider is configured"
            " (SIGNOFF_OIDC_ISSUER); applications use an API key."
        )
    try:
        claims = await ctx.people.verify(token)
    except InvalidToken as invalid:
        raise _unauthenticated(str(invalid)) from None
    except ProviderUnavailable as down:
        raise ApiProblem(503, str(down), code="unavailable", headers={"Retry-After": "5"}) from None
    settings = ctx.settings
    app = application_for(claims, ctx.oauth_clients, people_claim=settings.oidc_claim)
    if app is not None:
        return Caller(app=app)
    person = person_for(claims, ctx.directory, claim=settings.oidc_claim, match=settings.oidc_match)
    if person is None:
        raise ApiProblem(
            403,
            f"Your sign-in ({settings.oidc_claim}) names nobody in Signoff's directory;"
            " ask an administrator to add you.",
            code="unknown_person",
        )
    return _known(request, Caller(person=person))


def _known(request: Request, who: Caller) -> Caller:
    """``who``, kept on the request so that a refusal later on names them in the
    operations trail (:mod:`signoff.server.denials`)."""
    request.state.caller = who
    return who


def application_allowed_to(scope: ApiScope) -> Callable[..., Awaitable[ApplicationGrant]]:
    """A dependency: the calling application, refused unless its grant may ``scope``."""

    async def check(who: Annotated[Caller, Depends(caller)]) -> ApplicationGrant:
        if who.app is None:
            raise ApiProblem(
                403,
                f"Only an application (its API key or OAuth client) may {scope.value} here.",
                code="scope",
            )
        _require_scope(who.app, scope)
        return who.app

    return check


async def signed_in_person(who: Annotated[Caller, Depends(caller)]) -> Principal:
    """A dependency: the signed-in person, refusing applications."""
    if who.person is None:
        raise ApiProblem(
            403, "Only a signed-in person may do this, not an application.", code="scope"
        )
    return who.person


def reader(scope: ApiScope = ApiScope.READ) -> Callable[..., Awaitable[Caller]]:
    """A dependency: a person, or an application whose grant may ``scope``."""

    async def check(who: Annotated[Caller, Depends(caller)]) -> Caller:
        if who.app is not None:
            _require_scope(who.app, scope)
        return who

    return check


def _require_scope(grant: ApplicationGrant, scope: ApiScope) -> None:
    if not grant.allows(scope):
        raise ApiProblem(
            403,
            f"{grant.credential} may not {scope.value}; {grant.to_allow(scope)}.",
            code="scope",
        )


def require_use_case(grant: ApplicationGrant, use_case: str) -> None:
    """Refuse a request naming a use case outside the grant's."""
    if not grant.allows_use_case(use_case):
        raise ApiProblem(
            403,
            f"{grant.credential} is not for use case '{use_case}'.",
            code="use_case",
        )
