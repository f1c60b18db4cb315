"""Is a rate the same for every segment? The largest gap, the min/max ratio, and the
four-fifths flag.

The flag follows the US EEOC's four-fifths rule of thumb: a group whose rate is under
0.8 of the highest group's is flagged. Groups smaller than the minimum size are listed
but left out of the gap and the ratio, so one decision in a rare segment cannot raise
(or hide) a flag.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from signoff.core.learning.intervals import NOT_ENOUGH_DATA, Rate

FOUR_FIFTHS = 0.8
MINIMUM_GROUP = 30


class SegmentGap(BaseModel):
    """One rate compared across the values of one segment attribute."""

    attribute: str
    metric: str
    groups: dict[str, Rate]
    compared: list[str]
    """The groups large enough to compare (at least ``minimum_group`` decisions)."""
    minimum_group: int
    largest_gap: float | None = None
    min_max_ratio: float | None = None
    flagged: bool = False
    label_source: str | None = None
    note: str | None = None


def segment_gap(
    attribute: str,
    metric: str,
    groups: Mapping[str, Rate],
    *,
    minimum_group: int = MINIMUM_GROUP,
) -> SegmentGap:
    """The gap in ``metric`` between the groups of ``attribute`` with enough data."""
    compared = sorted(
        name
        for name, rate in groups.items()
        if rate.value is not None and rate.total >= minimum_group
    )
    sources = {r.label_source for r in groups.values() if r.label_source}
    gap = SegmentGap(
        attribute=attribute,
        metric=metric,
        groups=dict(groups),
        compared=compared,
        minimum_group=minimum_group,
        label_source=", ".join(sorted(sources)) or None,
    )
    if len(compared) < 2:
        gap.note = NOT_ENOUGH_DATA
        return gap
    values = [groups[name].value for name in compared]
    low, high = min(values), max(values)  # type: ignore[type-var]
    gap.largest_gap = float(high - low)  # type: ignore[operator]
    # Every group at zero is no gap at all, not an undefined ratio.
    gap.min_max_ratio = 1.0 if not high else float(low / high)  # type: ignore[operator]
    # A tolerance: 32/50 against 40/50 is exactly four fifths, whatever floats make of it.
    gap.flagged = gap.min_max_ratio < FOUR_FIFTHS - 1e-9
    return gap
