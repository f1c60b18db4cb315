"""Time to decision as percentiles (numpy), never a mean: a few decisions that wait a
weekend would drag a mean far from what a typical requester sees."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from signoff.core.learning.intervals import NOT_ENOUGH_DATA


class Percentiles(BaseModel):
    """Seconds at the 50th, 90th and 99th percentile of ``count`` durations."""

    count: int
    p50: float | None = None
    p90: float | None = None
    p99: float | None = None
    note: str | None = None


def percentiles(seconds: Sequence[float]) -> Percentiles:
    """p50/p90/p99 of ``seconds`` (numpy's linear interpolation), or "not enough data"."""
    if len(seconds) == 0:
        return Percentiles(count=0, note=NOT_ENOUGH_DATA)
    import numpy as np

    p50, p90, p99 = np.percentile(np.asarray(seconds, dtype=float), [50, 90, 99])
    return Percentiles(count=len(seconds), p50=float(p50), p90=float(p90), p99=float(p99))
