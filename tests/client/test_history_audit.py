"""What a decision's history says was written to the audit store, read from recorded
histories: decisions audited by a local activity (before ``audit-from-history``) are not
comparable; later ones are, whatever markers (patches, plan lookups) their runs hold."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter

from signoff.client.history_audit import _record_of

HISTORIES = Path(__file__).parent.parent / "replay" / "histories"
CLIENT = SimpleNamespace(data_converter=pydantic_data_converter)


async def recorded(version: str, name: str):
    history = WorkflowHistory.from_json("w", (HISTORIES / version / f"{name}.json").read_text())
    run, _ = await _record_of(CLIENT, history.events)  # type: ignore[arg-type]
    return run


async def test_a_decision_audited_by_a_local_activity_is_not_comparable() -> None:
    assert not (await recorded("v5", "approved")).comparable


async def test_a_decision_audited_from_history_lists_every_event_it_wrote_in_order() -> None:
    run = await recorded("v7", "approved")

    assert run.comparable and run.in_flight == []
    kinds = [e.kind.value for e in run.written]
    assert kinds[:3] == ["submitted", "routed", "stage_started"]
    assert "voted" in kinds and kinds[-1] in ("finalized", "outcome_delivered")
    assert [e.event_id for e in run.written] == sorted(e.event_id for e in run.written)


async def test_a_run_that_wrote_nothing_but_holds_markers_is_still_comparable() -> None:
    # A continued run whose feedback window closes quietly: its patch and plan markers
    # are not audit writes.
    history = WorkflowHistory.from_json("w", (HISTORIES / "v7" / "continued-run6.json").read_text())
    quiet = [
        e for e in history.events if not e.HasField("activity_task_scheduled_event_attributes")
    ]

    run, _ = await _record_of(CLIENT, quiet)  # type: ignore[arg-type]

    assert run.comparable and run.written == []
