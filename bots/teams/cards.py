"""Adaptive Cards 1.5 for an approval, built from :class:`signoff.view.CardView`; what
a click on one asks for is read back by :mod:`bots.teams.execute`.

Every ``Action.Execute`` carries ``{"d": decision id, "s": stage}``, the same short keys as
the Slack buttons, so a click on an out-of-date card is refused rather than applied to a
decision that has moved on. Teams renders markdown in ``TextBlock`` and ``Fact`` text, so
the AI's words and people's reasons go into ``RichTextBlock`` text runs, which are never
markdown: a proposal cannot put a link or a fake heading on the card.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bots.teams import messages as words
from bots.teams.execute import INPUTS, KINDS
from signoff import messages
from signoff.models import ActionKind, Status
from signoff.view import CardView, SourceView, VoteView

__all__ = ["MAX_REFRESH_USERS", "approval_card"]

Element = dict[str, Any]

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"  # the highest Teams renders; Action.Execute and refresh need 1.4+
MAX_REFRESH_USERS = 60  # Teams refreshes a card by itself for at most 60 users
MAX_LISTED = 10  # votes, sources, limitations or names shown before "+N more"
MAX_CHOICES = 100  # people offered by the Delegate picker
TEXT_CHARS = 2_000  # per free text, so a crowded card stays far below Teams' message limit
PROPOSAL_CHARS = 1_000  # a full-text view (made for the edit box) shows this much above
TITLE_CHARS = 200
REASON_CHARS = 5_000  # signoff.models.Action.reason's limit
EDIT_CHARS = 100_000  # signoff.models.Action.edited_text's limit

# Teams shows at most six buttons; the other actions go to the card's "…" menu.
_PRIMARY = frozenset({"approve", "reject", "edit", "thumb_up", "thumb_down", "correction"})
_STYLES = {"approve": "positive", "reject": "destructive"}
_SUBMIT_STYLES = {"approve": "positive", "reject": "destructive", "edit": "positive"}
_THUMBS = (("thumb_up", f"👍 {messages.THUMB_UP}"), ("thumb_down", f"👎 {messages.THUMB_DOWN}"))
_OUTCOME_STYLES: dict[Status, str] = {
    Status.APPROVED: "good",
    Status.APPROVED_WITH_EDITS: "good",
    Status.AUTO_APPROVED: "good",
    Status.REJECTED: "attention",
    Status.EXPIRED: "warning",
    Status.CHANGES_REQUESTED: "warning",
    Status.CANCELLED: "emphasis",
    Status.OVERRIDDEN: "accent",
}


def approval_card(
    view: CardView,
    *,
    actions: Sequence[ActionKind] = (),
    refresh_user_ids: Sequence[str] = (),
    people: Sequence[tuple[str, str]] = (),
    notice: str | None = None,
) -> dict[str, Any]:
    """The card for ``view`` as Adaptive Card 1.5 JSON, for Teams to render.

    Args:
        view: The decision as every channel shows it.
        actions: The buttons to show, in order; the caller decides them per viewer. Empty
            gives a status-only card. ``ActionKind.THUMB`` gives both thumbs. Delegate is
            left out when ``people`` is empty, since nobody could be picked.
        refresh_user_ids: Teams user ids whose client fetches its own view of the card
            (the ``refresh`` verb); only the first 60 are kept, Teams' limit.
        people: ``(principal id, display name)`` pairs the Delegate picker offers.
        notice: A line shown above everything else, e.g. why an action was refused.

    Raises:
        ValueError: ``actions`` holds a kind the card has no button for (comment, cancel,
            ground truth: those arrive through the API, not a card).
    """
    body = [
        *([_text(notice, color="warning", weight="bolder")] if notice else []),
        *_header(view),
        *_proposal(view),
        *_facts(view),
        *_background(view),
        *_people(view),
        *_final(view),
    ]
    card: dict[str, Any] = {
        "$schema": SCHEMA,
        "type": "AdaptiveCard",
        "version": VERSION,
        "fallbackText": words.FALLBACK.format(title=view.title, status=view.status_words),
        "body": body,
    }
    buttons = _buttons(view, actions, people)
    if buttons:
        card["actions"] = buttons
    users = list(dict.fromkeys(refresh_user_ids))[:MAX_REFRESH_USERS]
    if users:
        card["refresh"] = {"action": _execute("refresh", view), "userIds": users}
    return card


def _header(view: CardView) -> list[Element]:
    context = words.CONTEXT.format(
        decision_id=view.decision_id,
        use_case=view.use_case,
        subject=view.subject,
        requester=view.requester,
    )
    badge_color = "accent" if view.status is Status.PENDING else "default"
    return [
        _text(view.badge, weight="bolder", color=badge_color, size="small"),
        _plain(_run(_fit(view.title, TITLE_CHARS), size="large", weight="bolder"), spacing="none"),
        _plain(_run(context, isSubtle=True, size="small"), spacing="none"),
    ]


def _proposal(view: CardView) -> list[Element]:
    items: list[Element] = []
    if view.proposal_text is not None:
        shown = _fit(view.proposal_text, PROPOSAL_CHARS)
        items += [_heading(words.PROPOSAL), _plain(shown)]
        if view.proposal_truncated or shown != view.proposal_text:
            cut = words.PROPOSAL_CUT.format(
                shown=len(shown.removesuffix("…")), total=view.proposal_length
            )
            items.append(_text(cut, isSubtle=True, size="small", spacing="none"))
    if view.payload_summary is not None:
        items += [_heading(words.DETAILS), _plain(_fit(view.payload_summary, TEXT_CHARS))]
    return items


def _facts(view: CardView) -> list[Element]:
    facts = [
        (words.FACT_CONFIDENCE, view.confidence_words),
        (words.FACT_RISK, view.risk_tier),
        (words.FACT_MODEL, f"{view.model_name} {view.model_version}"),
        (words.FACT_PROMPT, view.prompt_version or "-"),
    ]
    if view.stage is not None:
        stage = view.stage
        number = words.STAGE.format(number=stage.index + 1, total=stage.total, name=stage.name)
        facts.append((words.FACT_STAGE, number))
    items: list[Element] = [
        {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in facts]}
    ]
    if view.deadline is not None:
        items.append(_text(f"**{words.DEADLINE}:** {_when(view.deadline)}", spacing="small"))
    return items


def _background(view: CardView) -> list[Element]:
    items: list[Element] = []
    if view.rationale:
        items += [_heading(words.WHY), _plain(_fit(view.rationale, TEXT_CHARS))]
    if view.sources:
        items += [_heading(words.SOURCES), *_listed([_source(s) for s in view.sources])]
    if view.known_limitations:
        limits = [_plain(f"• {_fit(x, TEXT_CHARS)}") for x in view.known_limitations]
        items += [_heading(words.LIMITATIONS), *_listed(limits)]
    return items


def _people(view: CardView) -> list[Element]:
    items: list[Element] = []
    if view.stage is not None and view.outcome is None:
        asked = words.ASKED.format(
            asked=_names(view.stage.asked), waiting=_names(view.stage.waiting_on)
        )
        items.append(_plain(_run(asked, isSubtle=True), spacing="medium"))
    if view.votes:
        items += [_heading(words.VOTES), *_listed([_vote(v) for v in view.votes])]
    edit = view.edit
    if edit is not None and edit.text is not None:
        title = words.EDITED_BY.format(editor=edit.editor)
        items += [_plain(_run(title, weight="bolder"), spacing="medium")]
        items.append(_plain(_fit(edit.text, TEXT_CHARS), spacing="none"))
        if edit.reason:
            items.append(_plain(_run(_fit(edit.reason, TEXT_CHARS), isSubtle=True)))
    return items


def _final(view: CardView) -> list[Element]:
    outcome = view.outcome
    if outcome is None:
        return []
    who = words.DECIDED_BY.format(people=_names(outcome.standing_on)) if outcome.standing_on else ""
    items: list[Element] = [
        _plain(_run(outcome.words, weight="bolder", size="medium"), who),
        _text(_when(outcome.decided_at), isSubtle=True, spacing="none"),
    ]
    if outcome.overridden:
        items.append(_text(words.OVERRIDDEN, color="attention", weight="bolder"))
    if outcome.reason:
        items.append(_plain(_fit(outcome.reason, TEXT_CHARS)))
    if outcome.final_text and not _shown_above(outcome.final_text, view):
        items += [_heading(words.FINAL_TEXT), _plain(_fit(outcome.final_text, TEXT_CHARS))]
    fb = view.feedback
    feedback = words.FEEDBACK.format(
        up=fb.thumbs_up, down=fb.thumbs_down, corrections=fb.corrections
    )
    items.append(_text(feedback, isSubtle=True, size="small"))
    style = _OUTCOME_STYLES.get(outcome.status, "emphasis")
    return [{"type": "Container", "style": style, "spacing": "medium", "items": items}]


def _shown_above(text: str, view: CardView) -> bool:
    """Whether the final text is the proposal (perhaps shortened) or the edit, already shown."""
    if view.edit is not None and text == view.edit.text:
        return True
    proposal = view.proposal_text or ""
    return text == proposal or (view.proposal_truncated and text.startswith(proposal[:-1]))


def _buttons(
    view: CardView, actions: Sequence[ActionKind], people: Sequence[tuple[str, str]]
) -> list[Element]:
    buttons: list[tuple[str, Element]] = []
    for kind in dict.fromkeys(actions):  # a kind twice would repeat its input ids
        if kind is ActionKind.THUMB:
            buttons += [(verb, _execute(verb, view, title=title)) for verb, title in _THUMBS]
            continue
        verb = kind.value
        if verb not in KINDS:
            raise ValueError(f"a Teams card has no button for '{verb}'")
        if kind is ActionKind.DELEGATE and not people:
            continue
        label = messages.ACTION_LABELS[kind]
        if kind in view.manager_only:
            label = words.MANAGERS_ONLY.format(label=label)
        if _has_form(verb, view):
            buttons.append((verb, _show_card(verb, label, view, people)))
        else:
            buttons.append((verb, _execute(verb, view, title=label, style=_STYLES.get(verb))))
    return [b if verb in _PRIMARY else {**b, "mode": "secondary"} for verb, b in buttons]


def _has_form(verb: str, view: CardView) -> bool:
    """Whether the button unfolds a form: when its action cannot go without an input, or
    (approve, escalate) when the policy wants a reason for it."""
    fields = INPUTS.get(verb, {})
    return any(required for _, required in fields.values()) or (
        "reason" in fields and KINDS[verb] in view.reason_required
    )


def _show_card(verb: str, label: str, view: CardView, people: Sequence[tuple[str, str]]) -> Element:
    """A button that unfolds a small form whose own Execute button sends its inputs."""
    submit = _execute(verb, view, title=words.SUBMIT[verb], style=_SUBMIT_STYLES.get(verb))
    card = {"type": "AdaptiveCard", "body": _form(verb, view, people), "actions": [submit]}
    action: Element = {"type": "Action.ShowCard", "title": label, "card": card}
    if verb in _STYLES:
        action["style"] = _STYLES[verb]
    return action


def _form(verb: str, view: CardView, people: Sequence[tuple[str, str]]) -> list[Element]:
    form: list[Element] = []
    if verb == "edit":
        if view.proposal_truncated:
            form.append(_text(words.EDIT_CUT, color="warning", size="small"))
        form.append(_text_input(verb, "edited_text", words.EDIT_LABEL, view.proposal_text))
    elif verb == "delegate":
        choices = [(name, principal) for principal, name in people[:MAX_CHOICES]]
        form.append(_choices(verb, "delegate_to", words.DELEGATE_LABEL, choices, "compact"))
    elif verb == "override":
        verdicts = [(title, value) for value, title in words.VERDICT_OPTIONS.items()]
        form.append(_choices(verb, "verdict", words.VERDICT_LABEL, verdicts, "expanded"))
    return [*form, *_reason(verb, view)]


def _reason(verb: str, view: CardView) -> list[Element]:
    """The form's reason box: required when the action always needs one or the policy
    wants one; otherwise edit offers it and delegate leaves it out."""
    _, always = INPUTS[verb]["reason"]
    if always or KINDS[verb] in view.reason_required:
        return [_text_input(verb, "reason", words.REASON_LABEL[verb], required=True)]
    if verb == "edit":
        return [_text_input(verb, "reason", words.EDIT_REASON_LABEL)]
    return []


def _text_input(
    verb: str, field: str, label: str, value: str | None = None, *, required: bool = False
) -> Element:
    """A text box; ``required`` makes Teams insist on it even where the click alone
    could go without it."""
    input_id, always = INPUTS[verb][field]
    required = required or always
    element: Element = {
        "type": "Input.Text",
        "id": input_id,
        "label": label,
        "isMultiline": True,
        "maxLength": EDIT_CHARS if field == "edited_text" else REASON_CHARS,
        "isRequired": required,
    }
    if required:
        element["errorMessage"] = words.REQUIRED
    if value:
        element["value"] = value
    return element


def _choices(
    verb: str, field: str, label: str, choices: list[tuple[str, str]], style: str
) -> Element:
    input_id, required = INPUTS[verb][field]
    element: Element = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "style": style,
        "isRequired": required,
        "errorMessage": words.REQUIRED_CHOICE,
        "choices": [{"title": title, "value": value} for title, value in choices],
    }
    if style == "compact":
        element["placeholder"] = words.DELEGATE_PLACEHOLDER
    return element


def _execute(
    verb: str, view: CardView, *, title: str | None = None, style: str | None = None
) -> Element:
    action: Element = {
        "type": "Action.Execute",
        "verb": verb,
        "data": {"d": view.decision_id, "s": view.stage_index},
    }
    if title is not None:
        action["title"] = title
    if style is not None:
        action["style"] = style
    return action


def _source(source: SourceView) -> Element:
    if source.url is None:
        return _plain(f"• {source.title}", spacing="none")
    # Brackets in the title would end the link text early; the URL's parentheses likewise.
    title = source.title.replace("[", "(").replace("]", ")").replace("\\", "/")
    url = source.url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
    return _text(f"• [{title}]({url})", spacing="none")


def _vote(vote: VoteView) -> Element:
    icon = words.VOTE_ICONS.get(vote.verdict, "•")
    verdict = messages.VERDICT_WORDS.get(vote.verdict, vote.verdict)
    tail = f" {verdict}" + (f": {_fit(vote.reason, TEXT_CHARS // 4)}" if vote.reason else "")
    return _plain(f"{icon} ", _run(vote.actor, weight="bolder"), tail, spacing="none")


def _listed(items: list[Element]) -> list[Element]:
    shown = [{**item, "spacing": "none"} for item in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        more = messages.more(len(items) - MAX_LISTED)
        shown.append(_text(more, isSubtle=True, size="small", spacing="none"))
    return shown


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED]) or words.NOBODY
    extra = len(names) - MAX_LISTED
    return f"{shown} {messages.more(extra)}" if extra > 0 else shown


def _heading(text: str) -> Element:
    return _text(text, weight="bolder", spacing="medium")


def _text(text: str, **props: Any) -> Element:
    """Our own words; markdown and the DATE/TIME functions work here."""
    return {"type": "TextBlock", "text": text, "wrap": True, **props}


def _plain(*inlines: str | Element, **props: Any) -> Element:
    """Words from the AI or from people, shown exactly as written (text runs are not
    markdown)."""
    runs = [_run(i) if isinstance(i, str) else i for i in inlines]
    return {"type": "RichTextBlock", "inlines": runs, **props}


def _run(text: str, **props: Any) -> Element:
    return {"type": "TextRun", "text": text, **props}


def _when(moment: datetime) -> str:
    """Each reader sees their own local time: Adaptive Cards' DATE and TIME functions
    convert it on the device, given strict RFC 3339 with no spaces inside the braces."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    iso = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{{{{DATE({iso}, SHORT)}}}} {{{{TIME({iso})}}}}"


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
