"""``signoff outcome``: an operator records a decision's real-world outcome after the
decision closed; ``signoff audit query`` shows it and ``signoff audit verify`` vouches
for it, and catches it when someone edits it in the database."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from signoff.core.contract import workflow_id_for
from tests.app.cli.conftest import Cli, env_for, runner_for, write_request
from tests.conftest import Harness
from tests.helpers import tamper

HAPPENED = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)


@pytest.fixture
def cli(dev_env: WorkflowEnvironment, private: Harness) -> Cli:
    return runner_for(env_for(dev_env, private))


async def closed_decision(cli: Cli, harness: Harness, tmp_path: Path) -> str:
    """Approved through the CLI under a one-second feedback window, which then closed:
    its workflow has completed."""
    decision = f"cli-late-{uuid.uuid4().hex[:10]}"
    request = write_request(tmp_path / f"{decision}.yaml", id=decision, policy="fleeting-feedback")
    assert (await cli("submit", str(request))).exit_code == 0
    assert (await cli("approve", decision, "--as", "alice")).exit_code == 0
    await harness.client.get_workflow_handle(workflow_id_for(decision)).result()
    return decision


async def reported(cli: Cli, decision: str, *extra: str) -> str:
    result = await cli(
        "outcome", decision, "chargeback", "--source", "chargeback-feed",
        "--at", HAPPENED.isoformat(), *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.stdout


async def test_an_outcome_after_the_decision_closed_is_shown_and_verifies_against_temporal(
    cli: Cli, private: Harness, tmp_path: Path
) -> None:
    decision = await closed_decision(cli, private, tmp_path)

    first = await reported(cli, decision)
    again = await reported(cli, decision)

    assert f"Outcome 'chargeback' from chargeback-feed (happened {HAPPENED.isoformat()})" in first
    assert f"recorded for {decision} as audit event {decision}/outcome/" in first
    assert "was already recorded" in again
    shown = (await cli("audit", "query", "--decision", decision)).stdout
    assert shown.count("outcome_reported") == 1
    assert "label=chargeback, source=chargeback-feed" in shown
    verified = await cli("audit", "verify", "--decision", decision, "--against-temporal")
    assert verified.exit_code == 0, verified.output
    assert "1 decisions compared with Temporal" in verified.stdout


async def test_an_outcome_edited_in_the_database_is_caught_with_or_without_recomputed_hashes(
    cli: Cli, private: Harness, tmp_path: Path
) -> None:
    decision = await closed_decision(cli, private, tmp_path)
    await reported(cli, decision)
    db = tmp_path / "own.db"

    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE audit_events SET data = json_set(data, '$.label', 'kept')"
            " WHERE decision_id = ? AND kind = 'outcome_reported'",
            (decision,),
        )
    plain = await cli("audit", "verify", "--decision", decision)
    assert plain.exit_code == 1
    assert f"BROKEN: decision '{decision}' at event 6" in plain.stdout

    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        tamper.recompute(conn, decision)
    against = await cli("audit", "verify", "--decision", decision, "--against-temporal")
    assert against.exit_code == 1
    assert "the stored reported outcome differs from Temporal's record" in against.stdout


async def test_an_outcome_for_no_decision_exits_1_in_one_sentence(cli: Cli) -> None:
    result = await cli(
        "outcome",
        "no-such-decision",
        "chargeback",
        "--source",
        "feed",
        "--at",
        HAPPENED.isoformat(),
    )

    assert result.exit_code == 1
    assert result.stderr.strip() == "No decision with id 'no-such-decision'."


async def test_an_outcome_in_the_future_or_without_a_time_zone_exits_2_and_records_nothing(
    cli: Cli, private: Harness, tmp_path: Path
) -> None:
    decision = await closed_decision(cli, private, tmp_path)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()

    ahead = await cli("outcome", decision, "chargeback", "--source", "feed", "--at", tomorrow)
    naive = await cli("outcome", decision, "x", "--source", "feed", "--at", "2026-01-01T10:00")

    assert ahead.exit_code == naive.exit_code == 2
    assert ahead.stderr.strip() == (
        "Invalid outcome: at: the outcome cannot have happened in the future"
        " (more than 5 minutes ahead)."
    )
    assert naive.stderr.strip() == "Invalid outcome: at: Input should have timezone info."
    assert "outcome_reported" not in (await cli("audit", "query", "--decision", decision)).stdout
