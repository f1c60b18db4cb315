"""Time to decision (and edit size) as percentiles, never a mean: a few decisions that
wait a weekend would drag a mean far from what a typical requester sees.

The values stream into a t-digest (``fastdigest``, Rust) rather than a list, so a group
costs at most :data:`CENTROIDS` centroids (16 bytes each) however many decisions it
holds. Up to that many values the digest keeps every one and its percentiles are
numpy's linear interpolation exactly; beyond, a t-digest bounds rank error, tightest at
the tails (p99). Measured on million-value lognormal, exponential and beta samples, the
p50/p90/p99 it gives are within 0.35% of numpy's (rank within 0.07%); a spec holds them
within :data:`RELATIVE_ERROR`. fastdigest rather than ``ddsketch``: DDSketch guarantees
relative error by construction, but its pure-Python ``add`` cost four times an array
append here, and an evaluation adds some ten values per decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pydantic import BaseModel

from signoff.core.learning.intervals import NOT_ENOUGH_DATA

if TYPE_CHECKING:
    from fastdigest import TDigest

CENTROIDS = 500
RELATIVE_ERROR = 0.01
"""What the percentiles of a large group may differ from exact ones, relatively."""


class Percentiles(BaseModel):
    """Seconds at the 50th, 90th and 99th percentile of ``count`` durations."""

    count: int
    p50: float | None = None
    p90: float | None = None
    p99: float | None = None
    note: str | None = None


class Quantiles:
    """Values streaming in, kept in bounded memory, for :class:`Percentiles` at the end."""

    __slots__ = ("_digest",)

    def __init__(self) -> None:
        from fastdigest import TDigest  # a worker imports this module; keep it light

        self._digest: TDigest = TDigest(CENTROIDS)

    def add(self, value: float) -> None:
        self._digest.update(value)

    def finish(self) -> Percentiles:
        digest = self._digest
        count = digest.n_values
        if count == 0:
            return Percentiles(count=0, note=NOT_ENOUGH_DATA)
        p50, p90, p99 = (digest.quantile(q) for q in (0.5, 0.9, 0.99))
        return Percentiles(count=count, p50=p50, p90=p90, p99=p99)


def percentiles(seconds: Iterable[float]) -> Percentiles:
    """p50/p90/p99 of ``seconds``, or "not enough data"."""
    quantiles = Quantiles()
    for value in seconds:
        quantiles.add(float(value))
    return quantiles.finish()
