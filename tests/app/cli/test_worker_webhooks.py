"""``signoff worker`` and webhooks, as an operator runs it: it refuses to sign with no
real secret, and posts the cards of policies with a webhook channel, signed."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import yaml
from temporalio.testing import WorkflowEnvironment

from signoff import SignoffClient
from signoff.adapters.channels import WebhookEvent
from signoff.adapters.notary import load_voucher
from signoff.core.settings import Settings
from tests.conftest import FIXTURES, TEST_SURFACE, make_request
from tests.helpers.http_recorder import HttpRecorder
from tests.helpers.signoff_process import SignoffProcess, clean_env, free_ports
from tests.helpers.standard_webhooks import SECRET, received


async def exit_of(tmp_path: Path, **settings: str) -> tuple[int, str]:
    """Run ``signoff worker`` against a port where no Temporal listens: a worker that
    gets as far as connecting has not refused."""
    (closed,) = free_ports(1)
    env = clean_env(
        SIGNOFF_DATA_DIR=str(tmp_path / "data"),
        SIGNOFF_TEMPORAL_ADDRESS=f"127.0.0.1:{closed}",
        **settings,
    )
    worker = await SignoffProcess.start("worker", env=env, cwd=tmp_path)
    code = await asyncio.wait_for(worker.process.wait(), 60)
    await worker.stop()
    return code, worker.output


async def test_a_worker_that_may_send_webhooks_will_not_start_without_a_secret(
    tmp_path: Path,
) -> None:
    code, output = await exit_of(tmp_path, SIGNOFF_OUTCOME_WEBHOOK_URL="https://hooks.example/o")

    assert code == 2
    assert output.strip() == (
        "This worker may send webhooks (SIGNOFF_OUTCOME_WEBHOOK_URL is set) but"
        " SIGNOFF_WEBHOOK_SECRET is not set, so it will not start: set it to a secret from"
        " `signoff keys webhook-secret`."
    )


async def test_a_placeholder_secret_is_refused(tmp_path: Path) -> None:
    code, output = await exit_of(tmp_path, SIGNOFF_WEBHOOK_SECRET="change-me")

    assert code == 2
    assert output.startswith("SIGNOFF_WEBHOOK_SECRET is not usable (a webhook secret is written")


async def test_signoff_worker_posts_a_webhook_channels_cards_signed(
    tmp_path: Path, dev_env: WorkflowEnvironment, settings: Settings, server: HttpRecorder
) -> None:
    policies = yaml.safe_load((FIXTURES / "policies.yaml").read_text(encoding="utf-8"))
    policies["policies"].append(
        {
            "name": "leads-by-webhook",
            "channels": [{"kind": "webhook", "destination": server.url}],
            "stages": [{"name": "leads", "approvers": ["group:leads"]}],
        }
    )
    policies_file = tmp_path / "policies.yaml"
    policies_file.write_text(yaml.safe_dump(policies), encoding="utf-8")
    task_queue = f"signoff-worker-{uuid.uuid4().hex[:8]}"
    env = clean_env(
        SIGNOFF_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        SIGNOFF_TASK_QUEUE=task_queue,
        SIGNOFF_DATABASE_URL=settings.store_url,
        SIGNOFF_DATA_DIR=str(settings.data_dir),
        SIGNOFF_AUDIT_CHECKPOINT_LOG=str(settings.checkpoint_log_path),
        SIGNOFF_KEYS_DIR=str(settings.keys_path),
        SIGNOFF_SURFACES_FILE=str(settings.surfaces_path),
        SIGNOFF_POLICIES_FILE=str(policies_file),
        SIGNOFF_DIRECTORY_FILE=str(FIXTURES / "directory.yaml"),
        SIGNOFF_WEBHOOK_SECRET=SECRET,
    )
    worker = await SignoffProcess.start("worker", env=env, cwd=tmp_path)
    try:
        await worker.wait_for("Worker polling task queue")
        signoff = SignoffClient(
            dev_env.client,
            task_queue=task_queue,
            voucher=load_voucher(settings.keys_path, TEST_SURFACE),
        )
        request = make_request("leads-by-webhook")
        await signoff.submit(request)

        [delivery] = await server.wait_for(1, timeout=30)
    finally:
        await worker.stop()

    event = WebhookEvent.model_validate(received(delivery))
    assert (event.type, event.decision_id) == ("card.posted", request.id)
    assert event.state.request.title == request.title
