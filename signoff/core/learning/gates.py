"""The ladder's gates: what must hold before more autonomy is even proposed.

Each gate is checked on the pool Learn-then-Test used (the labelled decisions thinned to
one uniform sample of traffic), at ``tau``, the threshold the proposal would put in
force (the one recommended, or for a move up the ladder the one in force; 0 for
``autonomous``, which approves whatever the confidence):

- **labelled sample**: the pool holds at least ``minimum_labels`` decisions;
- **learn-then-test**: some threshold passed, and ``tau`` is at or above the lowest
  that did, so error <= alpha among automatic approvals holds with probability 1 - delta;
- **accuracy bound**: among the pool's decisions at or above ``tau`` (those that would
  be approved automatically), the lower end of the 95% Wilson interval of accuracy is at
  least 1 - alpha;
- **no drift alarm**: no drift monitor of the policy's use cases has an open alarm;
- **fairness**: for every segment attribute, that accuracy compared across its values
  (groups of at least ``minimum_group``) is not flagged by the four-fifths rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from pydantic import BaseModel

from signoff.core.learning.fairness import segment_gap
from signoff.core.learning.intervals import wilson
from signoff.core.learning.ladder_labels import LadderSample
from signoff.core.learning.threshold import ThresholdAdvice, thinned

SAMPLE = "labelled sample"
LEARN_THEN_TEST = "learn-then-test"
ACCURACY = "accuracy bound"
DRIFT = "no drift alarm"
FAIRNESS = "fairness"


class Gate(BaseModel):
    name: str
    passed: bool
    figures: str
    """The numbers behind the verdict, as one line a person reads."""


def _pct(x: float) -> str:
    return f"{x:.1%}"


def check_gates(
    samples: Sequence[LadderSample],
    advice: ThresholdAdvice,
    *,
    tau: float | None,
    minimum_labels: int,
    minimum_group: int,
    drift_alarms: Sequence[str],
) -> list[Gate]:
    """Every gate, in the order of the module's docstring; ``tau`` None when there is
    no threshold to judge (nothing passed Learn-then-Test)."""
    kept = {d.decision_id for d in thinned([s.decision for s in samples])}
    pool = [s for s in samples if s.decision.decision_id in kept]
    gates = [
        Gate(
            name=SAMPLE,
            passed=advice.pool >= minimum_labels,
            figures=f"{advice.pool} labelled decisions in the pool (of {advice.labelled});"
            f" at least {minimum_labels} needed",
        ),
        _learn_then_test(advice, tau),
    ]
    approved = [] if tau is None else [s for s in pool if s.decision.confidence >= tau]
    gates.append(_accuracy(approved, advice.alpha, tau))
    gates.append(
        Gate(
            name=DRIFT,
            passed=not drift_alarms,
            figures="no open drift alarm"
            if not drift_alarms
            else f"open drift alarms: {', '.join(drift_alarms)}",
        )
    )
    gates.append(_fairness(approved, minimum_group))
    return gates


def _learn_then_test(advice: ThresholdAdvice, tau: float | None) -> Gate:
    lowest = advice.threshold
    if lowest is None:
        figures = f"no threshold keeps the error <= {_pct(advice.alpha)} at delta {advice.delta}"
        return Gate(name=LEARN_THEN_TEST, passed=False, figures=figures)
    passed = tau is not None and tau >= lowest - 1e-9
    shown = "none" if tau is None else f"{tau:.2f}"
    return Gate(
        name=LEARN_THEN_TEST,
        passed=passed,
        figures=f"tau {shown} {'>=' if passed else '<'} {lowest:.2f}, the lowest that keeps"
        f" the error <= {_pct(advice.alpha)} with probability {1 - advice.delta:.0%}",
    )


def _accuracy(approved: Sequence[LadderSample], alpha: float, tau: float | None) -> Gate:
    right = sum(not s.decision.wrong for s in approved)
    rate = wilson(right, len(approved))
    need = 1 - alpha
    if rate.low is None or tau is None:
        figures = "no labelled decision would be approved automatically"
        return Gate(name=ACCURACY, passed=False, figures=figures)
    passed = rate.low >= need - 1e-9
    return Gate(
        name=ACCURACY,
        passed=passed,
        figures=f"accuracy from {tau:.2f} up {right}/{len(approved)} = {_pct(rate.value or 0)},"
        f" 95% Wilson lower bound {_pct(rate.low)} {'>=' if passed else '<'} {_pct(need)}"
        " (1 - alpha)",
    )


def _fairness(approved: Sequence[LadderSample], minimum_group: int) -> Gate:
    by_attribute: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for sample in approved:
        for attribute, value in sample.segment.items():
            by_attribute[attribute][value].append(not sample.decision.wrong)
    flagged, compared = [], []
    for attribute, values in sorted(by_attribute.items()):
        groups = {v: wilson(sum(rights), len(rights)) for v, rights in values.items()}
        gap = segment_gap(attribute, "accuracy", groups, minimum_group=minimum_group)
        if len(gap.compared) >= 2:
            compared.append(attribute)
        if gap.flagged:
            rates = ", ".join(f"{v} {_pct(groups[v].value or 0)}" for v in gap.compared)
            flagged.append(f"{attribute} ({rates}; ratio {gap.min_max_ratio:.2f} < 0.80)")
    if flagged:
        figures = "accuracy of automatic approvals flagged for " + "; ".join(flagged)
    elif compared:
        figures = f"no segment flagged (compared: {', '.join(compared)})"
    else:
        figures = f"no segment has two groups of at least {minimum_group} to compare"
    return Gate(name=FAIRNESS, passed=not flagged, figures=figures)
