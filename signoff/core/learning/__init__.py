"""The learning loop's statistics: pure, library-backed, and free of I/O.

numpy, scikit-learn, statsmodels and ``krippendorff`` are imported inside the functions
that use them, never at module level: the store imports :mod:`.facts` on every write,
and a worker (whose workflow sandbox must not load numpy) imports the store at start.
The modules of the autonomy ladder and the drift monitors (:mod:`.threshold`,
:mod:`.drift`) are not imported here at all: they load numpy and SciPy at once, and only
the code that recommends a threshold or runs a monitor imports them.
"""

from signoff.core.learning.agreement import Agreement, agreement
from signoff.core.learning.calibration import Calibration, calibration
from signoff.core.learning.edits import normalised_edit_distance
from signoff.core.learning.evaluate import CohortCounts, evaluation, risk_coverage
from signoff.core.learning.facts import DecisionFacts, facts_of
from signoff.core.learning.fairness import SegmentGap, segment_gap
from signoff.core.learning.intervals import NOT_ENOUGH_DATA, Rate, wilson
from signoff.core.learning.labels import LabelSource, Truth, ai_was_right, settled
from signoff.core.learning.latency import Percentiles, percentiles
from signoff.core.learning.results import Evaluation, EvaluationFilters

__all__ = [
    "NOT_ENOUGH_DATA",
    "Agreement",
    "Calibration",
    "CohortCounts",
    "DecisionFacts",
    "Evaluation",
    "EvaluationFilters",
    "LabelSource",
    "Percentiles",
    "Rate",
    "SegmentGap",
    "Truth",
    "agreement",
    "ai_was_right",
    "calibration",
    "evaluation",
    "facts_of",
    "normalised_edit_distance",
    "percentiles",
    "risk_coverage",
    "segment_gap",
    "settled",
    "wilson",
]
