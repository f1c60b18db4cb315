"""Every Slack card the bot builds is one Slack accepts: valid Block Kit, at most 50 blocks;
and the modals behind its buttons ask for what the decision needs."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from signoff.bots.slack import MAX_BLOCKS, approval_blocks
from signoff.bots.slack.handlers import submission_errors
from signoff.bots.slack.modals import ModalContext, modal
from signoff.bots.slack.payloads import Submission
from signoff.core.card_view import card_view
from signoff.core.messages import EDIT_REASON_LABEL, REASON_LABEL, REQUIRED
from signoff.core.models import Edit, Source, Status, Vote
from tests.helpers.builders import (
    SUBMITTED_AT,
    make_outcome,
    make_plan,
    make_policy,
    make_request,
    make_state,
)

FINAL = [s for s in Status if s.is_final]
# A policy that wants a reason for every action a card offers.
REASONS_EVERYWHERE = make_plan(
    make_policy(reason_required=["approve", "escalate", "edit", "delegate", "reject"])
)


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        e["action_id"]: e
        for b in blocks
        for e in [*b.get("elements", []), b.get("accessory") or {}]
        if e.get("type") == "button"
    }


def text_of(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def assert_slack_accepts(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= MAX_BLOCKS
    for block in blocks:
        # Parsing back and serialising again runs slack_sdk's validators on what we send.
        parsed = Block.parse(block)
        assert parsed is not None
        assert parsed.to_dict() == block


def final_state(status: Status, **overrides: Any):
    outcome = make_outcome(status=status, approved=status.lets_action_run)
    return make_state(status=status, outcome=outcome, **overrides)


def crowded_state(status: Status = Status.PENDING):
    """A decision with far more votes, sources and limitations than a card can list."""
    request = make_request(
        proposal={"text": "Refund the customer. " * 500, "payload": {"amount": 40}},
        rationale="Because. " * 2000,
        sources=[
            Source(title=f"Ticket {i} <b>&", url=f"https://example.com/t/{i}") for i in range(50)
        ],
        known_limitations=[f"limitation {i}" for i in range(60)],
        title="T" * 500,
    )
    stage = make_state().stage
    assert stage is not None
    stage.asked = [f"person{i}" for i in range(300)]
    stage.votes = [
        Vote(actor=f"person{i}", verdict="reject", reason="no " * 400, at=SUBMITTED_AT)
        for i in range(200)
    ]
    edit = Edit(actor="alice", text="Refund 30 EUR. " * 900, at=SUBMITTED_AT)
    outcome = make_outcome(status=status, reason="why " * 1000) if status.is_final else None
    return make_state(request=request, stage=stage, edit=edit, status=status, outcome=outcome)


def test_a_pending_card_is_valid_block_kit():
    blocks = approval_blocks(card_view(make_state()))

    assert_slack_accepts(blocks)
    assert "AI suggestion — needs your sign-off" in text_of(blocks)
    assert "medium (0.82)" in text_of(blocks)


@pytest.mark.parametrize("status", FINAL, ids=str)
def test_every_final_card_is_valid_and_offers_feedback(status: Status):
    blocks = approval_blocks(card_view(final_state(status)))

    assert_slack_accepts(blocks)
    feedback = {"signoff:thumb_up", "signoff:thumb_down", "signoff:correction"}
    override = set() if status is Status.CANCELLED else {"signoff:override"}
    assert set(buttons(blocks)) == feedback | override


@pytest.mark.parametrize("status", [Status.PENDING, *FINAL], ids=str)
def test_a_crowded_card_stays_within_slack_limits(status: Status):
    blocks = approval_blocks(card_view(crowded_state(status), proposal_chars=5000))

    assert_slack_accepts(blocks)
    assert "+40 more" in text_of(blocks)  # of the 50 sources, 10 are listed


def test_user_content_cannot_become_slack_markup():
    request = make_request(title="<!channel> refund", rationale="<@U123> said so & more")

    blocks = approval_blocks(card_view(make_state(request=request)))

    assert "<@U123>" not in text_of(blocks)
    assert "&lt;@U123&gt; said so &amp; more" in text_of(blocks)


def test_the_final_card_says_who_decided_when_and_shows_the_edit():
    state = final_state(
        Status.APPROVED_WITH_EDITS,
        edit=Edit(actor="alice", text="Refund 30 EUR.", at=SUBMITTED_AT),
    )

    text = text_of(approval_blocks(card_view(state)))

    assert "*Approved with edits* by alice" in text
    assert "2025-03-04 09:42 UTC" in text
    assert "Edited by alice" in text and "Refund 30 EUR." in text


def test_approve_is_primary_and_reject_danger():
    found = buttons(approval_blocks(card_view(make_state())))

    assert found["signoff:approve"]["style"] == "primary"
    assert found["signoff:reject"]["style"] == "danger"
    assert "style" not in found["signoff:delegate"]
    assert set(found) == {
        "signoff:approve",
        "signoff:reject",
        "signoff:edit",
        "signoff:request_changes",
        "signoff:escalate",
        "signoff:delegate",
        "signoff:override",
    }


def test_button_values_carry_the_decision_and_the_stage_the_card_shows():
    stage = make_state().stage
    assert stage is not None
    stage = stage.model_copy(update={"index": 1, "name": "managers"})

    found = buttons(approval_blocks(card_view(make_state(stage=stage))))

    for button in found.values():
        assert json.loads(button["value"]) == {"d": "refund-1042", "s": 1}


def test_a_long_proposal_is_cut_with_a_view_full_button():
    request = make_request(proposal={"text": "word " * 400})

    blocks = approval_blocks(card_view(make_state(request=request)))

    assert "signoff:view_full" in buttons(blocks)
    assert "…" in text_of(blocks)


def test_a_short_proposal_has_no_view_full_button():
    blocks = approval_blocks(card_view(make_state()))

    assert "signoff:view_full" not in buttons(blocks)


def test_a_card_past_its_deadline_is_not_shown_a_deadline_once_final():
    state = final_state(Status.EXPIRED, expires_at=SUBMITTED_AT + timedelta(hours=1))

    assert "Deadline" not in text_of(approval_blocks(card_view(state)))


def test_blocks_beyond_the_cap_are_dropped_and_counted(monkeypatch: pytest.MonkeyPatch):
    whole = approval_blocks(card_view(make_state()))
    monkeypatch.setattr("signoff.bots.slack.blocks.MAX_BLOCKS", 5)

    blocks = approval_blocks(card_view(make_state()))

    assert len(blocks) == 5
    assert blocks[-1]["type"] == "context"
    assert f"+{len(whole) - 4} more" in text_of(blocks)


def test_where_the_policy_wants_a_reason_the_buttons_ask_for_it_before_acting():
    found = buttons(approval_blocks(card_view(make_state(plan=REASONS_EVERYWHERE))))

    assert set(found) == {
        "signoff:approve_with_reason",
        "signoff:reject",
        "signoff:edit_with_reason",
        "signoff:request_changes",
        "signoff:escalate_with_reason",
        "signoff:delegate_with_reason",
        "signoff:override",
    }
    approve = found["signoff:approve_with_reason"]
    assert (approve["text"]["text"], approve["style"]) == ("Approve", "primary")
    assert json.loads(approve["value"]) == {"d": "refund-1042", "s": 0}


# The modals behind the buttons


def opened(button: str, proposal_text: str | None = None) -> dict[str, Any]:
    """The modal a click on ``button`` opens, checked by slack_sdk's validators."""
    view = modal(
        ModalContext.of_button(button, "refund-1042", 0, "C1"), proposal_text=proposal_text
    )
    assert View(**view).to_dict() == view
    return view


