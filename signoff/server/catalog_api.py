"""``/api/v1/policies`` and ``/api/v1/directory``: which policies a request may name,
the floor no policy goes below, and who the people are, for any signed-in caller or
application; people's emails and chat identities only for auditors.

Read from the operator's files on each call, as a worker plans from them, so what the
API shows is what the next decision is planned with.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from signoff.core.catalog import load_directory, load_floor, load_policies
from signoff.core.models import Principal, ReviewPolicy, Role
from signoff.core.models.policy import PolicyFloor
from signoff.server.auth import Caller, caller
from signoff.server.context import ServerContext, context
from signoff.server.problems import Problem

router = APIRouter(prefix="/api/v1", tags=["catalog"])
PROBLEMS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "No API key or sign-in, or one that proves nothing."}
}


class PolicyCatalog(BaseModel):
    policies: list[ReviewPolicy]
    floor: PolicyFloor


class Person(BaseModel):
    """A directory entry; ``email`` and ``identities`` are shown to auditors only."""

    id: str
    name: str
    roles: list[Role]
    groups: list[str]
    email: str | None = None
    identities: dict[str, str] | None = None


@router.get(
    "/policies", response_model=PolicyCatalog, responses=PROBLEMS, summary="The policy catalog"
)
async def policies(
    _: Annotated[Caller, Depends(caller)], ctx: Annotated[ServerContext, Depends(context)]
) -> PolicyCatalog:
    path = ctx.settings.policies_file
    found, floor = await asyncio.to_thread(lambda: (load_policies(path), load_floor(path)))
    return PolicyCatalog(policies=list(found.values()), floor=floor)


@router.get("/directory", response_model=list[Person], responses=PROBLEMS, summary="The directory")
async def directory(
    who: Annotated[Caller, Depends(caller)], ctx: Annotated[ServerContext, Depends(context)]
) -> list[Person]:
    people = (await asyncio.to_thread(load_directory, ctx.settings.directory_file)).people
    full = who.person is not None and Role.AUDITOR in who.person.roles
    return [_shown(p, full) for p in people]


def _shown(person: Principal, full: bool) -> Person:
    shown = Person(id=person.id, name=person.name, roles=person.roles, groups=person.groups)
    if full:
        shown.email, shown.identities = person.email, person.identities
    return shown
