"""Block Kit for an approval card, built with ``slack_sdk.models`` so Slack's limits are
checked by ``to_dict()`` before anything is sent.

Every button's value names the decision and the stage the card showed, so a click on an
out-of-date card can be refused rather than applied to a decision that has moved on. A
button whose action the policy wants a reason for, and which would not otherwise ask for
one, has its own action id (``signoff:approve_with_reason``): its click opens a modal.
"""

from __future__ import annotations

import json
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from signoff.bots.slack.modals import REASON_BUTTONS, REASON_SUFFIX, button_name
from signoff.core import messages
from signoff.core.card_view import BUTTON_KINDS, CardView
from signoff.core.models import ActionKind
from signoff.core.text import fit, utc_text

__all__ = ["ACTION_IDS", "MAX_BLOCKS", "approval_blocks", "button_value"]

MAX_BLOCKS = 50  # Slack's cap per message; slack_sdk does not check it.
MAX_LISTED = 10  # votes, sources or limitations shown before "+N more"
SECTION_CHARS = 3000
FIELD_CHARS = 2000
HEADER_CHARS = 150

ACTION_IDS: dict[str, str] = {
    **{kind.value: f"signoff:{kind.value}" for kind in BUTTON_KINDS},
    **{f"{kind}{REASON_SUFFIX}": f"signoff:{kind}{REASON_SUFFIX}" for kind in REASON_BUTTONS},
    "thumb_up": "signoff:thumb_up",
    "thumb_down": "signoff:thumb_down",
    "view_full": "signoff:view_full",
}
STYLES = {ActionKind.APPROVE: "primary", ActionKind.REJECT: "danger"}
VOTE_ICONS = {"approve": ":white_check_mark:", "reject": ":x:"}


def button_value(view: CardView) -> str:
    """What every button carries: the decision id and the stage its card showed."""
    return json.dumps({"d": view.decision_id, "s": view.stage_index}, separators=(",", ":"))


def approval_blocks(view: CardView) -> list[dict]:
    """The card as Block Kit dicts, validated by slack_sdk and at most 50 blocks."""
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=fit(view.title, HEADER_CHARS), emoji=False)),
        _context(
            f"*{_esc(view.badge)}*",
            f"`{_esc(view.decision_id)}` · {_esc(view.use_case)} · {_esc(view.subject)}"
            f" · requested by {_esc(view.requester)}",
        ),
        *_proposal(view),
        SectionBlock(fields=[fit(f, FIELD_CHARS) for f in _facts(view)]),
        *_rationale_and_sources(view),
        *_people(view),
        *_final(view),
        DividerBlock(),
        *_buttons(view),
    ]
    if len(blocks) > MAX_BLOCKS:
        dropped = len(blocks) - MAX_BLOCKS + 1
        blocks = [*blocks[: MAX_BLOCKS - 1], _context(messages.more(dropped))]
    return [block.to_dict() for block in blocks]


def _proposal(view: CardView) -> list[Block]:
    blocks: list[Block] = []
    if view.proposal_text is not None:
        accessory = (
            _button(messages.VIEW_FULL, ACTION_IDS["view_full"], view)
            if view.proposal_truncated
            else None
        )
        blocks.append(_section("*Proposal*", _esc(view.proposal_text), accessory=accessory))
    if view.payload_summary is not None:
        blocks.append(_section("*Details*", _esc(view.payload_summary)))
    return blocks


def _facts(view: CardView) -> list[str]:
    model = f"{view.model_name} {view.model_version}"
    facts = [
        f"*Confidence*\n{_esc(view.confidence_words)}",
        f"*Risk*\n{_esc(view.risk_tier)}",
        f"*Model*\n{_esc(model)}",
        f"*Prompt*\n{_esc(view.prompt_version or '-')}",
    ]
    if view.track_record is not None:
        facts.append(f"*Track record*\n{_esc(view.track_record)}")
    if view.stage is not None:
        stage = view.stage
        facts.append(f"*Stage*\n{stage.index + 1}/{stage.total} {_esc(stage.name)}")
    if view.deadline is not None:
        facts.append(f"*Deadline*\n{_date(view.deadline)}")
    return facts


