"""Time to decision (and edit size) as percentiles, never a mean: a few decisions that
wait a weekend would drag a mean far from what a typical requester sees.

Percentiles are exact, by linear interpolation between the two nearest ranks (numpy's
default ``method="linear"``, PostgreSQL's ``percentile_cont``). The store computes them
in the database; on SQLite, which has no ordered-set aggregates, it reads only the two
values around each percentile's rank and :func:`interpolated` finishes the work.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from pydantic import BaseModel

from signoff.core.learning.intervals import NOT_ENOUGH_DATA

QUANTILES = (0.5, 0.9, 0.99)


class Percentiles(BaseModel):
    """Seconds at the 50th, 90th and 99th percentile of ``count`` durations."""

    count: int
    p50: float | None = None
    p90: float | None = None
    p99: float | None = None
    note: str | None = None


def ranks(count: int) -> set[int]:
    """The 0-based ranks, in sorted order, whose values :func:`interpolated` needs."""
    out: set[int] = set()
    for q in QUANTILES:
        low = math.floor(q * (count - 1))
        out |= {low, min(low + 1, count - 1)}
    return out


def interpolated(count: int, at_rank: Mapping[int, float]) -> Percentiles:
    """The percentiles of ``count`` values, given the value at each of their
    :func:`ranks` in sorted order, interpolated exactly as numpy does."""
    if count == 0:
        return Percentiles(count=0, note=NOT_ENOUGH_DATA)
    found = []
    for q in QUANTILES:
        virtual = q * (count - 1)
        low = math.floor(virtual)
        a, b = at_rank[low], at_rank[min(low + 1, count - 1)]
        t = virtual - low
        # numpy's _lerp: from whichever end is nearer, so it is exact at both.
        found.append(a + (b - a) * t if t < 0.5 else b - (b - a) * (1 - t))
    p50, p90, p99 = found
    return Percentiles(count=count, p50=p50, p90=p90, p99=p99)


def percentiles(values: Iterable[float]) -> Percentiles:
    """p50/p90/p99 of ``values``, or "not enough data"."""
    ordered = sorted(float(v) for v in values)
    if not ordered:
        return interpolated(0, {})
    return interpolated(len(ordered), {r: ordered[r] for r in ranks(len(ordered))})
