"""The audit trail: idempotent appends, hash chains, tamper detection, concurrent writers."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, make_url, select, update
from sqlalchemy.exc import IntegrityError

from signoff.adapters.store import GENESIS, Store, chain_hash
from signoff.adapters.store.audit_events import AuditConflict
from signoff.adapters.store.tables import AuditEventRow, AuditHeadRow
from signoff.core.models import AuditEvent, AuditKind, DecisionState

MakeEvent = Callable[..., AuditEvent]
MakeDecision = Callable[..., DecisionState]


async def test_appending_the_same_events_twice_stores_them_once(
    store: Store, make_event: MakeEvent, make_decision: MakeDecision
) -> None:
    events = [make_event("refund-1042", n) for n in range(1, 4)]

    first = await store.record(events, make_decision())
    retried = await store.record(events, make_decision())

    assert (first, retried) == (3, 0)
    assert [e.event_id for e in await store.events("refund-1042")] == [
        "refund-1042:1",
        "refund-1042:2",
        "refund-1042:3",
    ]


async def test_a_retry_that_adds_one_new_event_appends_only_that_one(
    store: Store, make_event: MakeEvent
) -> None:
    await store.record([make_event("refund-1042", 1)])

    added = await store.record([make_event("refund-1042", 1), make_event("refund-1042", 2)])

    assert added == 1
    assert [e.seq for e in await store.events("refund-1042")] == [1, 2]


async def test_events_of_one_decision_form_a_chain_whose_hashes_verify(
    store: Store, make_event: MakeEvent
) -> None:
    await store.record([make_event("refund-1042", n) for n in range(1, 6)])
    await store.record([make_event("loan-7", n) for n in range(1, 3)])

    chain = await store.events("refund-1042")
    report = await store.verify()

    assert [e.seq for e in chain] == [1, 2, 3, 4, 5]
    assert chain[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))
    assert all(e.hash == chain_hash(e.prev_hash, e, e.seq) for e in chain)
    assert report.ok
    assert (report.decisions_checked, report.events_checked) == (2, 7)


async def test_stored_events_read_back_as_written_in_utc(
    store: Store, make_event: MakeEvent
) -> None:
    cet = timezone(timedelta(hours=1))
    written = make_event(
        "refund-1042",
        1,
        AuditKind.VOTED,
        at=datetime(2025, 3, 4, 10, 30, 0, 123456, tzinfo=cet),
        data={"verdict": "approve", "amount": 40.5, "lines": [1, 2], "note": "ok ✓"},
    )
    await store.record([written])

    (stored,) = await store.events("refund-1042")

    assert stored.at == datetime(2025, 3, 4, 9, 30, 0, 123456, tzinfo=UTC)
    assert stored.at.tzinfo is not None and stored.at.utcoffset() == timedelta(0)
    assert stored.model_dump(include={"event_id", "kind", "actor", "stage", "data"}) == (
        written.model_dump(include={"event_id", "kind", "actor", "stage", "data"})
    )


def test_the_hash_does_not_depend_on_how_the_timestamp_was_written(
    make_event: MakeEvent,
) -> None:
    utc = make_event("refund-1042", 1, at=datetime(2025, 3, 4, 9, 30, tzinfo=UTC))
    cet = utc.model_copy(
        update={"at": datetime(2025, 3, 4, 10, 30, tzinfo=timezone(timedelta(hours=1)))}
    )
    moved = utc.model_copy(update={"data": {"n": 2}})

    assert chain_hash(GENESIS, utc, 1) == chain_hash(GENESIS, cet, 1)
    assert chain_hash(GENESIS, utc, 1) != chain_hash(GENESIS, moved, 1)
    assert chain_hash(GENESIS, utc, 1) != chain_hash(GENESIS, utc, 2)


async def test_verify_reports_the_first_altered_event_when_data_is_edited_in_sql(
    store: Store, make_event: MakeEvent
) -> None:
    await store.record([make_event("refund-1042", n) for n in range(1, 6)])
    await store.record([make_event("loan-7", n) for n in range(1, 3)])
    async with store.engine.begin() as conn:
        await conn.execute(
            update(AuditEventRow)
            .where(AuditEventRow.event_id.in_(["refund-1042:3", "refund-1042:4"]))
            .values(data={"n": 99})
        )

    report = await store.verify()

    assert not report.ok
    (found,) = report.breaks
    assert (found.decision_id, found.seq, found.event_id) == ("refund-1042", 3, "refund-1042:3")
    assert "altered" in found.problem
    assert (await store.verify("loan-7")).ok


async def test_verify_reports_an_altered_actor(store: Store, make_event: MakeEvent) -> None:
    await store.record([make_event("refund-1042", n) for n in range(1, 4)])
    async with store.engine.begin() as conn:
        await conn.execute(
            update(AuditEventRow)
            .where(AuditEventRow.event_id == "refund-1042:2")
            .values(actor="mallory")
        )

    (found,) = (await store.verify("refund-1042")).breaks

    assert found.seq == 2


async def test_verify_reports_the_event_after_a_deleted_row(
    store: Store, make_event: MakeEvent
) -> None:
    await store.record([make_event("refund-1042", n) for n in range(1, 6)])
    async with store.engine.begin() as conn:
        await conn.execute(delete(AuditEventRow).where(AuditEventRow.event_id == "refund-1042:2"))

    (found,) = (await store.verify("refund-1042")).breaks

    assert (found.seq, found.event_id) == (3, "refund-1042:3")
    assert "missing" in found.problem


async def test_verify_reports_the_newest_events_deleted(
    store: Store, make_event: MakeEvent
) -> None:
    await store.record([make_event("refund-1042", n) for n in range(1, 6)])
    async with store.engine.begin() as conn:
        await conn.execute(delete(AuditEventRow).where(AuditEventRow.seq >= 4))

    (found,) = (await store.verify()).breaks

    assert found.seq == 4
    assert "truncated" in found.problem


async def test_verify_reports_a_chain_rewritten_without_its_head(
    store: Store, make_event: MakeEvent
) -> None:
    await store.record([make_event("refund-1042", n) for n in range(1, 4)])
    async with store.engine.begin() as conn:
        await conn.execute(delete(AuditHeadRow))

    (found,) = (await store.verify()).breaks

    assert found.seq == 3


async def test_two_concurrent_writers_on_one_decision_produce_a_gap_free_chain(
    store: Store, other_store: Store, make_event: MakeEvent
) -> None:
    events = [make_event("refund-1042", n) for n in range(1, 41)]
    writers = [store, other_store]

    added = await asyncio.gather(*(writers[n % 2].record([e]) for n, e in enumerate(events)))

    chain = await store.events("refund-1042")
    assert sum(added) == 40
    assert [e.seq for e in chain] == list(range(1, 41))
    assert {e.event_id for e in chain} == {e.event_id for e in events}
    assert (await other_store.verify()).ok


async def test_concurrent_retries_of_the_same_events_store_them_once(
    store: Store, other_store: Store, make_event: MakeEvent
) -> None:
    batch = [make_event("refund-1042", n) for n in range(1, 6)]

    added = await asyncio.gather(*(s.record(batch) for s in [store, other_store] * 4))

    assert sum(added) == 5
    assert [e.seq for e in await store.events("refund-1042")] == [1, 2, 3, 4, 5]
    assert (await store.verify()).ok


async def test_one_record_call_can_extend_several_chains(
    store: Store, make_event: MakeEvent
) -> None:
    mixed = [make_event("refund-1042", 1), make_event("loan-7", 1), make_event("refund-1042", 2)]

    assert await store.record(mixed) == 3
    assert [e.seq for e in await store.events("refund-1042")] == [1, 2]
    assert [e.seq for e in await store.events("loan-7")] == [1]
    assert (await store.verify()).ok


async def test_a_batch_that_repeats_one_chain_and_extends_another_moves_only_that_head(
    store: Store, make_event: MakeEvent
) -> None:
    await store.record([make_event("refund-1042", 1), make_event("refund-1042", 2)])

    added = await store.record([make_event("refund-1042", 2), make_event("loan-7", 1)])

    async with store.engine.connect() as conn:
        heads = {
            h.decision_id: (h.seq, h.event_id) for h in await conn.execute(select(AuditHeadRow))
        }
    assert added == 1
    assert heads == {"refund-1042": (2, "refund-1042:2"), "loan-7": (1, "loan-7:1")}
    assert (await store.verify()).ok


async def test_an_append_after_the_newest_events_were_deleted_keeps_the_gap_visible(
    store: Store, make_event: MakeEvent
) -> None:
    await store.record([make_event("refund-1042", n) for n in range(1, 6)])
    async with store.engine.begin() as conn:
        await conn.execute(delete(AuditEventRow).where(AuditEventRow.seq >= 4))

    await store.record([make_event("refund-1042", 6)])

    (found,) = (await store.verify()).breaks
    assert [e.seq for e in await store.events("refund-1042")] == [1, 2, 3, 6]
    assert (found.seq, found.event_id) == (6, "refund-1042:6")
    assert "missing" in found.problem


async def test_the_store_does_not_re_anchor_a_chain_whose_head_was_deleted(
    store: Store, make_event: MakeEvent
) -> None:
    await store.record([make_event("refund-1042", n) for n in range(1, 4)])
    async with store.engine.begin() as conn:
        await conn.execute(delete(AuditHeadRow))

    with pytest.raises(IntegrityError):
        await store.record([make_event("refund-1042", 4)])

    assert [e.seq for e in await store.events("refund-1042")] == [1, 2, 3]


async def test_concurrent_batches_over_the_same_decisions_in_any_order(
    store: Store, other_store: Store, make_event: MakeEvent
) -> None:
    decisions = ["refund-1042", "loan-7", "claim-9"]
    calls = []
    for n in range(1, 13):
        order = decisions if n % 2 else decisions[::-1]
        writer = (store, other_store)[n % 2]
        calls.append(writer.record([make_event(d, n) for d in order]))

    added = await asyncio.gather(*calls)

    assert sum(added) == 36
    for d in decisions:
        chain = await store.events(d)
        assert [e.seq for e in chain] == list(range(1, 13))
    assert (await store.verify()).ok


async def test_on_sqlite_a_write_commits_and_unlocks_while_the_event_loop_is_busy(
    store: Store, database_url: str, make_event: MakeEvent
) -> None:
    """The write transaction runs whole in the writer thread: a busy event loop no longer
    stretches how long it holds SQLite's one write lock."""
    if make_url(database_url).get_backend_name() != "sqlite":
        pytest.skip("PostgreSQL writes run on the event loop")
    path = make_url(database_url).database
    assert path is not None
    write = asyncio.create_task(store.record([make_event("refund-1042", 1)]))
    for _ in range(3):  # the call hands its transaction (through the group commit's
        await asyncio.sleep(0)  # draining task) to the writer thread

    # From here on the event loop is blocked until the write is seen committed.
    deadline = time.monotonic() + 10
    with closing(sqlite3.connect(path, isolation_level=None, timeout=0)) as conn:
        while not conn.execute("SELECT count(*) FROM audit_events").fetchone()[0]:
            assert time.monotonic() < deadline, "the write did not commit without the loop"
            time.sleep(0.005)
        conn.execute("BEGIN IMMEDIATE")  # raises "database is locked" if still held
        conn.execute("ROLLBACK")

    assert await write == 1


async def test_an_event_id_written_again_with_other_content_is_a_conflict_and_changes_nothing(
    store: Store, make_event: MakeEvent
) -> None:
    """What a discarded workflow task once wrote must never stand in for what history
    holds: the same id with other content is refused, not skipped."""
    original = make_event("refund-1042", 1, actor="alice")
    await store.record([original])
    other = original.model_copy(update={"actor": "mallory"})

    with pytest.raises(AuditConflict, match="refund-1042:1 is stored with other actor"):
        await store.record([other, make_event("refund-1042", 2)])

    assert [(e.event_id, e.actor) for e in await store.events("refund-1042")] == [
        ("refund-1042:1", "alice")
    ]
