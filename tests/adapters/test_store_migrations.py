"""The schema: Alembic migrations that match the tables, and URLs people can write."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, insert, inspect, text

from signoff.adapters.store import Store
from signoff.adapters.store.decisions import decision_row, upsert_decision
from signoff.adapters.store.engine import make_sync_engine
from signoff.adapters.store.migrate import alembic_config, upgrade
from signoff.adapters.store.tables import AuditEventRow, Base
from signoff.adapters.store.urls import async_url, sync_url
from signoff.core.learning import EvaluationFilters
from signoff.core.models import ApiScope, Status
from tests.adapters.conftest import decision
from tests.conftest import scratch_schema

TABLES = {
    "alembic_version",
    "api_keys",
    "audit_events",
    "audit_checkpoints",
    "audit_heads",
    "card_jobs",
    "card_notices",
    "cards",
    "chat_conversations",
    "console_sessions_ended",
    "decision_facts",
    "decisions",
    "monitor_runs",
    "feedback",
    "ground_truth",
    "policy_routing",
    "reported_outcomes",
}


def _differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def test_the_migrations_create_exactly_the_tables_the_store_uses(store: Store) -> None:
    async with store.engine.connect() as conn:
        differences = await conn.run_sync(_differences)
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))

    assert differences == []
    assert tables == TABLES


async def test_migrating_an_up_to_date_database_changes_nothing(
    store: Store, database_url: str
) -> None:
    await asyncio.to_thread(upgrade, database_url)

    async with store.engine.connect() as conn:
        version = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    assert version == "0013"


async def test_a_new_sqlite_file_gets_its_folder_and_write_ahead_logging(
    tmp_path: Path,
) -> None:
    path = tmp_path / "does" / "not" / "exist" / "signoff.db"

    store = await Store.open(f"sqlite:///{path}")
    try:
        async with store.engine.connect() as conn:
            mode = await conn.scalar(text("PRAGMA journal_mode"))
            timeout = await conn.scalar(text("PRAGMA busy_timeout"))
    finally:
        await store.close()

    assert path.is_file()
    assert (mode, timeout) == ("wal", 30_000)


async def test_opening_without_migrating_leaves_the_schema_alone(tmp_path: Path) -> None:
    store = await Store.open(f"sqlite:///{tmp_path / 'bare.db'}", migrate=False)
    try:
        async with store.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
    finally:
        await store.close()

    assert tables == []


def test_the_migrations_can_be_undone_and_redone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    config = alembic_config(url)  # the command-line path: Alembic opens its own connection

    command.upgrade(config, "head")
    command.downgrade(config, "base")
    emptied = _tables(url)
    upgrade(url)

    assert emptied == {"alembic_version"}
    assert _tables(url) == TABLES


def test_a_store_made_before_chat_conversations_upgrades_and_keeps_its_cards(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0001")
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO cards (decision_id, channel, recipient, ref, updated_at)"
                    " VALUES ('d-1', 'slack', '', '{\"ts\": \"1.2\"}', '2026-01-01 00:00:00')"
                )
            )
        upgrade(url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT decision_id, ref, message_id FROM cards")).all()
    finally:
        engine.dispose()

    assert [tuple(r) for r in rows] == [("d-1", '{"ts": "1.2"}', None)]
    assert _tables(url) == TABLES


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database without tables: a SQLite file, or a PostgreSQL schema of its own,
    dropped afterwards (skipped as ``postgresql_url`` is when the server is down)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    yield from scratch_schema()


async def test_a_store_made_before_the_actor_time_index_upgrades_and_keeps_its_events(
    empty_database: str,
) -> None:
    url = empty_database
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0004")
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(AuditEventRow.__table__),
                [
                    _event("d-1", 1, "rita", datetime(2026, 1, 2, tzinfo=UTC)),
                    _event("d-2", 1, "rita", datetime(2026, 1, 1, tzinfo=UTC)),
                    _event("d-1", 2, "ann", datetime(2026, 1, 3, tzinfo=UTC)),
                ],
            )
        await asyncio.to_thread(upgrade, url)
        with engine.connect() as conn:
            indexes = {
                i["name"]: i["column_names"] for i in inspect(conn).get_indexes("audit_events")
            }
    finally:
        engine.dispose()
    async with await Store.open(url) as store:
        ritas = await store.query_events(actor="rita")

    assert indexes["ix_audit_events_actor_at"] == ["actor", "at"]
    assert "ix_audit_events_actor" not in indexes
    assert [(e.decision_id, e.seq) for e in ritas] == [("d-2", 1), ("d-1", 1)]


async def test_a_store_made_before_api_keys_upgrades_keeps_its_events_and_makes_keys(
    empty_database: str,
) -> None:
    url = empty_database
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0005")
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(AuditEventRow.__table__),
                [_event("d-1", 1, "rita", datetime(2026, 1, 2, tzinfo=UTC))],
            )
            before = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()

    async with await Store.open(url) as store:
        events = await store.query_events(actor="rita")
        grant, token = await store.create_api_key(
            app="refund-app", use_cases=["refunds"], scopes=[ApiScope.SUBMIT]
        )
        authenticated = await store.api_key(token)

    assert "api_keys" not in before
    assert _tables(url) == TABLES
    assert [(e.decision_id, e.seq) for e in events] == [("d-1", 1)]
    assert authenticated == grant


def _event(decision_id: str, seq: int, actor: str, at: datetime) -> dict[str, Any]:
    return {
        "event_id": f"{decision_id}/{seq}",
        "decision_id": decision_id,
        "seq": seq,
        "kind": "voted",
        "actor": actor,
        "stage": 0,
        "at": at,
        "data": {},
        "prev_hash": "0" * 64,
        "hash": "1" * 64,
    }


def _tables(url: str) -> set[str]:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("written", "sync", "run"),
    [
        ("sqlite:///data/s.db", "sqlite:///data/s.db", "sqlite+aiosqlite:///data/s.db"),
        (
            "postgresql://postgres@127.0.0.1:5432/test",
            "postgresql+psycopg://postgres@127.0.0.1:5432/test",
            "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        ),
        (
            "postgres://u:p@db/signoff?sslmode=require",
            "postgresql+psycopg://u:***@db/signoff?sslmode=require",
            "postgresql+psycopg://u:***@db/signoff?sslmode=require",
        ),
        ("sqlite+aiosqlite:////abs/s.db", "sqlite:////abs/s.db", "sqlite+aiosqlite:////abs/s.db"),
    ],
)
def test_people_write_plain_urls_and_the_store_picks_the_drivers(
    written: str, sync: str, run: str
) -> None:
    assert str(sync_url(written)) == sync
    assert str(async_url(written)) == run


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "mysql://db/x"])
def test_urls_the_store_cannot_serve_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        sync_url(url)


async def test_a_store_made_before_decision_facts_is_backfilled_from_its_states(
    empty_database: str,
) -> None:
    url = empty_database
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0007")
    approved = decision(
        "d-approved", status=Status.APPROVED, voted=("alice",), decided_by=("alice",)
    )
    pending = decision("d-pending")
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            for state in (approved, pending):
                upsert_decision(conn, row=decision_row(state))
    finally:
        engine.dispose()

    await asyncio.to_thread(upgrade, url)
    async with await Store.open(url) as store:
        evaluation = await store.evaluate(EvaluationFilters(use_case="refunds"))

    [cohort] = evaluation.cohorts
    assert evaluation.decisions == 2
    assert cohort.metrics.people.verdicts == 1
    assert cohort.metrics.people.approved_unchanged.successes == 1
    assert cohort.metrics.routing.review_rate.successes == 2
