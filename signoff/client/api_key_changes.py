"""Making and revoking an application's API key with its audit event, for the CLI and
the server alike: the change is audited first, through Temporal, and made only once
its event is recorded, so no key exists, and none is revoked, without its event.

Why audit first rather than make the change and undo it when the audit fails: the
failure this guards against is Temporal being unreachable, and then nothing has changed
at all, with no compensating write that could itself fail. Undoing a revocation would
bring a key back to life that a concurrent revoke had already reported dead, and a
worker killed between a change and its undo would leave the change unaudited for good.
What audit-first leaves in that rare case (the store failing after the event is
recorded) is an event of a change the administrator was told failed: a key whose token
nobody ever saw, or a revocation to send again; the event names the key, so an auditor
can tell.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from signoff.adapters.store import Store
from signoff.core.models import ApiKeyGrant, ApiScope, AuditKind

__all__ = ["Audit", "create_key", "revoke_key"]

Audit = Callable[[AuditKind, ApiKeyGrant], Awaitable[object]]
"""Records a key change in the operations trail; raises when it cannot."""


async def create_key(
    store: Store, audit: Audit, *, app: str, use_cases: Sequence[str], scopes: Sequence[ApiScope]
) -> tuple[ApiKeyGrant, str]:
    """The new key and its token, made once its creation is audited.

    Raises:
        pydantic.ValidationError: an invalid app name, no use case or no scope.
        Exception: whatever ``audit`` raises; no key is made.
    """
    grant, secret = await store.draw_api_key(app=app, use_cases=use_cases, scopes=scopes)
    await audit(AuditKind.API_KEY_CREATED, grant)
    return await store.add_api_key(grant, secret)


async def revoke_key(store: Store, audit: Audit, key_id: str) -> ApiKeyGrant | None:
    """The key, revoked once its revocation is audited; a key revoked before is returned
    as it is (nothing changes, so nothing is audited); None when there is no such key.

    Raises:
        Exception: whatever ``audit`` raises; the key is not revoked.
    """
    grant = await store.api_key_grant(key_id)
    if grant is None or grant.revoked_at is not None:
        return grant
    at = datetime.now(UTC)
    await audit(AuditKind.API_KEY_REVOKED, grant.model_copy(update={"revoked_at": at}))
    return await store.revoke_api_key(key_id, at=at)
