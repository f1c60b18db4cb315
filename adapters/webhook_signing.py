"""The Standard Webhooks signature scheme, for the sender and for receivers' tests.

Every delivery carries ``webhook-id`` (the same for every retry of one delivery, so a
receiver de-duplicates on it), ``webhook-timestamp`` (Unix seconds, signed so a captured
request cannot be replayed later) and ``webhook-signature``: ``v1,`` and the base64
HMAC-SHA256 of ``"{id}.{timestamp}.{body}"``, keyed with the secret. Secrets are written
``whsec_`` and base64, as the scheme's libraries in every language expect, so a receiver
verifies with one of them and the secret as it is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

__all__ = [
    "ID_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "message_id",
    "new_secret",
    "secret_key",
    "sign",
    "verify",
]

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
SECRET_PREFIX = "whsec_"
MIN_SECRET_BYTES = 24  # the scheme's lower bound for a secret's random bytes


def new_secret() -> str:
    """A fresh secret of 32 random bytes, written as the scheme writes secrets."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str | None) -> bytes:
    """The HMAC key inside a ``whsec_`` secret.

    Raises:
        ValueError: the secret is missing, not ``whsec_`` and base64, or shorter than
            24 bytes (a placeholder such as ``change-me`` is all three).
    """
    if not secret or not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a webhook secret is written {SECRET_PREFIX}<base64>")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the webhook secret after whsec_ is not base64") from None
    if len(key) < MIN_SECRET_BYTES:
        raise ValueError(f"a webhook secret needs at least {MIN_SECRET_BYTES} random bytes")
    return key


def message_id(key: str) -> str:
    """The ``webhook-id`` of a delivery, from what identifies it (decision, event,
    version): the same for every retry, and safe in a header whatever the decision id."""
    return "msg_" + hashlib.sha256(key.encode()).hexdigest()[:32]


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value of one delivery."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance_s: int = 300,
    now: float | None = None,
) -> bool:
    """Whether a delivery is genuine and fresh, as a receiver checks it.

    ``headers`` must look names up case-insensitively (aiohttp's and most frameworks' do).
    A timestamp more than ``tolerance_s`` from ``now`` is refused even when a signature
    matches; any one of the space-separated ``v1`` signatures may match.
    """
    msg_id = headers.get(ID_HEADER)
    stamp = headers.get(TIMESTAMP_HEADER)
    signatures = headers.get(SIGNATURE_HEADER)
    if not (msg_id and stamp and signatures):
        return False
    try:
        timestamp = int(stamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        return False
    expected = sign(secret_key(secret), msg_id, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in signatures.split(" "))
