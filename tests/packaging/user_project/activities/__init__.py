"""The application's own activities package."""

from __future__ import annotations

from temporalio import activity


@activity.defn
async def issue_refund(order: str) -> str:
    return f"refunded {order}"
