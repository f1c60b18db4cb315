"""The HTTP API's specs share a worker on the dev server, the store, an API key for the
refunds use case and the server on a real port."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from signoff.adapters.store import Store
from signoff.core.models import ApiScope
from signoff.server.context import ServerContext
from tests.conftest import Harness
from tests.helpers.api_server import running_api

APP = "refunds-bot"
PROBLEM = "application/problem+json"


def submission(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "use_case": "refunds",
        "subject": "order-1042",
        "title": "Refund $120 for a damaged parcel",
        "proposal": {"text": "Refund $120 to the customer's card."},
        "confidence": 0.72,
        "model": {"name": "support-llm", "version": "2026-10"},
        "policy": "first-lead",
    }
    return body | overrides


def key() -> str:
    return f"order-{uuid.uuid4().hex[:10]}"


class Api:
    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.http = http
        self.auth = {"Authorization": f"Bearer {token}"}

    async def submit(self, body: dict[str, Any], idempotency_key: str, **kw: Any) -> httpx.Response:
        headers = self.auth | {"Idempotency-Key": idempotency_key} | kw.pop("headers", {})
        return await self.http.post("/api/v1/decisions", json=body, headers=headers, **kw)

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.http.get(path, headers=self.auth | kw.pop("headers", {}), **kw)


@pytest.fixture
async def api(live: Harness, store: Store) -> AsyncIterator[Api]:
    _, token = await store.create_api_key(
        app=APP, use_cases=["refunds"], scopes=[ApiScope.SUBMIT, ApiScope.READ]
    )
    ctx = ServerContext(settings=live.settings, client=live.signoff, store=store)
    async with running_api(ctx) as http:
        yield Api(http, token)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["detail"].endswith(".") and "\n" not in body["detail"]
    return body


@pytest.fixture
async def served_openapi(api: Api) -> dict[str, Any]:
    answer = await api.http.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document
