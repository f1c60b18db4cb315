"""Where the truth about a decision comes from, kept apart, and what a label says about
the AI.

A label is a word about the decision (``fraud``, ``correct``, ``approve``...). It says the
AI was right when it is a word of agreement (:data:`RIGHT`), wrong when a word of refusal
(:data:`WRONG`), and otherwise right exactly when it equals the label the AI predicted
(``proposal.payload["label"]``, when the application sends one). Any other label is
unreadable: counted, never guessed.
"""

from __future__ import annotations

from pydantic import BaseModel

from signoff.core.models.label_source import LabelSource

SETTLED = (LabelSource.ADJUDICATED, LabelSource.EXPERT, LabelSource.APPLICATION_OUTCOME)
"""The sources that count as settled truth: independent of the reviewer being measured."""

RIGHT = frozenset(
    {"correct", "right", "approve", "approved", "accept", "accepted", "good", "yes", "true"}
)
WRONG = frozenset(
    {"incorrect", "wrong", "reject", "rejected", "deny", "denied", "bad", "no", "false"}
)


class Truth(BaseModel):
    """One decision's settled label, from one source."""

    label: str
    source: LabelSource


def ai_was_right(label: str, predicted: str | None) -> bool | None:
    """Whether ``label`` says the AI's proposal was right; None when it cannot say."""
    word = label.strip().lower()
    if predicted is not None and word == predicted.strip().lower():
        return True
    if word in RIGHT:
        return True
    if word in WRONG:
        return False
    if predicted is not None:
        return False
    return None


def settled(candidates: list[Truth]) -> Truth | None:
    """The most trusted of a decision's labels (an adjudicator beats consensus, which
    beats the application's outcome)."""
    ranked = [t for t in candidates if t.source in SETTLED]
    return min(ranked, key=lambda t: SETTLED.index(t.source), default=None)
