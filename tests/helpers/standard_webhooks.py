"""What a receiver does with a Signoff webhook: verify it with the Standard Webhooks
reference library (an implementation independent of ours) and the shared secret."""

from __future__ import annotations

from typing import Any

from standardwebhooks import Webhook

from tests.helpers.http_recorder import RecordedRequest

__all__ = ["SECRET", "received"]

SECRET = "whsec_LwCKtbFlA2H9j5yCsmNd0NrKDtEOw8uodXtJ4E2ZOPo="
"""A secret as the scheme writes them: ``whsec_`` and 32 random bytes in base64."""


def received(request: RecordedRequest, secret: str = SECRET) -> Any:
    """The delivery's JSON once its signature and timestamp check out; raises
    ``standardwebhooks.WebhookVerificationError`` otherwise."""
    return Webhook(secret).verify(request.body, dict(request.headers))
