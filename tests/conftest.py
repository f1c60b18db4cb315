"""Session-wide real parts: a Temporal dev server, a time-skipping server, and a Signoff
worker factory that runs the real plugin on a fresh task queue per test."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from signoff import SignoffClient, SignoffPlugin
from signoff.adapters.notary import AuditKeyring, create_surface, load_voucher
from signoff.adapters.store import Store
from signoff.app.worker import ensure_search_attributes
from signoff.core.models import DecisionRequest, ModelInfo, Proposal, RiskTier
from signoff.core.search_attributes import ALL_KEYS
from signoff.core.settings import Settings
from tests.helpers.http_recorder import HttpRecorder
from tests.helpers.recording_channel import RecordingChannel
from tests.helpers.spans import spans  # noqa: F401 (a fixture every spec may ask for)
from tests.helpers.tls import Certificates, TlsProxy, make_certificates

FIXTURES = Path(__file__).parent / "fixtures"
BIN = Path(sys.executable).parent


def _binary(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=_binary("temporal"),
        search_attributes=list(ALL_KEYS),
        ui=False,
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """One per test: time only skips while no workflow waits on a stopped worker, so
    decisions left open by an earlier test would stall the clock."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=_binary("temporal-test-server"),
    )
    await ensure_search_attributes(env.client)
    yield env
    await env.shutdown()


POSTGRES_URL = os.environ.get(
    "SIGNOFF_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def scratch_schema() -> Iterator[str]:
    """The URL of a fresh schema on the PostgreSQL server, dropped afterwards; skipped
    when the server is unreachable, unless ``SIGNOFF_REQUIRE_POSTGRES=1``."""
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as err:
        if os.environ.get("SIGNOFF_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but unreachable at {POSTGRES_URL}: {err}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}: {err}")
    schema = f"signoff_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A fresh schema for the whole run (:func:`scratch_schema`)."""
    yield from scratch_schema()


@pytest.fixture(scope="session")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'signoff.db'}"


TEST_SURFACE = "tests"
"""The surface the specs' clients vouch as, trusted to speak for anyone."""


@pytest.fixture(scope="session")
def settings(store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Every worker signs its chain heads and applies only vouched-for actions, as in
    production: an audit keyring of the session's own with a checkpoint log beside it,
    and trusted surfaces: ``tests`` (the harnesses' clients), ``cli``, the bots'
    ``slack`` and ``teams``, and ``web`` (the HTTP API's)."""
    data = tmp_path_factory.mktemp("signoff-data")
    AuditKeyring(data / "keys").create()
    for surface in (TEST_SURFACE, "cli", "slack", "teams", "web"):
        create_surface(data / "keys", data / "surfaces.yaml", surface, "anyone")
    return Settings(
        database_url=store_url,
        policies_file=FIXTURES / "policies.yaml",
        directory_file=FIXTURES / "directory.yaml",
        data_dir=data,
    )


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(store_url)
    yield opened
    await opened.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def each_store(
    request: pytest.FixtureRequest, settings: Settings
) -> AsyncIterator[tuple[Settings, Store]]:
    """For specs that must hold on every store backend: settings whose worker writes to
    one, and that store opened — the SQLite file, then PostgreSQL (``postgresql_url``)."""
    url = request.getfixturevalue("store_url" if request.param == "sqlite" else "postgresql_url")
    async with await Store.open(url) as opened:
        yield settings.model_copy(update={"database_url": url}), opened


@pytest.fixture
async def server() -> AsyncIterator[HttpRecorder]:
    """A real HTTP server that records requests: a webhook receiver or a chat API."""
    async with HttpRecorder() as recorder:
        yield recorder


class Harness:
    """A running Signoff worker on its own task queue, and a client for it."""

    def __init__(self, client: Client, settings: Settings) -> None:
        self.task_queue = f"signoff-test-{uuid.uuid4().hex[:8]}"
        self.settings = settings.model_copy(update={"task_queue": self.task_queue})
        self.client = client
        self.channel = RecordingChannel()
        self.signoff = SignoffClient(
            client,
            task_queue=self.task_queue,
            voucher=load_voucher(self.settings.keys_path, TEST_SURFACE),
        )

    def vouching_as(self, surface: str) -> SignoffClient:
        """The harness's client vouching as ``surface`` (``slack``, ``teams``: what the
        bots of a deployment do with their own keys)."""
        return self.signoff.vouching_as(load_voucher(self.settings.keys_path, surface))

    def worker(self, **kwargs: Any) -> Worker:
        plugin = SignoffPlugin(settings=self.settings, channels={"console": self.channel})
        return Worker(self.client, task_queue=self.task_queue, plugins=[plugin], **kwargs)


HarnessFactory = Callable[[WorkflowEnvironment], AbstractAsyncContextManager[Harness]]


@pytest.fixture
def harness_for(settings: Settings) -> HarnessFactory:
    @asynccontextmanager
    async def run(env: WorkflowEnvironment) -> AsyncIterator[Harness]:
        harness = Harness(env.client, settings)
        async with harness.worker():
            yield harness

    return run


@pytest.fixture
async def live(dev_env: WorkflowEnvironment, harness_for: HarnessFactory) -> AsyncIterator[Harness]:
    """A worker on the real dev server."""
    async with harness_for(dev_env) as harness:
        yield harness


@pytest.fixture
async def skipping(skipping_env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Harness]:
    """A worker on the time-skipping server, for timer paths. Its clock runs days ahead
    of the wall clock the surfaces sign with, so the age of their word is not checked."""
    harness = Harness(skipping_env.client, settings.model_copy(update={"vouch_fresh_for": None}))
    async with harness.worker():
        yield harness


@pytest.fixture(scope="session")
def tls_certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A throwaway CA, with a server certificate for the TLS proxy and client ones."""
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
async def tls_proxy(
    dev_env: WorkflowEnvironment, tls_certificates: Certificates
) -> AsyncIterator[TlsProxy]:
    """The dev server behind TLS (Temporal's dev server speaks plain gRPC only)."""
    async with TlsProxy(dev_env.client.service_client.config.target_host, tls_certificates) as p:
        yield p


def make_request(policy: str, **overrides: Any) -> DecisionRequest:
    fields: dict[str, Any] = {
        "id": f"test-{uuid.uuid4().hex[:12]}",
        "use_case": "refunds",
        "subject": "order-1042",
        "title": "Refund $120 for a damaged parcel",
        "proposal": Proposal(text="Refund $120 to the customer's card."),
        "confidence": 0.72,
        "rationale": "Photo shows a crushed box; customer has no prior claims.",
        "model": ModelInfo(name="support-llm", version="2026-10", prompt_version="v7"),
        "risk_tier": RiskTier.MEDIUM,
        "requester": "rita",
        "policy": policy,
    }
    return DecisionRequest(**(fields | overrides))


_exit_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(exitstatus))


def pytest_unconfigure(config: pytest.Config) -> None:
    """The Temporal SDK can crash at interpreter exit (sdk-python #300); once pytest has
    printed its summary, leave with its status, as the SDK's own test suite does."""
    if _exit_status and os.environ.get("SIGNOFF_HARD_EXIT", "1") == "1":
        config.get_terminal_writer().flush()
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            if stream is not None:
                stream.flush()
        os._exit(_exit_status[-1])
