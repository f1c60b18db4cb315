"""Applications' API keys: tokens made once, kept only as a hash, checked, revoked.

A token reads ``sok_<key_id>_<secret>``: ``key_id`` (12 lowercase hex digits) is public
and finds the row; ``secret`` (43 URL-safe characters: 256 random bits) proves the
holder got the token when it was made. The store keeps SHA-256 of the secret and never
the secret itself, so whoever reads the database cannot authenticate with what it holds.

Why one SHA-256 and not a slow password hash (bcrypt, scrypt, Argon2): those exist
because passwords are guessable, and slowing each guess down is all that protects a
leaked hash of one. A secret of 256 random bits cannot be guessed at any speed, so
stretching would buy nothing but CPU time on every request the server authenticates;
and a salt would add nothing either, since no two secrets are alike and no precomputed
table covers 2^256 of them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from signoff.adapters.store.tables import ApiKeyRow
from signoff.core.models import ApiKeyGrant

__all__ = [
    "KEY_ID",
    "PREFIX",
    "add_key",
    "authenticate",
    "grant_of",
    "key_taken",
    "list_grants",
    "new_key_id",
    "new_secret",
    "parse_token",
    "revoke_key",
    "secret_hash",
    "token",
]

PREFIX = "sok_"
"""What every token starts with, so a leaked one is recognisable (secret scanners, logs)."""

KEY_ID = re.compile(r"[0-9a-f]{12}")
"""What :func:`new_key_id` makes; anything else names no key."""
_TOKEN = re.compile(r"sok_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


def new_key_id() -> str:
    return secrets.token_hex(6)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def token(key_id: str, secret: str) -> str:
    return f"{PREFIX}{key_id}_{secret}"


def secret_hash(secret: str) -> str:
    """The SHA-256 of ``secret``, in hex: what the store keeps (see the module's notes)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_token(value: object) -> tuple[str, str] | None:
    """``(key_id, secret)`` of a well-formed token, else None. Anything else never
    reaches the database (PostgreSQL refuses text holding NUL, for one)."""
    if not isinstance(value, str):
        return None
    match = _TOKEN.fullmatch(value)
    return (match.group(1), match.group(2)) if match else None


def add_key(conn: Connection, *, grant: ApiKeyGrant, secret_hash: str) -> ApiKeyGrant:
    """Store ``grant`` under its own key id (its change is audited under that id before
    it is made, so it is never drawn again here: a taken id fails the insert)."""
    row = {
        "key_id": grant.key_id,
        "app": grant.app,
        "secret_hash": secret_hash,
        "use_cases": list(grant.use_cases),
        "scopes": [scope.value for scope in grant.scopes],
        "created_at": grant.created_at,
        "revoked_at": grant.revoked_at,
    }
    conn.execute(insert(ApiKeyRow), row)
    return grant


async def key_taken(session: AsyncSession, *, key_id: str) -> bool:
    return await session.get(ApiKeyRow, key_id) is not None


async def grant_of(session: AsyncSession, *, key_id: str) -> ApiKeyGrant | None:
    row = await session.get(ApiKeyRow, key_id)
    return None if row is None else _grant(row)


def revoke_key(conn: Connection, *, key_id: str, now: datetime) -> ApiKeyGrant | None:
    """Revoke the key (already revoked: it keeps its first ``revoked_at``); None when
    there is no such key."""
    conn.execute(
        update(ApiKeyRow)
        .where(ApiKeyRow.key_id == key_id, ApiKeyRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    row = conn.execute(select(ApiKeyRow.__table__).where(ApiKeyRow.key_id == key_id)).first()
    return None if row is None else _grant(row)


async def authenticate(session: AsyncSession, *, key_id: str, secret: str) -> ApiKeyGrant | None:
    """The grant of key ``key_id`` if ``secret`` is its secret and it is not revoked."""
    row = await session.get(ApiKeyRow, key_id)
    if row is None:
        return None
    # Compared in constant time: how long a wrong secret takes to refuse must not tell
    # how much of its hash was right.
    if not hmac.compare_digest(row.secret_hash, secret_hash(secret)):
        return None
    return None if row.revoked_at is not None else _grant(row)


async def list_grants(session: AsyncSession) -> list[ApiKeyGrant]:
    """Every key, revoked ones included, newest first."""
    rows = await session.scalars(
        select(ApiKeyRow).order_by(ApiKeyRow.created_at.desc(), ApiKeyRow.key_id)
    )
    return [_grant(row) for row in rows]


def _grant(row: Any) -> ApiKeyGrant:
    return ApiKeyGrant(
        key_id=row.key_id,
        app=row.app,
        use_cases=row.use_cases,
        scopes=row.scopes,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )
