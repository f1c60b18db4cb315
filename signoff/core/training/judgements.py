"""What people (and, later, the world) said about one decision's output, each backed by
the audit event that records it: the raw material every export format is cut from.

A label source (:class:`signoff.core.models.LabelSource`) is one function in the store
(:data:`signoff.adapters.store.training.JUDGEMENT_SOURCES`) that reads a page of
decisions' judgements; the formats (:mod:`signoff.core.training.rows`) only ever see
:class:`Judgement` values, so a new source (application outcomes) needs nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum

from signoff.core.models import DecisionState, LabelSource, Status


class Kind(StrEnum):
    APPROVED = "approved"
    """``output`` went out with people's approval, as they left it (SFT's completion)."""
    VERDICT = "verdict"
    """``good`` says whether ``output`` was right (KTO's label)."""
    BETTER = "better"
    """``output`` is what the AI should have said instead of its own (DPO's chosen)."""
    TRUTH = "truth"
    """``truth`` is the settled answer for the decision (an evaluation set's label)."""


@dataclass(frozen=True)
class Judgement:
    source: LabelSource
    kind: Kind
    event_hash: str
    """The hash of the audit event that records this judgement (its chain link)."""
    reviewers: tuple[str, ...]
    output: str | None = None
    good: bool | None = None
    truth: str | None = None


@dataclass
class DecisionRecord:
    """One decision as an export reads it: its stored state and its judgements."""

    state: DecisionState
    judgements: list[Judgement] = field(default_factory=list)

    def of(self, kind: Kind, sources: frozenset[str]) -> list[Judgement]:
        """This record's judgements of ``kind`` from ``sources``, as the sources gave them."""
        return [j for j in self.judgements if j.kind is kind and j.source in sources]


def output_text(text: str | None, payload: dict[str, object] | None) -> str | None:
    """An output as a model writes it: its text, else its payload as JSON."""
    if text is not None:
        return text
    if payload is not None:
        return json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return None


PEOPLE_DECIDED = frozenset(
    {
        Status.APPROVED,
        Status.APPROVED_WITH_EDITS,
        Status.REJECTED,
        Status.CHANGES_REQUESTED,
        Status.OVERRIDDEN,
    }
)
"""Outcomes people gave: an automatic approval, an expiry or a cancellation says
nothing about the output."""


def outcome_judgements(state: DecisionState, event_hash: str) -> list[Judgement]:
    """What the reviewers' outcome says (``event_hash``: the event that finalized or
    last overrode it): whether the AI's own output was right, the output they let go
    out, and, when they rewrote it, that their rewrite is the better output."""
    outcome = state.outcome
    if outcome is None or state.status not in PEOPLE_DECIDED:
        return []
    proposal = state.request.proposal
    original = output_text(proposal.text, proposal.payload)
    final = output_text(outcome.final_text, outcome.final_payload) or original
    reviewers = tuple(outcome.standing_on)

    def judged(kind: Kind, output: str | None, good: bool | None = None) -> Judgement:
        return Judgement(
            LabelSource.HUMAN_DECISION, kind, event_hash, reviewers, output=output, good=good
        )

    found = [judged(Kind.VERDICT, original, outcome.approved and final == original)]
    if outcome.approved:
        found.append(judged(Kind.APPROVED, final))
        if final != original:
            found += [judged(Kind.VERDICT, final, True), judged(Kind.BETTER, final)]
    return found


def shown_output(state: DecisionState) -> str | None:
    """The output people saw in the end: what went out when they approved, else the
    AI's own (what they turned down)."""
    proposal = state.request.proposal
    original = output_text(proposal.text, proposal.payload)
    if state.outcome is not None and state.outcome.approved:
        return output_text(state.outcome.final_text, state.outcome.final_payload) or original
    return original
