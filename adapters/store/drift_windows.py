"""What the drift monitors read of a use case's decisions: a few columns of
``decision_facts``, streamed.

Cost. A window is one query selecting six narrow columns (no state document), fetched
:data:`PAGE` rows at a time through a server-side cursor, and each page's truth by the
:data:`~signoff.adapters.store.decision_facts.LABEL_READERS` (one ``IN`` query per
source). What is kept grows by 8 bytes per decision (the confidences, in an
``array('d')``, which the two-sample tests need whole) plus 9 per decision whose truth
arrived; everything else is counters. At 1,000,000 decisions in the reference window
that is an 8 MB array and 200 pages, where reading the facts as models would hold
hundreds of MB. The CUSUM's decisions (those with a person's verdict, decided since the
last run) are streamed in order and folded in as they come: constant memory.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from signoff.adapters.store.decision_facts import LABEL_READERS, LabelReader
from signoff.adapters.store.tables import DecisionFactsRow
from signoff.core.learning.labels import ai_was_right, settled

PAGE = 5000
_FACTS = DecisionFactsRow.__table__.c


@dataclass
class WindowData:
    """One window of a use case's decisions, as the monitors compare them."""

    confidences: array[float] = field(default_factory=lambda: array("d"))
    labels: Counter[str] = field(default_factory=Counter)
    """The AI's proposed labels (decisions whose proposal names one)."""
    outcomes: Counter[str] = field(default_factory=Counter)
    """Statuses of the decisions decided (still pending ones left out)."""
    departed: int = 0
    verdicts: int = 0
    """Decisions a person gave a verdict on, and of those, how many departed from the AI."""
    policies: Counter[str] = field(default_factory=Counter)
    promised: array[float] = field(default_factory=lambda: array("d"))
    correct: array[int] = field(default_factory=lambda: array("b"))
    """For decisions whose truth arrived: the confidence, and whether the AI was right."""

    @property
    def n(self) -> int:
        return len(self.confidences)


async def read_window(
    session: AsyncSession,
    truth_session: AsyncSession,
    *,
    use_case: str,
    since: datetime,
    until: datetime,
    readers: Sequence[LabelReader] = (),
) -> WindowData:
    """The decisions of ``use_case`` submitted in [since, until). ``truth_session``
    reads each page's truth while ``session`` holds the cursor."""
    readers = readers or LABEL_READERS
    window = WindowData()
    stmt = select(
        _FACTS.decision_id,
        _FACTS.confidence,
        _FACTS.predicted_label,
        _FACTS.status,
        _FACTS.human_accepted,
        _FACTS.policy_name,
    ).where(
        _FACTS.use_case == use_case,
        _FACTS.submitted_at >= since,
        _FACTS.submitted_at < until,
    )
    result = await session.stream(stmt.execution_options(yield_per=PAGE))
    async for page in result.partitions(PAGE):
        labelled: dict[str, tuple[float, str]] = {}
        for decision_id, confidence, label, status, accepted, policy in page:
            window.confidences.append(confidence)
            window.policies[policy] += 1
            if status != "pending":
                window.outcomes[status] += 1
            if accepted is not None:
                window.verdicts += 1
                window.departed += not accepted
            if label is not None:
                window.labels[label] += 1
                labelled[decision_id] = (confidence, label)
        if labelled:
            ids = list(labelled)
            found = [await reader(truth_session, ids) for reader in readers]
            for decision_id, (confidence, label) in labelled.items():
                truth = settled([f[decision_id] for f in found if decision_id in f])
                right = None if truth is None else ai_was_right(truth.label, label)
                if right is not None:
                    window.promised.append(confidence)
                    window.correct.append(right)
    return window


async def verdicts_between(
    session: AsyncSession, *, use_case: str, after: datetime | None, until: datetime
) -> AsyncIterator[tuple[datetime, list[bool]]]:
    """Pages of whether people departed from the AI, for decisions of ``use_case``
    decided in (after, until], in the order they were decided; with each page, the time
    of its last decision."""
    stmt = (
        select(_FACTS.decided_at, _FACTS.human_accepted)
        .where(
            _FACTS.use_case == use_case,
            _FACTS.human_accepted.is_not(None),
            _FACTS.decided_at <= until,
        )
        .order_by(_FACTS.decided_at, _FACTS.decision_id)
    )
    if after is not None:
        stmt = stmt.where(_FACTS.decided_at > after)
    result = await session.stream(stmt.execution_options(yield_per=PAGE))
    async for page in result.partitions(PAGE):
        yield page[-1].decided_at, [not accepted for _, accepted in page]