def reason_box(view: dict[str, Any]) -> dict[str, Any] | None:
    return next((b for b in view["blocks"] if b["block_id"] == "reason"), None)


@pytest.mark.parametrize(
    ("button", "title"), [("approve_with_reason", "Approve"), ("escalate_with_reason", "Escalate")]
)
def test_approve_or_escalate_needing_a_reason_opens_a_modal_that_insists_on_one(
    button: str, title: str
):
    view = opened(button)

    kind = button.removesuffix("_with_reason")
    assert (view["callback_id"], view["title"]["text"]) == (f"signoff:{kind}", title)
    (box,) = view["blocks"]
    assert box["block_id"] == "reason" and not box["optional"]
    assert box["label"]["text"] == REASON_LABEL[kind]
    assert json.loads(view["private_metadata"]) == {
        "k": kind,
        "d": "refund-1042",
        "s": 0,
        "c": "C1",
        "r": 1,
    }


def test_the_edit_reason_is_optional_unless_the_policy_wants_one():
    plain = reason_box(opened("edit", proposal_text="Refund 40 EUR."))
    wanted = reason_box(opened("edit_with_reason", proposal_text="Refund 40 EUR."))

    assert plain is not None and plain["optional"]
    assert plain["label"]["text"] == EDIT_REASON_LABEL
    assert wanted is not None and not wanted["optional"]
    assert wanted["label"]["text"] == REASON_LABEL["edit"]


def test_the_delegate_modal_asks_for_a_reason_only_when_the_policy_wants_one():
    assert reason_box(opened("delegate")) is None
    wanted = reason_box(opened("delegate_with_reason"))

    assert wanted is not None and not wanted["optional"]
    assert wanted["label"]["text"] == REASON_LABEL["delegate"]


@pytest.mark.parametrize(
    ("button", "values", "errors"),
    [
        ("approve_with_reason", {}, {"reason": REQUIRED}),
        ("escalate_with_reason", {"reason": None}, {"reason": REQUIRED}),
        ("approve_with_reason", {"reason": "photo"}, {}),
        ("edit", {"text": "Refund 30 EUR."}, {}),
        ("edit_with_reason", {"text": "Refund 30 EUR."}, {"reason": REQUIRED}),
        ("delegate", {"delegate": "UBOB"}, {}),
        ("delegate_with_reason", {"delegate": "UBOB"}, {"reason": REQUIRED}),
    ],
)
def test_a_modal_submitted_without_a_reason_it_insists_on_says_so_in_the_modal(
    button: str, values: dict[str, str | None], errors: dict[str, str]
):
    context = ModalContext.load(opened(button)["private_metadata"])
    submitted = Submission(context=context, user="UALICE", action_id="V1", values=values)

    assert submission_errors(submitted) == errors
