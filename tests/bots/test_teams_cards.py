"""Every Teams card the bot builds is an Adaptive Card 1.5 that Teams accepts, says what
the Slack card says, and every click on it reads back into what the person asked for."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from signoff.adapters.channels.console import render_card
from signoff.bots.teams.adaptive_card import MAX_REFRESH_USERS, approval_card
from signoff.bots.teams.execute import VERBS, Execute
from signoff.core.card_view import CardView, card_view
from signoff.core.messages import EDIT_REASON_LABEL, REASON_LABEL, REQUIRED
from signoff.core.models import (
    ActionKind,
    Edit,
    FeedbackState,
    HistoryEntry,
    Override,
    Source,
    Status,
    Vote,
)
from tests.helpers.adaptive_cards import assert_valid_card, card_errors, walk
from tests.helpers.builders import (
    SUBMITTED_AT,
    make_outcome,
    make_plan,
    make_policy,
    make_request,
    make_state,
)

FINAL = [s for s in Status if s.is_final]
PEOPLE = [("carol", "Carol Expert"), ("dave", "Dave Manager")]
PROPOSAL = "Refund 40 EUR: the parcel arrived damaged (photo attached)."
# A policy that wants a reason for approve, escalate, edit and delegate too.
REASONS_EVERYWHERE = make_plan(
    make_policy(reason_required=["approve", "escalate", "edit", "delegate", "reject"])
)


def build(view: CardView, **options: Any) -> dict[str, Any]:
    """The card, checked against the Adaptive Cards 1.5 schema before any test looks."""
    card = approval_card(view, **options)
    assert_valid_card(card)
    return card


def full_card(view: CardView, **options: Any) -> dict[str, Any]:
    """The card with every button the view allows, as the person allowed all of them sees it."""
    return build(view, actions=view.actions, people=PEOPLE, **options)


def final_state(status: Status, **overrides: Any):
    outcome = overrides.pop("outcome", None) or make_outcome(
        status=status, approved=status.lets_action_run
    )
    return make_state(status=status, outcome=outcome, **overrides)


def verb_of(action: dict[str, Any]) -> str:
    """What a top-level action does: its own verb, or the verb of its form's button."""
    if action["type"] == "Action.ShowCard":
        return action["card"]["actions"][0]["verb"]
    return action["verb"]


def shown(card: dict[str, Any]) -> list[str]:
    return [verb_of(a) for a in card.get("actions", []) if a.get("mode") != "secondary"]


def in_menu(card: dict[str, Any]) -> list[str]:
    return [verb_of(a) for a in card.get("actions", []) if a.get("mode") == "secondary"]


def show_card(card: dict[str, Any], verb: str) -> dict[str, Any]:
    (found,) = [a for a in card["actions"] if a["type"] == "Action.ShowCard" and verb_of(a) == verb]
    return found


def executes(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in walk(card) if n.get("type") == "Action.Execute"]


def inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in walk(card) if str(n.get("type", "")).startswith("Input.")]


def submit(card: dict[str, Any], verb: str, values: dict[str, str]) -> dict[str, Any]:
    """What Teams sends when someone fills in ``verb``'s form and presses its button: the
    button's ``data`` with every input of the form merged in (input id -> string)."""
    form = show_card(card, verb)["card"]
    ids = {i["id"] for i in inputs(form)}
    assert set(values) <= ids, f"{set(values) - ids} are not inputs of the {verb} form"
    (button,) = form["actions"]
    gathered = {i["id"]: i.get("value", "") for i in inputs(form)} | values
    return {"type": "Action.Execute", "verb": button["verb"], "data": button["data"] | gathered}


def click(verb: str, inputs: dict[str, str] | None = None) -> dict[str, Any]:
    """An invoke's action as Teams sends it, for decision ``x`` at its first stage."""
    return {"type": "Action.Execute", "verb": verb, "data": {"d": "x", "s": 0, **(inputs or {})}}