def _rationale_and_sources(view: CardView) -> list[Block]:
    blocks: list[Block] = []
    if view.rationale:
        blocks.append(_section("*Why*", _esc(view.rationale)))
    links = [f"<{s.url}|{_esc(s.title)}>" if s.url else _esc(s.title) for s in view.sources]
    if links:
        blocks.append(_section("*Sources*", _listed(links)))
    if view.known_limitations:
        blocks.append(
            _section("*Known limitations*", _listed([_esc(x) for x in view.known_limitations]))
        )
    return blocks


def _people(view: CardView) -> list[Block]:
    blocks: list[Block] = []
    if view.stage is not None and view.outcome is None:
        asked = ", ".join(view.stage.asked) or "nobody"
        waiting = ", ".join(view.stage.waiting_on) or "nobody"
        blocks.append(_context(f"Asked: {_esc(asked)} · waiting on: {_esc(waiting)}"))
    lines = [
        f"{VOTE_ICONS.get(v.verdict, '')} {_esc(v.actor)}"
        f" {messages.VERDICT_WORDS.get(v.verdict, v.verdict)}"
        + (f": {_esc(v.reason)}" if v.reason else "")
        for v in view.votes
    ]
    if lines:
        blocks.append(_section("*Votes*", _listed(lines, bullet="")))
    if view.edit is not None and view.edit.text is not None:
        blocks.append(_section(f"*Edited by {_esc(view.edit.editor)}*", _esc(view.edit.text)))
    return blocks


def _final(view: CardView) -> list[Block]:
    outcome = view.outcome
    if outcome is None:
        return []
    who = f" by {_esc(', '.join(outcome.standing_on))}" if outcome.standing_on else ""
    text = f"*{_esc(outcome.words)}*{who} · {_date(outcome.decided_at)}"
    if outcome.reason:
        text += f"\n{_esc(outcome.reason)}"
    blocks: list[Block] = [_section(text)]
    fb = view.feedback
    blocks.append(
        _context(f":+1: {fb.thumbs_up} · :-1: {fb.thumbs_down} · corrections: {fb.corrections}")
    )
    return blocks


def _buttons(view: CardView) -> list[Block]:
    buttons: list[ButtonElement] = []
    for kind in view.actions:
        if kind is ActionKind.THUMB:
            buttons.append(_button(f":+1: {messages.THUMB_UP}", ACTION_IDS["thumb_up"], view))
            buttons.append(_button(f":-1: {messages.THUMB_DOWN}", ACTION_IDS["thumb_down"], view))
            continue
        label = messages.ACTION_LABELS[kind]
        if kind in view.manager_only:
            label += " (managers)"
        name = button_name(kind.value, reason_required=kind in view.reason_required)
        buttons.append(_button(label, ACTION_IDS[name], view, style=STYLES.get(kind)))
    return [ActionsBlock(elements=buttons)] if buttons else []


def _button(text: str, action_id: str, view: CardView, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=text, emoji=True),
        action_id=action_id,
        value=button_value(view),
        style=style,
    )


def _section(title: str, body: str = "", accessory: ButtonElement | None = None) -> SectionBlock:
    text = f"{title}\n{body}" if body else title
    return SectionBlock(text=MarkdownTextObject(text=fit(text, SECTION_CHARS)), accessory=accessory)


def _context(*texts: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=fit(t, FIELD_CHARS)) for t in texts])


def _listed(items: list[str], bullet: str = "• ") -> str:
    shown = [f"{bullet}{item}" for item in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        shown.append(messages.more(len(items) - MAX_LISTED))
    return "\n".join(shown)


def _esc(text: str) -> str:
    """User content must not become Slack markup (mentions, links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _date(moment: datetime) -> str:
    """Shown in each reader's own time zone; the fallback is UTC."""
    fallback = utc_text(moment)
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"
