"""An operator sees failing outcome webhooks on the worker's Prometheus endpoint, beside
the Temporal SDK's own metrics, not only in its log."""

from __future__ import annotations

import uuid

import aiohttp
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from signoff.app.worker import connect
from signoff.client import connect_client
from signoff.core.settings import Settings
from tests.conftest import make_request
from tests.helpers.http_recorder import HttpRecorder
from tests.helpers.recording_channel import RecordingChannel
from tests.helpers.signoff_process import free_ports
from tests.helpers.standard_webhooks import SECRET
from tests.helpers.waiting import eventually


async def test_a_refused_outcome_webhook_is_counted_on_the_workers_metrics_endpoint(
    dev_env: WorkflowEnvironment, settings: Settings, server: HttpRecorder
) -> None:
    server.fail_next(1000, 410)
    (port,) = free_ports(1)
    worker_settings = settings.model_copy(
        update={
            "temporal_address": dev_env.client.service_client.config.target_host,
            "task_queue": f"signoff-metrics-{uuid.uuid4().hex[:8]}",
            "metrics_address": f"127.0.0.1:{port}",
            "outcome_webhook_url": server.url,
            "webhook_secret": SECRET,
        }
    )
    client = await connect(worker_settings, channels={"console": RecordingChannel()})
    signoff = await connect_client(worker_settings.model_copy(update={"metrics_address": None}))

    async def counted() -> str | None:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/metrics") as answer,
        ):
            text = await answer.text()
        return next(
            (
                line
                for line in text.splitlines()
                if line.startswith("signoff_outcome_webhook_failures")
                and 'host="127.0.0.1"' in line
                and 'refused="true"' in line
            ),
            None,
        )

    async with Worker(client, task_queue=worker_settings.task_queue):
        request = make_request("first-lead")
        await signoff.submit(request)
        await signoff.perform(request.id, "approve", "alice")
        line = await eventually(counted, timeout=15, every=0.5)

    assert line.rsplit(" ", 1)[1] == "1"
