"""``signoff eval`` over decisions driven through real workflows: a small population
whose every count can be worked out by hand, read back from the store's projection."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sklearn.metrics import cohen_kappa_score

from signoff.adapters.store import Store
from signoff.core.learning import NOT_ENOUGH_DATA, EvaluationFilters
from signoff.core.learning.results import CohortReport
from signoff.core.models import RiskTier
from tests.conftest import Harness, make_request
from tests.helpers.waiting import eventually

ORIGINAL = "Refund $120 to the customer's card."
EDITED = "Refund $90 to the customer's card."


async def _stored(live: Harness, store: Store, decision_id: str) -> None:
    """Wait until the store holds the decision as the workflow does now."""
    held = await live.signoff.state(decision_id)

    async def caught_up() -> bool:
        stored = await store.decision_state(decision_id)
        return stored is not None and stored.model_dump() == held.model_dump()

    await eventually(caught_up)


async def _population(live: Harness, store: Store, use_case: str) -> dict[str, str]:
    """Seven decisions: five reviewed (approved, edited, rejected, changes requested,
    approved then overridden), two approved automatically and sampled for QA."""

    async def submit(name: str, region: str, **fields: Any) -> str:
        request = make_request(
            "eval-loop",
            id=f"{use_case}-{name}",
            use_case=use_case,
            segment={"region": region},
            proposal={"text": ORIGINAL},
            **fields,
        )
        await live.signoff.submit(request)
        return request.id

    ids = {
        "approved": await submit("approved", "north", confidence=0.6),
        "edited": await submit("edited", "north", confidence=0.7),
        "rejected": await submit("rejected", "south", confidence=0.55),
        "changes": await submit("changes", "south", confidence=0.65),
        "overridden": await submit("overridden", "south", confidence=0.75),
        "auto_thumbed": await submit(
            "auto-thumbed", "north", confidence=0.95, risk_tier=RiskTier.LOW
        ),
        "auto_labelled": await submit(
            "auto-labelled", "north", confidence=0.9, risk_tier=RiskTier.LOW
        ),
    }
    act = live.signoff.perform
    await act(ids["approved"], "approve", "alice")
    await act(ids["edited"], "edit", "alice", edited_text=EDITED, reason="Partial refund")
    await act(ids["rejected"], "reject", "bob", reason="Not our carrier")
    await act(ids["changes"], "request_changes", "alice", reason="Offer store credit")
    await act(ids["overridden"], "approve", "alice")
    await act(ids["overridden"], "override", "dave", verdict="reject", reason="Chargeback filed")

    labels = {
        "approved": {"xena": "correct", "yuri": "correct"},
        "edited": {"xena": "incorrect", "yuri": "incorrect"},
        "rejected": {"xena": "correct", "yuri": "incorrect"},  # adjudicated below
        "overridden": {"xena": "incorrect", "zoe": "incorrect"},
        "auto_labelled": {"xena": "correct", "yuri": "correct"},
    }
    for name, by_expert in labels.items():
        for expert, label in by_expert.items():
            await act(ids[name], "ground_truth", expert, label=label)
    await act(ids["rejected"], "ground_truth", "erin", label="incorrect")
    await act(ids["approved"], "thumb", "alice", thumb="up")
    await act(ids["overridden"], "thumb", "bob", thumb="down")
    await act(ids["auto_thumbed"], "thumb", "alice", thumb="up")
    for decision_id in ids.values():
        await _stored(live, store, decision_id)
    return ids


@pytest.fixture
async def evaluated(live: Harness, store: Store) -> CohortReport:
    use_case = f"eval-{uuid.uuid4().hex[:8]}"
    await _population(live, store, use_case)
    since = datetime.now(UTC) - timedelta(hours=1)
    evaluation = await store.evaluate(
        EvaluationFilters(use_case=use_case, since=since, window=timedelta(days=1), minimum_group=3)
    )
    assert evaluation.decisions == 7
    [cohort] = evaluation.cohorts
    return cohort


def _counts(rate) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return rate.successes, rate.total


async def test_routing_counts_automatic_reviewed_and_qa_sampled_decisions(
    evaluated: CohortReport,
) -> None:
    routing = evaluated.metrics.routing
    assert evaluated.key.policy == "eval-loop"
    assert evaluated.key.policy_version.startswith("catalog:")
    assert (evaluated.key.model_version, evaluated.key.prompt_version) == ("2026-10", "v7")
    assert _counts(routing.automation_rate) == (2, 7)
    assert _counts(routing.review_rate) == (5, 7)
    assert _counts(routing.qa_sample_rate) == (2, 2)


async def test_people_vs_the_ai_counts_each_verdict_and_the_edit_size(
    evaluated: CohortReport,
) -> None:
    people = evaluated.metrics.people
    assert people.verdicts == 5
    assert _counts(people.approved_unchanged) == (1, 5)
    assert _counts(people.edit_rate) == (1, 5)
    assert _counts(people.rejection_rate) == (1, 5)
    assert _counts(people.changes_requested_rate) == (1, 5)
    assert _counts(people.override_rate) == (4, 5)
    assert _counts(people.manager_override_rate) == (1, 7)
    # "120" -> "90": one substitution and one deletion, over the longer string.
    assert people.edit_size.count == 1
    assert people.edit_size.p50 == pytest.approx(2 / len(ORIGINAL))


async def test_overrides_are_measured_against_settled_truth(evaluated: CohortReport) -> None:
    people = evaluated.metrics.people
    # Truth: approved right; edited, rejected (adjudicated) and overridden wrong.
    assert _counts(people.override_precision) == (3, 3)
    assert _counts(people.override_recall) == (3, 3)
    assert _counts(people.over_reliance) == (0, 3)
    assert _counts(people.under_reliance) == (0, 1)
    assert people.override_precision.label_source == "adjudicated, expert"


async def test_accuracy_and_qa_precision_say_which_labels_they_used(
    evaluated: CohortReport,
) -> None:
    quality = evaluated.metrics.quality
    assert _counts(quality.accuracy) == (2, 5)
    assert quality.accuracy.label_source == "adjudicated, expert"
    assert quality.accuracy.low is not None and quality.accuracy.low < 0.4 < quality.accuracy.high
    assert _counts(quality.qa_precision) == (2, 2)
    assert quality.qa_precision.label_source == "expert, thumbs"


async def test_five_labels_are_not_enough_to_report_calibration(evaluated: CohortReport) -> None:
    calibration = evaluated.metrics.calibration
    assert (calibration.count, calibration.ece, calibration.note) == (5, None, NOT_ENOUGH_DATA)


async def test_feedback_counts_thumbs_and_coverage(evaluated: CohortReport) -> None:
    feedback = evaluated.metrics.feedback
    assert _counts(feedback.thumbs_up_rate) == (2, 3)
    assert _counts(feedback.coverage) == (3, 7)


async def test_expert_agreement_and_each_reviewers_accuracy(evaluated: CohortReport) -> None:
    agreement = evaluated.agreement
    assert agreement.items == 5
    [pair] = [p for p in agreement.cohen if p.experts == ("xena", "yuri")]
    # xena c,i,c,c and yuri c,i,i,c: observed 3/4, by chance 3/4*2/4 + 1/4*2/4 = 1/2.
    assert pair.items == 4 and pair.kappa == pytest.approx(0.5)
    assert pair.kappa == pytest.approx(
        cohen_kappa_score(["c", "i", "c", "c"], ["c", "i", "i", "c"])
    )
    accuracy = {r.reviewer: _counts(r.accuracy) for r in evaluated.reviewers}
    # alice approved a right one, edited a wrong one and approved a wrong one;
    # bob rejected a wrong one.
    assert accuracy == {"alice": (2, 3), "bob": (1, 1)}


async def test_time_to_decision_covers_every_decided_decision(evaluated: CohortReport) -> None:
    timing = evaluated.metrics.timing
    assert timing.time_to_decision.count == 7
    assert (timing.waiting.count, timing.handling.count) == (5, 5)
    assert _counts(timing.sla_breaches) == (0, 5)
    assert _counts(timing.escalations) == (0, 5)
    assert timing.time_to_decision.p50 <= timing.time_to_decision.p99  # type: ignore[operator]


async def test_segments_compare_every_rate_and_flag_a_gap_under_four_fifths(
    evaluated: CohortReport,
) -> None:
    assert set(evaluated.segments["region"]) == {"north", "south"}
    gaps = {(g.attribute, g.metric): g for g in evaluated.fairness}
    automation = gaps[("region", "routing.automation_rate")]
    assert {k: _counts(v) for k, v in automation.groups.items()} == {
        "north": (2, 4),
        "south": (0, 3),
    }
    assert (automation.largest_gap, automation.min_max_ratio, automation.flagged) == (
        0.5,
        0.0,
        True,
    )
    review = gaps[("region", "routing.review_rate")]
    assert review.min_max_ratio == pytest.approx(0.5) and review.flagged
    assert len(evaluated.windows) == 1 and evaluated.windows[0].metrics.decisions == 7


async def test_an_application_outcome_is_settled_truth_where_experts_gave_none(
    live: Harness, store: Store
) -> None:
    """Reported after the decision, the application's outcome counts as ground truth and
    the metric names it; where experts settled a label too, theirs wins."""
    use_case = f"eval-{uuid.uuid4().hex[:8]}"

    async def decided(name: str, verdict: str, actor: str) -> str:
        request = make_request("eval-loop", id=f"{use_case}-{name}", use_case=use_case)
        await live.signoff.submit(request)
        await live.signoff.perform(request.id, verdict, actor, reason="Checked")
        return request.id

    kept = await decided("kept", "approve", "alice")
    charged_back = await decided("charged-back", "approve", "alice")
    disputed = await decided("disputed", "approve", "bob")
    world = datetime.now(UTC)
    await live.signoff.record_outcome(kept, "correct", "ledger", world)
    await live.signoff.record_outcome(charged_back, "incorrect", "chargebacks", world)
    await live.signoff.record_outcome(disputed, "correct", "ledger", world)
    for expert in ("xena", "yuri"):
        await live.signoff.perform(disputed, "ground_truth", expert, label="incorrect")
    for decision_id in (kept, charged_back, disputed):
        await _stored(live, store, decision_id)

    evaluation = await store.evaluate(
        EvaluationFilters(use_case=use_case, window=timedelta(days=1), minimum_group=1)
    )
    [cohort] = evaluation.cohorts
    accuracy = cohort.metrics.quality.accuracy
    assert _counts(accuracy) == (1, 3)
    assert accuracy.label_source == "application_outcome, expert"
