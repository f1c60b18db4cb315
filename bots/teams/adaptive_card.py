"""Adaptive Cards 1.5 for an approval, built from :class:`signoff.core.card_view.CardView`: the
body here, the buttons and their forms in :mod:`signoff.bots.teams.buttons`; what a click asks
for is read back by :mod:`signoff.bots.teams.execute`.

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

from signoff.bots.teams import teams_messages as words
from signoff.bots.teams.buttons import buttons, execute
from signoff.bots.teams.elements import Element, plain, run, text
from signoff.core import messages
from signoff.core.card_view import CardView, SourceView, VoteView
from signoff.core.models import ActionKind, Status
from signoff.core.text import fit

__all__ = ["MAX_REFRESH_USERS", "approval_card"]

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"  # the highest Teams renders; Action.Execute and refresh need 1.4+
MAX_REFRESH_USERS = 60  # Teams refreshes a card by itself for at most 60 users
MAX_LISTED = 10  # votes, sources, limitations or names shown before "+N more"
TEXT_CHARS = 2_000  # per free text, so a crowded card stays far below Teams' message limit
PROPOSAL_CHARS = 1_000  # a full-text view (made for the edit box) shows this much above
TITLE_CHARS = 200

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
        refresh_user_ids: Teams user MRIs (``29:…``, not AAD object ids) whose client
            fetches its own view of the card (the ``refresh`` verb); only the first 60
            are kept, Teams' limit.
        people: ``(principal id, display name)`` pairs the Delegate picker offers.
        notice: A line shown above everything else, e.g. why an action was refused.

    Raises:
        ValueError: ``actions`` holds a kind the card has no button for (comment, cancel,
            ground truth: those arrive through the API, not a card).
    """
    body = [
        *([text(notice, color="warning", weight="bolder")] if notice else []),
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
    drawn = buttons(view, actions, people)
    if drawn:
        card["actions"] = drawn
    users = list(dict.fromkeys(refresh_user_ids))[:MAX_REFRESH_USERS]
    if users:
        card["refresh"] = {"action": execute("refresh", view), "userIds": users}
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
        text(view.badge, weight="bolder", color=badge_color, size="small"),
        plain(run(fit(view.title, TITLE_CHARS), size="large", weight="bolder"), spacing="none"),
        plain(run(context, isSubtle=True, size="small"), spacing="none"),
    ]


def _proposal(view: CardView) -> list[Element]:
    items: list[Element] = []
    if view.proposal_text is not None:
        shown = fit(view.proposal_text, PROPOSAL_CHARS)
        items += [_heading(words.PROPOSAL), plain(shown)]
        if view.proposal_truncated or shown != view.proposal_text:
            cut = words.PROPOSAL_CUT.format(
                shown=len(shown.removesuffix("…")), total=view.proposal_length
            )
            items.append(text(cut, isSubtle=True, size="small", spacing="none"))
    if view.payload_summary is not None:
        items += [_heading(words.DETAILS), plain(fit(view.payload_summary, TEXT_CHARS))]
    return items


def _facts(view: CardView) -> list[Element]:
    facts = [
        (words.FACT_CONFIDENCE, view.confidence_words),
        (words.FACT_RISK, view.risk_tier),
        (words.FACT_MODEL, f"{view.model_name} {view.model_version}"),
        (words.FACT_PROMPT, view.prompt_version or "-"),
    ]
    if view.track_record is not None:
        facts.insert(1, (words.FACT_TRACK_RECORD, view.track_record))
    if view.stage is not None:
        stage = view.stage
        number = words.STAGE.format(number=stage.index + 1, total=stage.total, name=stage.name)
        facts.append((words.FACT_STAGE, number))
    items: list[Element] = [
        {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in facts]}
    ]
    if view.deadline is not None:
        items.append(text(f"**{words.DEADLINE}:** {_when(view.deadline)}", spacing="small"))
    return items


def _background(view: CardView) -> list[Element]:
    items: list[Element] = []
    if view.rationale:
        items += [_heading(words.WHY), plain(fit(view.rationale, TEXT_CHARS))]
    if view.sources:
        items += [_heading(words.SOURCES), *_listed([_source(s) for s in view.sources])]
    if view.known_limitations:
        limits = [plain(f"• {fit(x, TEXT_CHARS)}") for x in view.known_limitations]
        items += [_heading(words.LIMITATIONS), *_listed(limits)]
    return items


