"""Proportions with their Wilson score intervals, and the "not enough data" rule.

Wilson rather than the normal approximation: review and label counts are often small and
rates sit near 0 or 1 (automation, accuracy), where the normal interval leaves [0, 1] and
undercovers. statsmodels computes it; this module only decides when there is nothing to say.
"""

from __future__ import annotations

from pydantic import BaseModel

NOT_ENOUGH_DATA = "not enough data"
CONFIDENCE = 0.95


class Rate(BaseModel):
    """``successes`` of ``total``, with a 95% Wilson interval; ``value`` and the bounds
    are None (and ``note`` says why) when ``total`` is under the minimum asked for."""

    successes: int
    total: int
    value: float | None = None
    low: float | None = None
    high: float | None = None
    label_source: str | None = None
    """Where the labels behind this rate came from (None: no labels, counts only)."""
    note: str | None = None


def wilson(
    successes: int, total: int, *, minimum: int = 1, label_source: str | None = None
) -> Rate:
    """The rate ``successes / total`` with its 95% Wilson interval, or "not enough data"
    when fewer than ``minimum`` (at least one) observations back it."""
    if successes < 0 or successes > total:
        raise ValueError(f"a rate needs 0 <= successes <= total, not {successes} of {total}")
    if total < max(minimum, 1):
        return Rate(
            successes=successes, total=total, label_source=label_source, note=NOT_ENOUGH_DATA
        )
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(successes, total, alpha=1 - CONFIDENCE, method="wilson")
    return Rate(
        successes=successes,
        total=total,
        value=successes / total,
        low=float(low),
        high=float(high),
        label_source=label_source,
    )
