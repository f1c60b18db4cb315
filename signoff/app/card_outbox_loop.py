"""Draw the cards the store says are due: the worker side of the card outbox.

Why not an activity per redraw: each activity's completion costs the workflow a task of
its own, and under load cards waited seconds in the activity queue. The audit write
already records every change; it queues the decision's cards in the same transaction
(:mod:`signoff.adapters.store.card_outbox`) and pokes this loop, which draws them at once. The
store is the queue, so nothing is lost to a crash: a job leased by a worker that died
is taken up by another once its lease runs out, and a chat API that is down is retried,
backing off, until it answers. A worker that stops (:meth:`CardOutboxLoop.stop`) finishes
the draws in hand and claims no more, so no lease of its holds another worker's cards
back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from temporalio.common import MetricMeter

from signoff.activities.inputs import CardPublishInput
from signoff.activities.publish_cards import CardActivities
from signoff.core import metrics, tracing

if TYPE_CHECKING:
    from signoff.adapters.store import Store
    from signoff.adapters.store.card_outbox import DueCards

__all__ = ["CardOutboxLoop"]

log = logging.getLogger(__name__)


class CardOutboxLoop:
    """Args:
    store: Where the card jobs are.
    cards: Draws one decision's cards through each channel.
    batch: Decisions drawn at once.
    lease: How long a claimed job is this worker's before another may take it.
    idle: Seconds between looks at the store when nothing pokes (jobs queued by
        other workers, retries that came due).
    max_backoff: The longest wait between attempts at a failing draw.
    gather: Seconds to let pokes gather before drawing: under load the decisions
        recorded meanwhile share one claim, one read and one release (a card shows
        that much later, at most).
    meter: Where the backlog (decisions owed a draw) is set, at most every
        ``backlog_every`` seconds; none, it is not counted.
    """

    def __init__(
        self,
        store: Store,
        cards: CardActivities,
        *,
        batch: int = 32,
        lease: timedelta = timedelta(seconds=30),
        idle: float = 1.0,
        max_backoff: timedelta = timedelta(minutes=1),
        gather: float = 0.02,
        meter: MetricMeter | None = None,
        backlog_every: float = 15.0,
    ) -> None:
        self._store = store
        self._cards = cards
        self._batch = batch
        self._lease = lease
        self._idle = idle
        self._max_backoff = max_backoff
        self._gather = gather
        self._wake = asyncio.Event()
        self._failures: dict[str, int] = {}
        self._queue: str | None = None
        self._stopping = False
        self._meter = meter
        self._backlog_every = backlog_every
        self._backlog_due = 0.0

    def poke(self, task_queue: str) -> None:
        """Something was queued for ``task_queue``, this worker's: look now rather than
        at the next idle tick."""
        self._queue = task_queue
        self._wake.set()

    async def run(self, task_queue: str | None = None) -> None:
        """Draw the due cards of ``task_queue`` (else of the queue the first poke names)
        until stopped or cancelled."""
        self._queue = task_queue or self._queue
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._idle)
                await asyncio.sleep(self._gather)
            self._wake.clear()
            try:
                await self.drain()
                await self._count_backlog()
            except Exception:  # the store is unreachable: try again at the next tick
                log.exception("could not read the card outbox")

    async def stop(self, running: asyncio.Task[None], *, grace: float = 10.0) -> None:
        """Stop ``running`` (this loop's :meth:`run`): claim nothing more, and let the
        batch in hand be drawn and marked drawn for up to ``grace`` seconds. Cancelled
        mid-batch instead, the loop's leases would hold those decisions' cards back from
        every other worker until they ran out. A batch still drawing after ``grace`` (a
        chat API that does not answer) is cancelled, and its jobs wait out their lease,
        as a crashed worker's do; one that does not even end when cancelled is left
        behind after another ``grace``, so the worker's shutdown never hangs on it.

        The waits never swallow a cancellation of the caller's own."""
        self._stopping = True
        self._wake.set()
        await asyncio.wait({running}, timeout=grace)
        if not running.done():
            running.cancel()
            await asyncio.wait({running}, timeout=grace)
        if not running.done():
            log.warning("the card outbox did not stop within %ss of being cancelled", grace)

    async def drain(self) -> int:
        """Draw every job due now; returns how many decisions were attempted."""
        attempted = 0
        queue = self._queue
        if queue is None or not await self._store.card_jobs_due(queue):
            return 0
        while not self._stopping and (
            ids := await self._store.claim_card_jobs(queue, limit=self._batch, lease=self._lease)
        ):
            due = await self._store.cards_to_draw(ids)
            results = await asyncio.gather(*(self._draw(i, due[i]) for i in ids))
            await self._store.cards_drawn([done for done in results if done is not None])
            attempted += len(ids)
        return attempted

    async def _count_backlog(self) -> None:
        """Set the backlog gauge; a count, so not at every tick."""
        queue = self._queue
        if self._meter is None or queue is None or time.monotonic() < self._backlog_due:
            return
        self._backlog_due = time.monotonic() + self._backlog_every
        owed = await self._store.card_backlog(queue)
        metrics.record(self._meter, metrics.CARD_OUTBOX_BACKLOG, owed, {"task_queue": queue})

    async def _draw(self, decision_id: str, due: DueCards) -> tuple[str, int, list[int]] | None:
        """Draw one decision's cards; what to mark drawn, or None when it failed."""
        try:
            # In the trace of the write that asked for these cards (a click's, say).
            with tracing.continued(
                due.trace, "signoff.card.draw", **{"signoff.decision_id": decision_id}
            ):
                state, notices = due.read()
                if state is not None:
                    publish = CardPublishInput(state=state, notices=notices)
                    await self._cards.draw(publish, due.posted)
            self._failures.pop(decision_id, None)
            version = state.version if state is not None else -1
            return decision_id, version, due.notice_ids
        except Exception as exc:
            failures = self._failures[decision_id] = self._failures.get(decision_id, 0) + 1
            wait = min(timedelta(seconds=2 ** min(failures, 10)), self._max_backoff)
            log.warning("drawing the cards of %s failed (%s); again in %s", decision_id, exc, wait)
            try:
                await self._store.cards_failed(decision_id, f"{type(exc).__name__}: {exc}", wait)
            except Exception:  # the lease runs out instead
                log.exception("could not note the failed draw of %s", decision_id)
            return None
