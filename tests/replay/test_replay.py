"""Decisions already in flight keep working: recorded histories replay through the
current workflow code without a non-determinism error."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows import DecisionWorkflow, RefusalAuditWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_recorded_decision_replays_on_the_current_code(path: Path) -> None:
    replayer = Replayer(
        workflows=[DecisionWorkflow, RefusalAuditWorkflow],
        data_converter=pydantic_data_converter,
    )
    history = WorkflowHistory.from_json(f"signoff-{path.stem}", path.read_text())

    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)

    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"


def test_every_kind_of_path_has_a_recorded_history() -> None:
    names = {p.stem.split("-run")[0] for p in HISTORIES}
    assert {"approved", "edited_with_feedback", "crowd_race", "continued", "escalated"} <= names
