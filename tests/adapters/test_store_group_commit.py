"""Audit writes that arrive together share one write transaction (group commit), and
still answer each caller as if written alone."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Sequence

import pytest

from signoff.adapters.store import Store
from signoff.adapters.store.audit_events import AuditConflict
from signoff.adapters.store.group_commit import GroupCommit
from signoff.core.models import AuditEvent, DecisionState

MakeEvent = Callable[..., AuditEvent]
MakeDecision = Callable[..., DecisionState]


class Transactions:
    """Counts the store's write transactions that append audit events."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.batches: list[int] = []
        run = store._writer.run

        async def counting(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
            if fn.__name__ == "_record":
                self.batches.append(len(args[0]))
            return await run(fn, *args, **kwargs)

        monkeypatch.setattr(store._writer, "run", counting)


async def test_twenty_decisions_written_at_once_share_transactions_and_keep_a_chain_each(
    store: Store,
    make_event: MakeEvent,
    make_decision: MakeDecision,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    transactions = Transactions(store, monkeypatch)
    ids = [f"loan-{n}" for n in range(20)]

    written = await asyncio.gather(
        *(
            store.record(
                [make_event(i, 1), make_event(i, 2), make_event(i, 3)],
                make_decision(i),
            )
            for i in ids
        )
    )

    assert written == [3] * 20
    assert sum(transactions.batches) == 20 and len(transactions.batches) < 20
    for decision_id in ids:
        chain = await store.events(decision_id)
        assert [e.seq for e in chain] == [1, 2, 3]
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))
    assert {d.decision_id for d in await store.query_decisions()} == set(ids)


async def test_two_writes_of_one_decision_arriving_together_are_chained_in_arrival_order(
    store: Store, make_event: MakeEvent, monkeypatch: pytest.MonkeyPatch
) -> None:
    transactions = Transactions(store, monkeypatch)

    first, second, other = await asyncio.gather(
        store.record([make_event("refund-1042", 1)]),
        store.record([make_event("refund-1042", 2)]),
        store.record([make_event("loan-7", 1)]),
    )

    assert (first, second, other) == (1, 1, 1)
    assert [e.event_id for e in await store.events("refund-1042")] == [
        "refund-1042:1",
        "refund-1042:2",
    ]
    assert all(size <= 2 for size in transactions.batches)  # never one decision twice
    assert (await store.verify()).ok


async def test_a_conflicting_write_fails_alone_and_the_writes_beside_it_are_stored(
    store: Store, make_event: MakeEvent
) -> None:
    original = make_event("refund-1042", 1, actor="alice")
    await store.record([original])
    forged = original.model_copy(update={"actor": "mallory"})

    results = await asyncio.gather(
        store.record([make_event("loan-7", 1)]),
        store.record([forged]),
        store.record([make_event("loan-8", 1)]),
        return_exceptions=True,
    )

    assert results[0] == 1 and results[2] == 1
    assert isinstance(results[1], AuditConflict)
    assert [e.actor for e in await store.events("refund-1042")] == ["alice"]
    assert (await store.verify()).ok


async def test_a_caller_that_stops_waiting_does_not_stop_the_write() -> None:
    written: list[str] = []
    release = asyncio.Event()

    async def write_batch(items: Sequence[str]) -> list[str]:
        await release.wait()
        written.extend(items)
        return list(items)

    group: GroupCommit[str, str] = GroupCommit(write_batch, lambda item: write_batch([item]))
    caller = asyncio.create_task(group.write("a", ["d-1"]))
    await asyncio.sleep(0)
    caller.cancel()
    release.set()
    await group.close()

    assert written == ["a"]
    with pytest.raises(asyncio.CancelledError):
        await caller


async def test_batches_written_side_by_side_never_hold_one_decision_twice() -> None:
    """Where the database runs transactions side by side (PostgreSQL), a few batches are
    written at once; a decision's second record waits for the batch holding its first."""
    writing: set[str] = set()
    order: list[str] = []

    async def write_batch(items: Sequence[tuple[str, str]]) -> list[str]:
        keys = {key for key, _ in items}
        assert writing.isdisjoint(keys), f"{keys & writing} written twice at once"
        writing.update(keys)
        await asyncio.sleep(0.01)
        order.extend(name for _, name in items)
        writing.difference_update(keys)
        return [name for _, name in items]

    group: GroupCommit[tuple[str, str], str] = GroupCommit(
        write_batch, lambda item: write_batch([item]), batches=4
    )
    records = [(f"d-{n % 5}", f"d-{n % 5}/{n // 5}") for n in range(40)]

    answers = await asyncio.gather(*(group.write(r, [r[0]]) for r in records))

    assert answers == [name for _, name in records]
    for key in {key for key, _ in records}:
        mine = [name for name in order if name.startswith(f"{key}/")]
        assert mine == [f"{key}/{i}" for i in range(8)]  # in the order they came


async def test_a_failed_batch_is_written_again_one_record_after_another_in_arrival_order() -> None:
    """Found by an adversarial run on PostgreSQL: written again side by side, the later of
    two clashing writes could land first and the earlier caller got the conflict."""
    written: list[str] = []

    async def write_batch(items: Sequence[str]) -> list[str]:
        raise RuntimeError("the batch failed")

    async def write_one(item: str) -> str:
        await asyncio.sleep(0.02 if item == "first" else 0)  # the first is slower
        if "first" in written and item == "second":
            raise ValueError("second clashes with first")
        written.append(item)
        return item

    group: GroupCommit[str, str] = GroupCommit(write_batch, write_one, batches=4)

    first, second = await asyncio.gather(
        group.write("first", ["d-1"]), group.write("second", ["d-2"]), return_exceptions=True
    )

    assert first == "first"
    assert isinstance(second, ValueError)
    assert written == ["first"]
