"""The store's rows: typed SQLAlchemy 2.0 models.

Rows are kept apart from the pydantic schemas in :mod:`signoff.core.models`; the data modules
convert between them. The Alembic migrations in ``migrations/versions`` create exactly
these tables (a test compares the two).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from signoff.adapters.store.types import JsonDoc, JsonText, UtcDateTime

# Named constraints, so migrations on SQLite (batch mode) and PostgreSQL can refer to them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JsonDoc}


class DecisionRow(Base):
    """The latest known state of one decision, with the columns auditors filter on."""

    __tablename__ = "decisions"

    decision_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    use_case: Mapped[str] = mapped_column(String(500), index=True)
    subject: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(40), index=True)
    risk_tier: Mapped[str] = mapped_column(String(20))
    model_name: Mapped[str] = mapped_column(String(500))
    model_version: Mapped[str] = mapped_column(String(500), index=True)
    requester: Mapped[str] = mapped_column(String(200), index=True)
    stage_name: Mapped[str | None] = mapped_column(String(500))
    waiting_on: Mapped[list[str]] = mapped_column(JsonDoc)
    decided_by: Mapped[list[str]] = mapped_column(JsonDoc)
    overridden: Mapped[bool] = mapped_column(index=True)
    submitted_at: Mapped[datetime] = mapped_column(index=True)
    decided_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    # DecisionState.version: a late write of an older state must not replace a newer one.
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[dict[str, Any]]


class DecisionFactsRow(Base):
    """What evaluation reads of a decision (:mod:`signoff.core.learning.facts`), written
    with its ``decisions`` row so ``signoff eval`` never parses a state document."""

    __tablename__ = "decision_facts"
    __table_args__ = (
        Index("ix_decision_facts_use_case_submitted_at", "use_case", "submitted_at"),
        Index("ix_decision_facts_policy_submitted_at", "policy_name", "submitted_at"),
        Index("ix_decision_facts_track_record", "use_case", "model_version", "confidence"),
    )

    decision_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    use_case: Mapped[str] = mapped_column(String(500))
    model_name: Mapped[str] = mapped_column(String(500))
    model_version: Mapped[str] = mapped_column(String(500))
    prompt_version: Mapped[str] = mapped_column(String(500))
    policy_name: Mapped[str] = mapped_column(String(500))
    policy_version: Mapped[str] = mapped_column(String(100))
    risk_tier: Mapped[str] = mapped_column(String(20))
    segment: Mapped[dict[str, str]] = mapped_column(JsonDoc)
    confidence: Mapped[float] = mapped_column(Float)
    route: Mapped[str] = mapped_column(String(10))
    sampled_for_qa: Mapped[bool]
    status: Mapped[str] = mapped_column(String(40))
    human_accepted: Mapped[bool | None]
    human_status: Mapped[str | None] = mapped_column(String(40))
    overridden: Mapped[bool]
    edit_distance: Mapped[float | None] = mapped_column(Float)
    predicted_label: Mapped[str | None] = mapped_column(String(500))
    submitted_at: Mapped[datetime] = mapped_column(index=True)
    first_action_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    escalations: Mapped[int] = mapped_column(Integer)
    sla_breaches: Mapped[int] = mapped_column(Integer)
    thumbs_up: Mapped[int] = mapped_column(Integer)
    thumbs_down: Mapped[int] = mapped_column(Integer)
    corrections: Mapped[int] = mapped_column(Integer)
    expert_labels: Mapped[dict[str, str]] = mapped_column(JsonDoc)
    votes: Mapped[list[list[str]]] = mapped_column(JsonDoc)
    qa_sample_rate: Mapped[float | None] = mapped_column(Float)
    flags: Mapped[list[str] | None] = mapped_column(JsonDoc)


class AuditEventRow(Base):
    """One sealed event. Rows are only ever inserted."""

    __tablename__ = "audit_events"
    # The unique (decision_id, seq) index also serves lookups by decision; (actor, at)
    # serves an actor's events in time order a page at a time (and lookups by actor).
    __table_args__ = (
        UniqueConstraint("decision_id", "seq"),
        Index("ix_audit_events_actor_at", "actor", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(300), unique=True)
    decision_id: Mapped[str] = mapped_column(String(200))
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40), index=True)
    actor: Mapped[str | None] = mapped_column(String(200))
    stage: Mapped[int | None]
    at: Mapped[datetime] = mapped_column(index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JsonText)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """The last event of each chain, written with it: without this anchor, deleting the
    newest events of a decision would leave a shorter chain that still verifies."""

    __tablename__ = "audit_heads"

    decision_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    seq: Mapped[int]
    event_id: Mapped[str] = mapped_column(String(300))
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpointRow(Base):
    """A chain head signed with the audit key when it was written (one per write that
    moved the head); see :mod:`signoff.core.models.checkpoint` for why."""

    __tablename__ = "audit_checkpoints"

    decision_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(200))


class FeedbackRow(Base):
    """A thumb (``key`` is the actor: one per person, changeable) or a correction
    (``key`` is the event id: every correction kept once)."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("decision_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    decision_id: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(300))
    actor: Mapped[str | None] = mapped_column(String(200), index=True)
    value: Mapped[str] = mapped_column(Text)
    event_id: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime]


