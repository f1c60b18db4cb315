"""A database administrator with the source code but without the audit key: each
function edits a SQLite store the way such a person could, and covers its tracks as
well as the database allows (recomputing every hash with the store's own ``seal``)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from signoff.adapters.store.chain import GENESIS, seal


def _rows(db: sqlite3.Connection, decision_id: str) -> list[sqlite3.Row]:
    return db.execute(
        "SELECT * FROM audit_events WHERE decision_id = ? ORDER BY seq", (decision_id,)
    ).fetchall()


def recompute(db: sqlite3.Connection, decision_id: str) -> None:
    """Reseal the whole chain and move its head to the end: every unkeyed check passes."""
    prev = GENESIS
    last: sqlite3.Row | None = None
    for row in _rows(db, decision_id):
        sealed = seal(
            prev,
            event_id=row["event_id"],
            decision_id=row["decision_id"],
            seq=row["seq"],
            kind=row["kind"],
            at=datetime.fromisoformat(row["at"]),
            actor=row["actor"],
            stage=row["stage"],
            data=json.loads(row["data"]),
        )
        db.execute(
            "UPDATE audit_events SET prev_hash = ?, hash = ? WHERE id = ?",
            (prev, sealed, row["id"]),
        )
        prev, last = sealed, row
    if last is None:
        db.execute("DELETE FROM audit_heads WHERE decision_id = ?", (decision_id,))
    else:
        db.execute(
            "UPDATE audit_heads SET seq = ?, event_id = ?, hash = ? WHERE decision_id = ?",
            (last["seq"], last["event_id"], prev, decision_id),
        )


def rewrite(path: Path, decision_id: str, kind: str, **changes: Any) -> None:
    """Change the ``kind`` event's columns (``data`` as a dict), then reseal the chain;
    signed heads the store keeps are left as they are or deleted, as the attacker likes."""
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        for column, value in changes.items():
            stored = json.dumps(value) if column == "data" else value
            db.execute(
                f"UPDATE audit_events SET {column} = ? WHERE decision_id = ? AND kind = ?",
                (stored, decision_id, kind),
            )
        recompute(db, decision_id)


def drop_signatures(path: Path, decision_id: str) -> None:
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM audit_checkpoints WHERE decision_id = ?", (decision_id,))


def delete_decision(path: Path, decision_id: str) -> None:
    """Every trace of the decision in every table."""
    with sqlite3.connect(path) as db:
        for table in (
            "audit_events",
            "audit_heads",
            "audit_checkpoints",
            "decisions",
            "feedback",
            "reported_outcomes",
            "cards",
            "card_jobs",
            "card_notices",
        ):
            db.execute(f"DELETE FROM {table} WHERE decision_id = ?", (decision_id,))


def cut_back(path: Path, decision_id: str, keep: int) -> None:
    """Delete every event after ``keep`` and their signed heads, and move the head back
    to event ``keep`` (whose signed head is kept: it is genuine)."""
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        db.execute(
            "DELETE FROM audit_events WHERE decision_id = ? AND seq > ?", (decision_id, keep)
        )
        db.execute(
            "DELETE FROM audit_checkpoints WHERE decision_id = ? AND seq > ?", (decision_id, keep)
        )
        recompute(db, decision_id)


def edit_decision_row(path: Path, decision_id: str, **columns: Any) -> None:
    """Change the decisions row's columns and its state document alike."""
    with sqlite3.connect(path) as db:
        (state,) = db.execute(
            "SELECT state FROM decisions WHERE decision_id = ?", (decision_id,)
        ).fetchone()
        document = json.loads(state)
        for column, value in columns.items():
            stored = json.dumps(value) if isinstance(value, list) else value
            db.execute(
                f"UPDATE decisions SET {column} = ? WHERE decision_id = ?", (stored, decision_id)
            )
            if column == "status":
                document["status"] = value
                if document.get("outcome"):
                    document["outcome"]["status"] = value
            if column == "decided_by" and document.get("outcome"):
                document["outcome"]["decided_by"] = value
        db.execute(
            "UPDATE decisions SET state = ? WHERE decision_id = ?",
            (json.dumps(document), decision_id),
        )


def forge_signature(path: Path, decision_id: str) -> None:
    """Sign the current head with a made-up signature under the real key's id."""
    with sqlite3.connect(path) as db:
        seq, sealed = db.execute(
            "SELECT seq, hash FROM audit_heads WHERE decision_id = ?", (decision_id,)
        ).fetchone()
        key_id, signed_at = db.execute(
            "SELECT key_id, signed_at FROM audit_checkpoints LIMIT 1"
        ).fetchone()
        db.execute(
            "DELETE FROM audit_checkpoints WHERE decision_id = ? AND seq = ?", (decision_id, seq)
        )
        db.execute(
            "INSERT INTO audit_checkpoints VALUES (?, ?, ?, ?, ?, ?)",
            (decision_id, seq, sealed, signed_at, key_id, "A" * 86),
        )
