"""Exports an auditor can open: JSON Lines and CSV that parse back to the same records."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from signoff.adapters.store import Store
from signoff.core.models import AuditEvent, AuditKind, ChainedEvent, DecisionState, Status

MakeEvent = Callable[..., AuditEvent]
MakeDecision = Callable[..., DecisionState]
T0 = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
async def trail(store: Store, make_event: MakeEvent, make_decision: MakeDecision) -> Store:
    await store.record(
        [
            make_event("refund-1", 1, AuditKind.SUBMITTED, actor="refund-bot"),
            make_event(
                "refund-1",
                2,
                AuditKind.VOTED,
                data={"verdict": "reject", "reason": 'says "no", twice\nand again'},
            ),
        ],
        make_decision("refund-1", status=Status.REJECTED, decided_by=("alice",)),
    )
    await store.record(
        [make_event("loan-2", 1, AuditKind.SUBMITTED, actor="loan-bot")],
        make_decision("loan-2", use_case="loans", submitted_at=T0 + timedelta(days=1)),
    )
    return store


async def test_events_export_as_jsonl_that_parses_back(trail: Store) -> None:
    out = io.StringIO()

    written = await trail.export_events(out, fmt="jsonl")

    lines = out.getvalue().splitlines()
    parsed = [ChainedEvent.model_validate_json(line) for line in lines]
    assert written == len(lines) == 3
    assert parsed == await trail.query_events()


async def test_events_export_as_csv_an_auditor_can_read(trail: Store) -> None:
    out = io.StringIO()

    written = await trail.export_events(out, fmt="csv", decision_id="refund-1")

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert written == len(rows) == 2
    assert [r["seq"] for r in rows] == ["1", "2"]
    assert rows[1]["kind"] == "voted" and rows[1]["actor"] == "alice"
    assert json.loads(rows[1]["data"]) == {
        "verdict": "reject",
        "reason": 'says "no", twice\nand again',
    }
    assert datetime.fromisoformat(rows[1]["at"]) == T0 + timedelta(seconds=2)
    assert rows[0]["actor"] == "refund-bot" and rows[0]["stage"] == "0"
    chain = await trail.events("refund-1")
    assert [r["hash"] for r in rows] == [e.hash for e in chain]


async def test_event_export_takes_the_query_filters(trail: Store) -> None:
    out = io.StringIO()

    written = await trail.export_events(out, fmt="jsonl", kinds=["submitted"], actor="loan-bot")

    assert written == 1
    assert json.loads(out.getvalue())["decision_id"] == "loan-2"


async def test_decisions_export_as_csv_and_jsonl(trail: Store) -> None:
    as_csv, as_jsonl = io.StringIO(), io.StringIO()

    assert await trail.export_decisions(as_csv, fmt="csv") == 2
    assert await trail.export_decisions(as_jsonl, fmt="jsonl", use_case="refunds") == 1

    rows = list(csv.DictReader(io.StringIO(as_csv.getvalue())))
    assert [r["decision_id"] for r in rows] == ["loan-2", "refund-1"]
    refund = rows[1]
    assert refund["status"] == "rejected"
    assert json.loads(refund["decided_by"]) == ["alice"]
    assert json.loads(refund["overridden"]) is False
    assert rows[0]["decided_at"] == ""
    (line,) = as_jsonl.getvalue().splitlines()
    assert json.loads(line)["decided_by"] == ["alice"]


async def test_an_empty_csv_export_still_has_its_header(store: Store) -> None:
    out = io.StringIO()

    assert await store.export_decisions(out, fmt="csv", status="expired") == 0
    assert out.getvalue().startswith("decision_id,use_case,")


async def test_an_unknown_export_format_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="xml"):
        await store.export_events(io.StringIO(), fmt="xml")  # type: ignore[arg-type]


class _Discard(io.TextIOBase):
    """Where an export to /dev/null goes: nothing written is kept."""

    def write(self, text: str) -> int:
        return len(text)


async def test_an_export_holds_one_batch_of_rows_at_a_time_not_the_whole_trail(
    store: Store, make_event: MakeEvent
) -> None:
    """Found by bench/scale.py: a million events took 6.4 GB to export, every row fetched
    before the first was written. Streamed, ten times the events take about the memory."""

    async def peak_of_export(decisions: range) -> int:
        for d in decisions:
            await store.record([make_event(f"d-{d}", n) for n in range(1, 51)])
        tracemalloc.start()
        try:
            await store.export_events(_Discard(), fmt="jsonl")
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small = await peak_of_export(range(10))  # 500 events: one batch
    large = await peak_of_export(range(10, 100))  # 5,000 events in all

    assert large < 3 * small, f"{large / small:.1f} times the memory for 10 times the events"
