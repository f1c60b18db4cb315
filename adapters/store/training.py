"""Decisions and what people said about them, read for ``signoff export`` a page at a
time: decisions by keyset (submission time, id) with only the columns an export needs,
then each label source's judgements for the whole page in one query of its own.

A label source is one function here, ``(session, states) -> {decision_id: judgements}``,
listed in :data:`JUDGEMENT_SOURCES` under the names it gives its judgements. Application
outcomes (the ``outcomes`` table) plug in the same way: one function that reads the
page's outcomes and returns ``Kind.TRUTH`` (or ``Kind.VERDICT``) judgements backed by
their audit events' hashes, and its name in :data:`JUDGEMENT_SOURCES`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from signoff.adapters.store.feedback import CORRECTION, THUMB
from signoff.adapters.store.tables import (
    AuditEventRow,
    DecisionRow,
    FeedbackRow,
    GroundTruthRow,
    ReportedOutcomeRow,
)
from signoff.core.models import AuditKind, DecisionState, LabelSource, Status
from signoff.core.training.judgements import (
    PEOPLE_DECIDED,
    DecisionRecord,
    Judgement,
    Kind,
    outcome_judgements,
    shown_output,
)

PAGE = 500
"""Decisions read at a time: an export holds one page of states and judgements."""

Judged = dict[str, list[Judgement]]
JudgementSource = Callable[[AsyncSession, Sequence[DecisionState]], Awaitable[Judged]]


class TrainingFilters(TypedDict, total=False):
    use_case: str | None
    model_name: str | None
    model_version: str | None
    since: datetime | None
    until: datetime | None


async def _last_hashes(
    session: AsyncSession, decision_ids: Sequence[str], kinds: Sequence[AuditKind]
) -> dict[str, str]:
    """The hash of each decision's latest event of ``kinds``."""
    rows = await session.execute(
        select(AuditEventRow.decision_id, AuditEventRow.hash)
        .where(AuditEventRow.decision_id.in_(decision_ids))
        .where(AuditEventRow.kind.in_([k.value for k in kinds]))
        .order_by(AuditEventRow.decision_id, AuditEventRow.seq)
    )
    return {row.decision_id: row.hash for row in rows}  # the last of each wins


async def decision_judgements(session: AsyncSession, states: Sequence[DecisionState]) -> Judged:
    """What the reviewers' outcome says, backed by the event that finalized (or last
    overrode) it: the output they let go out, and whether the AI's own was right."""
    decided = [s for s in states if s.outcome is not None and s.status in PEOPLE_DECIDED]
    hashes = await _last_hashes(
        session, [s.decision_id for s in decided], (AuditKind.FINALIZED, AuditKind.OVERRIDDEN)
    )
    return {
        state.decision_id: outcome_judgements(state, hashes[state.decision_id])
        for state in decided
        if state.decision_id in hashes
    }


