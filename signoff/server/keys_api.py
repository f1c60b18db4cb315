"""``/api/v1/api-keys``: an administrator (the directory's ``admin`` role) makes, lists
and revokes applications' API keys over HTTP, as ``signoff api-keys`` does from a shell.

A key's token is in the answer that makes it and nowhere else: the store keeps a hash.
Each change is an event of the operations trail naming the administrator and the key
(:mod:`signoff.server.operations_audit`), never its secret, recorded before the change
is made (:mod:`signoff.client.api_key_changes`): when Temporal cannot record it, nothing
changes and the administrator is told.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from signoff.client import api_key_changes
from signoff.core.models import ApiKeyGrant, ApiScope, AuditKind, Principal, Role
from signoff.server.auth import signed_in_person
from signoff.server.context import ServerContext, context
from signoff.server.problems import ApiProblem, Problem

router = APIRouter(prefix="/api/v1/api-keys", tags=["api keys"])
log = logging.getLogger(__name__)
PROBLEMS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "No sign-in, or one that proves nothing."},
    403: {"model": Problem, "description": "Only an administrator manages API keys."},
    422: {"model": Problem, "description": "The key asked for does not validate."},
}
VIA = "web"
KeyId = Annotated[str, Path(min_length=1, max_length=40)]


async def admin(person: Annotated[Principal, Depends(signed_in_person)]) -> Principal:
    if Role.ADMIN not in person.roles:
        log.warning("refused %s managing API keys: not an administrator", person.id)
        raise ApiProblem(403, "Only an administrator manages API keys here.", code="not_admin")
    return person


class NewKey(BaseModel):
    app: str = Field(description="The application: the directory must hold `app:NAME`.")
    use_cases: list[str] = Field(min_length=1, description='"*" for every use case.')
    scopes: list[ApiScope] = Field(default=[ApiScope.SUBMIT, ApiScope.READ])


class CreatedKey(BaseModel):
    grant: ApiKeyGrant
    token: str
    """Shown this once: the store keeps only a hash of its secret."""


@router.post(
    "",
    status_code=201,
    response_model=CreatedKey,
    responses=PROBLEMS,
    summary="Make an application's API key (its token is shown once)",
)
async def create(
    body: NewKey,
    person: Annotated[Principal, Depends(admin)],
    ctx: Annotated[ServerContext, Depends(context)],
) -> CreatedKey:
    principal = f"app:{body.app}"
    if ctx.directory.get(principal) is None:
        raise ApiProblem(
            422,
            f"Invalid request: app: the directory holds no {principal!r}; add it (role"
            " requester) so the decisions it submits have a requester.",
            code="invalid",
        )
    grant, token = await api_key_changes.create_key(
        ctx.store,
        audited_as(ctx, person),
        app=body.app,
        use_cases=body.use_cases,
        scopes=body.scopes,
    )
    log.warning("%s made API key %s for %s", person.id, grant.key_id, principal)
    return CreatedKey(grant=grant, token=token)


@router.get("", response_model=list[ApiKeyGrant], responses=PROBLEMS, summary="Every API key")
async def keys(
    _: Annotated[Principal, Depends(admin)], ctx: Annotated[ServerContext, Depends(context)]
) -> list[ApiKeyGrant]:
    return await ctx.store.api_keys()


@router.delete(
    "/{key_id}",
    response_model=ApiKeyGrant,
    responses=PROBLEMS | {404: {"model": Problem, "description": "No such key."}},
    summary="Revoke an API key",
)
async def revoke(
    key_id: KeyId,
    person: Annotated[Principal, Depends(admin)],
    ctx: Annotated[ServerContext, Depends(context)],
) -> ApiKeyGrant:
    grant = await api_key_changes.revoke_key(ctx.store, audited_as(ctx, person), key_id)
    if grant is None:
        raise ApiProblem(404, f"No API key '{key_id}'.", code="not_found")
    log.warning("%s revoked API key %s of %s", person.id, grant.key_id, grant.principal)
    return grant


def audited_as(ctx: ServerContext, person: Principal) -> api_key_changes.Audit:
    """Records a key change as ``person``'s, through this server's surface."""

    async def audit(kind: AuditKind, grant: ApiKeyGrant) -> None:
        await ctx.operations.change(
            kind, actor=person.id, via=VIA, data=grant.model_dump(mode="json")
        )

    return audit