def text_of(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def markdown_texts(card: dict[str, Any]) -> str:
    """Everything Teams reads as markdown: TextBlock text, and fact titles and values."""
    parts = [n["text"] for n in walk(card) if n.get("type") == "TextBlock"]
    parts += [f"{f['title']} {f['value']}" for n in walk(card) for f in n.get("facts", [])]
    return "\n".join(parts)


# The schema check itself


def test_the_schema_check_rejects_broken_cards_so_it_cannot_silently_pass():
    good = approval_card(card_view(make_state()), actions=[ActionKind.APPROVE])
    assert card_errors(good) == []

    bad_size = {**good, "body": [{"type": "TextBlock", "text": "x", "size": "huge"}]}
    no_verb = {**good, "actions": [{"type": "Action.Execute", "data": {"d": "x"}}]}
    typo = {**good, "actions": [{"type": "Action.Execute", "verb": "approve", "titel": "x"}]}
    no_id = {**good, "body": [{"type": "Input.Text", "label": "Why?"}]}
    twice = {
        **good,
        "body": [{"type": "Input.Text", "id": "reason"}, {"type": "Input.Text", "id": "reason"}],
    }

    assert "body/0/size" in "\n".join(card_errors(bad_size))
    assert "no verb" in "\n".join(card_errors(no_verb))
    assert "'titel' was unexpected" in "\n".join(card_errors(typo))
    assert "'id' is a required property" in "\n".join(card_errors(no_id))
    assert "input ids repeat" in "\n".join(card_errors(twice))
    with pytest.raises(AssertionError, match="body/0/size"):
        assert_valid_card(bad_size)


# What the card shows


def test_a_pending_card_offers_approve_reject_and_edit_and_validates_against_the_1_5_schema():
    card = full_card(card_view(make_state()))

    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.5")
    assert shown(card) == ["approve", "reject", "edit"]
    assert in_menu(card) == ["request_changes", "escalate", "delegate", "override"]
    text = text_of(card)
    assert "AI suggestion — needs your sign-off" in text
    assert "Refund 40 EUR for order 1042" in text
    assert "medium (0.82)" in text
    assert "1/2 support leads" in text
    assert "support-assistant 2025-02" in text
    assert "Asked: alice, bob · waiting on: alice, bob" in text


def test_teams_never_has_to_hide_a_button_it_shows_at_most_six():
    for state in (make_state(), final_state(Status.APPROVED)):
        card = full_card(card_view(state))

        assert len(shown(card)) <= 6


def test_approve_is_positive_and_reject_destructive():
    card = full_card(card_view(make_state()))
    approve = next(a for a in card["actions"] if a["type"] == "Action.Execute")

    assert (approve["verb"], approve["style"]) == ("approve", "positive")
    reject = show_card(card, "reject")
    assert reject["style"] == "destructive"
    assert reject["card"]["actions"][0]["style"] == "destructive"


def test_the_deadline_is_shown_in_each_readers_own_time():
    card = full_card(card_view(make_state()))

    assert "{{DATE(2025-03-04T11:30:00Z, SHORT)}} {{TIME(2025-03-04T11:30:00Z)}}" in text_of(card)


def test_a_final_card_shows_no_deadline():
    state = final_state(Status.EXPIRED, expires_at=SUBMITTED_AT + timedelta(hours=1))

    assert "Deadline" not in text_of(full_card(card_view(state)))


def test_a_status_only_card_has_no_actions():
    card = build(card_view(make_state()))

    assert "actions" not in card
    assert executes(card) == []
    assert inputs(card) == []
    assert "refresh" not in card


@pytest.mark.parametrize("status", FINAL, ids=str)
def test_every_final_card_is_valid_says_the_outcome_and_offers_feedback(status: Status):
    card = full_card(card_view(final_state(status)))

    override = [] if status is Status.CANCELLED else ["override"]
    assert shown(card) == ["thumb_up", "thumb_down", "correction"]
    assert in_menu(card) == override
    (outcome,) = [n for n in card["body"] if n["type"] == "Container"]
    assert outcome["style"] in {"good", "attention", "warning", "accent", "emphasis"}
    assert "👍 0 · 👎 0 · corrections: 0" in text_of(outcome)


@pytest.mark.parametrize(
    ("status", "style"),
    [
        (Status.APPROVED, "good"),
        (Status.REJECTED, "attention"),
        (Status.EXPIRED, "warning"),
        (Status.OVERRIDDEN, "accent"),
    ],
    ids=str,
)
def test_the_outcome_is_coloured_by_how_it_ended(status: Status, style: str):
    card = build(card_view(final_state(status)))

    (outcome,) = [n for n in card["body"] if n["type"] == "Container"]
    assert outcome["style"] == style


def test_an_auto_approved_card_says_it_was_decided_automatically():
    outcome = make_outcome(status=Status.AUTO_APPROVED, decided_by=[])
    state = final_state(Status.AUTO_APPROVED, outcome=outcome, stage=None)

    card = build(card_view(state))

    assert card["body"][0]["text"] == "Decided automatically"
    assert "Approved automatically" in text_of(card)
    assert "Asked:" not in text_of(card)


def test_the_final_card_says_who_decided_when_and_shows_the_edit_and_feedback():
    outcome = make_outcome(
        status=Status.APPROVED_WITH_EDITS, final_text="Refund 30 EUR.", reason="photo is clear"
    )
    feedback = FeedbackState(
        thumbs={"bob": "up", "carol": "up", "dave": "down"},
        corrections=[HistoryEntry(at=SUBMITTED_AT, kind="correction", actor="erin")],
    )
    state = final_state(
        Status.APPROVED_WITH_EDITS,
        outcome=outcome,
        edit=Edit(actor="alice", text="Refund 30 EUR.", reason="half was fine", at=SUBMITTED_AT),
        feedback=feedback,
    )

    text = text_of(build(card_view(state)))

    assert '"Approved with edits"' in text and '" by alice"' in text
    assert "{{DATE(2025-03-04T09:42:00Z, SHORT)}}" in text
    assert "Edited by alice" in text and "half was fine" in text and "photo is clear" in text
    assert text.count("Refund 30 EUR.") == 1  # the final text is the edit: shown once
    assert "👍 2 · 👎 1 · corrections: 1" in text


def test_an_overridden_decision_is_marked_and_rests_on_the_overrider():
    override = Override(
        actor="dave",
        verdict="reject",
        reason="policy says no",
        at=SUBMITTED_AT,
        previous_status=Status.APPROVED,
    )
    outcome = make_outcome(status=Status.OVERRIDDEN, approved=False, overrides=[override])

    text = text_of(build(card_view(final_state(Status.OVERRIDDEN, outcome=outcome))))

    assert "This decision was overridden." in text
    assert '" by dave"' in text


def test_votes_so_far_show_who_said_what_and_why():
    stage = make_state().stage
    assert stage is not None
    stage.votes = [Vote(actor="alice", verdict="reject", reason="no photo", at=SUBMITTED_AT)]

    text = text_of(full_card(card_view(make_state(stage=stage))))

    assert '"❌ "' in text and '"alice"' in text and '" rejected: no photo"' in text
    assert "waiting on: bob" in text


def test_sources_are_links_and_limitations_are_listed():
    request = make_request(
        sources=[
            Source(title="Ticket [1042]", url="https://example.com/t/1042"),
            Source(title="Refund policy"),
        ],
        known_limitations=["cannot see the parcel"],
    )

    card = build(card_view(make_state(request=request)))

    assert "• [Ticket (1042)](https://example.com/t/1042)" in markdown_texts(card)
    assert "• Refund policy" in text_of(card)
    assert "cannot see the parcel" in text_of(card)


def test_ai_and_people_words_cannot_become_markdown():
    trick = "**urgent** [click here](https://evil.example)"
    request = make_request(title=trick, rationale=trick, proposal={"text": trick})

    card = build(card_view(make_state(request=request)))

    assert "evil.example" not in markdown_texts(card)
    runs = [n["text"] for n in walk(card) if n.get("type") == "TextRun"]
    assert runs.count(trick) == 3  # title, proposal and rationale, as plain text runs


def test_a_long_proposal_is_marked_shortened():
    request = make_request(proposal={"text": "word " * 400})

    card = full_card(card_view(make_state(request=request)))

    text = text_of(card)
    assert "…" in text
    assert "Shortened to fit the card: 599 of 2000 characters shown." in text
    assert "make sure the text is complete" in text_of(show_card(card, "edit"))


def test_a_long_proposal_approved_as_is_is_not_repeated_as_the_final_text():
    text = "word " * 400
    request = make_request(proposal={"text": text})
    outcome = make_outcome(final_text=text, original_text=text)

    card = build(card_view(final_state(Status.APPROVED, request=request, outcome=outcome)))

    assert "Final text" not in text_of(card)


def test_an_edit_overridden_to_reject_shows_no_final_text_on_the_card_or_the_console():
    """A rejected decision has nothing to run: the approved edit it replaced, or the
    proposal, is not its "final" text."""
    edited = "Refund 20 EUR instead: half the parcel arrived intact."
    override = Override(
        actor="dave",
        verdict="reject",
        reason="Fraud pattern.",
        at=datetime(2025, 3, 4, 12, tzinfo=UTC),
        previous_status=Status.APPROVED_WITH_EDITS,
    )
    outcome = make_outcome(
        status=Status.OVERRIDDEN, approved=False, final_text=edited, overrides=[override]
    )
    state = final_state(Status.OVERRIDDEN, outcome=outcome)

    assert edited not in text_of(build(card_view(state)))
    assert not any("final:" in line for line in render_card(state))


def test_a_full_text_view_still_shows_only_a_part_of_a_huge_proposal_but_edits_all_of_it():
    request = make_request(proposal={"text": "x" * 15_000})

    card = full_card(card_view(make_state(request=request), proposal_chars=20_000))

    (edit_text,) = [i for i in inputs(card) if i["id"] == "edit.text"]
    assert edit_text["value"] == "x" * 15_000
    assert "999 of 15000 characters shown" in text_of(card)


def test_a_notice_shows_on_top():
    card = full_card(card_view(make_state()), notice="This card is out of date.")

    top = card["body"][0]
    assert (top["type"], top["text"]) == ("TextBlock", "This card is out of date.")
    assert top["color"] in {"warning", "attention"}


def test_a_crowded_card_stays_valid_and_small():
    request = make_request(
        rationale="Because. " * 2000,
        sources=[Source(title=f"Ticket {i}", url=f"https://example.com/t/{i}") for i in range(50)],
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
    people = [(f"person{i}", f"Person {i}") for i in range(500)]

    view = card_view(make_state(request=request, stage=stage))

    card = build(view, actions=view.actions, people=people, refresh_user_ids=["aad"] * 100)

    assert "+40 more" in text_of(card)  # of the 50 sources, 10 are listed
    assert "+290 more" in text_of(card)  # of the 300 people asked
    # Teams refuses messages over about 28 KB (documented limits have ranged 28-100 KB).
    assert len(text_of(card).encode()) < 28_000


# Refresh


def test_refresh_names_at_most_60_teams_users_the_first_ones():
    ids = [f"aad-{i}" for i in range(75)]
    stage = make_state().stage
    assert stage is not None

    card = build(
        card_view(make_state(stage=stage.model_copy(update={"index": 1}))),
        refresh_user_ids=["aad-0", *ids],
    )

    refresh = card["refresh"]
    assert refresh["userIds"] == ids[:MAX_REFRESH_USERS]
    assert refresh["action"] == {
        "type": "Action.Execute",
        "verb": "refresh",
        "data": {"d": "refund-1042", "s": 1},
    }
    assert Execute.parse(refresh["action"]).kind is None


def test_every_action_carries_the_decision_and_the_stage_the_card_shows():
    stage = make_state().stage
    assert stage is not None
    stage = stage.model_copy(update={"index": 1, "name": "managers"})

    card = full_card(card_view(make_state(stage=stage)), refresh_user_ids=["aad-1"])

    verbs = {a["verb"] for a in executes(card)}
    assert verbs == {"approve", "reject", "edit", "request_changes", "delegate", "override"} | {
        "refresh"
    }
    for action in executes(card):
        assert action["data"] == {"d": "refund-1042", "s": 1}


# Reading clicks back


def test_the_verbs_are_the_card_actions_and_a_refresh():
    assert set(VERBS) == {
        "approve",
        "reject",
        "edit",
        "request_changes",
        "escalate",
        "delegate",
        "override",
        "thumb_up",
        "thumb_down",
        "correction",
        "refresh",
    }


def test_input_ids_are_unique_on_the_whole_card_and_name_their_form():
    card = full_card(card_view(make_state()))

    assert [i["id"] for i in inputs(card)] == [
        "reject.reason",
        "edit.text",
        "edit.reason",
        "request_changes.reason",
        "delegate.to",
        "override.verdict",
        "override.reason",
    ]


@pytest.mark.parametrize(
    ("verb", "values", "expected"),
    [
        ("reject", {"reject.reason": "  no photo \n"}, {"reason": "no photo"}),
        ("request_changes", {"request_changes.reason": "a photo"}, {"reason": "a photo"}),
        (
            "edit",
            {"edit.text": "Refund 30 EUR.", "edit.reason": "half"},
            {"edited_text": "Refund 30 EUR.", "reason": "half"},
        ),
        ("edit", {}, {"edited_text": PROPOSAL, "reason": None}),
        ("delegate", {"delegate.to": "carol"}, {"delegate_to": "carol"}),
        (
            "override",
            {"override.verdict": "reject", "override.reason": "policy"},
            {"verdict": "reject", "reason": "policy"},
        ),
    ],
    ids=["reject", "request_changes", "edit", "edit_as_prefilled", "delegate", "override"],
)
def test_each_form_round_trips_through_execute_parse(
    verb: str, values: dict[str, str], expected: dict[str, Any]
):
    card = full_card(card_view(make_state()))

    parsed = Execute.parse(submit(card, verb, values))

    assert (parsed.verb, parsed.decision_id, parsed.stage) == (verb, "refund-1042", 0)
    assert parsed.model_dump(include=set(expected)) == expected
    assert parsed.kind == ActionKind(verb)


def test_a_correction_round_trips_through_execute_parse():
    card = full_card(card_view(final_state(Status.APPROVED)))

    parsed = Execute.parse(submit(card, "correction", {"correction.reason": "30 EUR"}))

    assert (parsed.kind, parsed.reason, parsed.stage) == (ActionKind.CORRECTION, "30 EUR", 0)


def test_where_the_policy_wants_a_reason_approve_and_escalate_unfold_a_form_requiring_it():
    card = full_card(card_view(make_state(plan=REASONS_EVERYWHERE)))

    assert shown(card) == ["approve", "reject", "edit"]
    assert in_menu(card) == ["request_changes", "escalate", "delegate", "override"]
    approve = show_card(card, "approve")
    assert (approve["title"], approve["style"]) == ("Approve", "positive")
    (button,) = approve["card"]["actions"]
    assert (button["title"], button["style"]) == ("Approve", "positive")
    assert show_card(card, "escalate")["card"]["actions"][0]["title"] == "Escalate"
    reasons = {i["id"]: i for i in inputs(card) if i["id"].endswith(".reason")}
    for verb in ("approve", "escalate", "edit", "delegate"):
        box = reasons[f"{verb}.reason"]
        assert (box["label"], box["isRequired"]) == (REASON_LABEL[verb], True)
        assert box["errorMessage"] == REQUIRED


def test_a_reason_a_policy_wants_adds_inputs_whose_ids_stay_unique_on_the_card():
    card = full_card(card_view(make_state(plan=REASONS_EVERYWHERE)))

    assert [i["id"] for i in inputs(card)] == [
        "approve.reason",
        "reject.reason",
        "edit.text",
        "edit.reason",
        "request_changes.reason",
        "escalate.reason",
        "delegate.to",
        "delegate.reason",
        "override.verdict",
        "override.reason",
    ]


def test_without_a_policy_asking_the_edit_reason_is_optional_and_delegate_asks_none():
    card = full_card(card_view(make_state()))

    (edit_reason,) = [i for i in inputs(card) if i["id"] == "edit.reason"]
    assert (edit_reason["label"], edit_reason["isRequired"]) == (EDIT_REASON_LABEL, False)
    assert [i["id"] for i in inputs(show_card(card, "delegate"))] == ["delegate.to"]


@pytest.mark.parametrize(
    ("verb", "values"),
    [
        ("approve", {"approve.reason": " photo checked "}),
        ("escalate", {"escalate.reason": "photo checked"}),
        ("delegate", {"delegate.to": "carol", "delegate.reason": "photo checked"}),
        ("edit", {"edit.text": "Refund 30 EUR.", "edit.reason": "photo checked"}),
    ],
)
def test_a_reason_the_policy_wants_round_trips_through_execute_parse(
    verb: str, values: dict[str, str]
):
    card = full_card(card_view(make_state(plan=REASONS_EVERYWHERE)))

    parsed = Execute.parse(submit(card, verb, values))

    assert (parsed.kind, parsed.reason, parsed.stage) == (ActionKind(verb), "photo checked", 0)


@pytest.mark.parametrize("verb", ["approve", "escalate"])
def test_approve_or_escalate_reads_without_a_reason_leaving_the_policy_to_the_workflow(
    verb: str,
):
    parsed = Execute.parse(click(verb, {f"{verb}.reason": "  "}))

    assert (parsed.kind, parsed.reason) == (ActionKind(verb), None)


def test_the_delegate_picker_offers_the_people_given_and_is_left_out_without_them():
    view = card_view(make_state())

    picker = inputs(show_card(full_card(view), "delegate"))[0]
    without = build(view, actions=view.actions)

    assert picker["choices"] == [
        {"title": "Carol Expert", "value": "carol"},
        {"title": "Dave Manager", "value": "dave"},
    ]
    assert (picker["style"], picker["isRequired"]) == ("compact", True)
    assert "delegate" not in shown(without) + in_menu(without)


@pytest.mark.parametrize(
    ("verb", "kind", "thumb"),
    [
        ("approve", ActionKind.APPROVE, None),
        ("escalate", ActionKind.ESCALATE, None),
        ("thumb_up", ActionKind.THUMB, "up"),
        ("thumb_down", ActionKind.THUMB, "down"),
    ],
)
def test_a_direct_button_parses_to_its_action(verb: str, kind: ActionKind, thumb: str | None):
    state = final_state(Status.APPROVED) if thumb else make_state()
    card = full_card(card_view(state))
    (button,) = [a for a in executes(card) if a["verb"] == verb]

    parsed = Execute.parse(button)

    assert (parsed.kind, parsed.thumb, parsed.decision_id) == (kind, thumb, "refund-1042")


@pytest.mark.parametrize(
    ("action", "names"),
    [
        (click("launch"), "'launch'"),
        ({"type": "Action.Submit", "verb": "approve", "data": {"d": "x"}}, "Action.Submit"),
        ({"verb": "approve"}, "'data'"),
        ({"verb": "approve", "data": {"d": "  ", "s": 0}}, "'d'"),
        ({"verb": "approve", "data": {"d": "x", "s": "1"}}, "'s'"),
        ({"verb": "approve", "data": {"d": "x", "s": True}}, "'s'"),
        (click("reject"), "'reject.reason'"),
        (click("reject", {"reject.reason": " \n "}), "'reason'"),
        (click("request_changes"), "'request_changes.reason'"),
        (click("correction"), "'correction.reason'"),
        (click("edit", {"edit.reason": "why"}), "'edit.text'"),
        (click("delegate"), "'delegate.to'"),
        (click("override", {"override.reason": "r"}), "'override.verdict'"),
        (click("override", {"override.verdict": "approve"}), "'override.reason'"),
        (click("override", {"override.verdict": "maybe", "override.reason": "r"}), "'maybe'"),
    ],
)
def test_an_unreadable_click_is_refused_naming_the_field(action: dict[str, Any], names: str):
    with pytest.raises(ValueError, match=names.replace(".", r"\.")):
        Execute.parse(action)


def test_a_kind_without_a_button_is_refused():
    with pytest.raises(ValueError, match="comment"):
        approval_card(card_view(make_state()), actions=[ActionKind.COMMENT])


def test_asking_for_a_button_twice_draws_it_once():
    view = card_view(make_state())

    card = build(view, actions=[ActionKind.REJECT, ActionKind.REJECT, ActionKind.THUMB])

    assert shown(card) == ["reject", "thumb_up", "thumb_down"]


@pytest.mark.parametrize("action", ["0", 0, None, ["approve"]])
def test_an_invoke_whose_action_is_not_an_object_is_refused_in_a_sentence(action: Any) -> None:
    """Found by the Teams endpoint's fuzz spec: ``{"action": "0"}`` raised AttributeError,
    and the bot answered 501 instead of a refusal."""
    with pytest.raises(ValueError, match="not an object"):
        Execute.parse(action)
