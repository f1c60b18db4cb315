"""Running the real ``signoff`` app against the session's dev server.

typer's CliRunner is synchronous and each command runs its own event loop, so every
invocation goes to a thread: the worker in the test's loop keeps polling meanwhile.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner, Result

from signoff.app.cli import app
from signoff.core.settings import Settings
from tests.conftest import FIXTURES, Harness

Cli = Callable[..., Awaitable[Result]]


def env_for(dev_env: WorkflowEnvironment, harness: Harness) -> dict[str, str]:
    """The environment that points the CLI at ``harness``'s worker, queue and store."""
    settings = harness.settings
    return {
        "SIGNOFF_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "SIGNOFF_TASK_QUEUE": harness.task_queue,
        "SIGNOFF_DATABASE_URL": settings.store_url,
        "SIGNOFF_DATA_DIR": str(settings.data_dir),
        "SIGNOFF_AUDIT_CHECKPOINT_LOG": str(settings.checkpoint_log_path),
        "SIGNOFF_KEYS_DIR": str(settings.keys_path),
        "SIGNOFF_SURFACES_FILE": str(settings.surfaces_path),
        "SIGNOFF_POLICIES_FILE": str(FIXTURES / "policies.yaml"),
        "SIGNOFF_DIRECTORY_FILE": str(FIXTURES / "directory.yaml"),
        # Wide enough that ids and sentences are never wrapped in the middle.
        "COLUMNS": "200",
    }


def runner_for(env: dict[str, str]) -> Cli:
    runner = CliRunner()

    async def invoke(*args: str) -> Result:
        return await asyncio.to_thread(runner.invoke, app, list(args), env=env)

    return invoke


@pytest.fixture
def cli(dev_env: WorkflowEnvironment, live: Harness) -> Cli:
    """``await cli("approve", id, "--as", "alice")`` against the ``live`` worker."""
    return runner_for(env_for(dev_env, live))


REQUEST_FIELDS: dict[str, Any] = {
    "use_case": "refunds",
    "subject": "order-77",
    "title": "Refund $64 for a broken kettle",
    "proposal": {"text": "Refund $64 to the customer's card."},
    "confidence": 0.7,
    "model": {"name": "support-llm", "version": "2026-10"},
    "risk_tier": "medium",
    "requester": "rita",
    "policy": "first-lead",
}
"""A request as a person would write one, without its id."""


def write_request(path: Path, **fields: object) -> Path:
    """A request file as a person would write it (YAML), with ``fields`` replaced."""
    import yaml

    request = REQUEST_FIELDS | {"id": f"cli-{path.stem}"}
    path.write_text(yaml.safe_dump(request | fields), encoding="utf-8")
    return path


async def approved_decision(cli: Cli, tmp_path: Path) -> str:
    """A decision submitted from a request file and approved by alice, through the CLI."""
    decision = f"cli-audit-{uuid.uuid4().hex[:10]}"
    request = write_request(tmp_path / f"{decision}.yaml", id=decision)
    assert (await cli("submit", str(request))).exit_code == 0
    approved = await cli("approve", decision, "--as", "alice", "--reason", "Looks right.")
    assert approved.exit_code == 0, approved.output
    return decision


def own_store(settings: Settings, tmp_path: Path) -> Settings:
    """``settings`` with a SQLite store and checkpoint log of the test's own."""
    return settings.model_copy(
        update={
            "database_url": f"sqlite:///{tmp_path / 'own.db'}",
            "audit_checkpoint_log": tmp_path / "checkpoints.jsonl",
        }
    )


@pytest.fixture
async def private(
    dev_env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> AsyncIterator[Harness]:
    """A worker with a store (and checkpoint log) of its own, so altering a row cannot
    break other tests."""
    harness = Harness(dev_env.client, own_store(settings, tmp_path))
    async with harness.worker():
        yield harness
