"""Feedback, ground truth and chat cards, as the learning loop and the card redraw use them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from signoff.adapters.store import Store
from signoff.core.channel_protocol import CardRef
from signoff.core.models import AuditEvent, AuditKind

MakeEvent = Callable[..., AuditEvent]
T0 = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


async def test_thumbs_are_one_per_person_and_changeable(
    store: Store, make_event: MakeEvent
) -> None:
    await store.record(
        [
            make_event("refund-1", 1, AuditKind.FEEDBACK, actor="alice", data={"thumb": "up"}),
            make_event("refund-1", 2, AuditKind.FEEDBACK, actor="bob", data={"thumb": "up"}),
        ]
    )
    await store.record(
        [make_event("refund-1", 3, AuditKind.FEEDBACK, actor="alice", data={"thumb": "down"})]
    )

    assert (await store.feedback("refund-1"))["thumbs"] == {"alice": "down", "bob": "up"}
    assert (await store.feedback("refund-2"))["thumbs"] == {}


async def test_a_replayed_old_thumb_does_not_undo_a_newer_one(
    store: Store, make_event: MakeEvent
) -> None:
    newer = make_event("refund-1", 2, AuditKind.FEEDBACK, actor="alice", data={"thumb": "down"})
    older = make_event("refund-1", 1, AuditKind.FEEDBACK, actor="alice", data={"thumb": "up"})

    await store.record([newer])
    await store.record([older])

    assert (await store.feedback("refund-1"))["thumbs"] == {"alice": "down"}


async def test_corrections_are_all_kept_once_each(store: Store, make_event: MakeEvent) -> None:
    first = make_event(
        "refund-1", 1, AuditKind.CORRECTION, actor="alice", data={"text": "It was 45 EUR."}
    )
    second = make_event(
        "refund-1", 2, AuditKind.CORRECTION, actor="bob", data={"text": "Add shipping."}
    )

    await store.record([first, second])
    await store.record([first])  # a retried activity

    assert (await store.feedback("refund-1"))["corrections"] == [
        {"actor": "alice", "text": "It was 45 EUR.", "at": T0 + timedelta(seconds=1)},
        {"actor": "bob", "text": "Add shipping.", "at": T0 + timedelta(seconds=2)},
    ]


async def test_ground_truth_is_recorded_and_replaced_by_a_later_verdict(
    store: Store, make_event: MakeEvent
) -> None:
    consensus = {"label": "refund", "method": "consensus", "experts": ["carol", "dave"]}
    adjudicated = {"label": "no refund", "method": "adjudicated", "experts": ["erin"]}
    assert (await store.feedback("refund-1"))["ground_truth"] is None

    await store.record([make_event("refund-1", 1, AuditKind.GROUND_TRUTH, data=consensus)])
    first = (await store.feedback("refund-1"))["ground_truth"]
    await store.record([make_event("refund-1", 2, AuditKind.GROUND_TRUTH, data=adjudicated)])
    second = (await store.feedback("refund-1"))["ground_truth"]

    assert first == consensus | {"at": T0 + timedelta(seconds=1)}
    assert second == adjudicated | {"at": T0 + timedelta(seconds=2)}


async def test_feedback_events_stay_in_the_audit_chain(store: Store, make_event: MakeEvent) -> None:
    await store.record(
        [make_event("refund-1", 1, AuditKind.FEEDBACK, actor="alice", data={"thumb": "up"})]
    )

    (stored,) = await store.events("refund-1")

    assert stored.kind is AuditKind.FEEDBACK and stored.data == {"thumb": "up"}
    assert (await store.verify()).ok


async def test_cards_are_remembered_so_they_can_be_redrawn(store: Store) -> None:
    shared = CardRef(channel="slack", ref={"channel": "C123", "ts": "1700000000.000100"})
    direct = CardRef(channel="slack", recipient="alice", ref={"channel": "D9", "ts": "17.2"})
    teams = CardRef(channel="teams", ref={"activity_id": "a-1", "conversation": "19:x"})

    for card in (shared, direct, teams):
        await store.save_card("refund-1", card)

    assert await store.cards("refund-1") == [shared, direct, teams]
    assert await store.cards("refund-2") == []


async def test_saving_a_card_again_replaces_its_address(store: Store) -> None:
    await store.save_card("refund-1", CardRef(channel="slack", ref={"ts": "1"}))
    await store.save_card("refund-1", CardRef(channel="slack", recipient="bob", ref={"ts": "2"}))

    await store.save_card("refund-1", CardRef(channel="slack", ref={"ts": "3"}))

    assert await store.cards("refund-1") == [
        CardRef(channel="slack", ref={"ts": "3"}),
        CardRef(channel="slack", recipient="bob", ref={"ts": "2"}),
    ]


async def test_two_thumbs_of_one_person_in_one_batch_keep_the_newer(
    store: Store, make_event: MakeEvent
) -> None:
    up = make_event("refund-1", 1, AuditKind.FEEDBACK, actor="alice", data={"thumb": "up"})
    down = make_event("refund-1", 2, AuditKind.FEEDBACK, actor="alice", data={"thumb": "down"})

    await store.record([down, up])

    assert (await store.feedback("refund-1"))["thumbs"] == {"alice": "down"}
