"""A database administrator cannot rewrite the record unseen.

Each spec runs a real decision through a worker that signs its chain heads, then
tampers with the SQLite store as someone with write access and the source code (but
not the audit key) could, covering their tracks as well as the database allows, and
runs ``signoff audit verify`` (with and without ``--against-temporal``) as an auditor
would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from signoff.adapters.notary import create_surface
from signoff.adapters.store import Store
from signoff.core.settings import Settings
from tests.app.cli.conftest import Cli, approved_decision, env_for, own_store, runner_for
from tests.conftest import TEST_SURFACE, Harness
from tests.helpers import tamper


@pytest.fixture
def cli(dev_env: WorkflowEnvironment, private: Harness) -> Cli:
    return runner_for(env_for(dev_env, private))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "own.db"


async def verified(cli: Cli, *args: str) -> str:
    """``audit verify`` that must pass; its output."""
    result = await cli("audit", "verify", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


async def refused(cli: Cli, *args: str) -> str:
    """``audit verify`` that must fail; its output."""
    result = await cli("audit", "verify", *args)
    assert result.exit_code == 1, result.output
    return result.stdout


async def unkeyed_check_passes(db: Path, decision: str) -> None:
    """The tamper really covered its tracks: the hash chain alone no longer sees it (what
    may still show it without the key is the vouch kept on the approval, checked below)."""
    async with await Store.open(f"sqlite:///{db}") as store:
        report = await store.verify(decision)
    chain_breaks = [
        b for b in report.breaks if "row" not in b.problem and "surface's word" not in b.problem
    ]
    assert chain_breaks == [], report.breaks


async def test_an_untouched_store_verifies_against_its_signatures_its_log_and_temporal(
    cli: Cli, tmp_path: Path
) -> None:
    await approved_decision(cli, tmp_path)

    said = await verified(cli, "--against-temporal")

    assert "1 decisions compared with Temporal" in said
    assert "WARNING" not in said


async def test_an_approver_rewritten_with_every_hash_recomputed_is_caught_by_the_signatures_and_by_temporal(  # noqa: E501
    cli: Cli, tmp_path: Path, db: Path
) -> None:
    decision = await approved_decision(cli, tmp_path)

    tamper.rewrite(db, decision, "voted", actor="mallory")
    await unkeyed_check_passes(db, decision)

    said = await refused(cli, "--decision", decision)
    assert f"BROKEN: decision '{decision}' at event 4" in said
    assert "events 4 to 5 are not what the audit key signed when they were written" in said
    said = await refused(cli, "--decision", decision, "--against-temporal")
    assert "actor differ from what the workflow's history recorded" in said


async def test_a_rewrite_that_also_deletes_the_stored_signatures_is_caught_by_the_checkpoint_log(
    cli: Cli, tmp_path: Path, db: Path
) -> None:
    decision = await approved_decision(cli, tmp_path)

    tamper.rewrite(db, decision, "voted", actor="mallory")
    tamper.drop_signatures(db, decision)

    said = await refused(cli)
    assert "the chain was rewritten" in said


async def test_a_rewrite_with_a_made_up_signature_is_caught(
    cli: Cli, tmp_path: Path, db: Path
) -> None:
    decision = await approved_decision(cli, tmp_path)

    tamper.rewrite(db, decision, "voted", actor="mallory")
    tamper.drop_signatures(db, decision)
    (tmp_path / "checkpoints.jsonl").unlink()  # and the log, had it been writable
    await approved_decision(cli, tmp_path)  # a genuine signature to copy the key id from
    tamper.forge_signature(db, decision)

    said = await refused(cli, "--decision", decision)
    assert "does not verify under audit key" in said


async def test_a_decision_deleted_from_every_table_is_caught_by_the_log_and_by_temporal(
    cli: Cli, tmp_path: Path, db: Path
) -> None:
    kept = await approved_decision(cli, tmp_path)
    deleted = await approved_decision(cli, tmp_path)

    tamper.delete_decision(db, deleted)

    said = await refused(cli)
    assert f"BROKEN: decision '{deleted}'" in said
    assert "the store holds none: the decision was deleted" in said
    assert f"decision '{kept}'" not in said
    said = await refused(cli, "--decision", deleted, "--against-temporal")
    assert "the workflow's history recorded 5 events; the store holds 0" in said


async def test_a_chain_cut_back_to_an_earlier_genuinely_signed_head_is_caught(
    cli: Cli, tmp_path: Path, db: Path
) -> None:
    decision = await approved_decision(cli, tmp_path)

    tamper.cut_back(db, decision, keep=3)  # back to "asked alice", before her vote
    tamper.edit_decision_row(db, decision, status="pending", decided_by=[])

    said = await refused(cli, "--decision", decision)
    assert "a signed head covers 5 events but the store holds 3: the chain was cut back" in said
    said = await refused(cli, "--decision", decision, "--against-temporal")
    assert "the store holds 3" in said


async def test_an_edited_decisions_row_is_caught_and_not_trusted_by_audit_query(
    cli: Cli, tmp_path: Path, db: Path
) -> None:
    decision = await approved_decision(cli, tmp_path)

    tamper.edit_decision_row(db, decision, status="rejected", decided_by=["mallory"])

    said = await refused(cli, "--decision", decision)
    assert "the decisions row's status, decided_by differ from the audit chain" in said
    listed = await cli("audit", "query", "--status", "rejected")
    assert listed.exit_code == 1
    assert decision in listed.stdout
    assert f"UNTRUSTED: decision '{decision}' does not match its audit trail" in listed.stderr


def own_keys(
    dev_env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> tuple[Harness, Cli]:
    """A worker with its own store, checkpoint log and keys folder (tmp/keys, with no
    audit keyring yet), and the CLI pointed at them."""
    keys, surfaces = tmp_path / "keys", tmp_path / "surfaces.yaml"
    for surface in (TEST_SURFACE, "cli"):
        create_surface(keys, surfaces, surface, "anyone")
    own = own_store(settings, tmp_path).model_copy(
        update={"keys_dir": keys, "surfaces_file": surfaces}
    )
    harness = Harness(dev_env.client, own)
    return harness, runner_for(env_for(dev_env, harness))


async def test_heads_signed_before_a_key_rotation_still_verify_after_it(
    dev_env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    harness, cli = own_keys(dev_env, settings, tmp_path)
    assert (await cli("keys", "create")).exit_code == 0
    async with harness.worker():
        before = await approved_decision(cli, tmp_path)
    retired = set((tmp_path / "keys").glob("audit-signing-*.pem"))

    rotated = await cli("keys", "rotate")

    assert rotated.exit_code == 0, rotated.output
    assert "is retired and can no longer sign" in rotated.stdout
    assert not retired & set((tmp_path / "keys").glob("audit-signing-*.pem"))
    async with harness.worker():
        after = await approved_decision(cli, tmp_path)
    listed = await cli("keys", "list")
    assert listed.stdout.count("2026-") >= 3  # two keys made, one retired
    said = await verified(cli)
    assert "2 decisions" in said
    tamper.rewrite(tmp_path / "own.db", before, "voted", actor="mallory")
    tamper.rewrite(tmp_path / "own.db", after, "voted", actor="mallory")
    said = await refused(cli)
    assert said.count("the chain was rewritten") == 2


async def test_creating_the_first_key_signs_the_chains_written_before_it(
    dev_env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    harness, cli = own_keys(dev_env, settings, tmp_path)
    async with harness.worker():
        decision = await approved_decision(cli, tmp_path)
    warned = await verified(cli)
    assert "WARNING: no audit keyring" in warned

    created = await cli("keys", "create")

    assert created.exit_code == 0, created.output
    assert "Signed the heads of 1 existing decisions." in created.stdout
    said = await verified(cli, "--decision", decision)
    assert "WARNING" not in said
    tamper.rewrite(tmp_path / "own.db", decision, "voted", actor="mallory")
    assert "the chain was rewritten" in await refused(cli)


async def test_a_rewritten_approver_is_caught_even_by_an_auditor_without_the_audit_keys(
    dev_env: WorkflowEnvironment, private: Harness, tmp_path: Path, db: Path
) -> None:
    cli = runner_for(env_for(dev_env, private))
    decision = await approved_decision(cli, tmp_path)
    tamper.rewrite(db, decision, "voted", actor="mallory")
    no_keys = env_for(dev_env, private) | {"SIGNOFF_KEYS_DIR": str(tmp_path / "no-keys")}

    said = await refused(runner_for(no_keys), "--decision", decision)

    assert "voted by mallory: the surface's word on it does not verify" in said
    assert "WARNING: no audit keyring" in said
