"""Signing people in to the console over plain HTTP, through the real OIDC flow, and
reading the forms its pages draw."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import unescape

import httpx

from tests.helpers.waiting import eventually
from tests.server.conftest import Api, key, submission

FORM = re.compile(r'<form method="post" action="([^"]+)" class="act act-(\w+)">(.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


@asynccontextmanager
async def browsing(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client of the same server, as a browser is."""
    async with httpx.AsyncClient(
        base_url=str(api.http.base_url), follow_redirects=True, timeout=60
    ) as http:
        yield http


async def sign_in(http: httpx.AsyncClient, email: str) -> httpx.Response:
    """The whole flow: the console → the provider (``login_hint`` stands in for its
    login form) → the console's callback → the inbox."""
    return await http.get("/console/login", params={"login_hint": email})


async def submitted(api: Api, **overrides: object) -> str:
    """A refunds decision under `first-lead`: Alice and Bob (leads) are asked."""
    sent = await api.submit(submission(**overrides), key())
    assert sent.status_code == 201, sent.text
    decision_id: str = sent.json()["decision_id"]
    return decision_id


async def inbox_showing(http: httpx.AsyncClient, decision_id: str) -> str:
    """The inbox once it lists ``decision_id`` (search catches up within a moment)."""
    for _ in range(100):
        page = await http.get("/console/")
        assert page.status_code == 200, page.text
        if f'data-decision="{decision_id}"' in page.text:
            return page.text
        await asyncio.sleep(0.1)
    raise AssertionError(f"{decision_id} never reached the inbox")


def form_fields(html: str, decision_id: str, kind: str) -> tuple[str, dict[str, str]]:
    """Where the card's ``kind`` form posts, and its hidden fields."""
    for action, found_kind, body in FORM.findall(html):
        fields = {name: unescape(value) for name, value in HIDDEN.findall(body)}
        if found_kind == kind and decision_id in unescape(action).replace("%3A", ":"):
            return unescape(action), fields
    raise AssertionError(f"no {kind} form for {decision_id}")


def notice(html: str) -> str:
    found = re.search(r'<p class="notice" role="status">(.*?)</p>', html, re.S)
    assert found, "the page says nothing about the form sent"
    return unescape(found.group(1))


async def escalated(api: Api) -> str:
    """A decision whose leads' two seconds ran out: it waits on the committee."""
    decision_id = await submitted(api, policy="console-escalates")

    async def at_committee() -> bool:
        state = (await api.get(f"/api/v1/decisions/{decision_id}")).json()
        return bool(state["stage"]) and state["stage"]["name"] == "committee"

    await eventually(at_committee, timeout=30)
    return decision_id