async def _feedback(
    session: AsyncSession, states: Sequence[DecisionState], kind: str
) -> Sequence[tuple[str, str | None, str, str]]:
    """(decision id, actor, value, backing event's hash) of the page's feedback rows."""
    rows = await session.execute(
        select(FeedbackRow.decision_id, FeedbackRow.actor, FeedbackRow.value, AuditEventRow.hash)
        .join(AuditEventRow, AuditEventRow.event_id == FeedbackRow.event_id)
        .where(FeedbackRow.decision_id.in_([s.decision_id for s in states]))
        .where(FeedbackRow.kind == kind)
        .order_by(FeedbackRow.decision_id, FeedbackRow.at, FeedbackRow.id)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def thumb_judgements(session: AsyncSession, states: Sequence[DecisionState]) -> Judged:
    """Each person's thumb on the output that went out (the AI's own when people turned
    it down: that is what they judged)."""
    by_id = {s.decision_id: s for s in states}
    judged: Judged = {}
    for decision_id, actor, value, event_hash in await _feedback(session, states, THUMB):
        judged.setdefault(decision_id, []).append(
            Judgement(
                source=LabelSource.THUMBS,
                kind=Kind.VERDICT,
                event_hash=event_hash,
                reviewers=(actor,) if actor else (),
                output=shown_output(by_id[decision_id]),
                good=value == "up",
            )
        )
    return judged


async def correction_judgements(session: AsyncSession, states: Sequence[DecisionState]) -> Judged:
    """Each correction people gave after the outcome: an output better than the AI's."""
    judged: Judged = {}
    for decision_id, actor, value, event_hash in await _feedback(session, states, CORRECTION):
        judged.setdefault(decision_id, []).append(
            Judgement(
                source=LabelSource.CORRECTION,
                kind=Kind.BETTER,
                event_hash=event_hash,
                reviewers=(actor,) if actor else (),
                output=value,
            )
        )
    return judged


async def truth_judgements(session: AsyncSession, states: Sequence[DecisionState]) -> Judged:
    """The experts' settled ground truth: ``expert`` when they agreed, ``adjudicated``
    when an adjudicator settled their disagreement."""
    ids = [s.decision_id for s in states]
    rows = await session.execute(
        select(
            GroundTruthRow.decision_id,
            GroundTruthRow.label,
            GroundTruthRow.method,
            GroundTruthRow.experts,
        ).where(GroundTruthRow.decision_id.in_(ids))
    )
    truths = list(rows)
    hashes = await _last_hashes(session, [t.decision_id for t in truths], (AuditKind.GROUND_TRUTH,))
    return {
        truth.decision_id: [
            Judgement(
                source=(
                    LabelSource.ADJUDICATED if truth.method == "adjudicated" else LabelSource.EXPERT
                ),
                kind=Kind.TRUTH,
                event_hash=hashes[truth.decision_id],
                reviewers=tuple(truth.experts),
                truth=truth.label,
            )
        ]
        for truth in truths
        if truth.decision_id in hashes
    }


async def application_judgements(session: AsyncSession, states: Sequence[DecisionState]) -> Judged:
    """What the application reported happened in the world, each report backed by its
    ``outcome_reported`` event: every report kept, in the order they happened."""
    rows = await session.execute(
        select(ReportedOutcomeRow.decision_id, ReportedOutcomeRow.label, AuditEventRow.hash)
        .join(AuditEventRow, AuditEventRow.event_id == ReportedOutcomeRow.event_id)
        .where(ReportedOutcomeRow.decision_id.in_([s.decision_id for s in states]))
        .order_by(ReportedOutcomeRow.decision_id, ReportedOutcomeRow.at)
    )
    judged: Judged = {}
    for decision_id, label, event_hash in rows:
        judged.setdefault(decision_id, []).append(
            Judgement(
                source=LabelSource.APPLICATION_OUTCOME,
                kind=Kind.TRUTH,
                event_hash=event_hash,
                reviewers=(),
                truth=label,
            )
        )
    return judged


JUDGEMENT_SOURCES: dict[LabelSource, JudgementSource] = {
    LabelSource.HUMAN_DECISION: decision_judgements,
    LabelSource.THUMBS: thumb_judgements,
    LabelSource.CORRECTION: correction_judgements,
    LabelSource.EXPERT: truth_judgements,
    LabelSource.ADJUDICATED: truth_judgements,
    LabelSource.APPLICATION_OUTCOME: application_judgements,
}
"""Every label source by name, with the function that reads its judgements (one
function may give several names: it is called once per page)."""


def _page(
    filters: TrainingFilters, after: tuple[datetime, str] | None, size: int
) -> Select[tuple[str, datetime, dict[str, Any]]]:
    stmt = select(DecisionRow.decision_id, DecisionRow.submitted_at, DecisionRow.state).where(
        DecisionRow.status != Status.PENDING.value
    )
    for name in ("use_case", "model_name", "model_version"):
        if (value := filters.get(name)) is not None:
            stmt = stmt.where(getattr(DecisionRow, name) == value)
    if (since := filters.get("since")) is not None:
        stmt = stmt.where(DecisionRow.submitted_at >= since)
    if (until := filters.get("until")) is not None:
        stmt = stmt.where(DecisionRow.submitted_at < until)
    if after is not None:
        at, decision_id = after
        stmt = stmt.where(
            or_(
                DecisionRow.submitted_at > at,
                and_(DecisionRow.submitted_at == at, DecisionRow.decision_id > decision_id),
            )
        )
    return stmt.order_by(DecisionRow.submitted_at, DecisionRow.decision_id).limit(size)


async def stream_records(
    session: AsyncSession,
    *,
    sources: frozenset[str],
    filters: TrainingFilters,
    page: int = PAGE,
) -> AsyncIterator[DecisionRecord]:
    """Every final decision matching ``filters``, oldest first, with the judgements of
    ``sources``; decisions without a model input come without judgements (nothing can
    be cut from them), so the caller can count them."""
    readers = list(dict.fromkeys(JUDGEMENT_SOURCES[name] for name in sources))
    after: tuple[datetime, str] | None = None
    while True:
        rows = (await session.execute(_page(filters, after, page))).all()
        if not rows:
            return
        states = [DecisionState.model_validate(row.state) for row in rows]
        with_input = [s for s in states if s.request.model_input is not None]
        judged: Judged = {}
        for read in readers:
            for decision_id, found in (await read(session, with_input)).items():
                judged.setdefault(decision_id, []).extend(found)
        for state in states:
            found = [j for j in judged.get(state.decision_id, []) if j.source in sources]
            yield DecisionRecord(state=state, judgements=found)
        after = (rows[-1].submitted_at, rows[-1].decision_id)
        # Each page's reads are done with: the session keeps no rows across pages.
        session.expunge_all()
