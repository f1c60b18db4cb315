"""Where an inline policy may send webhooks.

A webhook card carries the whole decision state, signed with the operator's secret. A
submitter who could name any URL in an inline policy would receive genuine signed copies
of every change to the decision, wherever they liked; so an inline policy's webhook
channels may point only at hosts the operator lists. The catalog's policies are the
operator's own and are not checked.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

from signoff.core.models import ReviewPolicy

__all__ = ["unallowed_webhook_host"]


def unallowed_webhook_host(policy: ReviewPolicy, allowed: Collection[str]) -> str | None:
    """The first webhook destination of ``policy`` whose host is not in ``allowed``
    (its host, or the destination itself when it is no http(s) URL); None when all are.
    A channel without a destination posts to the operator's own outcome URL."""
    for channel in policy.channels:
        if channel.kind != "webhook" or channel.destination is None:
            continue
        parts = urlsplit(channel.destination)
        host = parts.hostname
        if parts.scheme not in ("http", "https") or not host:
            return repr(channel.destination)
        if host.lower() not in allowed:
            return host
    return None
