"""The card outbox in the store: a change asks for cards in the same transaction as its
audit events; workers lease what is due, so no two draw the same decision at once; a
failed draw waits its turn; notices are queued once and sent once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, event, select

from signoff.adapters.store import Store, card_outbox
from signoff.adapters.store.engine import make_sync_engine
from signoff.adapters.store.tables import CardNoticeRow
from signoff.core.channel_protocol import CardRef, Notice
from tests.helpers.builders import make_request, make_state

LEASE = timedelta(seconds=30)


def reminder(text: str = "Due soon.") -> Notice:
    return Notice(kind="reminder", recipients=["alice"], text=text)


async def test_a_recorded_change_asks_for_its_cards_and_is_leased_by_one_worker(
    store: Store, other_store: Store
) -> None:
    await store.record([], make_state(version=3), cards_for="tq")

    first, second = await asyncio.gather(
        store.claim_card_jobs("tq", limit=10, lease=LEASE),
        other_store.claim_card_jobs("tq", limit=10, lease=LEASE),
    )

    assert sorted([*first, *second]) == ["refund-1042"]
    assert await store.claim_card_jobs("tq", limit=10, lease=LEASE) == []  # leased


async def test_drawn_cards_are_not_drawn_again_until_the_decision_changes(store: Store) -> None:
    await store.record([], make_state(version=3), cards_for="tq")
    [decision] = await store.claim_card_jobs("tq", limit=10, lease=LEASE)

    await store.cards_drawn([(decision, 3, [])])

    assert await store.claim_card_jobs("tq", limit=10, lease=LEASE) == []
    await store.record([], make_state(version=4), cards_for="tq")
    assert await store.claim_card_jobs("tq", limit=10, lease=LEASE) == [decision]


async def test_a_late_write_of_an_older_version_does_not_lower_what_is_asked(
    store: Store,
) -> None:
    await store.record([], make_state(version=5), cards_for="tq")
    await store.record([], make_state(version=4), cards_for="tq")
    [decision] = await store.claim_card_jobs("tq", limit=10, lease=LEASE)

    await store.cards_drawn([(decision, 5, [])])

    assert await store.claim_card_jobs("tq", limit=10, lease=LEASE) == []


async def test_a_failed_draw_waits_until_its_next_attempt(store: Store) -> None:
    await store.record([], make_state(), cards_for="tq")
    [decision] = await store.claim_card_jobs("tq", limit=10, lease=LEASE)

    await store.cards_failed(decision, "ConnectionError: Slack is down", timedelta(seconds=1))

    assert await store.claim_card_jobs("tq", limit=10, lease=LEASE) == []
    await asyncio.sleep(1.2)
    assert await store.claim_card_jobs("tq", limit=10, lease=LEASE) == [decision]


async def test_notices_are_queued_once_and_gone_once_sent(store: Store) -> None:
    state = make_state()
    queued = [("refund-1042/000007/notice-0", reminder())]
    await store.record([], state, cards_for="tq", notices=queued)
    await store.record([], state, cards_for="tq", notices=queued)  # a retried audit write
    [decision] = await store.claim_card_jobs("tq", limit=10, lease=LEASE)

    due = (await store.cards_to_draw([decision]))[decision]
    await store.cards_drawn([(decision, state.version, due.notice_ids)])

    assert [n.text for n in due.read()[1]] == ["Due soon."]
    assert (await store.cards_to_draw([decision]))[decision].notice_ids == []
    assert await store.claim_card_jobs("tq", limit=10, lease=LEASE) == []


async def test_a_batch_reads_each_decisions_state_notices_and_cards_apart(store: Store) -> None:
    first, second = make_state(), make_state(request=make_request(id="refund-2"))
    await store.record([], first, cards_for="tq", notices=[("n-1", reminder())])
    await store.record([], second, cards_for="tq")
    await store.save_card("refund-2", CardRef(channel="slack", recipient="bob", ref={"ts": "1"}))

    due = await store.cards_to_draw(["refund-2", first.decision_id, "nobody"])

    assert due[first.decision_id].read() == (first, [reminder()])
    assert due["refund-2"].read() == (second, [])
    assert due[first.decision_id].posted == []
    assert [c.recipient for c in due["refund-2"].posted] == ["bob"]
    assert due["nobody"].read() == (None, [])


async def test_a_notice_alone_makes_the_job_due_again(store: Store) -> None:
    state = make_state()
    await store.record([], state, cards_for="tq")
    [decision] = await store.claim_card_jobs("tq", limit=10, lease=LEASE)
    await store.cards_drawn([(decision, state.version, [])])

    await store.record([], state, cards_for="tq", notices=[("n-2", reminder("Later."))])

    assert await store.claim_card_jobs("tq", limit=10, lease=LEASE) == [decision]


async def test_recording_without_cards_queues_nothing(store: Store) -> None:
    await store.record([], make_state())

    assert await store.claim_card_jobs("tq", limit=10, lease=LEASE) == []


async def test_each_task_queue_draws_only_its_own_cards(store: Store) -> None:
    await store.record([], make_state(), cards_for="refunds-workers")

    assert await store.claim_card_jobs("loans-workers", limit=10, lease=LEASE) == []
    assert await store.claim_card_jobs("refunds-workers", limit=10, lease=LEASE) == ["refund-1042"]


async def test_whether_anything_is_due_is_answered_without_claiming_it(store: Store) -> None:
    assert not await store.card_jobs_due("tq")
    await store.record([], make_state(), cards_for="tq")

    assert await store.card_jobs_due("tq")
    assert await store.claim_card_jobs("tq", limit=10, lease=LEASE) == ["refund-1042"]
    assert not await store.card_jobs_due("tq")  # leased


async def test_a_job_another_worker_drew_while_this_one_was_claiming_is_not_drawn_again(
    store: Store, database_url: str
) -> None:
    """A claim reads the due jobs, then leases them one by one. On PostgreSQL another
    worker can claim, draw and release a job between the two (each statement reads
    afresh); the lease must then not be taken, or that version and its notices are
    drawn twice. Found reading the outbox for tests/workflows/test_two_workers.py, whose
    runs had not hit it."""
    if store.engine.dialect.name == "sqlite":
        pytest.skip("a claim holds SQLite's one write lock: no other worker comes between")
    state = make_state(version=3)
    await store.record([], state, cards_for="tq", notices=[("n-1", reminder())])
    drawn_meanwhile: list[list[str]] = []

    def claim_with_another_worker_in_between() -> list[str]:
        engine = make_sync_engine(database_url)

        def other_worker_draws(_c: Connection, _cur: object, statement: str, *_: object) -> None:
            if drawn_meanwhile or not statement.lstrip().upper().startswith("SELECT"):
                return
            with engine.begin() as other:
                ids = card_outbox.claim(
                    other, task_queue="tq", limit=10, lease=LEASE, now=datetime.now(UTC)
                )
            with engine.begin() as other:
                notices = other.scalars(select(CardNoticeRow.id)).all()
                drawn = [(i, state.version, notices) for i in ids]
                card_outbox.finished(other, drawn=drawn, now=datetime.now(UTC))
            drawn_meanwhile.append(ids)

        try:
            with engine.begin() as this_worker:
                event.listen(this_worker, "after_cursor_execute", other_worker_draws)
                return card_outbox.claim(
                    this_worker, task_queue="tq", limit=10, lease=LEASE, now=datetime.now(UTC)
                )
        finally:
            engine.dispose()

    claimed = await asyncio.to_thread(claim_with_another_worker_in_between)

    assert drawn_meanwhile == [[state.decision_id]]
    assert claimed == []