class GroundTruthRow(Base):
    __tablename__ = "ground_truth"

    decision_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    label: Mapped[str] = mapped_column(String(500))
    method: Mapped[str] = mapped_column(String(40))
    experts: Mapped[list[str]] = mapped_column(JsonDoc)
    at: Mapped[datetime]


class ReportedOutcomeRow(Base):
    """A real-world outcome the application reported (migration 0008), projected from
    its ``outcome_reported`` audit event: kept apart from experts' ``ground_truth``, and
    every report kept (different sources may disagree; evaluation chooses)."""

    __tablename__ = "reported_outcomes"
    __table_args__ = (Index("ix_reported_outcomes_decision_id_happened_at", "decision_id", "at"),)

    event_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    decision_id: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(200), index=True)
    key: Mapped[str] = mapped_column(String(100))
    # When it happened in the world, and when the audit chain recorded it.
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    reported_by: Mapped[str | None] = mapped_column(String(200))


class CardRow(Base):
    """A posted chat card, remembered so it can be redrawn when the decision moves on.

    ``recipient`` is ``""`` for a card in a shared destination: NULLs never collide in a
    unique constraint, so a NULL would let the same shared card be stored twice.
    """

    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("decision_id", "channel", "recipient"),
        Index("ix_cards_channel_message_id", "channel", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    decision_id: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(100))
    recipient: Mapped[str] = mapped_column(String(200))
    ref: Mapped[dict[str, Any]]
    message_id: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime]


class ConversationRow(Base):
    """Where a bot may post: a chat platform's conversation reference, by a key of the
    bot's choosing (Teams: ``user:<AAD object id>`` or ``conversation:<id>``; and
    ``member:<AAD object id>`` for a person's Teams user MRI, which cards refresh for)."""

    __tablename__ = "chat_conversations"

    channel: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    reference: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class CardJobRow(Base):
    """A decision whose cards must be drawn up to ``wanted_version``: written with the
    audit events that changed it, so a card outbox survives any crash; a worker leases
    it while drawing, and a failed draw waits until ``next_attempt_at``."""

    __tablename__ = "card_jobs"

    decision_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    # The workers that draw them: those of the decision's task queue, with its channels.
    task_queue: Mapped[str] = mapped_column(String(200), index=True)
    wanted_version: Mapped[int] = mapped_column(Integer)
    drawn_version: Mapped[int] = mapped_column(Integer)
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]
    # The W3C trace context of the write that last asked for cards (migration 0007).
    trace: Mapped[dict[str, str] | None] = mapped_column(JsonText)


class CardNoticeRow(Base):
    """A notice (reminder, escalation, ...) to send beside a decision's cards, kept until
    it is sent; ``notice_id`` makes a retried audit write add it once."""

    __tablename__ = "card_notices"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    notice_id: Mapped[str] = mapped_column(String(300), unique=True)
    decision_id: Mapped[str] = mapped_column(String(200), index=True)
    notice: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class ApiKeyRow(Base):
    """An application's API key for ``signoff serve``. The token's secret is never
    stored, only its SHA-256 (see :mod:`signoff.adapters.store.api_keys` for why that
    hash is enough); a revoked key keeps its row, so lists and audits can still name it."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    app: Mapped[str] = mapped_column(String(100))
    secret_hash: Mapped[str] = mapped_column(String(64))
    use_cases: Mapped[list[str]] = mapped_column(JsonDoc)
    scopes: Mapped[list[str]] = mapped_column(JsonDoc)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class PolicyRoutingRow(Base):
    """One routing version of a policy (:mod:`signoff.core.models.routing`); rows are
    only ever inserted, and the highest version of a policy is in force."""

    __tablename__ = "policy_routing"

    policy: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    autonomy: Mapped[str] = mapped_column(String(40))
    min_confidence: Mapped[float]
    origin: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(300))
    at: Mapped[datetime]


class MonitorRunRow(Base):
    """One drift monitor run (:class:`signoff.core.models.drift_monitor.MonitorRun`),
    kept per use case and time: the first written is kept, so a retried run reads the
    readings it acted on; the latest before a run carries its CUSUM."""

    __tablename__ = "monitor_runs"

    use_case: Mapped[str] = mapped_column(String(200), primary_key=True)
    as_of: Mapped[datetime] = mapped_column(primary_key=True)
    alarmed: Mapped[bool] = mapped_column(index=True)
    run: Mapped[dict[str, Any]]


class ConsoleSessionEndedRow(Base):
    """A console session signed out before its cookie expired; kept until then, so a
    copy of the cookie is refused by every server sharing the store."""

    __tablename__ = "console_sessions_ended"

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
