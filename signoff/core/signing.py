"""Ed25519 keys as Signoff writes them: raw public keys and signatures in unpadded
base64url, key ids derived from the key itself. Shared by the audit key
(:mod:`signoff.adapters.notary`) and the surfaces that vouch for actions
(:mod:`signoff.core.vouching`), so both spell keys the same way."""

from __future__ import annotations

import base64
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public: Ed25519PublicKey) -> str:
    """The first 16 hex digits of the SHA-256 of the raw key: an id that cannot be
    paired with another key."""
    return hashlib.sha256(raw_public(public)).hexdigest()[:16]


def public_key(text: str) -> Ed25519PublicKey:
    """A public key from its base64url text; ValueError when it is not one."""
    return Ed25519PublicKey.from_public_bytes(unb64(text))


def verifies(public: Ed25519PublicKey, signature: str, message: bytes) -> bool:
    try:
        public.verify(unb64(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True
