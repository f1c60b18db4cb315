"""Decisions already in flight keep working: recorded histories replay through the
current workflow code without a non-determinism error."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from signoff.app.plugin import with_crypto_passed_through
from signoff.workflows import DecisionWorkflow, RefusalAuditWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").rglob("*.json"))
"""One folder per workflow version; every version's histories must keep replaying."""


@pytest.mark.parametrize("path", HISTORIES, ids=[f"{p.parent.name}/{p.stem}" for p in HISTORIES])
async def test_a_recorded_decision_replays_on_the_current_code(path: Path) -> None:
    replayer = Replayer(
        workflows=[DecisionWorkflow, RefusalAuditWorkflow],
        data_converter=pydantic_data_converter,
        workflow_runner=with_crypto_passed_through(None),  # as the plugin's workers run
        # Decisions run unsandboxed in production; here the sandbox checks that replaying
        # them makes no non-deterministic call.
        unsandboxed_workflow_runner=with_crypto_passed_through(None),
    )
    # Recorded decisions are named replay-<scenario's first word> (record_histories).
    scenario = path.stem.split("-run")[0].split("_")[0]
    history = WorkflowHistory.from_json(f"signoff-replay-{scenario}", path.read_text())

    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)

    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"


def test_every_version_has_every_kind_of_path_recorded() -> None:
    kinds = {"approved", "edited_with_feedback", "crowd_race", "continued", "escalated"}
    for version in {p.parent for p in HISTORIES}:
        names = {p.stem.split("-run")[0] for p in version.glob("*.json")}
        assert kinds <= names, version.name
