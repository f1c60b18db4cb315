"""Running a Signoff worker against a Temporal server."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from signoff.app.plugin import SignoffPlugin
from signoff.client.connection import connect_temporal
from signoff.core import search_attributes as search
from signoff.core.channel_protocol import Channel
from signoff.core.settings import Settings


async def ensure_search_attributes(client: Client) -> None:
    """Register Signoff's search attributes on the namespace where they are missing."""
    namespace = client.namespace
    try:
        existing = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        known = set(existing.custom_attributes)
    except RPCError as err:
        # The time-skipping test server can add search attributes but not list them.
        if err.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        known = set()
    missing = {
        key.name: (
            IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST
            if key is search.PENDING_APPROVERS
            else IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
        )
        for key in search.ALL_KEYS
        if key.name not in known
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )


async def connect(
    settings: Settings, *, channels: Mapping[str, Channel] | None = None, dev: bool = False
) -> Client:
    """A client with Signoff's plugin: workers made from it run decisions (``dev``:
    ``signoff dev``'s, which alone may accept unvouched actions)."""
    plugin = SignoffPlugin(settings=settings, channels=channels, dev=dev)
    return await connect_temporal(settings, plugins=[plugin])


async def run_worker(
    settings: Settings,
    *,
    client: Client | None = None,
    channels: Mapping[str, Channel] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run a worker until ``stop`` is set (or forever)."""
    client = client or await connect(settings, channels=channels)
    await ensure_search_attributes(client)
    async with Worker(client, task_queue=settings.task_queue):
        await (stop or asyncio.Event()).wait()
