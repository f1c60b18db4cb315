"""The track records the planning activity puts into plans, read at most once a minute.

Every decision's plan asks for the record of its use case, model version and confidence
bin; reading the bin's labelled decisions for each one would make the store's busiest
use cases pay most. A record moves slowly (labels arrive over days), so each bin's is
kept for ``ttl`` seconds in the worker.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from signoff.core.models.track_record import TrackRecord, confidence_bin

StoreReader = Callable[..., Awaitable[TrackRecord | None]]


class TrackRecords:
    """Args:
    read: The store's :meth:`~signoff.adapters.store.Store.track_record`.
    minimum: Labelled decisions a bin needs before it has a record.
    ttl: Seconds a bin's record is kept."""

    def __init__(self, read: StoreReader, *, minimum: int, ttl: float = 60.0) -> None:
        self._read = read
        self._minimum = minimum
        self._ttl = ttl
        self._kept: dict[tuple[str, str, float], tuple[float, TrackRecord | None]] = {}

    async def __call__(
        self, use_case: str, model_version: str, confidence: float
    ) -> TrackRecord | None:
        key = (use_case, model_version, confidence_bin(confidence)[0])
        now = time.monotonic()
        kept = self._kept.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        record = await self._read(use_case, model_version, confidence, minimum=self._minimum)
        self._kept[key] = (now + self._ttl, record)
        return record
