"""Which decisions count as labelled for the autonomy ladder, and what says they were right.

Only labels that a random draw of traffic would give are unbiased: a decision people
reviewed (every one is), and an automatic approval the QA sample drew. A reviewed one is
labelled by settled truth where it exists, else by what the people decided (let the
proposal stand, or not); a QA-sampled automatic one by settled truth, else by the
thumbs of its QA reviewers. Automatic approvals the QA sample did not draw are left out
even when truth arrived for them: which of those get truth is not random.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from signoff.core.learning.facts import DecisionFacts
from signoff.core.learning.labels import Truth, ai_was_right
from signoff.core.learning.threshold import LabelledDecision
from signoff.core.models.label_source import LabelSource


class LadderSample(BaseModel):
    """One labelled decision, with what the ladder's gates compare it by."""

    model_config = ConfigDict(frozen=True)

    decision: LabelledDecision
    source: LabelSource
    segment: dict[str, str]
    use_case: str


def _label(facts: DecisionFacts, truth: Truth | None) -> tuple[bool, LabelSource] | None:
    """(whether the AI was right, the source that says so), or None: no usable label."""
    right = None if truth is None else ai_was_right(truth.label, facts.predicted_label)
    if right is not None and truth is not None:
        return right, truth.source
    if facts.route == "human":
        if facts.human_accepted is None:
            return None
        return facts.human_accepted, LabelSource.HUMAN_DECISION
    if facts.thumbs_up != facts.thumbs_down:
        return facts.thumbs_up > facts.thumbs_down, LabelSource.THUMBS
    return None


def ladder_sample(
    facts: DecisionFacts, truth: Truth | None, *, qa_sample_rate: float | None = None
) -> LadderSample | None:
    """``facts`` as a labelled decision, or None when it does not count (see the
    module's docstring). ``qa_sample_rate`` stands in for decisions recorded before
    their own rate was kept."""
    if facts.route != "human":
        if not facts.sampled_for_qa:
            return None
        chance = facts.qa_sample_rate if facts.qa_sample_rate is not None else qa_sample_rate
        if not chance:
            return None
    else:
        chance = 1.0
    label = _label(facts, truth)
    if label is None:
        return None
    right, source = label
    return LadderSample(
        decision=LabelledDecision(
            decision_id=facts.decision_id,
            confidence=facts.confidence,
            wrong=not right,
            labelled_with=chance,
        ),
        source=source,
        segment=dict(facts.segment or {}),
        use_case=facts.use_case,
    )
