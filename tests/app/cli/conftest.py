"""Running the real ``signoff`` app against the session's dev server.

typer's CliRunner is synchronous and each command runs its own event loop, so every
invocation goes to a thread: the worker in the test's loop keeps polling meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner, Result

from signoff.app.cli import app
from tests.conftest import FIXTURES, Harness

Cli = Callable[..., Awaitable[Result]]


def env_for(dev_env: WorkflowEnvironment, harness: Harness) -> dict[str, str]:
    """The environment that points the CLI at ``harness``'s worker, queue and store."""
    settings = harness.settings
    return {
        "SIGNOFF_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "SIGNOFF_TASK_QUEUE": harness.task_queue,
        "SIGNOFF_DATABASE_URL": settings.store_url,
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


def write_request(path: Path, **fields: object) -> Path:
    """A request file as a person would write it (YAML), with ``fields`` replaced."""
    import yaml

    request: dict[str, object] = {
        "id": f"cli-{path.stem}",
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
    path.write_text(yaml.safe_dump(request | fields), encoding="utf-8")
    return path
