"""Console sessions signed out before their cookies expired: ``console_sessions_ended``.

A session lives in a signed cookie (``signoff.server.console.session``); what the store
keeps is only which sessions ended early, each until its cookie would have expired
anyway, so the table holds at most the sign-outs of one session's lifetime.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from signoff.adapters.store.tables import ConsoleSessionEndedRow

__all__ = ["end_session", "session_ended"]


def end_session(conn: Connection, *, session_id: str, expires_at: datetime, now: datetime) -> None:
    """Record that ``session_id`` ended (again: nothing changes), and forget the sessions
    whose cookies have expired by ``now``."""
    conn.execute(delete(ConsoleSessionEndedRow).where(ConsoleSessionEndedRow.expires_at < now))
    ended = select(ConsoleSessionEndedRow.session_id).where(
        ConsoleSessionEndedRow.session_id == session_id
    )
    if conn.scalar(ended) is None and expires_at >= now:
        conn.execute(
            ConsoleSessionEndedRow.__table__.insert(),
            {"session_id": session_id, "expires_at": expires_at},
        )


async def session_ended(session: AsyncSession, *, session_id: str) -> bool:
    return await session.get(ConsoleSessionEndedRow, session_id) is not None
