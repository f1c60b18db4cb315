"""Group commit: the audit writes that arrive together share one write transaction.

Under load a worker's audit activities call :meth:`Store.record` twenty at a time, and
each one alone paid a whole transaction: the write lock (one writer at a time on
SQLite), the commit's flush, a round trip per statement on PostgreSQL. Gathered, they
pay it once. Each record is still idempotent by event id, so a batch that fails is
simply written again record by record, and every caller gets its own answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 64
"""Most records in one transaction: enough for a busy worker, short enough to hold the
write lock briefly."""


@dataclass
class _Waiting(Generic[T, R]):
    item: T
    keys: frozenset[str]
    answer: asyncio.Future[R] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class GroupCommit(Generic[T, R]):
    """Runs ``write_batch`` on the records waiting when the previous batch ended.

    Args:
        write_batch: Writes several records in one transaction; returns one answer per
            record, in order. Records in one batch never share a key (a decision), so a
            batch means what the same records written one after another would, and a
            key's records are written in the order they came.
        write_one: Writes one record alone: used when a batch fails, so the failure
            lands on the record that caused it (and the others are written).
        batches: How many batches may be written at once (one where the database has
            one writer, as SQLite; more where transactions run side by side). A key is
            in one of them at a time.
    """

    def __init__(
        self,
        write_batch: Callable[[Sequence[T]], Awaitable[list[R]]],
        write_one: Callable[[T], Awaitable[R]],
        *,
        batches: int = 1,
    ) -> None:
        self._write_batch = write_batch
        self._write_one = write_one
        self._batches = batches
        self._waiting: list[_Waiting[T, R]] = []
        self._in_flight: set[str] = set()
        self._draining: set[asyncio.Task[None]] = set()

    async def write(self, item: T, keys: Collection[str]) -> R:
        """Write ``item`` (whose records belong to ``keys``) with whatever else waits."""
        waiting = _Waiting[T, R](item, frozenset(keys))
        self._waiting.append(waiting)
        if len(self._draining) < self._batches:
            self._draining.add(asyncio.create_task(self._drain()))
        # The write goes on if the caller stops waiting (a cancelled activity): it is
        # idempotent, and the next attempt then finds it done.
        return await asyncio.shield(waiting.answer)

    async def close(self) -> None:
        """Finish what is waiting."""
        while self._draining:
            await asyncio.shield(asyncio.gather(*self._draining))

    async def _drain(self) -> None:
        try:
            await self._write_batches()
        finally:
            # In the same step as the last empty take: a record that arrives later finds
            # this drain gone and starts another.
            self._draining.discard(asyncio.current_task())  # type: ignore[arg-type]

    async def _write_batches(self) -> None:
        # Ends when nothing can be taken: what waits on a key another batch holds is
        # taken by that batch's drain when it comes round again.
        while batch := self._take():
            keys = frozenset().union(*(w.keys for w in batch))
            self._in_flight |= keys
            try:
                answers = await self._write_batch([w.item for w in batch])
            except Exception:
                # One after another, in the order they came: the first of two clashing
                # writes (an event id in two decisions) must be the one that stands.
                for waiting in batch:
                    await self._alone(waiting)
                continue
            finally:
                self._in_flight -= keys
            for waiting, answer in zip(batch, answers, strict=True):
                if not waiting.answer.done():
                    waiting.answer.set_result(answer)

    def _take(self) -> list[_Waiting[T, R]]:
        """The oldest waiting records, none sharing a key with a batch being written
        or with an earlier record still waiting, at most ``MAX_BATCH``."""
        batch: list[_Waiting[T, R]] = []
        later: list[_Waiting[T, R]] = []
        held = set(self._in_flight)  # keys being written, taken, or left for later
        for waiting in self._waiting:
            if len(batch) < MAX_BATCH and held.isdisjoint(waiting.keys):
                batch.append(waiting)
            else:
                later.append(waiting)
            held |= waiting.keys
        self._waiting = later
        return batch

    async def _alone(self, waiting: _Waiting[T, Any]) -> None:
        try:
            answer = await self._write_one(waiting.item)
        except Exception as err:
            if not waiting.answer.done():
                waiting.answer.set_exception(err)
        else:
            if not waiting.answer.done():
                waiting.answer.set_result(answer)
