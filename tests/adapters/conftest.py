"""Store fixtures, as a chain: database -> schema once -> per-test cleanup -> store.

Every store test runs twice: on a SQLite file and on the PostgreSQL server of the
development machines (``postgresql://postgres@127.0.0.1:5432/test``, or
``SIGNOFF_TEST_POSTGRES_URL``). PostgreSQL tests are skipped when it cannot be reached,
unless ``SIGNOFF_REQUIRE_POSTGRES=1``. Each run migrates into a schema of its own and
drops it afterwards, so runs never see each other's rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from signoff.adapters.store import Store
from signoff.adapters.store.tables import Base
from signoff.core.models import (
    AuditEvent,
    AuditKind,
    DecisionPlan,
    DecisionRequest,
    DecisionState,
    ModelInfo,
    Outcome,
    Override,
    PlannedStage,
    Proposal,
    Quorum,
    ReviewPolicy,
    Stage,
    StageState,
    Status,
    Vote,
)

T0 = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    # A folder that does not exist yet: the store must create it.
    path: Path = tmp_path_factory.mktemp("store") / "nested" / "signoff.db"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of a database the schema is migrated into, once per backend."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture(scope="session")
async def migrated(database_url: str) -> AsyncIterator[Store]:
    store = await Store.open(database_url)
    yield store
    await store.close()


@pytest.fixture
async def store(migrated: Store) -> AsyncIterator[Store]:
    """A store on an empty database, emptied again after the test."""
    yield migrated
    async with migrated.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(delete(table))


@pytest.fixture
async def other_store(store: Store, database_url: str) -> AsyncIterator[Store]:
    """A second Store on the same database, standing in for another worker process."""
    second = await Store.open(database_url)
    yield second
    await second.close()


def decision(
    decision_id: str = "refund-1042",
    *,
    use_case: str = "refunds",
    requester: str = "refund-bot",
    model_version: str = "2025-02",
    status: Status = Status.PENDING,
    asked: tuple[str, ...] = ("alice", "bob"),
    voted: tuple[str, ...] = (),
    decided_by: tuple[str, ...] = (),
    overridden_by: str | None = None,
    submitted_at: datetime = T0,
    version: int = 1,
) -> DecisionState:
    """A refund decision as the workflow would hold it: pending in its first stage,
    or final with an outcome when ``status`` is not pending."""
    policy = ReviewPolicy(
        name="refunds",
        stages=[
            Stage(name="support leads", approvers=list(asked), sla=timedelta(hours=2)),
            Stage(name="managers", approvers=["dave", "erin"]),
        ],
        overriders=["dave"],
    )
    request = DecisionRequest(
        id=decision_id,
        use_case=use_case,
        subject="order 1042",
        title="Refund 40 EUR for order 1042",
        proposal=Proposal(text="Refund 40 EUR: the parcel arrived damaged."),
        confidence=0.82,
        model=ModelInfo(name="support-assistant", version=model_version),
        requester=requester,
        policy=policy,
    )
    plan = DecisionPlan(
        policy=policy,
        stages=[
            PlannedStage(name=s.name, approvers=list(s.approvers), quorum=s.quorum)
            for s in policy.stages
        ],
        overriders=["dave"],
        experts=["carol", "dave"],
        adjudicators=["erin"],
    )
    stage = StageState(
        index=0,
        name="support leads",
        asked=list(asked),
        quorum=Quorum(),
        votes=[Vote(actor=a, verdict="approve", at=submitted_at) for a in voted],
        started_at=submitted_at,
    )
    fields: dict[str, Any] = {"stage": stage, "status": status}
    if status is not Status.PENDING:
        decided_at = submitted_at + timedelta(minutes=12)
        overrides = []
        if overridden_by:
            overrides = [
                Override(
                    actor=overridden_by,
                    verdict="reject",
                    reason="policy exception",
                    at=decided_at,
                    previous_status=Status.APPROVED,
                )
            ]
        fields["outcome"] = Outcome(
            decision_id=decision_id,
            status=status,
            approved=status.lets_action_run,
            decided_by=list(decided_by),
            decided_at=decided_at,
            submitted_at=submitted_at,
            overrides=overrides,
        )
    return DecisionState(
        decision_id=decision_id,
        request=request,
        plan=plan,
        submitted_at=submitted_at,
        version=version,
        **fields,
    )


def event(
    decision_id: str,
    n: int,
    kind: AuditKind = AuditKind.COMMENTED,
    *,
    actor: str | None = "alice",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """The ``n``-th event of a decision, with an id derived from both (as activities do)."""
    return AuditEvent(
        event_id=f"{decision_id}:{n}",
        decision_id=decision_id,
        kind=kind,
        at=at or T0 + timedelta(seconds=n),
        actor=actor,
        stage=0,
        data=data if data is not None else {"n": n},
    )


@pytest.fixture
def make_decision() -> Any:
    """:func:`decision`, for tests (conftest modules are not imported by name)."""
    return decision


@pytest.fixture
def make_event() -> Any:
    """:func:`event`, for tests."""
    return event
