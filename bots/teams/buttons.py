"""A card's buttons: one click for approve, escalate and thumbs, a small form inside the
card for the actions that need words (reject, edit, request changes, delegate, override,
correction, and any the policy wants a reason for). Teams shows at most six buttons; the
rest go to the card's "…" menu."""

from __future__ import annotations

from collections.abc import Sequence

from signoff.bots.teams import teams_messages as words
from signoff.bots.teams.elements import Element, text
from signoff.bots.teams.execute import INPUTS, KINDS
from signoff.core import messages
from signoff.core.card_view import CardView
from signoff.core.models import ActionKind

__all__ = ["MAX_CHOICES", "buttons", "execute"]

MAX_CHOICES = 100  # people offered by the Delegate picker
REASON_CHARS = 5_000  # signoff.core.models.Action.reason's limit
EDIT_CHARS = 100_000  # signoff.core.models.Action.edited_text's limit

_PRIMARY = frozenset({"approve", "reject", "edit", "thumb_up", "thumb_down", "correction"})
_STYLES = {"approve": "positive", "reject": "destructive"}
_SUBMIT_STYLES = {"approve": "positive", "reject": "destructive", "edit": "positive"}
_THUMBS = (("thumb_up", f"👍 {messages.THUMB_UP}"), ("thumb_down", f"👎 {messages.THUMB_DOWN}"))


def buttons(
    view: CardView, actions: Sequence[ActionKind], people: Sequence[tuple[str, str]]
) -> list[Element]:
    drawn: list[tuple[str, Element]] = []
    for kind in dict.fromkeys(actions):  # a kind twice would repeat its input ids
        if kind is ActionKind.THUMB:
            drawn += [(verb, execute(verb, view, title=title)) for verb, title in _THUMBS]
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
            drawn.append((verb, _show_card(verb, label, view, people)))
        else:
            drawn.append((verb, execute(verb, view, title=label, style=_STYLES.get(verb))))
    return [b if verb in _PRIMARY else {**b, "mode": "secondary"} for verb, b in drawn]


def _has_form(verb: str, view: CardView) -> bool:
    """Whether the button unfolds a form: when its action cannot go without an input, or
    (approve, escalate) when the policy wants a reason for it."""
    fields = INPUTS.get(verb, {})
    return any(required for _, required in fields.values()) or (
        "reason" in fields and KINDS[verb] in view.reason_required
    )


def _show_card(verb: str, label: str, view: CardView, people: Sequence[tuple[str, str]]) -> Element:
    """A button that unfolds a small form whose own Execute button sends its inputs."""
    submit = execute(verb, view, title=words.SUBMIT[verb], style=_SUBMIT_STYLES.get(verb))
    card = {"type": "AdaptiveCard", "body": _form(verb, view, people), "actions": [submit]}
    action: Element = {"type": "Action.ShowCard", "title": label, "card": card}
    if verb in _STYLES:
        action["style"] = _STYLES[verb]
    return action


def _form(verb: str, view: CardView, people: Sequence[tuple[str, str]]) -> list[Element]:
    form: list[Element] = []
    if verb == "edit":
        if view.proposal_truncated:
            form.append(text(words.EDIT_CUT, color="warning", size="small"))
        form.append(_text_input(verb, "edited_text", messages.EDIT_LABEL, view.proposal_text))
    elif verb == "delegate":
        choices = [(name, principal) for principal, name in people[:MAX_CHOICES]]
        form.append(_choices(verb, "delegate_to", messages.DELEGATE_LABEL, choices, "compact"))
    elif verb == "override":
        verdicts = [(title, value) for value, title in messages.VERDICT_OPTIONS.items()]
        form.append(_choices(verb, "verdict", messages.VERDICT_LABEL, verdicts, "expanded"))
    return [*form, *_reason(verb, view)]


def _reason(verb: str, view: CardView) -> list[Element]:
    """The form's reason box: required when the action always needs one or the policy
    wants one; otherwise edit offers it and delegate leaves it out."""
    _, always = INPUTS[verb]["reason"]
    if always or KINDS[verb] in view.reason_required:
        return [_text_input(verb, "reason", messages.REASON_LABEL[verb], required=True)]
    if verb == "edit":
        return [_text_input(verb, "reason", messages.EDIT_REASON_LABEL)]
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
        element["errorMessage"] = messages.REQUIRED
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


def execute(
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
