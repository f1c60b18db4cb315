"""The export's reader on both backends: every final decision once, a page at a time,
in submission order even where submissions tie, with its judgements' backing hashes."""

from __future__ import annotations

from datetime import timedelta

from signoff.adapters.store import Store
from signoff.adapters.store.tables import AuditEventRow
from signoff.adapters.store.training import stream_records
from signoff.core.models import AuditKind, Status
from signoff.core.training.judgements import Kind
from tests.adapters.conftest import T0, decision, event


async def _final(store: Store, decision_id: str, minutes: int, **fields: object) -> None:
    state = decision(
        decision_id,
        status=Status.APPROVED,
        decided_by=("alice",),
        submitted_at=T0 + timedelta(minutes=minutes),
        **fields,  # type: ignore[arg-type]
    )
    state.request.model_input = f"input of {decision_id}"
    state.outcome.final_text = state.request.proposal.text  # type: ignore[union-attr]
    await store.record(
        [
            event(decision_id, 1, AuditKind.SUBMITTED),
            event(decision_id, 2, AuditKind.FINALIZED, data={"n": 2}),
        ],
        state,
    )


async def test_pages_read_every_final_decision_once_in_submission_order(store: Store) -> None:
    # Five at one instant and two later, read two at a time: ties must not repeat or drop.
    names = [f"tie-{n}" for n in range(5)] + ["later-1", "later-2"]
    for n, name in enumerate(names):
        await _final(store, name, 0 if name.startswith("tie") else n)
    await store.record([event("pending-1", 1, AuditKind.SUBMITTED)], decision("pending-1"))

    async with store._sessions() as session:
        records = [
            r
            async for r in stream_records(
                session, sources=frozenset({"human_decision"}), filters={}, page=2
            )
        ]

    assert [r.state.decision_id for r in records] == names
    async with store.engine.connect() as conn:
        finalized = dict(
            (
                await conn.execute(
                    AuditEventRow.__table__.select()
                    .with_only_columns(AuditEventRow.decision_id, AuditEventRow.hash)
                    .where(AuditEventRow.kind == AuditKind.FINALIZED.value)
                )
            ).all()
        )
    for record in records:
        (approved,) = [j for j in record.judgements if j.kind is Kind.APPROVED]
        assert approved.event_hash == finalized[record.state.decision_id]
        assert approved.reviewers == ("alice",)


async def test_filters_bound_use_case_model_version_and_submission_time(store: Store) -> None:
    await _final(store, "old", 0)
    await _final(store, "new", 60)
    await _final(store, "elsewhere", 30, use_case="loans")
    await _final(store, "newer-model", 30, model_version="2026-01")

    async def ids(**filters: object) -> list[str]:
        records = store.stream_training_records(sources=frozenset({"human_decision"}), **filters)  # type: ignore[arg-type]
        return [r.state.decision_id async for r in records]

    assert await ids(use_case="loans") == ["elsewhere"]
    assert await ids(model_version="2026-01") == ["newer-model"]
    assert await ids(
        use_case="refunds", model_version="2025-02", since=T0 + timedelta(minutes=1)
    ) == ["new"]
    assert await ids(until=T0 + timedelta(minutes=1)) == ["old"]
