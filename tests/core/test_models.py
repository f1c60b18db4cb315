"""What an application or a policy author is told when a model refuses their input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from signoff.core.models import (
    Action,
    DecisionRequest,
    Directory,
    FeedbackState,
    Principal,
    Proposal,
    Quorum,
    ReviewPolicy,
    RiskTier,
    Role,
    Stage,
    Status,
    Vote,
)
from tests.helpers.builders import (
    SUBMITTED_AT,
    make_action,
    make_outcome,
    make_policy,
    make_request,
    make_state,
)


def refused_fields(error: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {str(part) for e in error.value.errors() for part in e["loc"]}


# -- decision requests -------------------------------------------------------------------


@pytest.mark.parametrize("confidence", [1.2, -0.1])
def test_a_confidence_outside_zero_to_one_is_refused_naming_confidence(confidence: float) -> None:
    with pytest.raises(ValidationError) as caught:
        make_request(confidence=confidence)
    assert refused_fields(caught) == {"confidence"}


def test_a_confidence_of_exactly_zero_or_one_is_accepted() -> None:
    assert make_request(confidence=0.0).confidence == 0.0
    assert make_request(confidence=1.0).confidence == 1.0


def test_a_proposal_needs_text_or_a_payload() -> None:
    with pytest.raises(ValidationError, match="a proposal needs text, a payload, or both"):
        Proposal()


def test_a_proposal_of_only_a_structured_payload_is_accepted() -> None:
    proposal = Proposal(payload={"refund_eur": 40})
    assert proposal.text is None and proposal.payload == {"refund_eur": 40}


@pytest.mark.parametrize("number", [float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize("where", ["payload", "metadata"])
def test_a_number_json_cannot_carry_is_refused_in_a_payload_or_metadata(
    where: str, number: float
) -> None:
    """Found by fuzzing: it was accepted and came back from JSON as null, so the request
    Temporal holds differed from the one submitted."""
    free_form = {"amount": [1, {"rate": number}]}
    with pytest.raises(ValidationError, match="not a finite number"):
        if where == "payload":
            make_request(proposal=Proposal(payload=free_form))
        else:
            make_request(metadata=free_form)


def test_a_misspelt_request_field_is_refused_rather_than_ignored() -> None:
    with pytest.raises(ValidationError) as caught:
        make_request(confidance=0.9)
    assert "confidance" in refused_fields(caught)


def test_a_decision_id_with_spaces_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        make_request(id="refund 1042")
    assert refused_fields(caught) == {"id"}


def test_a_requester_id_with_whitespace_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        make_request(requester="refund bot")
    assert refused_fields(caught) == {"requester"}


def test_an_inline_policy_is_named_by_its_own_name() -> None:
    assert make_request(policy=make_policy(name="loans")).policy_name == "loans"
    assert make_request(policy="refunds").policy_name == "refunds"


def test_a_request_survives_a_round_trip_through_json() -> None:
    request = make_request(policy=make_policy(), segment={"region": "EU"}, flags=["pii"])
    assert DecisionRequest.model_validate_json(request.model_dump_json()) == request


def test_risk_tiers_are_ordered_from_low_to_critical() -> None:
    ranks = [t.rank for t in (RiskTier.LOW, RiskTier.MEDIUM, RiskTier.HIGH, RiskTier.CRITICAL)]
    assert ranks == sorted(ranks) and len(set(ranks)) == 4


# -- policies ----------------------------------------------------------------------------


def test_an_n_of_m_quorum_needs_n() -> None:
    with pytest.raises(ValidationError, match="quorum kind 'n_of_m' needs n"):
        Quorum(kind="n_of_m")


def test_a_first_response_quorum_takes_no_n() -> None:
    with pytest.raises(ValidationError, match="quorum kind 'first' takes no n"):
        Quorum(kind="first", n=2)


def test_an_n_of_m_quorum_needs_at_least_one_approval() -> None:
    with pytest.raises(ValidationError):
        Quorum(kind="n_of_m", n=0)


@pytest.mark.parametrize("reminder", ["4h", "5h"])
def test_a_reminder_at_or_after_the_sla_is_refused(reminder: str) -> None:
    with pytest.raises(ValidationError, match="every reminder must come before the sla"):
        Stage(name="leads", approvers=["alice"], reminders=["1h", reminder], sla="4h")


def test_a_reminder_of_zero_is_refused() -> None:
    with pytest.raises(ValidationError, match="reminders must be positive"):
        Stage(name="leads", approvers=["alice"], reminders=[0])


def test_a_zero_sla_is_refused() -> None:
    with pytest.raises(ValidationError, match="sla must be a positive duration"):
        Stage(name="leads", approvers=["alice"], sla=0)


def test_a_stage_needs_at_least_one_approver() -> None:
    with pytest.raises(ValidationError) as caught:
        Stage(name="leads", approvers=[])
    assert "approvers" in refused_fields(caught)


@pytest.mark.parametrize(
    ("written", "meaning"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("4h", timedelta(hours=4)),
        ("1.5h", timedelta(minutes=90)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("PT4H", timedelta(hours=4)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        (14400, timedelta(hours=4)),
    ],
)
def test_durations_are_written_the_way_people_write_them(
    written: object, meaning: timedelta
) -> None:
    assert Stage(name="leads", approvers=["alice"], sla=written).sla == meaning


def test_a_duration_in_words_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Stage(name="leads", approvers=["alice"], sla="4 hours")
    assert "sla" in refused_fields(caught)


@pytest.mark.parametrize("written", ["99999999999d", "9" * 400 + "s"])
def test_a_duration_too_long_for_a_clock_is_refused_naming_the_field(written: str) -> None:
    """Found by fuzzing: these escaped as OverflowError, which no caller expects."""
    with pytest.raises(ValidationError) as caught:
        Stage(name="leads", approvers=["alice"], sla=written)
    assert "sla" in refused_fields(caught)


def test_a_negative_expiry_is_refused() -> None:
    with pytest.raises(ValidationError):
        make_policy(expires_after=-3600)


def test_stage_names_must_be_unique() -> None:
    with pytest.raises(ValidationError, match="stage names must be unique"):
        make_policy(
            stages=[
                Stage(name="leads", approvers=["alice"]),
                Stage(name="leads", approvers=["dave"]),
            ]
        )


def test_a_policy_needs_at_least_one_stage() -> None:
    with pytest.raises(ValidationError) as caught:
        make_policy(stages=[])
    assert "stages" in refused_fields(caught)


def test_a_policy_name_with_spaces_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        make_policy(name="big refunds")
    assert refused_fields(caught) == {"name"}


def test_a_qa_sample_rate_above_one_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        make_policy(qa_sample_rate=1.5)
    assert refused_fields(caught) == {"qa_sample_rate"}


def test_a_new_policy_asks_reasons_for_reject_request_changes_and_override() -> None:
    policy = ReviewPolicy(name="plain", stages=[Stage(name="leads", approvers=["alice"])])
    assert [r.value for r in policy.reason_required] == ["reject", "request_changes", "override"]
    assert policy.autonomy == "suggest" and policy.separation_of_duties
    assert policy.overriders == ["role:manager"]


# -- actions -----------------------------------------------------------------------------


def test_an_edit_needs_edited_text_or_payload() -> None:
    with pytest.raises(ValidationError, match="needs 'edited_text' or 'edited_payload'"):
        make_action("edit", "alice")


def test_an_edit_of_only_the_payload_is_accepted() -> None:
    assert make_action("edit", "alice", edited_payload={"refund_eur": 30}).edited_text is None


def test_an_override_needs_a_verdict() -> None:
    with pytest.raises(ValidationError, match="a 'override' action needs 'verdict'"):
        make_action("override", "dave", reason="VIP customer")


def test_an_override_verdict_is_approve_or_reject() -> None:
    with pytest.raises(ValidationError) as caught:
        make_action("override", "dave", verdict="maybe", reason="unsure")
    assert "verdict" in refused_fields(caught)


def test_a_delegation_needs_a_target() -> None:
    with pytest.raises(ValidationError, match="a 'delegate' action needs 'delegate_to'"):
        make_action("delegate", "alice")


@pytest.mark.parametrize(
    ("kind", "field"),
    [("thumb", "thumb"), ("ground_truth", "label"), ("comment", "reason")],
)
def test_feedback_and_comments_need_their_content(kind: str, field: str) -> None:
    with pytest.raises(ValidationError, match=f"needs '{field}'"):
        make_action(kind, "carol")


def test_an_empty_comment_is_refused() -> None:
    with pytest.raises(ValidationError, match="needs 'reason'"):
        make_action("comment", "carol", reason="")


def test_an_unknown_action_kind_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Action(kind="veto", action_id="a1", actor="dave")
    assert "kind" in refused_fields(caught)


def test_a_card_cannot_claim_a_negative_stage() -> None:
    with pytest.raises(ValidationError) as caught:
        make_action("approve", "alice", seen_stage=-1)
    assert refused_fields(caught) == {"seen_stage"}


# -- the people directory ----------------------------------------------------------------


@pytest.fixture
def directory() -> Directory:
    return Directory(
        people=[
            Principal(id="alice", name="Alice", roles=[Role.APPROVER], groups=["leads"]),
            Principal(
                id="bob",
                name="Bob",
                email="Bob@Example.com",
                roles=[Role.APPROVER, Role.MANAGER],
                groups=["leads", "risk"],
                identities={"slack": "U024BE7LH"},
            ),
            Principal(id="carol", name="Carol", roles=[Role.MANAGER], groups=["risk"]),
            Principal(id="dave", name="Dave", roles=[Role.EXPERT]),
        ]
    )


def test_resolve_expands_groups_and_roles_in_order_without_repeats(directory: Directory) -> None:
    resolved = directory.resolve(["dave", "group:leads", "role:manager", "bob"])
    assert resolved == ["dave", "alice", "bob", "carol"]


def test_resolve_refuses_a_group_that_matches_nobody(directory: Directory) -> None:
    with pytest.raises(ValueError, match="'group:legal' matches nobody in the directory"):
        directory.resolve(["alice", "group:legal"])


def test_resolve_refuses_an_unknown_person(directory: Directory) -> None:
    with pytest.raises(ValueError, match="'zoe' matches nobody"):
        directory.resolve(["zoe"])


def test_resolve_refuses_a_role_nobody_holds(directory: Directory) -> None:
    with pytest.raises(ValueError, match="'role:auditor' matches nobody"):
        directory.resolve(["role:auditor"])


def test_a_directory_refuses_the_same_person_twice() -> None:
    with pytest.raises(ValidationError, match="principal id 'alice' appears twice"):
        Directory(people=[Principal(id="alice", name="Alice"), Principal(id="alice", name="A.")])


def test_a_person_is_found_by_chat_identity_and_by_email_in_any_case(
    directory: Directory,
) -> None:
    assert directory.by_identity("slack", "U024BE7LH").id == "bob"  # type: ignore[union-attr]
    assert directory.by_identity("teams", "U024BE7LH") is None
    assert directory.by_email(" bob@example.COM ").id == "bob"  # type: ignore[union-attr]


# -- state as people see it --------------------------------------------------------------


def test_only_a_pending_decision_is_not_final() -> None:
    assert [s for s in Status if not s.is_final] == [Status.PENDING]


def test_only_approvals_let_the_action_run() -> None:
    assert {s for s in Status if s.lets_action_run} == {
        Status.APPROVED,
        Status.APPROVED_WITH_EDITS,
        Status.AUTO_APPROVED,
    }


def test_a_stage_waits_on_everyone_asked_who_has_not_voted() -> None:
    state = make_state()
    assert state.stage is not None
    state.stage.votes.append(Vote(actor="alice", verdict="approve", at=SUBMITTED_AT))
    assert state.waiting_on == ["bob"]


def test_a_final_decision_waits_on_nobody() -> None:
    assert make_state(status=Status.APPROVED, outcome=make_outcome()).waiting_on == []


def test_the_outcome_says_how_long_the_decision_took() -> None:
    outcome = make_outcome(decided_at=SUBMITTED_AT + timedelta(minutes=12))
    assert outcome.seconds_to_decide == 720


def test_feedback_counts_thumbs_up_and_down() -> None:
    feedback = FeedbackState(thumbs={"alice": "up", "bob": "down", "carol": "up"})
    assert (feedback.thumbs_up, feedback.thumbs_down) == (2, 1)
