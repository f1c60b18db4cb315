"""Console sessions made once through the real OIDC flow and reused: each spec starts
a browser of its own holding a copy of the person's cookie, so what one spec's forms do
to the cookie (a notice said once) never reaches another's."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from tests.server.conftest import Api
from tests.server.console_helpers import browsing, sign_in

SESSION_COOKIE = "signoff_console"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(frozen=True)
class ConsoleSession:
    person: str
    cookie: str
    csrf: str


async def session_of(api: Api, person: str) -> ConsoleSession:
    """``person`` signed in through the provider, as their cookie and CSRF token."""
    async with browsing(api) as http:
        landed = await sign_in(http, f"{person}@example.com")
        assert landed.status_code == 200, landed.text
        found = CSRF.search(landed.text)
        assert found, "the inbox draws no form with the session's token"
        return ConsoleSession(person, http.cookies[SESSION_COOKIE], found.group(1))


@asynccontextmanager
async def browser_of(api: Api, session: ConsoleSession | None) -> AsyncIterator[httpx.AsyncClient]:
    """A browser holding ``session``'s cookie (none: someone not signed in), following
    no redirects so each answer is seen as sent."""
    async with httpx.AsyncClient(base_url=str(api.http.base_url), timeout=60) as http:
        if session is not None:
            http.cookies.set(SESSION_COOKIE, session.cookie, path="/console")
        yield http


def form_action_id() -> str:
    """An action id of the console's shape, as anyone holding a session can make up."""
    return f"web-{uuid.uuid4().hex}"
