"""``signoff monitors``: schedule a use case's drift monitors, run them now, see alarms;
bad input is one sentence and schedules nothing."""

from __future__ import annotations

import uuid

import pytest

from signoff.client.monitors import list_monitors
from tests.app.cli.conftest import Cli
from tests.conftest import Harness


async def _use_cases(live: Harness) -> list[str]:
    return [m.settings.use_case for m in await list_monitors(live.signoff)]


async def test_enable_run_now_list_and_disable_a_monitor(cli: Cli, live: Harness) -> None:
    use_case = f"cli-{uuid.uuid4().hex[:8]}"
    enabled = await cli("monitors", "enable", use_case, "--as", "rita", "--every", "1h")
    assert enabled.exit_code == 0, enabled.output
    assert f"Use case '{use_case}' is monitored every 1h" in enabled.stdout
    again = await cli("monitors", "enable", use_case, "--as", "rita", "--every", "1h")
    assert again.exit_code == 0 and "was monitored already" in again.stdout

    ran = await cli("monitors", "run-now", use_case)
    assert ran.exit_code == 0, ran.output
    assert "not enough decisions" in ran.stdout and "0 / 0" in ran.stdout
    listed = await cli("monitors", "list")
    assert use_case in listed.stdout and "1:00:00" in listed.stdout
    quiet = await cli("monitors", "alarms", use_case)
    assert (quiet.exit_code, quiet.stdout.strip()) == (0, "No drift alarms.")

    gone = await cli("monitors", "disable", use_case)
    assert gone.exit_code == 0, gone.output
    assert use_case not in await _use_cases(live)


@pytest.mark.parametrize(
    ("args", "sentence", "code"),
    [
        (
            ["--as", "rita", "--every", "banana"],
            "--every must be a positive duration such as 1d or 12h, not 'banana'.",
            2,
        ),
        (
            ["--as", "rita", "--window", "-1d"],
            "--window must be a positive duration such as 1d or 12h, not '-1d'.",
            2,
        ),
        (
            ["--as", "rita", "--cusum-limit", "0"],
            "Invalid monitor: cusum_limit: Input should be greater than 0.",
            2,
        ),
        (["--as", "nobody"], "Nobody called 'nobody' is in the directory", 2),
    ],
)
async def test_bad_input_to_enable_is_one_sentence_and_schedules_nothing(
    cli: Cli, live: Harness, args: list[str], sentence: str, code: int
) -> None:
    use_case = f"bad-{uuid.uuid4().hex[:8]}"
    result = await cli("monitors", "enable", use_case, *args)

    assert result.exit_code == code, result.output
    assert sentence in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert use_case not in await _use_cases(live)


async def test_a_use_case_without_a_monitor_is_named_in_one_sentence(cli: Cli) -> None:
    for command in ("disable", "run-now"):
        result = await cli("monitors", command, "never-monitored")
        assert result.exit_code == 1, result.output
        assert result.output.strip() == (
            "No drift monitor for use case 'never-monitored' — `signoff monitors list` shows them."
        )
