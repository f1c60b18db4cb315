"""Auditing from the terminal: query, export and verify the hash-chained trail."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from tests.app.cli.conftest import Cli, approved_decision, env_for, runner_for
from tests.conftest import Harness


async def test_verify_is_ok_after_a_whole_lifecycle(cli: Cli, tmp_path: Path) -> None:
    decision = await approved_decision(cli, tmp_path)

    result = await cli("audit", "verify", "--decision", decision)

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: ")
    assert re.fullmatch(
        r"OK: 5 events in 1 decisions, \d+ signed heads verified", result.stdout.strip()
    )


async def test_query_with_a_decision_lists_its_events_in_order(cli: Cli, tmp_path: Path) -> None:
    decision = await approved_decision(cli, tmp_path)

    result = await cli("audit", "query", "--decision", decision)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    kinds = [k for k in ("submitted", "routed", "stage_started", "voted", "finalized")]
    positions = [next(i for i, line in enumerate(lines) if f" {k} " in line) for k in kinds]
    assert positions == sorted(positions)
    assert any("alice" in line and "Looks right." in line for line in lines)


async def test_export_as_jsonl_gives_one_parseable_event_per_line(cli: Cli, tmp_path: Path) -> None:
    decision = await approved_decision(cli, tmp_path)

    result = await cli("audit", "export", "--format", "jsonl", "--decision", decision)

    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert {e["decision_id"] for e in events} == {decision}
    voted = next(e for e in events if e["kind"] == "voted")
    assert voted["actor"] == "alice" and voted["data"]["via"] == "cli"


async def test_export_of_decisions_to_a_csv_file(cli: Cli, tmp_path: Path) -> None:
    decision = await approved_decision(cli, tmp_path)
    out = tmp_path / "decisions.csv"

    result = await cli(
        "audit", "export", "--format", "csv", "--what", "decisions", "--out", str(out)
    )

    assert result.exit_code == 0, result.output
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("decision_id,use_case,")
    assert any(row.startswith(f"{decision},refunds,") and ",approved," in row for row in rows)


async def test_verify_names_the_altered_event_and_exits_1(
    dev_env: WorkflowEnvironment, private: Harness, tmp_path: Path
) -> None:
    cli = runner_for(env_for(dev_env, private))
    decision = await approved_decision(cli, tmp_path)
    intact = await cli("audit", "verify")
    assert intact.exit_code == 0, intact.output
    assert "in 1 decisions, " in intact.stdout

    with sqlite3.connect(tmp_path / "own.db") as db:
        changed = db.execute(
            "UPDATE audit_events SET actor = 'mallory' WHERE decision_id = ? AND kind = 'voted'",
            (decision,),
        ).rowcount
    assert changed == 1

    broken = await cli("audit", "verify")
    assert broken.exit_code == 1
    assert f"BROKEN: decision '{decision}' at event 4" in broken.stdout
    assert "the event was altered" in broken.stdout


async def test_audit_of_a_store_that_does_not_exist_says_so(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "signoff.db"

    result = await cli("--database-url", f"sqlite:///{missing}", "audit", "verify")

    assert result.exit_code == 1
    assert f"No audit store at {missing}" in result.stderr
    assert not missing.parent.exists()
