"""The peer: the job of a Signoff decision done the way LangGraph users do it.

A ``StateGraph`` of four nodes: ``route`` picks the approvers from the request,
``post_card`` posts a card (a no-op), ``approval`` calls ``interrupt(...)`` and waits
for a person, ``audit`` writes one audit row into a table of its own. State persists
through LangGraph's async checkpointers in the same database as the audit table:
``AsyncSqliteSaver`` on a fresh SQLite file, or ``AsyncPostgresSaver`` over a psycopg
pool in a fresh PostgreSQL schema (dropped afterwards).

A decision is two calls on one thread: ``graph.ainvoke(input, config)`` runs to the
interrupt; ``graph.ainvoke(Command(resume=approver), config)`` resumes, audits and ends.

Needs the ``bench`` extra: ``pip install -e ".[bench]"``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypedDict

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, interrupt

from bench.scratch_database import ScratchDatabase

__all__ = ["Command", "DecisionGraphState", "build_graph", "peer_graph"]

AUDIT_TABLE = """
CREATE TABLE IF NOT EXISTS peer_audit (
    decision_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    actor TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    data TEXT NOT NULL
)"""
AUDIT_INSERT = (
    "INSERT INTO peer_audit (decision_id, status, actor, recorded_at, data)"
    " VALUES ({p}, {p}, {p}, {p}, {p})"
)

AuditWriter = Callable[[tuple[str, str, str, str, str]], Awaitable[None]]


class DecisionGraphState(TypedDict, total=False):
    decision_id: str
    request: dict[str, Any]
    approvers: list[str]
    card: dict[str, Any]
    status: str
    decided_by: str


def build_graph(
    approvers_by_policy: dict[str, list[str]],
    write_audit: AuditWriter,
    checkpointer: BaseCheckpointSaver[Any],
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The decision graph: route → post_card → approval (interrupt) → audit."""

    async def route(state: DecisionGraphState) -> DecisionGraphState:
        return {"approvers": approvers_by_policy[state["request"]["policy"]], "status": "pending"}

    async def post_card(state: DecisionGraphState) -> DecisionGraphState:
        card = await _post_card(state)
        return {"card": card}

    async def approval(state: DecisionGraphState) -> DecisionGraphState:
        # Runs again from its start on resume; interrupt() then returns the answer.
        answer = interrupt(
            {
                "decision_id": state["decision_id"],
                "title": state["request"]["title"],
                "approvers": state["approvers"],
            }
        )
        status = "approved" if answer in state["approvers"] else "refused"
        return {"status": status, "decided_by": answer}

    async def audit(state: DecisionGraphState) -> DecisionGraphState:
        data = json.dumps({"request": state["request"], "approvers": state["approvers"]})
        row = (
            state["decision_id"],
            state["status"],
            state["decided_by"],
            datetime.now(UTC).isoformat(),
            data,
        )
        await write_audit(row)
        return {}

    builder = StateGraph(DecisionGraphState)
    builder.add_node("route", route)
    builder.add_node("post_card", post_card)
    builder.add_node("approval", approval)
    builder.add_node("audit", audit)
    builder.add_edge(START, "route")
    builder.add_edge("route", "post_card")
    builder.add_edge("post_card", "approval")
    builder.add_edge("approval", "audit")
    builder.add_edge("audit", END)
    return builder.compile(checkpointer=checkpointer)


async def _post_card(state: DecisionGraphState) -> dict[str, Any]:
    """A chat card posted to the approvers: a no-op, as the Signoff phase's channel."""
    return {"channel": "console", "recipients": state["approvers"], "ref": 0}


@asynccontextmanager
async def peer_graph(
    store: str, approvers_by_policy: dict[str, list[str]], concurrency: int
) -> AsyncIterator[CompiledStateGraph[Any, Any, Any, Any]]:
    """The decision graph on a fresh scratch database of ``store``'s kind, dropped
    on exit."""
    db = ScratchDatabase(store)
    try:
        if store == "sqlite":
            async with _on_sqlite(db.url.removeprefix("sqlite:///")) as (saver, write):
                yield build_graph(approvers_by_policy, write, saver)
        else:
            async with _on_postgres(db.url, concurrency) as (saver, write):
                yield build_graph(approvers_by_policy, write, saver)
    finally:
        db.drop()


@asynccontextmanager
async def _on_sqlite(path: str) -> AsyncIterator[tuple[BaseCheckpointSaver[Any], AuditWriter]]:
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    async with AsyncSqliteSaver.from_conn_string(path) as saver:
        # The audit row goes through the checkpointer's connection, under its lock, as
        # the saver's own writes do: one writer on the file, no busy waits.
        conn = saver.conn
        insert = AUDIT_INSERT.format(p="?")

        async def write(row: tuple[str, str, str, str, str]) -> None:
            async with saver.lock:
                await conn.execute(insert, row)
                await conn.commit()

        async with saver.lock:
            await conn.execute(AUDIT_TABLE)
            await conn.commit()
        yield saver, write


@asynccontextmanager
async def _on_postgres(
    url: str, concurrency: int
) -> AsyncIterator[tuple[BaseCheckpointSaver[Any], AuditWriter]]:
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import AsyncConnectionPool

    # The connection settings the checkpointer needs (its from_conn_string uses the same);
    # the search_path to the scratch schema comes in the URL's options.
    size = max(1, min(concurrency, 20))
    kwargs = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    async with AsyncConnectionPool(
        url, min_size=size, max_size=size, kwargs=kwargs, open=False
    ) as pool:
        saver = AsyncPostgresSaver(pool)  # type: ignore[arg-type]
        await saver.setup()
        insert = AUDIT_INSERT.format(p="%s")

        async def write(row: tuple[str, str, str, str, str]) -> None:
            async with pool.connection() as conn:
                await conn.execute(insert, row)

        async with pool.connection() as conn:
            await conn.execute(AUDIT_TABLE)
        yield saver, write
