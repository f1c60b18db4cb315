"""A signed statement of where one decision's audit chain stood.

The hash chain alone only shows that rows were changed *without recomputing* it: anyone
who can write to the database can rewrite events and recompute every hash. A head signed
with a key the database never holds cannot be recomputed, and a copy of each signed head
kept outside the database (the checkpoint log) also shows deleted decisions and chains
cut back to an earlier head.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pydantic import BaseModel, Field

STATEMENT_VERSION = "signoff-audit-head/v1"
"""Named in every signed statement, so a signature can never be replayed as another kind
of statement (or an older format)."""


class SignedHead(BaseModel):
    """The head (``seq``, ``hash``) of ``decision_id``'s chain, signed by ``key_id``."""

    decision_id: str
    seq: int = Field(ge=1)
    hash: str = Field(min_length=64, max_length=64)
    signed_at: datetime
    key_id: str
    signature: str = ""

    def statement(self) -> bytes:
        """The exact bytes the signature covers: everything but the signature."""
        return json.dumps(
            {
                "v": STATEMENT_VERSION,
                "decision_id": self.decision_id,
                "seq": self.seq,
                "hash": self.hash,
                "signed_at": self.signed_at.astimezone(UTC).isoformat(),
                "key_id": self.key_id,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode("utf-8")
