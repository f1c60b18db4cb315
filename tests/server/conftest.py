"""The HTTP API's specs share a worker on the dev server, the store, an API key for the
refunds use case and the server on a real port."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, async_playwright
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from signoff.adapters.store import Store
from signoff.client.signoff_client import SignoffClient
from signoff.core.catalog import load_directory
from signoff.core.models import ApiScope, OAuthClientGrant
from signoff.core.settings import Settings
from signoff.server.context import ServerContext
from signoff.server.oidc import OidcVerifier
from tests.conftest import Harness
from tests.helpers.api_server import running_api
from tests.helpers.oidc_provider import OidcProvider
from tests.server.browser_helpers import CHROMIUM, CHROMIUM_ARGS

APP = "refunds-bot"
CONSOLE_SECRET = "console-secret-for-the-specs-only-0123456789"
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

    async def post(self, path: str, body: Any, idempotency_key: str) -> httpx.Response:
        headers = self.auth | {"Idempotency-Key": idempotency_key}
        return await self.http.post(path, json=body, headers=headers)

    def bearing(self, token: str) -> Api:
        """The same server, called with another bearer token (a person's sign-in)."""
        return Api(self.http, token)


@pytest.fixture
async def people_provider() -> AsyncIterator[OidcProvider]:
    """The sign-in provider people's tokens come from."""
    async with OidcProvider() as provider:
        yield provider


@asynccontextmanager
async def serving_api(
    harness: Harness,
    store: Store,
    provider: OidcProvider,
    *,
    oauth_clients: Mapping[str, OAuthClientGrant] | None = None,
    client: SignoffClient | None = None,
) -> AsyncIterator[Api]:
    """The API and the console as `signoff serve` builds them, with the refunds
    application's key: its people sign in with ``provider`` and act vouched for by the
    `web` surface (through ``client``, when given: one on another connection to
    Temporal); ``oauth_clients`` of ``provider`` act as applications."""
    _, token = await store.create_api_key(
        app=APP, use_cases=["refunds"], scopes=[ApiScope.SUBMIT, ApiScope.READ]
    )
    settings = harness.settings.model_copy(
        update={
            "oidc_issuer": provider.issuer,
            "oidc_audience": provider.client_id,
            "console_secret": SecretStr(CONSOLE_SECRET),
        }
    )
    ctx = ServerContext(
        settings=settings,
        client=client or harness.vouching_as("web"),
        store=store,
        directory=load_directory(settings.directory_file),
        people=OidcVerifier(provider.issuer, provider.client_id),
        oauth_clients=oauth_clients or {},
    )
    async with running_api(ctx) as http:
        yield Api(http, token)


@pytest.fixture
async def api(live: Harness, store: Store, people_provider: OidcProvider) -> AsyncIterator[Api]:
    async with serving_api(live, store, people_provider) as served:
        yield served


@dataclass(frozen=True)
class Served:
    api: Api
    store: Store
    provider: OidcProvider


@asynccontextmanager
async def shared_serving(
    dev_env: WorkflowEnvironment,
    settings: Settings,
    store_url: str,
    *,
    oauth_clients: Mapping[str, OAuthClientGrant] | None = None,
) -> AsyncIterator[Served]:
    """One worker, store, provider and server for a whole module of specs that each make
    their own decisions (a worker per spec would cost a second each)."""
    harness = Harness(dev_env.client, settings)
    async with (
        harness.worker(),
        await Store.open(store_url) as store,
        OidcProvider() as provider,
        serving_api(harness, store, provider, oauth_clients=oauth_clients) as served,
    ):
        yield Served(served, store, provider)


@pytest.fixture(scope="module")
async def shared_api(
    dev_env: WorkflowEnvironment, settings: Settings, store_url: str
) -> AsyncIterator[Served]:
    async with shared_serving(dev_env, settings, store_url) as served:
        yield served


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


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless (browser specs skip themselves without it)."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest.fixture
def base_url(api: Api) -> str:
    return str(api.http.base_url).rstrip("/")
