"""Is the model's confidence a probability? ECE, MCE, the Brier score and the bins of a
reliability diagram.

The bins are equal-width over [0, 1], each holding the confidences in (lower, upper] (the
first also 0), exactly as scikit-learn's ``calibration_curve(strategy="uniform")`` cuts
them, so its curve and these bins agree point for point (a spec checks it). ECE and MCE
are written here, over those bins: the expected and the largest gap between a bin's
accuracy and its mean confidence (Guo et al., 2017), ECE weighted by the bin's share.
The Brier score is the mean squared gap between confidence and being right (a spec checks
it against scikit-learn's ``brier_score_loss``).

Only counts and sums per bin are kept (:class:`ConfidenceBins`), never the confidences.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from pydantic import BaseModel

from signoff.core.learning.intervals import NOT_ENOUGH_DATA

BINS = 10
MINIMUM = 10
"""Labelled decisions below which calibration is not reported: with fewer, ECE mostly
measures how few there are."""


class ReliabilityBin(BaseModel):
    lower: float
    upper: float
    count: int
    mean_confidence: float | None = None
    accuracy: float | None = None


class Calibration(BaseModel):
    count: int
    ece: float | None = None
    mce: float | None = None
    brier: float | None = None
    bins: list[ReliabilityBin] = []
    label_source: str | None = None
    note: str | None = None


class ConfidenceBins:
    """Labelled decisions' confidences counted into the fixed bins, with the sums ECE,
    MCE and the Brier score need: a group's calibration costs the same memory at ten
    labelled decisions as at ten million."""

    __slots__ = ("_inner", "bins", "confidence_sums", "counts", "right_sums", "squared_error")

    def __init__(self, bins: int = BINS) -> None:
        self.bins = bins
        self.counts = [0] * bins
        self.confidence_sums = [0.0] * bins
        self.right_sums = [0] * bins
        self.squared_error = 0.0
        self._inner = inner_edges(bins)

    @classmethod
    def of(
        cls,
        counts: Sequence[int],
        confidence_sums: Sequence[float],
        right_sums: Sequence[int],
        squared_error: float,
    ) -> ConfidenceBins:
        """Bins counted elsewhere (by the store, in the database)."""
        made = cls(len(counts))
        made.counts, made.confidence_sums = list(counts), list(confidence_sums)
        made.right_sums, made.squared_error = list(right_sums), squared_error
        return made

    def merged(self, other: ConfidenceBins) -> ConfidenceBins:
        """These bins and ``other``'s together."""
        return ConfidenceBins.of(
            [a + b for a, b in zip(self.counts, other.counts, strict=True)],
            [a + b for a, b in zip(self.confidence_sums, other.confidence_sums, strict=True)],
            [a + b for a, b in zip(self.right_sums, other.right_sums, strict=True)],
            self.squared_error + other.squared_error,
        )

    @property
    def count(self) -> int:
        return sum(self.counts)

    def add(self, confidence: float, right: bool) -> None:
        i = bisect_left(self._inner, confidence)
        self.counts[i] += 1
        self.confidence_sums[i] += confidence
        self.right_sums[i] += right
        self.squared_error += (confidence - right) ** 2

    def finish(self, *, minimum: int = MINIMUM, label_source: str | None = None) -> Calibration:
        """Calibration of what was added; fewer than ``minimum`` labels: not enough data."""
        n = self.count
        if n < max(minimum, 1):
            return Calibration(count=n, label_source=label_source, note=NOT_ENOUGH_DATA)
        edges = [0.0, *self._inner, 1.0]
        gaps: list[float] = []
        out: list[ReliabilityBin] = []
        ece = 0.0
        for i, k in enumerate(self.counts):
            row = ReliabilityBin(lower=edges[i], upper=edges[i + 1], count=k)
            if k:
                row.mean_confidence = self.confidence_sums[i] / k
                row.accuracy = self.right_sums[i] / k
                gap = abs(row.accuracy - row.mean_confidence)
                gaps.append(gap)
                ece += k / n * gap
            out.append(row)
        return Calibration(
            count=n,
            ece=ece,
            mce=max(gaps),
            brier=self.squared_error / n,
            bins=out,
            label_source=label_source,
        )


def inner_edges(bins: int = BINS) -> list[float]:
    """The edges between the bins, as numpy's ``linspace`` gives them, so a confidence
    on an edge falls in the bin scikit-learn's calibration_curve puts it in: bin ``i``
    holds the confidences above ``i`` of these edges."""
    import numpy as np

    return [float(e) for e in np.linspace(0.0, 1.0, bins + 1)[1:-1]]


def calibration(
    confidence: Sequence[float],
    correct: Sequence[bool],
    *,
    bins: int = BINS,
    minimum: int = MINIMUM,
    label_source: str | None = None,
) -> Calibration:
    """Calibration of ``confidence`` against whether each decision was right."""
    if len(confidence) != len(correct):
        raise ValueError("calibration needs one label per confidence")
    counted = ConfidenceBins(bins)
    for conf, right in zip(confidence, correct, strict=True):
        counted.add(conf, right)
    return counted.finish(minimum=minimum, label_source=label_source)
