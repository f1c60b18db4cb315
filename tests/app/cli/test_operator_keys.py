"""From one shell, an operator acts as themselves: their CLI key names them, and
``--as`` someone else is refused by the workflow and audited (it used to be accepted)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from signoff.adapters.notary import create_surface
from signoff.adapters.store import Store
from signoff.core.models import AuditKind
from signoff.core.settings import Settings
from tests.app.cli.conftest import Cli, env_for, own_store, runner_for, write_request
from tests.conftest import TEST_SURFACE, Harness


@pytest.fixture
async def alices_shell(
    dev_env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[Cli, Harness]]:
    """A worker trusting the key of Alice's CLI (for Alice alone), and her shell."""
    keys, surfaces = tmp_path / "keys", tmp_path / "surfaces.yaml"
    create_surface(keys, surfaces, TEST_SURFACE, "anyone")
    create_surface(keys, surfaces, "cli-alice", ["alice"])
    own = own_store(settings, tmp_path).model_copy(
        update={"keys_dir": keys, "surfaces_file": surfaces}
    )
    harness = Harness(dev_env.client, own)
    async with harness.worker():
        yield runner_for(env_for(dev_env, harness) | {"SIGNOFF_SURFACE": "cli-alice"}), harness


async def test_an_operator_acts_as_themselves_and_acting_as_another_is_refused_and_audited(
    alices_shell: tuple[Cli, Harness], tmp_path: Path
) -> None:
    cli, harness = alices_shell
    decision = f"cli-{uuid.uuid4().hex[:10]}"
    request = write_request(tmp_path / "r.yaml", id=decision, policy="analysts-2-of-3")
    assert (await cli("submit", str(request))).exit_code == 0

    as_bob = await cli("approve", decision, "--as", "bob")
    as_mgr = await cli("override", decision, "--as", "dave", "--approve", "--reason", "Urgent")
    as_alice = await cli("approve", decision, "--as", "alice")

    assert as_bob.exit_code == 1
    assert "'cli-alice' may act only for alice, not for bob." in as_bob.stderr
    assert as_mgr.exit_code == 1, as_mgr.output
    assert as_alice.exit_code == 0, as_alice.output
    async with await Store.open(harness.settings.store_url) as store:
        events = await store.events(decision)
    refused = [(e.actor, e.data["code"]) for e in events if e.kind is AuditKind.REFUSED]
    assert refused == [("bob", "not_vouched_for"), ("dave", "not_vouched_for")]
    (vote,) = [e for e in events if e.kind is AuditKind.VOTED]
    assert (vote.actor, vote.data["via"]) == ("alice", "cli-alice")
