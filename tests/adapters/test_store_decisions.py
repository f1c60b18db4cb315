"""The decision index: what auditors and approvers find when they filter decisions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from signoff.adapters.store import Store
from signoff.core.models import AuditEvent, AuditKind, DecisionState, DecisionSummary, Status

MakeEvent = Callable[..., AuditEvent]
MakeDecision = Callable[..., DecisionState]
T0 = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
async def decisions(store: Store, make_decision: MakeDecision, make_event: MakeEvent) -> Store:
    """Four decisions across use cases, models, outcomes and days."""
    states = [
        make_decision("refund-1", submitted_at=T0),
        make_decision(
            "refund-2",
            status=Status.APPROVED,
            decided_by=("alice",),
            voted=("alice",),
            submitted_at=T0 + timedelta(days=1),
        ),
        make_decision(
            "loan-3",
            use_case="loans",
            model_version="2025-03",
            requester="loan-bot",
            status=Status.REJECTED,
            decided_by=("bob",),
            overridden_by="dave",
            asked=("bob", "carol"),
            submitted_at=T0 + timedelta(days=2),
        ),
        make_decision(
            "loan-4",
            use_case="loans",
            model_version="2025-03",
            requester="loan-bot",
            asked=("carol",),
            submitted_at=T0 + timedelta(days=3),
        ),
    ]
    for state in states:
        await store.record([make_event(state.decision_id, 1, AuditKind.SUBMITTED)], state)
    # erin only commented on refund-1: she still counts as someone who acted on it.
    await store.record([make_event("refund-1", 2, AuditKind.COMMENTED, actor="erin")])
    return store


def ids(found: list[DecisionSummary]) -> list[str]:
    return [d.decision_id for d in found]


async def test_the_stored_state_reads_back_whole(store: Store, make_decision: MakeDecision) -> None:
    state = make_decision(
        "loan-3", status=Status.REJECTED, decided_by=("bob",), overridden_by="dave"
    )

    await store.record([], state)

    assert await store.decision_state("loan-3") == state
    assert await store.decision_state("nobody") is None


async def test_the_stored_state_keeps_any_text(store: Store, make_decision: MakeDecision) -> None:
    state = make_decision("refund-1")
    title = 'Remboursement de 40 € — colis "abîmé"\n配達'
    state = state.model_copy(update={"request": state.request.model_copy(update={"title": title})})

    await store.record([], state)

    assert await store.decision_state("refund-1") == state
    (summary,) = await store.query_decisions()
    assert summary.title == title


async def test_a_late_write_of_an_older_state_does_not_replace_a_newer_one(
    store: Store, make_decision: MakeDecision
) -> None:
    approved = make_decision("refund-1", status=Status.APPROVED, decided_by=("alice",), version=3)
    await store.record([], approved)

    await store.record([], make_decision("refund-1", version=2))

    assert (await store.decision_state("refund-1")) == approved
    (summary,) = await store.query_decisions()
    assert summary.status is Status.APPROVED


async def test_decisions_list_newest_first_with_their_summary(decisions: Store) -> None:
    found = await decisions.query_decisions()

    assert ids(found) == ["loan-4", "loan-3", "refund-2", "refund-1"]
    loan = found[1]
    assert (loan.status, loan.use_case, loan.model_version) == (
        Status.REJECTED,
        "loans",
        "2025-03",
    )
    assert loan.decided_by == ["bob"] and loan.overridden
    assert loan.submitted_at == T0 + timedelta(days=2)
    assert loan.decided_at == T0 + timedelta(days=2, minutes=12)
    assert found[0].waiting_on == ["carol"] and found[0].stage_name == "support leads"


async def test_auditors_filter_by_status_use_case_and_model_version(
    decisions: Store,
) -> None:
    assert ids(await decisions.query_decisions(status="pending")) == [
        "loan-4",
        "refund-1",
    ]
    assert ids(await decisions.query_decisions(status=Status.APPROVED)) == ["refund-2"]
    assert ids(await decisions.query_decisions(use_case="loans")) == ["loan-4", "loan-3"]
    assert ids(await decisions.query_decisions(use_case="refunds", model_version="2025-02")) == [
        "refund-2",
        "refund-1",
    ]
    assert await decisions.query_decisions(use_case="refunds", model_version="2025-03") == []


async def test_auditors_find_everything_a_person_touched(decisions: Store) -> None:
    assert ids(await decisions.query_decisions(actor="loan-bot")) == [
        "loan-4",
        "loan-3",
    ]
    assert ids(await decisions.query_decisions(actor="bob")) == ["loan-3"]
    assert ids(await decisions.query_decisions(actor="erin")) == ["refund-1"]
    assert await decisions.query_decisions(actor="mallory") == []


async def test_auditors_filter_by_submission_time(decisions: Store) -> None:
    found = await decisions.query_decisions(
        since=T0 + timedelta(days=1), until=T0 + timedelta(days=3)
    )

    assert ids(found) == ["loan-3", "refund-2"]


async def test_auditors_list_overridden_decisions_only(decisions: Store) -> None:
    assert ids(await decisions.query_decisions(overridden_only=True)) == ["loan-3"]


async def test_approvers_find_what_still_waits_for_them(decisions: Store) -> None:
    assert ids(await decisions.query_decisions(waiting_on="carol")) == ["loan-4"]
    # alice approved refund-2 (final) and is still asked on pending refund-1.
    assert ids(await decisions.query_decisions(waiting_on="alice")) == ["refund-1"]
    # bob was asked on loan-3, but it is decided.
    assert ids(await decisions.query_decisions(waiting_on="bob")) == ["refund-1"]


async def test_the_limit_keeps_the_newest(decisions: Store) -> None:
    assert ids(await decisions.query_decisions(limit=2)) == ["loan-4", "loan-3"]


async def test_auditors_query_events_by_actor_kind_and_time(
    decisions: Store, make_event: MakeEvent
) -> None:
    by_erin = await decisions.query_events(actor="erin")
    submitted = await decisions.query_events(kinds=["submitted"])
    early = await decisions.query_events(until=T0 + timedelta(seconds=2))
    late = await decisions.query_events(since=T0 + timedelta(seconds=2))

    assert [(e.decision_id, e.seq) for e in by_erin] == [("refund-1", 2)]
    assert len(submitted) == 4
    assert all(e.kind is AuditKind.SUBMITTED for e in submitted)
    assert len(early) == 4 and len(late) == 1
    assert len(await decisions.query_events(limit=3)) == 3
