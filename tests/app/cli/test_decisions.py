"""Submitting, acting on and looking at decisions from the terminal."""

from __future__ import annotations

import asyncio
import socket
import uuid
from pathlib import Path

import pytest
from temporalio.service import RPCError, RPCStatusCode

from signoff.core.contract import workflow_id_for
from tests.app.cli.conftest import Cli, write_request
from tests.conftest import Harness


def _id() -> str:
    return f"cli-{uuid.uuid4().hex[:10]}"


async def test_a_submitted_file_approved_by_alice_shows_the_outcome(
    cli: Cli, tmp_path: Path
) -> None:
    decision = _id()
    request = write_request(tmp_path / "request.yaml", id=decision)

    submitted = await cli("submit", str(request))
    assert submitted.exit_code == 0, submitted.output
    assert f"Decision {decision}: pending" in submitted.stdout
    assert "asked alice, bob" in submitted.stdout

    approved = await cli("approve", decision, "--as", "alice", "--reason", "Photo checks out.")
    assert approved.exit_code == 0, approved.output
    assert "Decision approved." in approved.stdout

    shown = await cli("show", decision)
    assert shown.exit_code == 0, shown.output
    assert "Refund $64 for a broken kettle" in shown.stdout
    assert "approved by alice" in shown.stdout
    assert "alice: approve — Photo checks out." in shown.stdout


async def test_an_approver_who_was_not_asked_is_refused_with_exit_1(cli: Cli) -> None:
    decision = _id()
    submitted = await cli(
        "submit", "--id", decision, "--use-case", "refunds", "--subject", "order-78",
        "--title", "Refund $12", "--text", "Refund $12.", "--confidence", "0.6",
        "--model", "support-llm", "--requester", "rita", "--policy", "first-lead",
    )  # fmt: skip
    assert submitted.exit_code == 0, submitted.output

    refused = await cli("approve", decision, "--as", "carol")

    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "Refused: You are not an approver at stage 'leads'; asked: alice, bob."
    )


async def test_a_mistyped_person_is_named_with_exit_2_and_nothing_is_recorded(cli: Cli) -> None:
    decision = _id()
    submitted = await cli(
        "submit", "--id", decision, "--use-case", "refunds", "--subject", "order-79",
        "--title", "Refund $13", "--text", "Refund $13.", "--confidence", "0.6",
        "--model", "support-llm", "--requester", "rita", "--policy", "first-lead",
    )  # fmt: skip
    assert submitted.exit_code == 0, submitted.output

    typo = await cli("approve", decision, "--as", "alcie")
    handed = await cli("delegate", decision, "--as", "alice", "--to", "bobb")

    assert typo.exit_code == handed.exit_code == 2
    assert typo.stderr.strip().startswith("Nobody called 'alcie' is in the directory")
    assert handed.stderr.strip().startswith("Nobody called 'bobb' is in the directory")
    shown = await cli("show", decision)
    assert "pending" in shown.output.lower()


async def test_an_invalid_request_file_names_the_field_and_exits_2(
    cli: Cli, tmp_path: Path
) -> None:
    request = write_request(tmp_path / "bad.yaml", confidence=1.5)

    result = await cli("submit", str(request))

    assert result.exit_code == 2
    assert "confidence: Input should be less than or equal to 1" in result.stderr
    assert "Traceback" not in result.output


async def test_an_unknown_policy_exits_1_and_lists_the_known_ones(cli: Cli, tmp_path: Path) -> None:
    request = write_request(tmp_path / "nope.yaml", id=_id(), policy="nope")

    result = await cli("submit", str(request))

    assert result.exit_code == 1
    assert "unknown policy 'nope'; known policies:" in result.stderr
    assert "'first-lead'" in result.stderr


async def test_pending_for_alice_lists_a_decision_waiting_on_her(cli: Cli, tmp_path: Path) -> None:
    decision = _id()
    await cli("submit", str(write_request(tmp_path / "r.yaml", id=decision)))

    # Visibility is eventually consistent: the listing may lag the start by a moment.
    for _ in range(40):
        listed = await cli("pending", "--for", "alice")
        assert listed.exit_code == 0, listed.output
        if decision in listed.stdout:
            break
        await asyncio.sleep(0.25)
    else:
        raise AssertionError(f"{decision} never listed:\n{listed.stdout}")
    not_for_carol = await cli("pending", "--for", "carol")
    assert decision not in not_for_carol.stdout


async def test_a_missing_decision_is_one_sentence_with_exit_1(cli: Cli) -> None:
    result = await cli("show", "no-such-decision")

    assert result.exit_code == 1
    assert result.stderr.strip() == "No decision with id 'no-such-decision'."


async def test_an_unreachable_server_is_named_with_exit_1(cli: Cli) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    result = await cli("--address", f"127.0.0.1:{port}", "pending")

    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Cannot reach Temporal at 127.0.0.1:{port} — is `signoff dev` running?"
    )


async def test_pending_for_someone_the_directory_does_not_know_is_named_with_exit_2(
    cli: Cli,
) -> None:
    result = await cli("pending", "--for", "zed")

    assert result.exit_code == 2
    assert "Nobody called 'zed' is in the directory" in result.stderr


async def test_an_audit_query_for_a_status_that_does_not_exist_names_the_known_ones(
    cli: Cli,
) -> None:
    for command in (("audit", "query"), ("audit", "export", "--what", "decisions")):
        result = await cli(*command, "--status", "bogus")

        assert result.exit_code == 2, command
        assert "Unknown status 'bogus'; known statuses: pending, approved," in result.stderr


async def test_a_request_file_that_is_not_utf8_is_named_with_exit_2(
    cli: Cli, tmp_path: Path
) -> None:
    """Found by fuzzing: it was reported as an "Unexpected error" with exit 1."""
    request = tmp_path / "latin1.yaml"
    request.write_bytes("title: Caf\u00e9 refund\n".encode("latin-1"))

    result = await cli("submit", str(request))

    assert result.exit_code == 2
    assert result.stderr.strip() == f"{request} is not UTF-8 text (byte 11 is 0xe9)."


async def test_a_payload_with_nan_is_refused_with_exit_2_and_starts_nothing(
    cli: Cli, live: Harness, tmp_path: Path
) -> None:
    """Found by fuzzing: Python's JSON reads NaN, and the request started a decision that
    Temporal carried with null, so the CLI then called it a conflicting request."""
    decision = _id()
    request = write_request(tmp_path / "nan.yaml", id=decision)

    result = await cli("submit", str(request), "--payload", '{"amount": NaN}')

    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Invalid request: proposal.payload: amount is nan, not a finite number."
    )
    with pytest.raises(RPCError) as caught:
        await live.client.get_workflow_handle(workflow_id_for(decision)).describe()
    assert caught.value.status == RPCStatusCode.NOT_FOUND


async def test_a_field_named_with_a_line_break_is_refused_on_one_line(
    cli: Cli, tmp_path: Path
) -> None:
    """Found by fuzzing: the field's name was printed as written, over two lines."""
    request = write_request(tmp_path / "segment.yaml", id=_id(), segment={"re\ngion": 5})

    result = await cli("submit", str(request))

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Invalid request: segment.'re\\ngion': Input should be a valid string."
    ]