def _people(view: CardView) -> list[Element]:
    items: list[Element] = []
    if view.stage is not None and view.outcome is None:
        asked = words.ASKED.format(
            asked=_names(view.stage.asked), waiting=_names(view.stage.waiting_on)
        )
        items.append(plain(run(asked, isSubtle=True), spacing="medium"))
    if view.votes:
        items += [_heading(words.VOTES), *_listed([_vote(v) for v in view.votes])]
    edit = view.edit
    if edit is not None and edit.text is not None:
        title = words.EDITED_BY.format(editor=edit.editor)
        items += [plain(run(title, weight="bolder"), spacing="medium")]
        items.append(plain(fit(edit.text, TEXT_CHARS), spacing="none"))
        if edit.reason:
            items.append(plain(run(fit(edit.reason, TEXT_CHARS), isSubtle=True)))
    return items


def _final(view: CardView) -> list[Element]:
    outcome = view.outcome
    if outcome is None:
        return []
    who = words.DECIDED_BY.format(people=_names(outcome.standing_on)) if outcome.standing_on else ""
    items: list[Element] = [
        plain(run(outcome.words, weight="bolder", size="medium"), who),
        text(_when(outcome.decided_at), isSubtle=True, spacing="none"),
    ]
    if outcome.overridden:
        items.append(text(words.OVERRIDDEN, color="attention", weight="bolder"))
    if outcome.reason:
        items.append(plain(fit(outcome.reason, TEXT_CHARS)))
    if outcome.final_text and not _shown_above(outcome.final_text, view):
        items += [_heading(words.FINAL_TEXT), plain(fit(outcome.final_text, TEXT_CHARS))]
    fb = view.feedback
    feedback = words.FEEDBACK.format(
        up=fb.thumbs_up, down=fb.thumbs_down, corrections=fb.corrections
    )
    items.append(text(feedback, isSubtle=True, size="small"))
    style = _OUTCOME_STYLES.get(outcome.status, "emphasis")
    return [{"type": "Container", "style": style, "spacing": "medium", "items": items}]


def _shown_above(final: str, view: CardView) -> bool:
    """Whether the final text is the proposal (perhaps shortened) or the edit, already shown."""
    if view.edit is not None and final == view.edit.text:
        return True
    proposal = view.proposal_text or ""
    return final == proposal or (view.proposal_truncated and final.startswith(proposal[:-1]))


def _source(source: SourceView) -> Element:
    if source.url is None:
        return plain(f"• {source.title}", spacing="none")
    # Brackets in the title would end the link text early; the URL's parentheses likewise.
    title = source.title.replace("[", "(").replace("]", ")").replace("\\", "/")
    url = source.url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
    return text(f"• [{title}]({url})", spacing="none")


def _vote(vote: VoteView) -> Element:
    icon = words.VOTE_ICONS.get(vote.verdict, "•")
    verdict = messages.VERDICT_WORDS.get(vote.verdict, vote.verdict)
    tail = f" {verdict}" + (f": {fit(vote.reason, TEXT_CHARS // 4)}" if vote.reason else "")
    return plain(f"{icon} ", run(vote.actor, weight="bolder"), tail, spacing="none")


def _listed(items: list[Element]) -> list[Element]:
    shown = [{**item, "spacing": "none"} for item in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        more = messages.more(len(items) - MAX_LISTED)
        shown.append(text(more, isSubtle=True, size="small", spacing="none"))
    return shown


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED]) or words.NOBODY
    extra = len(names) - MAX_LISTED
    return f"{shown} {messages.more(extra)}" if extra > 0 else shown


def _heading(title: str) -> Element:
    return text(title, weight="bolder", spacing="medium")


def _when(moment: datetime) -> str:
    """Each reader sees their own local time: Adaptive Cards' DATE and TIME functions
    convert it on the device, given strict RFC 3339 with no spaces inside the braces."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    iso = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{{{{DATE({iso}, SHORT)}}}} {{{{TIME({iso})}}}}"
