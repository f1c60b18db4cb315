"""What the store needs to anchor its chains: a signer, and where signed heads go.

The store signs inside its write transaction (the signature commits with the events it
covers) and hands the signed heads to :meth:`Notary.publish` after the commit. A worker
that dies between the two leaves a head unpublished; the retried write of the same
events publishes the decision's newest signed head again, which covers everything
before it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from signoff.adapters.notary.checkpoint_log import CheckpointLog, LogContents
from signoff.adapters.notary.keyring import AuditKeyring, AuditSigner, PublicKeys
from signoff.core.models import SignedHead
from signoff.core.settings import Settings


class Notary:
    def __init__(self, signer: AuditSigner, log: CheckpointLog | None = None) -> None:
        self._signer = signer
        self.log = log

    @classmethod
    def for_settings(cls, settings: Settings) -> Notary | None:
        """The notary of the configured keyring, or None when there is no keyring (the
        chains are then unsigned, which ``signoff audit verify`` says)."""
        keys = AuditKeyring(settings.keys_path)
        if not keys.exists():
            return None
        return cls(keys.signer(), CheckpointLog(settings.checkpoint_log_path))

    def sign(self, decision_id: str, seq: int, hash: str, at: datetime) -> SignedHead:
        head = SignedHead(
            decision_id=decision_id, seq=seq, hash=hash, signed_at=at, key_id=self._signer.key_id
        )
        return self._signer.sign(head)

    async def publish(self, heads: Sequence[SignedHead]) -> None:
        if self.log is not None and heads:
            await asyncio.to_thread(self.log.append, heads)


@dataclass(frozen=True)
class Anchor:
    """What a verifier trusts outside the database: the audit public keys, and the
    checkpoint logs (several when workers on several hosts keep their own)."""

    keys: PublicKeys
    logs: Sequence[CheckpointLog] = ()

    @classmethod
    def for_settings(cls, settings: Settings, logs: Sequence[Path] | None = None) -> Anchor | None:
        """The configured keyring's public keys and ``logs`` (the configured checkpoint
        log when None), or None when there is no keyring."""
        keys = AuditKeyring(settings.keys_path)
        if not keys.exists():
            return None
        paths = [settings.checkpoint_log_path] if logs is None else list(logs)
        return cls(keys.public_keys(), [CheckpointLog(p) for p in paths])

    def read_logs(self) -> LogContents:
        merged = LogContents()
        for log in self.logs:
            found = log.read()
            merged.heads += found.heads
            merged.unreadable += found.unreadable
        return merged
