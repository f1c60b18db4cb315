"""Quorum: the vote at which a stage is settled, and which way."""

from __future__ import annotations

from typing import Literal

import pytest

from signoff.core.models import Quorum, StageState, Vote
from signoff.core.policy import required_approvals, stage_verdict
from tests.helpers.builders import SUBMITTED_AT

ASKED = ["alice", "bob", "carol"]


def stage_with(quorum: Quorum, *votes: tuple[str, Literal["approve", "reject"]]) -> StageState:
    return StageState(
        index=0,
        name="leads",
        asked=list(ASKED),
        quorum=quorum,
        votes=[Vote(actor=a, verdict=v, at=SUBMITTED_AT) for a, v in votes],
        started_at=SUBMITTED_AT,
    )


FIRST = Quorum(kind="first")
ALL = Quorum(kind="all")
TWO_OF_THREE = Quorum(kind="n_of_m", n=2)


def test_a_stage_nobody_answered_is_not_settled() -> None:
    for quorum in (FIRST, ALL, TWO_OF_THREE):
        assert stage_verdict(stage_with(quorum)) is None


@pytest.mark.parametrize("verdict", ["approve", "reject"])
def test_first_response_settles_on_the_first_vote(verdict: Literal["approve", "reject"]) -> None:
    assert stage_verdict(stage_with(FIRST, ("bob", verdict))) == verdict


def test_first_response_keeps_the_first_vote_whatever_follows() -> None:
    assert stage_verdict(stage_with(FIRST, ("bob", "approve"), ("alice", "reject"))) == "approve"


def test_all_rejects_on_any_reject() -> None:
    assert stage_verdict(stage_with(ALL, ("alice", "approve"), ("bob", "reject"))) == "reject"


def test_all_waits_while_anyone_has_not_approved() -> None:
    assert stage_verdict(stage_with(ALL, ("alice", "approve"), ("bob", "approve"))) is None


def test_all_approves_once_everyone_approved() -> None:
    votes = [(a, "approve") for a in ASKED]
    assert stage_verdict(stage_with(ALL, *votes)) == "approve"  # type: ignore[arg-type]


def test_n_of_m_waits_before_the_nth_approval() -> None:
    assert stage_verdict(stage_with(TWO_OF_THREE, ("alice", "approve"))) is None


def test_n_of_m_approves_exactly_at_the_nth_approval() -> None:
    settled = stage_with(TWO_OF_THREE, ("alice", "approve"), ("carol", "approve"))
    assert stage_verdict(settled) == "approve"


def test_n_of_m_waits_while_n_approvals_are_still_possible() -> None:
    assert stage_verdict(stage_with(TWO_OF_THREE, ("alice", "reject"), ("bob", "approve"))) is None


def test_n_of_m_rejects_once_n_approvals_became_impossible() -> None:
    settled = stage_with(TWO_OF_THREE, ("alice", "reject"), ("bob", "reject"))
    assert stage_verdict(settled) == "reject"


def test_n_larger_than_the_people_asked_is_capped_at_everyone() -> None:
    five = Quorum(kind="n_of_m", n=5)
    assert required_approvals(stage_with(five)) == 3
    votes = [(a, "approve") for a in ASKED]
    assert stage_verdict(stage_with(five, *votes)) == "approve"  # type: ignore[arg-type]


def test_required_approvals_per_quorum() -> None:
    assert [required_approvals(stage_with(q)) for q in (FIRST, ALL, TWO_OF_THREE)] == [1, 3, 2]
