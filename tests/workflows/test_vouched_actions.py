"""Nobody can act as someone else: an action is applied only on the signed word of a
surface the operator trusts to have authenticated its actor.

Before this (issue 10, part 3), anyone who could reach Temporal could approve as anyone,
and ``via`` said whatever the caller liked. Each impersonation below is refused by the
workflow itself, and the refusal is in the decision's audit trail.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from signoff import ActionRefused, SignoffPlugin, Status
from signoff.adapters.notary import create_surface, load_voucher
from signoff.adapters.store import Store
from signoff.core.catalog import Catalog, ConfigError, load_surfaces
from signoff.core.contract import workflow_id_for
from signoff.core.models import Action, ActionResult, AuditKind, ChainedEvent
from signoff.core.settings import Settings
from signoff.core.vouching import Voucher, record_verifies
from tests.conftest import TEST_SURFACE, Harness, make_request


@pytest.fixture
async def trusting(
    dev_env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> AsyncIterator[Harness]:
    """A worker trusting three surfaces: the specs' own (anyone), Alice's CLI key (Alice
    alone) and a Slack bot (anyone)."""
    keys, surfaces = tmp_path / "keys", tmp_path / "surfaces.yaml"
    create_surface(keys, surfaces, TEST_SURFACE, "anyone")
    create_surface(keys, surfaces, "cli-alice", ["alice"])
    create_surface(keys, surfaces, "slack", "anyone")
    own = settings.model_copy(update={"keys_dir": keys, "surfaces_file": surfaces})
    harness = Harness(dev_env.client, own)
    async with harness.worker():
        yield harness


def surface(harness: Harness, name: str) -> Voucher:
    found = load_voucher(harness.settings.keys_path, name)
    assert found is not None
    return found


async def refused_events(store: Store, decision_id: str) -> list[ChainedEvent]:
    return [e for e in await store.events(decision_id) if e.kind is AuditKind.REFUSED]


async def sent_raw(harness: Harness, decision_id: str, action: Action) -> WorkflowUpdateFailedError:
    """``action`` sent straight to Temporal, as anyone with access could; the failure."""
    handle = harness.client.get_workflow_handle(workflow_id_for(decision_id))
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(action.kind.value, action, id=action.action_id)
    return failed.value


async def test_an_approval_sent_straight_to_temporal_without_a_surfaces_word_is_refused_and_audited(
    trusting: Harness, store: Store
) -> None:
    request = make_request("first-lead")
    await trusting.signoff.submit(request)

    failure = await sent_raw(
        trusting, request.id, Action(kind="approve", action_id="forged-1", actor="alice")
    )

    assert "no word from a Slack, Teams or CLI surface" in str(failure.cause)
    assert (await trusting.signoff.state(request.id)).status is Status.PENDING
    (refusal,) = await refused_events(store, request.id)
    assert refusal.actor == "alice" and refusal.data["code"] == "not_vouched"


async def test_an_operators_cli_key_acts_as_its_operator_and_nobody_else(
    trusting: Harness, store: Store
) -> None:
    request = make_request("analysts-2-of-3")
    await trusting.signoff.submit(request)
    alice_cli = trusting.signoff.vouching_as(surface(trusting, "cli-alice"))

    with pytest.raises(ActionRefused, match="'cli-alice' may act only for alice, not for bob"):
        await alice_cli.perform(request.id, "approve", "bob")
    applied = await alice_cli.perform(request.id, "approve", "alice")

    assert applied.applied
    (refusal,) = await refused_events(store, request.id)
    assert (refusal.actor, refusal.data["code"]) == ("bob", "not_vouched_for")
    voted = next(e for e in await store.events(request.id) if e.kind is AuditKind.VOTED)
    assert voted.actor == "alice" and voted.data["via"] == "cli-alice"


async def test_the_audit_keeps_each_surfaces_word_so_an_auditor_can_check_it_offline(
    trusting: Harness, store: Store
) -> None:
    request = make_request("first-lead")
    await trusting.signoff.submit(request)

    await trusting.signoff.vouching_as(surface(trusting, "slack")).perform(
        request.id, "approve", "alice", via="api", reason="Photos are clear."
    )

    voted = next(e for e in await store.events(request.id) if e.kind is AuditKind.VOTED)
    assert voted.data["via"] == "slack"  # where it came from, not what the caller said
    trusted = load_surfaces(trusting.settings.surfaces_path)
    assert record_verifies(voted.data["vouch"], request.id, trusted)
    altered = voted.data["vouch"] | {"action": voted.data["vouch"]["action"] | {"actor": "bob"}}
    assert not record_verifies(altered, request.id, trusted)
    assert not record_verifies(voted.data["vouch"], "another-decision", trusted)


async def test_a_signed_action_altered_on_the_way_is_refused_and_audited(
    trusting: Harness, store: Store
) -> None:
    request = make_request("first-lead")
    await trusting.signoff.submit(request)
    signed = surface(trusting, TEST_SURFACE).vouch(
        request.id, Action(kind="reject", action_id="r-1", actor="alice", reason="Too much")
    )

    failure = await sent_raw(
        trusting, request.id, signed.model_copy(update={"reason": "Fine by me"})
    )

    assert "altered or forged" in str(failure.cause)
    (refusal,) = await refused_events(store, request.id)
    assert refusal.data["code"] == "forged_vouch"
    assert refusal.data["vouch"]["surface"] == TEST_SURFACE


async def test_a_surfaces_word_on_one_decision_cannot_be_replayed_on_another(
    trusting: Harness, store: Store
) -> None:
    first, second = make_request("first-lead"), make_request("first-lead")
    await trusting.signoff.submit(first)
    await trusting.signoff.submit(second)
    signed = surface(trusting, TEST_SURFACE).vouch(
        first.id, Action(kind="approve", action_id="a-1", actor="alice")
    )

    failure = await sent_raw(trusting, second.id, signed)

    assert "altered or forged" in str(failure.cause)
    assert (await trusting.signoff.state(second.id)).status is Status.PENDING


async def test_a_key_the_operator_never_trusted_is_refused_even_under_a_trusted_name(
    trusting: Harness, store: Store
) -> None:
    request = make_request("first-lead")
    await trusting.signoff.submit(request)
    impostor = Voucher("slack", Ed25519PrivateKey.generate())

    with pytest.raises(ActionRefused, match=r"'slack' .* which this decision does not trust"):
        await trusting.signoff.vouching_as(impostor).perform(request.id, "approve", "alice")

    (refusal,) = await refused_events(store, request.id)
    assert refusal.data["code"] == "unknown_surface"


async def test_an_old_word_is_refused_as_stale(trusting: Harness, store: Store) -> None:
    request = make_request("first-lead")
    await trusting.signoff.submit(request)
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    signed = surface(trusting, TEST_SURFACE).vouch(
        request.id, Action(kind="approve", action_id="a-1", actor="alice"), now=long_ago
    )

    failure = await sent_raw(trusting, request.id, signed)

    assert "too old" in str(failure.cause)


async def test_an_action_id_reused_by_another_person_is_refused_not_answered_with_the_first_result(
    trusting: Harness,
) -> None:
    request = make_request("analysts-2-of-3")
    await trusting.signoff.submit(request)
    await trusting.signoff.perform(request.id, "approve", "alice", action_id="click-1")

    with pytest.raises(ActionRefused, match="another person's action"):
        await trusting.signoff.perform(request.id, "approve", "bob", action_id="click-1")

    state = await trusting.signoff.state(request.id)
    assert state.stage is not None and [v.actor for v in state.stage.votes] == ["alice"]


def test_accepting_unvouched_actions_is_refused_outside_signoff_dev(settings: Settings) -> None:
    loose = settings.model_copy(update={"accept_unvouched_actions": True})

    with pytest.raises(ConfigError, match="only `signoff dev` accepts it"):
        Catalog.load(loose)
    assert Catalog.load(loose, dev=True).accept_unvouched


async def test_signoff_dev_with_the_switch_on_applies_an_unvouched_action_and_says_so(
    dev_env: WorkflowEnvironment, settings: Settings, store: Store
) -> None:
    loose = settings.model_copy(update={"accept_unvouched_actions": True})
    harness = Harness(dev_env.client, loose)
    plugin = SignoffPlugin(
        settings=harness.settings, channels={"console": harness.channel}, dev=True
    )
    request = make_request("first-lead")
    async with Worker(dev_env.client, task_queue=harness.task_queue, plugins=[plugin]):
        state = await harness.signoff.submit(request)
        assert state.plan.unvouched_accepted
        handle = harness.client.get_workflow_handle(workflow_id_for(request.id))
        unvouched = Action(kind="approve", action_id="a-1", actor="alice")

        result = await handle.execute_update("approve", unvouched, result_type=ActionResult)

    assert result.applied and result.status == Status.APPROVED.value
    voted = next(e for e in await store.events(request.id) if e.kind is AuditKind.VOTED)
    assert voted.data["vouch"] == {"unvouched": True}
    assert (await store.verify(request.id)).ok
