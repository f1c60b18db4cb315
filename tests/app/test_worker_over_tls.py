"""A worker and a client that both reach Temporal over mutual TLS, as they would reach
Temporal Cloud or a self-hosted cluster behind TLS, carry a decision to its outcome."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from signoff.app.worker import connect
from signoff.client import connect_client
from signoff.core.settings import Settings
from tests.conftest import make_request
from tests.helpers.recording_channel import RecordingChannel
from tests.helpers.tls import TlsProxy, make_certificates, over_tls


async def test_a_decision_is_approved_with_worker_and_client_both_over_mutual_tls(
    dev_env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    certs = make_certificates(tmp_path)
    target = dev_env.client.service_client.config.target_host
    async with TlsProxy(target, certs) as proxy:
        queue = f"signoff-tls-{uuid.uuid4().hex[:8]}"
        over = over_tls(settings, proxy.address, certs, certs.client)
        over = over.model_copy(update={"task_queue": queue})
        worker_client = await connect(over, channels={"console": RecordingChannel()})
        signoff = await connect_client(over)
        async with Worker(worker_client, task_queue=queue):
            request = make_request("first-lead")
            await signoff.submit(request)
            await signoff.perform(request.id, "approve", "alice", seen_stage=0)
            outcome = await signoff.wait_outcome(request.id, timeout=timedelta(seconds=10))

    assert outcome.approved and outcome.decided_by == ["alice"]
