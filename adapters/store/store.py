"""The :class:`Store` facade: one object that owns the engine and opens transactions.

The data functions in the sibling modules take a session and know nothing of engines;
this class decides where transactions begin and end, and retries a write that lost a
race with another writer.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterable, AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Literal,
    ParamSpec,
    Self,
    TextIO,
    TypeVar,
    Unpack,
)

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from signoff.adapters.notary import Anchor, Notary
from signoff.adapters.store import (
    api_keys,
    audit_events,
    card_outbox,
    checkpoints,
    console_sessions,
    decision_facts,
    decisions,
    drift_windows,
    evaluation,
    feedback,
    monitor_runs,
    outcomes,
    policy_routing,
    posted_cards,
    training,
)
from signoff.adapters.store.audit_events import EventFilters
from signoff.adapters.store.card_outbox import DueCards
from signoff.adapters.store.decisions import DecisionFilters
from signoff.adapters.store.engine import make_async_engine
from signoff.adapters.store.export import write_models
from signoff.adapters.store.group_commit import GroupCommit
from signoff.adapters.store.migrate import upgrade
from signoff.adapters.store.sql import dialect_of
from signoff.adapters.store.training import JUDGEMENT_SOURCES, TrainingFilters
from signoff.adapters.store.verify import verify_chains
from signoff.adapters.store.writer import make_writer
from signoff.core import tracing
from signoff.core.channel_protocol import CardRef, Notice
from signoff.core.learning.facts import DecisionFacts
from signoff.core.learning.labels import Truth
from signoff.core.learning.results import Evaluation, EvaluationFilters
from signoff.core.models import (
    ApiKeyGrant,
    ApiScope,
    AuditEvent,
    ChainedEvent,
    DecisionLabel,
    DecisionState,
    DecisionSummary,
    SignedHead,
    VerifyReport,
)
from signoff.core.models.drift_monitor import MonitorRun
from signoff.core.models.routing import RoutingChange, RoutingOrigin, RoutingVersion
from signoff.core.models.track_record import TrackRecord

if TYPE_CHECKING:
    from signoff.core.learning.ladder_labels import LadderSample
    from signoff.core.learning.routing_replay import Replay
    from signoff.core.models import ReviewPolicy
from signoff.core.training.judgements import DecisionRecord

WRITE_ATTEMPTS = 8
R = TypeVar("R")
M = TypeVar("M")
P = ParamSpec("P")


EXPORT_BATCH = 500
"""Rows an export holds at a time: without a batch size the driver fetched every row
before the first was written (6.4 GB for a million events, bench/scale.py)."""

DEFAULT_LIMIT: dict[str, int | None] = {"limit": 1000}
"""How many rows a query returns when it does not say (an auditor's export has none)."""


class Store:
    """Signoff's audit trail and decision index, on SQLite or PostgreSQL.

    Open with :meth:`open` (which migrates the schema) and close when done, or use it as
    an async context manager. Safe to share between tasks; several processes may write
    to the same database at once.

    Reads go through the async engine; writes through a writer
    (:mod:`signoff.adapters.store.writer`) that runs each transaction as one blocking function.

    Args:
        engine: An async engine made by :func:`signoff.adapters.store.engine.make_async_engine`.
        notary: Signs each chain head as it is written and publishes it to the checkpoint
            log (:mod:`signoff.adapters.notary`); without one, chains are unsigned.
    """

    def __init__(self, engine: AsyncEngine, *, notary: Notary | None = None) -> None:
        self.engine = engine
        self.notary = notary
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._writer = make_writer(engine)
        # SQLite has one writer; PostgreSQL runs a few batches' transactions side by side.
        batches = 1 if engine.dialect.name == "sqlite" else 4
        self._records = GroupCommit(self._record_together, self._record_alone, batches=batches)

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True, notary: Notary | None = None) -> Store:
        """Connect to ``url`` (``sqlite:///path.db`` or ``postgresql://...``).

        Args:
            migrate: Bring the schema up to date first (Alembic ``upgrade head``).
            notary: As for the constructor.
        """
        if migrate:
            await asyncio.to_thread(upgrade, url)
        return cls(make_async_engine(url), notary=notary)

    async def close(self) -> None:
        await self._records.close()
        await self._writer.close()
        await self.engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def record(
        self,
        events: Sequence[AuditEvent],
        state: DecisionState | None = None,
        *,
        cards_for: str | None = None,
        notices: Sequence[tuple[str, Notice]] = (),
    ) -> int:
        """Append new events and, given ``state``, refresh the decision's row; atomically.

        With ``cards_for`` (a task queue), the same transaction asks that queue's workers
        to draw the decision's cards at ``state``'s version, with ``notices`` (id,
        notice) beside them: the card outbox, :mod:`signoff.adapters.store.card_outbox`.

        Idempotent: events already stored (by ``event_id``) are skipped, and notices by
        id, so a retried activity writes nothing twice. Returns how many events were
        newly appended.
        """
        if not events and state is None:
            return 0
        # Everything that does not depend on the chain head is prepared before the write
        # transaction, so the write lock is held for the SQL and the hashing only.
        rows = audit_events.event_rows(events)
        row = None if state is None else decisions.decision_row(state)
        facts = None if state is None else decision_facts.facts_row(state)
        job = None
        if cards_for is not None and state is not None:
            job = {
                "decision_id": state.decision_id,
                "task_queue": cards_for,
                "version": state.version,
                "notices": notices,
                "trace": tracing.carrier(),
            }
        keys = {r["decision_id"] for r in rows} | ({state.decision_id} if state else set())
        with tracing.tracer.start_as_current_span(
            "signoff.store.record",
            attributes={"signoff.decision_ids": sorted(keys), "signoff.events": len(rows)},
        ):
            return await self._records.write(_Record(rows, row, job, facts), keys)

    async def _record_together(self, records: Sequence[_Record]) -> list[int]:
        """Write ``records`` in one transaction (a group commit), then publish their
        signed heads in one append; how many events each appended."""
        written, signed = await self._write(_record, records, self.notary)
        if self.notary is not None:
            await self.notary.publish(signed)
        return written

    async def _record_alone(self, record: _Record) -> int:
        return (await self._record_together([record]))[0]

    async def card_jobs_due(self, task_queue: str) -> bool:
        """Whether any of ``task_queue``'s card jobs can be claimed now (a read)."""
        async with self._sessions() as session:
            return await card_outbox.any_due(session, task_queue=task_queue, now=datetime.now(UTC))

    async def card_backlog(self, task_queue: str) -> int:
        """How many of ``task_queue``'s decisions are owed a card draw (a read)."""
        async with self._sessions() as session:
            return await card_outbox.backlog(session, task_queue=task_queue)

    async def claim_card_jobs(self, task_queue: str, *, limit: int, lease: timedelta) -> list[str]:
        """Lease up to ``limit`` decisions of ``task_queue`` whose cards are due."""
        return await self._write(
            card_outbox.claim,
            task_queue=task_queue,
            limit=limit,
            lease=lease,
            now=datetime.now(UTC),
        )

    async def cards_to_draw(self, decision_ids: Sequence[str]) -> dict[str, DueCards]:
        """What drawing each decision's cards needs, read in one go for a whole batch
        (three queries, not three per decision)."""
        async with self._sessions() as session:
            states = await decisions.get_state_documents(session, decision_ids=decision_ids)
            notices = await card_outbox.pending_notices(session, decision_ids=decision_ids)
            posted = await posted_cards.list_cards(session, decision_ids=decision_ids)
            traces = await card_outbox.traces(session, decision_ids=decision_ids)
        return {
            i: DueCards(states.get(i), notices.get(i, []), posted.get(i, []), traces.get(i))
            for i in decision_ids
        }

    async def cards_drawn(self, drawn: Sequence[tuple[str, int, Sequence[int]]]) -> None:
        """Release the jobs of decisions whose cards now show (decision, version, notice
        ids sent); one transaction for the batch."""
        if drawn:
            await self._write(card_outbox.finished, drawn=drawn, now=datetime.now(UTC))

    async def cards_failed(self, decision_id: str, error: str, retry_in: timedelta) -> None:
        await self._write(
            card_outbox.failed,
            decision_id=decision_id,
            error=error,
            retry_in=retry_in,
            now=datetime.now(UTC),
        )

    async def _write(
        self, fn: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """``fn(connection, ...)`` in a write transaction, retried when it lost a race."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return await self._writer.run(fn, *args, **kwargs)
            except (IntegrityError, OperationalError):
                # Another writer took the same seq or event id first (or SQLite stayed
                # locked past its busy timeout): start over from a fresh chain head.
                if attempt == WRITE_ATTEMPTS:
                    raise
                await asyncio.sleep(random.uniform(0, 0.05 * attempt))
        raise AssertionError("unreachable")

    async def ping(self) -> None:
        """Raise unless the database answers a query now (``/readyz``)."""
        async with self._sessions() as session:
            await session.execute(text("SELECT 1"))

    async def decision_ids(self) -> list[str]:
        """Every decision the store holds events or a row for."""
        async with self._sessions() as session:
            return await audit_events.decision_ids(session)

    async def events(self, decision_id: str) -> list[ChainedEvent]:
        """A decision's whole audit trail, in chain order."""
        return await self.query_events(decision_id=decision_id, limit=None)

    async def query_events(self, **filters: Unpack[EventFilters]) -> list[ChainedEvent]:
        """Events matching every given filter (``since`` inclusive, ``until`` exclusive),
        at most 1,000 unless ``limit`` says otherwise."""
        async with self._sessions() as session:
            return await audit_events.query_events(session, **(DEFAULT_LIMIT | filters))

    async def query_decisions(self, **filters: Unpack[DecisionFilters]) -> list[DecisionSummary]:
        """Decisions matching every given filter, newest first, at most 1,000 unless
        ``limit`` says otherwise.

        ``actor`` matches the requester, a decider, or anyone with an audit event on the
        decision; ``since``/``until`` bound the submission time; ``waiting_on`` finds
        pending decisions that still wait for that person.
        """
        async with self._sessions() as session:
            return await decisions.query_decisions(session, **(DEFAULT_LIMIT | filters))

    async def pending_by_stage(self) -> list[tuple[str, str, int]]:
        """(use case, stage name, how many) for the decisions pending now."""
        async with self._sessions() as session:
            return await decisions.pending_by_stage(session)

    async def decision_state(self, decision_id: str) -> DecisionState | None:
        async with self._sessions() as session:
            return await decisions.get_state(session, decision_id=decision_id)

    async def verify(
        self,
        decision_id: str | None = None,
        *,
        decision_ids: Collection[str] | None = None,
        anchor: Anchor | None = None,
    ) -> VerifyReport:
        """Recompute one decision's chain (or those of ``decision_ids``, or all of them),
        check each decision's row against it and, given an ``anchor``, each chain
        against its signed heads; report the first break in each."""
        if decision_id is not None:
            decision_ids = [decision_id]
        async with self._sessions() as session:
            return await verify_chains(session, decision_ids=decision_ids, anchor=anchor)

    async def sign_existing(self) -> tuple[int, list[str]]:
        """Sign the heads of chains written before the audit key existed, once each
        chain verifies: returns how many were signed, and the decisions left unsigned
        because their chains are broken."""
        if self.notary is None:
            raise ValueError("this store has no notary to sign with")
        broken = sorted({b.decision_id for b in (await self.verify()).breaks})
        signed = await self._write(checkpoints.sign_unsigned, self.notary, broken)
        await self.notary.publish(signed)
        return len(signed), broken

    async def export_events(
        self, out: TextIO, *, fmt: Literal["jsonl", "csv"], **filters: Unpack[EventFilters]
    ) -> int:
        """Write matching events to ``out`` (all of them unless ``limit`` is given)."""
        return await write_models(out, self.stream_events(**filters), fmt=fmt, model=ChainedEvent)

    async def stream_events(self, **filters: Unpack[EventFilters]) -> AsyncIterator[ChainedEvent]:
        """Matching events (all unless ``limit`` is given), fetched ``EXPORT_BATCH`` at a
        time as they are consumed, so an export of millions holds a batch in memory."""
        async with self._sessions() as session:
            stmt = audit_events.select_events(**filters)
            rows = await session.stream(stmt.execution_options(yield_per=EXPORT_BATCH))
            async for row in rows:
                yield audit_events.chained(row)

    async def export_decisions(
        self, out: TextIO, *, fmt: Literal["jsonl", "csv"], **filters: Unpack[DecisionFilters]
    ) -> int:
        """Write matching decision summaries to ``out`` (all unless ``limit`` is given)."""
        async with self._sessions() as session:
            stmt = decisions.select_decisions(dialect=dialect_of(session), **filters)
            rows = await session.stream_scalars(stmt.execution_options(yield_per=EXPORT_BATCH))
            return await write_models(
                out, _mapped(rows, decisions.summary), fmt=fmt, model=DecisionSummary
            )

    async def stream_training_records(
        self, *, sources: frozenset[str], **filters: Unpack[TrainingFilters]
    ) -> AsyncIterator[DecisionRecord]:
        """Final decisions matching ``filters`` with the judgements of the label
        ``sources`` (:data:`signoff.adapters.store.training.JUDGEMENT_SOURCES`), oldest
        first, read a page at a time (:mod:`signoff.adapters.store.training`)."""
        unknown = sorted(sources - JUDGEMENT_SOURCES.keys())
        if unknown:
            raise ValueError(f"unknown label sources: {', '.join(unknown)}")
        async with self._sessions() as session:
            async for record in training.stream_records(session, sources=sources, filters=filters):
                yield record

    async def cards(self, decision_id: str) -> list[CardRef]:
        async with self._sessions() as session:
            found = await posted_cards.list_cards(session, decision_ids=[decision_id])
        return found.get(decision_id, [])

    async def save_card(self, decision_id: str, card: CardRef) -> None:
        await self._write(posted_cards.save_card, decision_id=decision_id, card=card)

    async def decision_of_message(self, channel: str, message_id: str) -> str | None:
        """The decision a posted card belongs to, found by the channel's message id."""
        async with self._sessions() as session:
            return await posted_cards.decision_of_message(
                session, channel=channel, message_id=message_id
            )

    async def save_conversation(self, channel: str, key: str, reference: dict[str, Any]) -> None:
        await self._write(
            posted_cards.save_conversation, channel=channel, key=key, reference=reference
        )

    async def conversation(self, channel: str, key: str) -> dict[str, Any] | None:
        """A conversation reference saved by :meth:`save_conversation`, or None."""
        async with self._sessions() as session:
            return await posted_cards.get_conversation(session, channel=channel, key=key)

    async def feedback(self, decision_id: str) -> dict[str, Any]:
        """Current thumbs (one per person), corrections, and ground truth if any."""
        async with self._sessions() as session:
            return await feedback.get_feedback(session, decision_id=decision_id)

    async def labels(self, decision_id: str) -> list[DecisionLabel]:
        """Every label the decision has, by source (:mod:`signoff.adapters.store.outcomes`):
        what evaluation reads, so it always knows which truth it used."""
        async with self._sessions() as session:
            return await outcomes.labels(session, decision_id=decision_id)

    async def event(self, event_id: str) -> ChainedEvent | None:
        """One stored audit event by its id, or None."""
        async with self._sessions() as session:
            return await audit_events.event_by_id(session, event_id=event_id)

    async def record_first(self, event: AuditEvent) -> AuditEvent:
        """Append ``event`` unless an event with its id is stored already, even with
        other content; the event stored either way. For facts named by what they say
        rather than when they were sent (a reported outcome, retried later), where the
        first telling stays and a later one is answered with it."""
        stored = await self.event(event.event_id)
        if stored is None:
            try:
                await self.record([event])
                return event
            except audit_events.AuditConflict:
                stored = await self.event(event.event_id)  # a concurrent telling won
                if stored is None:
                    raise
        return AuditEvent.model_validate(stored.model_dump(include=set(AuditEvent.model_fields)))

    async def create_api_key(
        self, *, app: str, use_cases: Sequence[str], scopes: Sequence[ApiScope]
    ) -> tuple[ApiKeyGrant, str]:
        """Make an API key for ``app`` at once and return it with its token (unaudited:
        for fixtures and tools that audit elsewhere; ``signoff.client.api_key_changes``
        audits a change before making it)."""
        grant, secret = await self.draw_api_key(app=app, use_cases=use_cases, scopes=scopes)
        return await self.add_api_key(grant, secret)

    async def draw_api_key(
        self, *, app: str, use_cases: Sequence[str], scopes: Sequence[ApiScope]
    ) -> tuple[ApiKeyGrant, str]:
        """A new key for ``app`` under an id no key has, and its secret, not stored yet
        (:meth:`add_api_key` stores it), so its change can be audited first.

        Raises:
            pydantic.ValidationError: an invalid app name, no use case or no scope.
        """
        grant = ApiKeyGrant(
            key_id=api_keys.new_key_id(),
            app=app,
            use_cases=list(use_cases),
            scopes=list(scopes),
            created_at=datetime.now(UTC),
        )
        async with self._sessions() as session:
            while await api_keys.key_taken(session, key_id=grant.key_id):  # 48 random bits
                grant = grant.model_copy(update={"key_id": api_keys.new_key_id()})
        return grant, api_keys.new_secret()

    async def add_api_key(self, grant: ApiKeyGrant, secret: str) -> tuple[ApiKeyGrant, str]:
        """Store a key :meth:`draw_api_key` drew, and return it with its token, which is
        shown now and never again: only a hash of the token's secret is kept
        (:mod:`signoff.adapters.store.api_keys` says why a plain SHA-256 suffices)."""
        await self._write(api_keys.add_key, grant=grant, secret_hash=api_keys.secret_hash(secret))
        return grant, api_keys.token(grant.key_id, secret)

    async def api_key_grant(self, key_id: str) -> ApiKeyGrant | None:
        """The key with this id, revoked or not; None when there is none."""
        if not isinstance(key_id, str) or not api_keys.KEY_ID.fullmatch(key_id):
            return None
        async with self._sessions() as session:
            return await api_keys.grant_of(session, key_id=key_id)

    async def api_key(self, token: str) -> ApiKeyGrant | None:
        """The grant a token authenticates; None for anything that is not the token of
        a key still in force (malformed, unknown key, wrong secret, revoked)."""
        parsed = api_keys.parse_token(token)
        if parsed is None:
            return None
        key_id, secret = parsed
        async with self._sessions() as session:
            return await api_keys.authenticate(session, key_id=key_id, secret=secret)

    async def revoke_api_key(
        self, key_id: str, *, at: datetime | None = None
    ) -> ApiKeyGrant | None:
        """Revoke a key at once, as of ``at`` (revoked before: it keeps when that was);
        None when no key has that id."""
        if not isinstance(key_id, str) or not api_keys.KEY_ID.fullmatch(key_id):
            return None
        now = at or datetime.now(UTC)
        return await self._write(api_keys.revoke_key, key_id=key_id, now=now)

    async def end_console_session(self, session_id: str, *, expires_at: datetime) -> None:
        """Sign a console session out for good, on every server sharing this store, until
        ``expires_at`` (when its cookie expires anyway)."""
        await self._write(
            console_sessions.end_session,
            session_id=session_id,
            expires_at=expires_at,
            now=datetime.now(UTC),
        )

    async def console_session_ended(self, session_id: str) -> bool:
        """Whether the console session was signed out."""
        async with self._sessions() as session:
            return await console_sessions.session_ended(session, session_id=session_id)

    async def evaluate(
        self, filters: EvaluationFilters, *, now: datetime | None = None
    ) -> Evaluation:
        """The learning loop's evaluation of the decisions ``filters`` select, counted in
        the database (:mod:`signoff.adapters.store.evaluation`)."""
        return await evaluation.evaluate(self._sessions, filters, now=now)

    async def stream_facts(
        self, filters: EvaluationFilters
    ) -> AsyncIterator[tuple[DecisionFacts, Truth | None]]:
        """What :meth:`evaluate` reads (every column), decision by decision in the order
        of their ids, each with its settled truth: for statistics that need the stream
        itself (a simulation's drift watch), not only the evaluation's tallies."""
        async with self._sessions() as session:
            async for page in _fact_pages(session, filters):
                for row in page:
                    yield row

    async def ladder_samples(
        self, policy: str, *, since: datetime | None = None, qa_sample_rate: float | None = None
    ) -> list[LadderSample]:
        """The labelled decisions ``policy`` routed since ``since`` that the ladder's
        threshold and gates may use (:mod:`signoff.core.learning.ladder_labels`)."""
        from signoff.core.learning.ladder_labels import ladder_sample  # loads numpy

        samples = []
        async with self._sessions() as session:
            async for page in decision_facts.read_facts(session, policy_name=policy, since=since):
                for facts, truth in page:
                    sample = ladder_sample(facts, truth, qa_sample_rate=qa_sample_rate)
                    if sample is not None:
                        samples.append(sample)
        return samples

    async def replay_routing(
        self, candidate: ReviewPolicy, *, since: datetime | None = None
    ) -> Replay:
        """What ``candidate`` would have done to the decisions its policy routed since
        ``since`` (:mod:`signoff.core.learning.routing_replay`)."""
        from signoff.core.learning.routing_replay import replay_routing  # loads numpy

        async with self._sessions() as session:
            pages = decision_facts.read_facts(session, policy_name=candidate.name, since=since)
            rows = [row async for page in pages for row in page]
        return replay_routing(rows, candidate, qa_sample_rate=candidate.qa_sample_rate)

    async def track_record(
        self, use_case: str, model_version: str, confidence: float, *, minimum: int
    ) -> TrackRecord | None:
        """How often ``use_case``'s ``model_version`` was right at about ``confidence``
        (:mod:`signoff.core.learning.track_record`); None below ``minimum`` labels."""
        from signoff.core.learning.ladder_labels import ladder_sample  # loads numpy
        from signoff.core.learning.track_record import track_record
        from signoff.core.models.track_record import confidence_bin

        said, low, high = confidence_bin(confidence)
        samples = []
        async with self._sessions() as session:
            async for page in decision_facts.read_facts(
                session, use_case=use_case, model_version=model_version, confidence=(low, high)
            ):
                samples += [s for f, t in page if (s := ladder_sample(f, t)) is not None]
        return track_record(samples, said=said, minimum=minimum)

    async def api_keys(self) -> list[ApiKeyGrant]:
        """Every API key, revoked ones included, newest first."""
        async with self._sessions() as session:
            return await api_keys.list_grants(session)

    async def routing(self, policy: str) -> RoutingVersion | None:
        """The routing version in force for ``policy``; None while its file routes."""
        async with self._sessions() as session:
            return await policy_routing.current(session, policy)

    async def routing_history(self, policy: str | None = None) -> list[RoutingVersion]:
        """Every routing version (of ``policy``, or of every policy), oldest first."""
        async with self._sessions() as session:
            return await policy_routing.history(session, policy)

    async def add_routing(
        self,
        policy: str,
        change: RoutingChange,
        *,
        origin: RoutingOrigin,
        reason: str,
        decided_by: str | None,
        expected: int,
    ) -> RoutingVersion | None:
        """Put ``change`` in force after version ``expected``; None when the policy
        moved past it meanwhile (:mod:`signoff.adapters.store.policy_routing`)."""
        return await self._write(
            policy_routing.add_version,
            policy=policy,
            change=change,
            origin=origin,
            reason=reason,
            decided_by=decided_by,
            expected=expected,
            now=datetime.now(UTC),
        )

    async def drift_window(
        self, use_case: str, *, since: datetime, until: datetime
    ) -> drift_windows.WindowData:
        """What the drift monitors compare of ``use_case``'s decisions submitted in
        [since, until) (:mod:`signoff.adapters.store.drift_windows`)."""
        async with self._sessions() as session, self._sessions() as truth:
            return await drift_windows.read_window(
                session, truth, use_case=use_case, since=since, until=until
            )

    async def stream_verdicts(
        self, use_case: str, *, after: datetime | None, until: datetime
    ) -> AsyncIterator[tuple[datetime, list[bool]]]:
        """Pages of departures from the AI in the order decided, for the CUSUM."""
        async with self._sessions() as session:
            async for page in drift_windows.verdicts_between(
                session, use_case=use_case, after=after, until=until
            ):
                yield page

    async def monitor_run_before(self, use_case: str, as_of: datetime) -> MonitorRun | None:
        async with self._sessions() as session:
            return await monitor_runs.before(session, use_case=use_case, as_of=as_of)

    async def add_monitor_run(self, run: MonitorRun) -> MonitorRun:
        """Keep ``run`` unless one of its use case and time is kept; returns the kept one."""
        return await self._write(monitor_runs.add_first, run=run)

    async def monitor_runs(
        self, use_case: str | None = None, *, alarms_only: bool = False, limit: int = 100
    ) -> list[MonitorRun]:
        """Monitor runs newest first (alarmed ones only, if asked)."""
        async with self._sessions() as session:
            return await monitor_runs.listed(
                session, use_case=use_case, alarms_only=alarms_only, limit=limit
            )


@dataclass(frozen=True)
class _Record:
    """One :meth:`Store.record` call, prepared outside the write transaction."""

    rows: list[dict[str, Any]]
    decision: dict[str, Any] | None
    job: dict[str, Any] | None
    facts: dict[str, Any] | None = None


def _record(
    conn: Connection, records: Sequence[_Record], notary: Notary | None
) -> tuple[list[int], list[SignedHead]]:
    """The write transaction of :meth:`Store.record`, for records of distinct decisions:
    append, sign, project, upsert, and queue the cards. Returns how many events each
    record newly appended, and the signed heads to publish: the new ones, or, for
    decisions whose events were all stored already (a retried write), the newest stored
    ones, in case the first attempt died before publishing."""
    rows = [row for record in records for row in record.rows]
    appended = audit_events.append_events(conn, rows=rows)
    signed: list[SignedHead] = []
    if notary is not None:
        signed = checkpoints.sign_heads(conn, notary, appended.heads)
        extended = {head["decision_id"] for head in appended.heads}
        retried = {row["decision_id"] for row in rows} - extended
        if retried:
            signed += checkpoints.newest(conn, retried)
    feedback.project(conn, events=appended.fresh)
    outcomes.project(conn, events=appended.fresh)
    now = datetime.now(UTC)
    for record in records:
        if record.decision is not None:
            decisions.upsert_decision(conn, row=record.decision)
        if record.facts is not None:
            decision_facts.upsert_facts(conn, row=record.facts)
        if record.job is not None:
            card_outbox.enqueue(conn, **record.job, now=now)
    fresh = {row["event_id"] for row in appended.fresh}
    written = [sum(row["event_id"] in fresh for row in record.rows) for record in records]
    return written, signed


def _fact_pages(
    session: AsyncSession, filters: EvaluationFilters
) -> AsyncIterator[list[tuple[Any, Truth | None]]]:
    return decision_facts.read_facts(
        session,
        use_case=filters.use_case,
        model_version=filters.model_version,
        since=filters.since,
        until=filters.until,
    )


async def _mapped(rows: AsyncIterable[R], convert: Callable[[R], M]) -> AsyncIterator[M]:
    async for row in rows:
        yield convert(row)
