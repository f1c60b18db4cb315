"""Is the model's confidence a probability? ECE, MCE, the Brier score and the bins of a
reliability diagram.

The bins are equal-width over [0, 1], each holding the confidences in (lower, upper] (the
first also 0), exactly as scikit-learn's ``calibration_curve(strategy="uniform")`` cuts
them, so its curve and these bins agree point for point (a spec checks it). ECE and MCE
are written here, over those bins: the expected and the largest gap between a bin's
accuracy and its mean confidence (Guo et al., 2017), ECE weighted by the bin's share.
"""

from __future__ import annotations

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
    if len(confidence) < max(minimum, 1):
        return Calibration(count=len(confidence), label_source=label_source, note=NOT_ENOUGH_DATA)
    import numpy as np
    from sklearn.metrics import brier_score_loss

    prob = np.asarray(confidence, dtype=float)
    truth = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    ids = np.searchsorted(edges[1:-1], prob)
    counts = np.bincount(ids, minlength=bins)
    conf_sums = np.bincount(ids, weights=prob, minlength=bins)
    true_sums = np.bincount(ids, weights=truth, minlength=bins)
    gaps: list[float] = []
    out: list[ReliabilityBin] = []
    for i in range(bins):
        n = int(counts[i])
        row = ReliabilityBin(lower=float(edges[i]), upper=float(edges[i + 1]), count=n)
        if n:
            row.mean_confidence = float(conf_sums[i] / n)
            row.accuracy = float(true_sums[i] / n)
            gaps.append(abs(row.accuracy - row.mean_confidence))
        out.append(row)
    weights = [b.count / len(prob) for b in out if b.count]
    return Calibration(
        count=len(prob),
        ece=float(sum(w * g for w, g in zip(weights, gaps, strict=True))),
        mce=float(max(gaps)),
        brier=float(brier_score_loss(truth, prob, pos_label=1.0)),
        bins=out,
        label_source=label_source,
    )
