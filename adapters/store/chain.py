"""The hash chain that makes the audit trail tamper-evident.

Each event's hash covers the previous event's hash and a canonical rendering of the
event itself, so changing, removing or reordering any stored event changes every hash
after it. Writing (:mod:`signoff.adapters.store.audit_events`) and checking
(:mod:`signoff.adapters.store.verify`) both go through :func:`seal`, so they cannot
drift apart.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic_core import to_jsonable_python

from signoff.adapters.store.types import as_utc
from signoff.core.models import AuditEvent

GENESIS = "0" * 64
"""The ``prev_hash`` of the first event of every decision."""


def iso_utc(at: datetime) -> str:
    """One spelling per instant, whatever offset the writer used."""
    return as_utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def seal(
    prev_hash: str,
    *,
    event_id: str,
    decision_id: str,
    seq: int,
    kind: str,
    at: datetime,
    actor: str | None,
    stage: int | None,
    data: Any,
) -> str:
    """The sha256 hex digest of ``prev_hash`` followed by the event's canonical JSON.

    Takes plain values rather than a model so that a row altered into something the
    models would reject is still hashed (and reported) instead of raising.
    """
    canonical = json.dumps(
        {
            "event_id": event_id,
            "decision_id": decision_id,
            "seq": seq,
            "kind": str(kind),
            "at": iso_utc(at),
            "actor": actor,
            "stage": stage,
            "data": to_jsonable_python(data),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def chain_hash(prev_hash: str, event: AuditEvent, seq: int) -> str:
    """The hash sealing ``event`` at position ``seq`` after an event hashed ``prev_hash``."""
    return seal(
        prev_hash,
        event_id=event.event_id,
        decision_id=event.decision_id,
        seq=seq,
        kind=event.kind.value,
        at=event.at,
        actor=event.actor,
        stage=event.stage,
        data=event.data,
    )
