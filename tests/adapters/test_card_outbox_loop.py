"""The worker side of the card outbox, drawing from a real store: one decision whose
stored state this worker cannot read fails its own draw, and only its own."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from signoff.activities.publish_cards import CardActivities
from signoff.adapters.store import Store
from signoff.adapters.store.tables import DecisionRow
from signoff.app.card_outbox_loop import CardOutboxLoop
from tests.helpers.builders import make_request, make_state
from tests.helpers.recording_channel import RecordingChannel

QUEUE = "outbox-tq"


async def test_a_state_this_worker_cannot_read_fails_only_its_own_draw(store: Store) -> None:
    readable = make_state(request=make_request(id="refund-1"))
    unreadable = make_state(request=make_request(id="refund-2"))
    for state in (readable, unreadable):
        await store.record([], state, cards_for=QUEUE)
    async with store.engine.begin() as conn:  # as a newer worker might have written it
        await conn.execute(
            update(DecisionRow)
            .where(DecisionRow.decision_id == "refund-2")
            .values(state={"decision_id": "refund-2", "from_a_newer_worker": True})
        )
    channel = RecordingChannel()
    outbox = CardOutboxLoop(store, CardActivities(store, {"console": channel}))
    outbox.poke(QUEUE)

    assert await outbox.drain() == 2

    assert {decision for decision, _, _ in channel.posts} == {"refund-1"}
    # drawn, or waiting out its backoff: nothing is due now
    assert await store.claim_card_jobs(QUEUE, limit=10, lease=timedelta(seconds=30)) == []
