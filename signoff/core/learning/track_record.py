"""The model's track record at a confidence: how often it was right when it said about
that much, per use case x model version x confidence bin, from the ladder's labelled
decisions (:mod:`.ladder_labels`, thinned to one uniform sample as Learn-then-Test's
pool is). Below ``minimum`` labelled decisions in the bin there is no record: a handful
of labels would read as a promise."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from signoff.core.learning.ladder_labels import LadderSample
from signoff.core.learning.threshold import thinned
from signoff.core.models.track_record import TrackRecord

MINIMUM = 50


def track_record(
    samples: Iterable[LadderSample], *, said: float, minimum: int = MINIMUM
) -> TrackRecord | None:
    """The record of ``samples`` (all of one bin, centred on ``said``), or None below
    ``minimum``."""
    kept = list(samples)
    pool = {d.decision_id for d in thinned([s.decision for s in kept])}
    chosen = [s for s in kept if s.decision.decision_id in pool]
    if len(chosen) < max(minimum, 1):
        return None
    sources = Counter(s.source for s in chosen)
    return TrackRecord(
        said=said,
        right=sum(not s.decision.wrong for s in chosen),
        n=len(chosen),
        sources=sorted(sources),
    )
