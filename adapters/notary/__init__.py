"""The audit trail's anchor outside the database: an Ed25519 audit key that signs each
chain head, and an append-only log of those signatures."""

from signoff.adapters.notary.checkpoint_log import CheckpointLog, LogContents
from signoff.adapters.notary.keyring import AuditKeyring, KeyringError, PublicKeys
from signoff.adapters.notary.notary import Anchor, Notary
from signoff.adapters.notary.surface_keys import create_surface, load_voucher

__all__ = [
    "Anchor",
    "AuditKeyring",
    "CheckpointLog",
    "KeyringError",
    "LogContents",
    "Notary",
    "PublicKeys",
    "create_surface",
    "load_voucher",
]
