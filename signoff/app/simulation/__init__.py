"""A simulator with injected truth, for Signoff's own specs and for engineers testing
their policies: a population of decisions whose truth is known (a miscalibrated model, a
segment it treats worse, a drift from a known day, reviewers and experts who slip at
known rates), driven through real decision workflows by scripted people, then the
evaluation and the drift statistics set beside what was injected.

Example::

    scenario = Scenario(decisions=200, overconfidence=0.15, drift=Drift(day=6, accuracy_drop=0.3))
    run = await Simulation(signoff, scenario, policy="refunds", requester="refund-bot").run()
    print((await report(store, run)).comparisons)

Experimental: the shape of :class:`Scenario` may grow.
"""

from signoff.app.simulation.comparisons import Comparison
from signoff.app.simulation.people import SimulationError
from signoff.app.simulation.population import SimulatedDecision, generate
from signoff.app.simulation.report import (
    SimulationReport,
    observed_stream,
    report,
    settled_report,
)
from signoff.app.simulation.runner import (
    DayEnd,
    DayHook,
    DaySpan,
    DecisionRecord,
    Simulation,
    SimulationRun,
)
from signoff.app.simulation.scenario import Drift, Scenario, SegmentBias
from signoff.app.simulation.watch import ConfidenceWatch, Observed, OverrideWatch

__all__ = [
    "Comparison",
    "ConfidenceWatch",
    "DayEnd",
    "DayHook",
    "DaySpan",
    "DecisionRecord",
    "Drift",
    "Observed",
    "OverrideWatch",
    "Scenario",
    "SegmentBias",
    "SimulatedDecision",
    "Simulation",
    "SimulationError",
    "SimulationReport",
    "SimulationRun",
    "generate",
    "observed_stream",
    "report",
    "settled_report",
]
