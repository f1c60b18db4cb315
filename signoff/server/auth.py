"""Who is calling: an application, by its API key (``Authorization: Bearer sok_…``).

Only a hash of each key is stored (:meth:`signoff.adapters.store.Store.api_key`); a key
names its application, the use cases it may touch and what it may do there. A decision
outside a key's use cases is answered as not found, so keys cannot probe for others'.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from signoff.core.models import ApiKeyGrant, ApiScope
from signoff.server.context import ServerContext, context
from signoff.server.problems import RETRY_AFTER_S, ApiProblem

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="An application's API key from `signoff api-keys create`.",
)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="signoff"'}
STORE_TIMEOUT_S = 5.0


async def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ctx: Annotated[ServerContext, Depends(context)],
) -> ApiKeyGrant:
    sent = len(request.headers.getlist("authorization"))
    if sent > 1:
        # Which one counts would be the server's guess, and a proxy in front may have
        # guessed the other way.
        raise ApiProblem(
            400, f"Send one Authorization header, not {sent}.", code="invalid", headers=CHALLENGE
        )
    if credentials is None:
        raise ApiProblem(
            401,
            "Send an API key as `Authorization: Bearer sok_…` (`signoff api-keys create`).",
            code="unauthenticated",
            headers=CHALLENGE,
        )
    try:
        async with asyncio.timeout(STORE_TIMEOUT_S):
            grant = await ctx.store.api_key(credentials.credentials)
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
        raise ApiProblem(
            401, "This API key is unknown or revoked.", code="unauthenticated", headers=CHALLENGE
        )
    return grant


def allowed_to(scope: ApiScope) -> Callable[..., Awaitable[ApiKeyGrant]]:
    """A dependency: the caller, refused unless its key may ``scope``."""

    async def check(grant: Annotated[ApiKeyGrant, Depends(caller)]) -> ApiKeyGrant:
        if not grant.allows(scope):
            raise ApiProblem(
                403,
                f"The API key of '{grant.app}' may not {scope.value}; create one with"
                f" `--scope {scope.value}`.",
                code="scope",
            )
        return grant

    return check


def require_use_case(grant: ApiKeyGrant, use_case: str) -> None:
    """Refuse a request naming a use case outside the key's."""
    if not grant.allows_use_case(use_case):
        raise ApiProblem(
            403,
            f"The API key of '{grant.app}' is not for use case '{use_case}'.",
            code="use_case",
        )
