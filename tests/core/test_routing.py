"""Routing: whether a person must sign a decision off, and why the requester is told so."""

from __future__ import annotations

import pytest

from signoff.core.models import AutoApproveRule, AutonomyLevel, ReviewPolicy, RiskTier
from signoff.core.policy import qa_sampled, route
from tests.helpers.builders import make_policy, make_request

AUTO_RULE = AutoApproveRule(min_confidence=0.9, max_risk=RiskTier.LOW, blocking_flags=["pii"])


def policy_for(autonomy: AutonomyLevel, **overrides: object) -> ReviewPolicy:
    return make_policy(autonomy=autonomy, auto_approve=AUTO_RULE, **overrides)


@pytest.mark.parametrize(
    ("autonomy", "mode"), [(AutonomyLevel.SUGGEST, "suggest"), (AutonomyLevel.SHADOW, "shadow")]
)
def test_suggest_and_shadow_always_ask_people_with_a_reason(
    autonomy: AutonomyLevel, mode: str
) -> None:
    confident = make_request(confidence=0.99, risk_tier=RiskTier.LOW)
    decided = route(confident, policy_for(autonomy, qa_sample_rate=1.0))
    assert decided.human and not decided.sampled_for_qa
    assert decided.reason.startswith(f"{mode} mode")


def test_auto_low_risk_approves_a_confident_low_risk_decision() -> None:
    decided = route(
        make_request(confidence=0.95, risk_tier=RiskTier.LOW),
        policy_for(AutonomyLevel.AUTO_LOW_RISK),
    )
    assert not decided.human
    assert decided.reason == "auto_low_risk policy 'refunds' allows automatic approval"


def test_auto_low_risk_approves_at_exactly_the_minimum_confidence() -> None:
    decided = route(
        make_request(confidence=0.9, risk_tier=RiskTier.LOW),
        policy_for(AutonomyLevel.AUTO_LOW_RISK),
    )
    assert not decided.human


def test_auto_low_risk_asks_people_below_the_minimum_confidence() -> None:
    decided = route(
        make_request(confidence=0.89, risk_tier=RiskTier.LOW),
        policy_for(AutonomyLevel.AUTO_LOW_RISK),
    )
    assert decided.human and decided.reason == "confidence 0.89 below 0.90"


def test_auto_low_risk_asks_people_above_the_maximum_risk() -> None:
    decided = route(
        make_request(confidence=0.99, risk_tier=RiskTier.MEDIUM),
        policy_for(AutonomyLevel.AUTO_LOW_RISK),
    )
    assert decided.human and decided.reason == "risk 'medium' above 'low'"


def test_auto_low_risk_approves_a_risk_equal_to_the_maximum() -> None:
    rule = AUTO_RULE.model_copy(update={"max_risk": RiskTier.HIGH})
    decided = route(
        make_request(confidence=0.99, risk_tier=RiskTier.HIGH),
        make_policy(autonomy=AutonomyLevel.AUTO_LOW_RISK, auto_approve=rule),
    )
    assert not decided.human


def test_autonomous_approves_even_an_unsure_critical_decision() -> None:
    decided = route(
        make_request(confidence=0.1, risk_tier=RiskTier.CRITICAL),
        policy_for(AutonomyLevel.AUTONOMOUS),
    )
    assert not decided.human


@pytest.mark.parametrize("autonomy", [AutonomyLevel.AUTONOMOUS, AutonomyLevel.AUTO_LOW_RISK])
def test_a_blocking_flag_sends_even_an_automatic_decision_to_people(
    autonomy: AutonomyLevel,
) -> None:
    flagged = make_request(confidence=0.99, risk_tier=RiskTier.LOW, flags=["pii", "new-customer"])
    decided = route(flagged, policy_for(autonomy))
    assert decided.human and decided.reason == "guardrail flag raised: pii"


def test_a_flag_the_policy_does_not_block_on_changes_nothing() -> None:
    flagged = make_request(confidence=0.99, risk_tier=RiskTier.LOW, flags=["new-customer"])
    assert not route(flagged, policy_for(AutonomyLevel.AUTONOMOUS)).human


def test_an_automatic_decision_is_marked_for_qa_exactly_when_its_id_is_sampled() -> None:
    policy = policy_for(AutonomyLevel.AUTONOMOUS, qa_sample_rate=0.5)
    for n in range(40):
        request = make_request(id=f"refund-{n}")
        assert route(request, policy).sampled_for_qa == qa_sampled(request.id, 0.5)


def test_a_decision_sent_to_people_is_never_sampled_for_qa() -> None:
    unsure = make_request(confidence=0.2)
    assert not route(
        unsure, policy_for(AutonomyLevel.AUTO_LOW_RISK, qa_sample_rate=1.0)
    ).sampled_for_qa


def test_qa_sampling_gives_the_same_answer_for_the_same_decision_every_time() -> None:
    ids = [f"refund-{n}" for n in range(200)]
    first = [qa_sampled(i, 0.3) for i in ids]
    assert [qa_sampled(i, 0.3) for i in ids] == first
    assert any(first) and not all(first)


def test_qa_sampling_takes_close_to_the_rate_over_ten_thousand_decisions() -> None:
    sampled = sum(qa_sampled(f"refund-{n}", 0.10) for n in range(10_000))
    assert 800 <= sampled <= 1_200


def test_a_qa_rate_of_zero_samples_nothing() -> None:
    assert not any(qa_sampled(f"refund-{n}", 0.0) for n in range(1_000))


def test_a_qa_rate_of_one_samples_everything() -> None:
    assert all(qa_sampled(f"refund-{n}", 1.0) for n in range(1_000))
