"""Console sessions signed out before their cookies expired, as the store keeps them:
seen by every process sharing the database, each kept only while its cookie could still
pass, and ended once however many sign-outs race."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from signoff.adapters.store import Store
from signoff.adapters.store.tables import ConsoleSessionEndedRow


async def ended_rows(store: Store) -> list[str]:
    async with store.engine.connect() as conn:
        rows = await conn.execute(select(ConsoleSessionEndedRow.session_id))
        return sorted(rows.scalars())


async def test_a_session_signed_out_in_one_process_is_ended_in_another(
    store: Store, other_store: Store
) -> None:
    later = datetime.now(UTC) + timedelta(hours=8)
    assert not await other_store.console_session_ended("s-1")

    await store.end_console_session("s-1", expires_at=later)

    assert await other_store.console_session_ended("s-1")
    assert not await other_store.console_session_ended("s-2")


async def test_sessions_whose_cookies_expired_are_forgotten_at_the_next_sign_out(
    store: Store,
) -> None:
    now = datetime.now(UTC)
    await store.end_console_session("long-gone", expires_at=now + timedelta(seconds=1))
    await store.end_console_session("still-live", expires_at=now + timedelta(hours=1))
    await asyncio.sleep(1.1)

    await store.end_console_session("just-now", expires_at=now + timedelta(hours=8))

    assert await ended_rows(store) == ["just-now", "still-live"]
    # A session whose cookie has expired needs no row: nothing could pass with it.
    await store.end_console_session("expired", expires_at=now - timedelta(seconds=1))
    assert not await store.console_session_ended("expired")


async def test_twenty_sign_outs_of_one_session_at_once_end_it_once(
    store: Store, other_store: Store
) -> None:
    later = datetime.now(UTC) + timedelta(hours=8)
    ends = [
        (store if i % 2 else other_store).end_console_session("raced", expires_at=later)
        for i in range(20)
    ]
    await asyncio.gather(*ends)

    async with store.engine.connect() as conn:
        count = await conn.scalar(select(func.count()).select_from(ConsoleSessionEndedRow))
    assert count == 1
    assert await store.console_session_ended("raced")
