"""Do the experts agree with each other? Cohen's kappa per pair, Fleiss' kappa and
Krippendorff's alpha across all of them.

Each is computed by its library (scikit-learn, statsmodels, ``krippendorff``); this
module only shapes the labels for each: pairs of experts who labelled the same decisions
(Cohen), decisions labelled by the usual number of experts (Fleiss' kappa needs the same
number of raters per item), and a raters x items table with gaps (Krippendorff's alpha takes
missing labels as they come).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import combinations

from pydantic import BaseModel

from signoff.core.learning.intervals import NOT_ENOUGH_DATA

MINIMUM_ITEMS = 2
"""Decisions two or more experts labelled, below which agreement is not reported."""


class PairKappa(BaseModel):
    experts: tuple[str, str]
    items: int
    kappa: float | None = None
    note: str | None = None


class Agreement(BaseModel):
    items: int
    """Decisions at least two experts labelled."""
    experts: list[str]
    cohen: list[PairKappa] = []
    fleiss_kappa: float | None = None
    fleiss_items: int = 0
    krippendorff_alpha: float | None = None
    label_source: str = "expert"
    note: str | None = None


def _finite(value: float) -> float | None:
    return None if value != value or value in (float("inf"), float("-inf")) else float(value)


def agreement(labels: Sequence[Mapping[str, str]], *, minimum: int = MINIMUM_ITEMS) -> Agreement:
    """Agreement among experts; ``labels`` holds, per decision, each expert's label."""
    shared = [dict(item) for item in labels if len(item) >= 2]
    experts = sorted({e for item in shared for e in item})
    if len(shared) < max(minimum, 1):
        return Agreement(items=len(shared), experts=experts, note=NOT_ENOUGH_DATA)
    import numpy as np
    from krippendorff import alpha
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    categories = sorted({lab for item in shared for lab in item.values()})
    if len(categories) == 1:
        # Everyone gave the one label: complete agreement, which both kappas leave
        # undefined (no chance agreement to correct for) and alpha calls 1.
        return Agreement(items=len(shared), experts=experts, krippendorff_alpha=1.0)
    code = {c: i for i, c in enumerate(categories)}
    pairs: list[PairKappa] = []
    for a, b in combinations(experts, 2):
        both = [item for item in shared if a in item and b in item]
        if len(both) < minimum:
            pairs.append(PairKappa(experts=(a, b), items=len(both), note=NOT_ENOUGH_DATA))
            continue
        kappa = cohen_kappa_score([i[a] for i in both], [i[b] for i in both], labels=categories)
        pairs.append(PairKappa(experts=(a, b), items=len(both), kappa=_finite(kappa)))
    raters = Counter(len(item) for item in shared).most_common(1)[0][0]
    same = [item for item in shared if len(item) == raters]
    fleiss = None
    if len(same) >= minimum:
        table, _ = aggregate_raters(
            np.array([[code[lab] for lab in item.values()] for item in same]),
            n_cat=len(categories),
        )
        fleiss = _finite(fleiss_kappa(table, method="fleiss"))
    reliability = np.full((len(experts), len(shared)), np.nan)
    for j, item in enumerate(shared):
        for expert, lab in item.items():
            reliability[experts.index(expert), j] = code[lab]
    k_alpha = _finite(alpha(reliability_data=reliability, level_of_measurement="nominal"))
    return Agreement(
        items=len(shared),
        experts=experts,
        cohen=pairs,
        fleiss_kappa=fleiss,
        fleiss_items=len(same),
        krippendorff_alpha=k_alpha,
    )
