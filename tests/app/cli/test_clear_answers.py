"""Every command answers a mistake, a failure or a limit in one sentence a person can act
on, and says when it shows only part of what there is."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from signoff.core.contract import workflow_id_for
from tests.app.cli.conftest import Cli, env_for, runner_for, write_request
from tests.conftest import Harness
from tests.helpers.waiting import eventually


def _id() -> str:
    return f"cli-clear-{uuid.uuid4().hex[:10]}"


async def approved_by_alice(cli: Cli, tmp_path: Path, reason: str) -> str:
    decision = _id()
    request = write_request(tmp_path / f"{decision}.yaml", id=decision)
    assert (await cli("submit", str(request))).exit_code == 0
    assert (await cli("approve", decision, "--as", "alice", "--reason", reason)).exit_code == 0
    return decision


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text and "Usage:" not in text
    return lines[0]


async def test_an_unknown_policy_is_refused_and_every_command_says_the_decision_failed(
    cli: Cli, tmp_path: Path
) -> None:
    decision = _id()
    request = write_request(tmp_path / "r.yaml", id=decision, policy="nope")

    submitted = await cli("submit", str(request))
    started = time.monotonic()
    shown = await cli("show", decision)
    approved = await cli("approve", decision, "--as", "alice")

    assert submitted.exit_code == 1
    assert "nope" in one_line(submitted.stderr)
    for answer in (shown, approved):
        assert answer.exit_code == 1
        line = one_line(answer.stderr)
        assert line.startswith(f"Decision '{decision}' failed: ") and "nope" in line
    assert time.monotonic() - started < 10


async def test_the_same_request_again_is_answered_and_a_different_one_is_a_conflict(
    cli: Cli, tmp_path: Path
) -> None:
    decision = _id()
    first = write_request(tmp_path / "a.yaml", id=decision)
    assert (await cli("submit", str(first))).exit_code == 0

    again = await cli("submit", str(first))
    changed = await cli("submit", str(write_request(tmp_path / "b.yaml", id=decision, title="X")))

    assert again.exit_code == 0, again.output
    assert changed.exit_code == 1
    assert one_line(changed.stderr) == (
        f"Decision '{decision}' already exists with a different request (title differ);"
        " submit the new request under a new id."
    )


async def test_a_request_over_the_size_limit_names_the_limit_and_starts_nothing(
    cli: Cli, live: Harness, tmp_path: Path
) -> None:
    decision = _id()
    big = tmp_path / "big.json"
    request = json.loads(json.dumps({"id": decision}))
    request |= {
        "use_case": "refunds", "subject": "order-1", "title": "Refund",
        "proposal": {"text": "Refund."}, "confidence": 0.5,
        "model": {"name": "m"}, "requester": "rita", "policy": "first-lead",
        "metadata": {"attachment": "x" * (3 * 1024 * 1024)},
    }  # fmt: skip
    big.write_text(json.dumps(request), encoding="utf-8")

    result = await cli("submit", str(big))

    assert result.exit_code == 1
    assert "may be at most 256 KB" in one_line(result.stderr)
    try:
        await live.client.get_workflow_handle(workflow_id_for(decision)).describe()
        raise AssertionError("a workflow was started")
    except RPCError as err:
        assert err.status == RPCStatusCode.NOT_FOUND


async def test_pending_says_how_many_more_there_are_beyond_its_limit(
    cli: Cli, tmp_path: Path
) -> None:
    ids = [_id() for _ in range(3)]
    for n, decision in enumerate(ids):
        path = write_request(tmp_path / f"p{n}.yaml", id=decision)
        assert (await cli("submit", str(path))).exit_code == 0

    async def all_three_listed() -> bool:
        listed = await cli("pending", "--all", "--json")
        return {row["decision_id"] for row in json.loads(listed.stdout)} == set(ids)

    await eventually(all_three_listed, timeout=15, every=0.5)
    limited = await cli("pending", "--limit", "2")

    assert limited.exit_code == 0, limited.output
    assert one_line(limited.stderr) == (
        "Showing 2 of 3 pending decisions; 1 more: raise --limit or pass --all to see them."
    )
    assert sum(decision in limited.stdout for decision in ids) == 2


async def test_usage_mistakes_are_one_sentence_with_exit_2(cli: Cli) -> None:
    no_reason = await cli("reject", "some-decision", "--as", "alice")
    bad_risk = await cli("submit", "--risk", "huge")
    bad_limit = await cli("pending", "--limit", "0")

    for result in (no_reason, bad_risk, bad_limit):
        assert result.exit_code == 2
        one_line(result.stderr)
    assert one_line(no_reason.stderr) == (
        "Missing option '--reason' / '-r' — see `signoff reject --help`."
    )
    assert one_line(bad_risk.stderr) == (
        "Invalid value for '--risk': 'huge' is not one of 'low', 'medium', 'high',"
        " 'critical' — see `signoff submit --help`."
    )


async def test_an_overridden_decision_is_shown_as_resting_on_the_overrider(
    dev_env: WorkflowEnvironment, live: Harness, cli: Cli, tmp_path: Path
) -> None:
    decision = await approved_by_alice(cli, tmp_path, "Fine.")
    overridden = await cli(
        "override", decision, "--as", "dave", "--reject", "--reason", "Fraud pattern."
    )
    assert overridden.exit_code == 0, overridden.output

    listed = await cli("audit", "query", "--overrides-only")
    shown = await cli("show", decision)

    row = next(line for line in listed.stdout.splitlines() if decision in line)
    assert "dave (override; first alice)" in row
    assert "Final text" not in shown.stdout  # a rejected decision has nothing to run


async def test_audit_query_on_an_80_column_terminal_keeps_actors_and_details_readable(
    dev_env: WorkflowEnvironment, live: Harness, cli: Cli, tmp_path: Path
) -> None:
    reason = "Photo of the broken kettle checks out."
    decision = await approved_by_alice(cli, tmp_path, reason)
    narrow = runner_for(env_for(dev_env, live) | {"COLUMNS": "80"})

    result = await narrow("audit", "query", "--decision", decision)

    assert result.exit_code == 0, result.output
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    voted = result.stdout[result.stdout.index(" voted") :]
    assert "alice" in voted.splitlines()[0]
    assert reason in " ".join(voted.split())
