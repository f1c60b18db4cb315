"""Where a label of a decision comes from: one list for evaluation, export, the ladder's
gates and the store, so that every metric and every exported row can say which it used
and no two parts of Signoff name a source differently."""

from __future__ import annotations

from enum import StrEnum


class LabelSource(StrEnum):
    """Where a label of a decision comes from; nothing mixes them unsaid."""

    EXPERT = "expert"
    """Experts agreed (the policy's ``agreeing_experts``)."""
    ADJUDICATED = "adjudicated"
    """Experts disagreed and an adjudicator settled it."""
    APPLICATION_OUTCOME = "application_outcome"
    """The application reported what happened in the world
    (:class:`signoff.core.models.outcome_report.OutcomeReport`)."""
    THUMBS = "thumbs"
    """A person's thumb up or down on the decision."""
    CORRECTION = "correction"
    """A correction a person wrote after the outcome: a better output than the AI's."""
    HUMAN_DECISION = "human_decision"
    """What the reviewers decided (approved, rejected, ...), overrides included."""
