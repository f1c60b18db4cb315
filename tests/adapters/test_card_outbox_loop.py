"""The worker side of the card outbox, drawing from a real store: one decision whose
stored state this worker cannot read fails its own draw, and only its own; a worker that
stops finishes the draws in hand and claims no more."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from sqlalchemy import update

from signoff.activities.publish_cards import CardActivities
from signoff.adapters.store import Store
from signoff.adapters.store.tables import DecisionRow
from signoff.app.card_outbox_loop import CardOutboxLoop
from signoff.core.channel_protocol import CardRef
from signoff.core.models import ChannelTarget, DecisionState
from tests.helpers.builders import make_request, make_state
from tests.helpers.recording_channel import RecordingChannel

QUEUE = "outbox-tq"
LEASE = timedelta(seconds=30)


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


class HeldChannel(RecordingChannel):
    """Holds every post until ``release`` is set; ``holding`` says one is waiting."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def post(
        self, state: DecisionState, target: ChannelTarget, recipient: str | None
    ) -> CardRef:
        self.holding.set()
        await self.release.wait()
        return await super().post(state, target, recipient)


async def test_a_stopping_worker_finishes_the_cards_in_hand_and_leaves_the_rest_to_others_at_once(
    store: Store, other_store: Store
) -> None:
    """Found by tests/workflows/test_two_workers.py: a worker shut down mid-draw kept its
    lease, and the other worker drew that decision's final card 30 s late."""
    for decision_id in ("refund-1", "refund-2"):
        await store.record([], make_state(request=make_request(id=decision_id)), cards_for=QUEUE)
    channel = HeldChannel()
    outbox = CardOutboxLoop(store, CardActivities(store, {"console": channel}), batch=1)
    running = asyncio.create_task(outbox.run(QUEUE))
    await asyncio.wait_for(channel.holding.wait(), timeout=10)

    stopping = asyncio.create_task(outbox.stop(running, grace=10))
    await asyncio.sleep(0.1)
    channel.release.set()
    await asyncio.wait_for(stopping, timeout=10)

    assert running.done() and not running.cancelled()
    assert [decision for decision, _, _ in channel.posts] == ["refund-1"]
    # The card in hand is marked drawn; the decision not yet claimed is another's now.
    assert await other_store.claim_card_jobs(QUEUE, limit=10, lease=LEASE) == ["refund-2"]


async def test_a_draw_that_outlasts_the_grace_is_cancelled_and_its_lease_runs_out(
    store: Store, other_store: Store
) -> None:
    await store.record([], make_state(request=make_request(id="refund-1")), cards_for=QUEUE)
    channel = HeldChannel()
    outbox = CardOutboxLoop(store, CardActivities(store, {"console": channel}))
    running = asyncio.create_task(outbox.run(QUEUE))
    await asyncio.wait_for(channel.holding.wait(), timeout=10)

    await asyncio.wait_for(outbox.stop(running, grace=0.2), timeout=10)

    assert running.cancelled() and channel.posts == []
    # Left as a crashed worker leaves it: leased until the lease runs out.
    assert await other_store.claim_card_jobs(QUEUE, limit=10, lease=LEASE) == []


async def test_a_draw_that_ignores_its_cancellation_does_not_hold_the_worker_s_shutdown(
    store: Store,
) -> None:
    await store.record([], make_state(request=make_request(id="refund-1")), cards_for=QUEUE)
    channel = HeldChannel()
    outbox = CardOutboxLoop(store, CardActivities(store, {"console": channel}))

    async def stubborn() -> None:  # runs the loop, and goes on after it is cancelled
        with contextlib.suppress(asyncio.CancelledError):
            await outbox.run(QUEUE)
        await asyncio.Event().wait()

    running = asyncio.create_task(stubborn())
    await asyncio.wait_for(channel.holding.wait(), timeout=10)

    await asyncio.wait_for(outbox.stop(running, grace=0.2), timeout=5)

    assert not running.done()
    running.cancel()  # the spec's own clean-up: it ends at its second cancellation
