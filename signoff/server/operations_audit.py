"""The operations audit trail: what this server refuses or changes outside any decision
(an administrator's API-key changes; a person or application refused an endpoint, a
console page or a submission) goes into the operations chain of the day, ``ops/DAY``,
through Temporal as a refusal on a decision does (:meth:`SignoffClient.audit_operation`).

Volume. Each event is a short workflow of its own, started once per event (its id makes
a retry start nothing new), as refusals on decisions are. That keeps one proven path
from surface to store and to ``audit verify --against-temporal``, where a workflow per
day fed by updates would meet Temporal's 10 updates in flight and 2,000 per run exactly
when someone hammers an endpoint. What bounds the workflows is who may cause them: only
a caller the server authenticated is refused here (an unknown token is a 401, never
audited: it names nobody, and anyone can send one), and each caller gets at most
``per_minute`` events a minute one by one; past that, their refusals are counted per
code and written as one summary event (kind ``refused``, code ``rate_bound``) when the
minute is over, so a hammering caller costs one workflow a minute, and every refusal is
still counted in the chain. Administrators' changes are never bounded.

A refusal whose audit cannot be written (Temporal unreachable) is still answered as the
refusal it is, never as a server error: the refusal changed nothing, and the failure
is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from signoff.core.models import AuditEvent, AuditKind

if TYPE_CHECKING:
    from signoff.client.signoff_client import SignoffClient

log = logging.getLogger(__name__)
WINDOW_S = 60.0
DENIALS_PER_MINUTE = 60
RATE_BOUND = "rate_bound"


@dataclass
class _Window:
    """One caller's refusals in one minute: how many were recorded one by one, and the
    codes of those only counted."""

    started: float
    started_at: datetime
    recorded: int = 0
    counted: Counter[str] = field(default_factory=Counter)
    last_at: datetime | None = None


class OperationsAudit:
    """Records operations events for one server; see the module's docstring.

    Args:
        client: Starts each event's audit workflow.
        per_minute: How many refusals of one caller a minute are recorded one by one.
        clock: Monotonic seconds (a spec's own clock, to end a minute at once).
    """

    def __init__(
        self,
        client: SignoffClient,
        *,
        per_minute: int = DENIALS_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._per_minute = per_minute
        self._clock = clock
        self._windows: dict[str, _Window] = {}

    async def change(
        self, kind: AuditKind, *, actor: str, via: str, data: dict[str, Any]
    ) -> AuditEvent:
        """Record an administrator's change; raises when it cannot be recorded, so the
        caller can say so."""
        return await self._client.audit_operation(
            kind, actor=actor, attempt_id=f"{via}-{uuid.uuid4().hex}", data=data | {"via": via}
        )

    async def denial(
        self, actor: str, *, attempted: str, code: str, message: str, via: str
    ) -> None:
        """Record that ``actor`` was refused ``attempted`` (``GET /api/v1/audit/events``,
        say), within the caller's bound; never raises."""
        now = self._clock()
        at = datetime.now(UTC)
        window = self._windows.get(actor)
        if window is None or now - window.started >= WINDOW_S:
            if window is not None and window.counted:
                await self._summarise(actor, window)
            window = self._windows[actor] = _Window(started=now, started_at=at)
        if window.recorded >= self._per_minute:
            window.counted[code] += 1
            window.last_at = at
            return
        window.recorded += 1
        attempt_id = f"{via}-{uuid.uuid4().hex}"
        data = {
            "action": attempted,
            "action_id": attempt_id,
            "code": code,
            "message": message,
            "via": via,
        }
        await self._quietly(AuditKind.REFUSED, actor, attempt_id, data, at)

    async def flush(self, *, all_windows: bool = False) -> None:
        """Write the summary of every minute that is over (of every one, at shutdown)."""
        now = self._clock()
        for actor, window in list(self._windows.items()):
            if all_windows or now - window.started >= WINDOW_S:
                del self._windows[actor]
                if window.counted:
                    await self._summarise(actor, window)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Flush the minutes as they end while the server runs, and all of them when it
        stops: a caller who hammers and then goes quiet is still summarised."""

        async def flushing() -> None:
            while True:
                await asyncio.sleep(WINDOW_S / 4)
                await self.flush()

        task = asyncio.create_task(flushing())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self.flush(all_windows=True)

    async def _summarise(self, actor: str, window: _Window) -> None:
        total = sum(window.counted.values())
        # One summary per caller and minute, however often it is flushed.
        digest = hashlib.sha256(actor.encode()).hexdigest()[:16]
        attempt_id = f"{RATE_BOUND}-{digest}-{window.started_at:%Y%m%dT%H%M%S%f}"
        data = {
            "action": "any",
            "action_id": attempt_id,
            "code": RATE_BOUND,
            "message": (
                f"{total} more refusals of {actor} in the minute from"
                f" {window.started_at:%H:%M:%S} UTC, past {self._per_minute} recorded one"
                " by one, are counted here."
            ),
            "counted": dict(window.counted),
            "since": window.started_at.isoformat(),
            "until": (window.last_at or window.started_at).isoformat(),
        }
        await self._quietly(AuditKind.REFUSED, actor, attempt_id, data, datetime.now(UTC))

    async def _quietly(
        self, kind: AuditKind, actor: str, attempt_id: str, data: dict[str, Any], at: datetime
    ) -> None:
        try:
            await self._client.audit_operation(
                kind, actor=actor, attempt_id=attempt_id, data=data, at=at
            )
        except Exception:
            log.exception("could not audit the refusal of %s (%s)", actor, data.get("code"))
