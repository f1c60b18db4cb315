"""``--metrics-port`` on ``signoff worker`` (and the bots): where the operator's
Prometheus scrapes the Temporal SDK's metrics and Signoff's. It is the port of the one
setting, SIGNOFF_METRICS_ADDRESS, whose host it keeps."""

from __future__ import annotations

import asyncio
import socket
import uuid
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from signoff.core.settings import Settings
from tests.conftest import FIXTURES
from tests.helpers.prometheus import Scraped, scrape
from tests.helpers.signoff_process import SignoffProcess, clean_env, free_ports
from tests.helpers.waiting import eventually


async def test_a_worker_serves_its_metrics_on_the_port_it_is_given(
    tmp_path: Path, dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    unused, port = free_ports(2)
    task_queue = f"signoff-worker-{uuid.uuid4().hex[:8]}"
    env = clean_env(
        SIGNOFF_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        SIGNOFF_TASK_QUEUE=task_queue,
        SIGNOFF_DATABASE_URL=settings.store_url,
        SIGNOFF_DATA_DIR=str(settings.data_dir),
        SIGNOFF_POLICIES_FILE=str(FIXTURES / "policies.yaml"),
        SIGNOFF_DIRECTORY_FILE=str(FIXTURES / "directory.yaml"),
        SIGNOFF_METRICS_ADDRESS=f"127.0.0.1:{unused}",
    )
    worker = await SignoffProcess.start(
        "worker", "--metrics-port", str(port), env=env, cwd=tmp_path
    )
    try:
        await worker.wait_for("Worker polling task queue")

        async def with_backlog() -> Scraped | None:
            page = await scrape(f"http://127.0.0.1:{port}/metrics")
            shown = page.value("signoff_card_outbox_backlog", task_queue=task_queue)
            return page if shown is not None else None

        page = await eventually(with_backlog, timeout=30, every=0.5)
    finally:
        await worker.stop()

    assert page.value("signoff_card_outbox_backlog", task_queue=task_queue) == 0
    assert any(name.startswith("temporal_") for name, _, _ in page.samples)


async def test_a_metrics_port_already_taken_is_named_in_one_sentence(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = clean_env(
            SIGNOFF_DATA_DIR=str(tmp_path / "data"),
            SIGNOFF_METRICS_ADDRESS="127.0.0.1:9464",
        )
        worker = await SignoffProcess.start(
            "worker", "--metrics-port", str(port), env=env, cwd=tmp_path
        )
        code = await asyncio.wait_for(worker.process.wait(), 60)
        await worker.stop()

    assert code == 1
    assert worker.output.strip().startswith(f"Cannot serve metrics on 127.0.0.1:{port}")
