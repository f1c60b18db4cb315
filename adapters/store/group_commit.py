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
    """

    def __init__(
        self,
        write_batch: Callable[[Sequence[T]], Awaitable[list[R]]],
        write_one: Callable[[T], Awaitable[R]],
    ) -> None:
        self._write_batch = write_batch
        self._write_one = write_one
        self._waiting: list[_Waiting[T, R]] = []
        self._draining: asyncio.Task[None] | None = None

    async def write(self, item: T, keys: Collection[str]) -> R:
        """Write ``item`` (whose records belong to ``keys``) with whatever else waits."""
        waiting = _Waiting[T, R](item, frozenset(keys))
        self._waiting.append(waiting)
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain())
        # The write goes on if the caller stops waiting (a cancelled activity): it is
        # idempotent, and the next attempt then finds it done.
        return await asyncio.shield(waiting.answer)

    async def close(self) -> None:
        """Finish what is waiting."""
        if self._draining is not None:
            await asyncio.shield(self._draining)

    async def _drain(self) -> None:
        while self._waiting:
            batch = self._take()
            try:
                answers = await self._write_batch([w.item for w in batch])
            except Exception:
                await asyncio.gather(*(self._alone(w) for w in batch))
                continue
            for waiting, answer in zip(batch, answers, strict=True):
                if not waiting.answer.done():
                    waiting.answer.set_result(answer)

    def _take(self) -> list[_Waiting[T, R]]:
        """The oldest waiting records, none sharing a key with an earlier one still
        waiting, at most ``MAX_BATCH``."""
        batch: list[_Waiting[T, R]] = []
        later: list[_Waiting[T, R]] = []
        held: set[str] = set()  # keys taken, or left for a later batch
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
