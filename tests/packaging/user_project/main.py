"""An application's worker with SignoffPlugin beside its own workflows and activities;
prints one JSON line saying where each package came from and how the decision ended.

Usage: python main.py TEMPORAL_ADDRESS TASK_QUEUE STORE_URL FIXTURES_DIR
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import uuid
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Worker

import activities
import signoff
import workflows
from activities import issue_refund
from signoff import DecisionRequest, ModelInfo, Proposal, SignoffClient, SignoffPlugin
from signoff.adapters.notary import create_surface, load_voucher
from signoff.core.settings import Settings
from workflows import RefundFlow


async def main(address: str, task_queue: str, store_url: str, fixtures: Path) -> None:
    # The application's people act through a surface of its own, which the worker trusts.
    data = Path(tempfile.mkdtemp())
    create_surface(data / "keys", data / "surfaces.yaml", "refund-app", "anyone")
    settings = Settings(
        data_dir=data,
        temporal_address=address,
        task_queue=task_queue,
        database_url=store_url,
        policies_file=fixtures / "policies.yaml",
        directory_file=fixtures / "directory.yaml",
    )
    client = await Client.connect(address, plugins=[SignoffPlugin(settings=settings)])
    request = DecisionRequest(
        id=f"wheel-{uuid.uuid4().hex[:8]}",
        use_case="refunds",
        subject="order-1042",
        title="Refund $120",
        proposal=Proposal(text="Refund $120."),
        confidence=0.7,
        model=ModelInfo(name="support-llm", version="2026-10"),
        requester="rita",
        policy="first-lead",
    )
    async with Worker(
        client, task_queue=task_queue, workflows=[RefundFlow], activities=[issue_refund]
    ):
        handle = await client.start_workflow(
            RefundFlow.run, request, id=f"app-{request.id}", task_queue=task_queue
        )
        decisions = SignoffClient(
            client, task_queue=task_queue, voucher=load_voucher(data / "keys", "refund-app")
        )
        while True:
            try:
                await decisions.perform(request.id, "approve", "alice")
                break
            except signoff.DecisionNotFound:
                await asyncio.sleep(0.1)
        result = await asyncio.wait_for(handle.result(), timeout=60)
    print(
        json.dumps(
            {
                "signoff": signoff.__file__,
                "workflows": workflows.__file__,
                "activities": activities.__file__,
                "result": result,
            }
        )
    )


if __name__ == "__main__":
    address, queue, url, fixtures = sys.argv[1:5]
    asyncio.run(main(address, queue, url, Path(fixtures)))
