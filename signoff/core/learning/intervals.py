"""Proportions with their Wilson score intervals, and the "not enough data" rule.

Wilson rather than the normal approximation: review and label counts are often small and
rates sit near 0 or 1 (automation, accuracy), where the normal interval leaves [0, 1] and
undercovers. The score interval is written out here (Wilson, 1927) rather than asked of
statsmodels: an evaluation of a million decisions makes tens of thousands of rates (every
window and segment value of every cohort), and ``proportion_confint`` costs a millisecond
a call. A spec holds it equal to statsmodels' ``method="wilson"`` over many counts.
"""

from __future__ import annotations

import math

from pydantic import BaseModel

NOT_ENOUGH_DATA = "not enough data"
CONFIDENCE = 0.95
Z = 1.959963984540054
"""The standard normal quantile at 1 - (1 - CONFIDENCE) / 2 (``scipy.stats.norm.ppf``)."""


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
    p, z2 = successes / total, Z * Z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = Z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    return Rate(
        successes=successes,
        total=total,
        value=p,
        low=max(0.0, centre - half),
        high=min(1.0, centre + half),
        label_source=label_source,
    )
