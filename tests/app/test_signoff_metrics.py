"""An operator scrapes Signoff's own series from the worker's Prometheus endpoint, beside
the Temporal SDK's: decisions started and decided, the time they took, refusals by code,
escalations, overrides and the audit store's write latency. The worker keeps no
workflow in its cache, so every workflow task replays the decision's history first:
a count of exactly one shows nothing is counted again on replay."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from signoff.app.worker import connect
from signoff.client import SignoffClient, connect_client
from signoff.core.errors import ActionRefused
from signoff.core.settings import Settings
from tests.conftest import make_request
from tests.helpers.prometheus import Scraped, scrape
from tests.helpers.recording_channel import RecordingChannel
from tests.helpers.signoff_process import free_ports
from tests.helpers.waiting import eventually


@dataclass
class MeteredWorker:
    signoff: SignoffClient
    channel: RecordingChannel
    url: str
    use_case: str

    async def scraped_once(self, name: str, **labels: str) -> Scraped:
        """The first scrape in which ``name`` with ``labels`` shows."""

        async def shown() -> Scraped | None:
            page = await scrape(self.url)
            return page if page.value(name, **labels) is not None else None

        return await eventually(shown, timeout=15, every=0.25)


@pytest.fixture
async def metered(dev_env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[MeteredWorker]:
    """A worker with its metrics on a port of its own, and a client for it."""
    (port,) = free_ports(1)
    worker_settings = settings.model_copy(
        update={
            "temporal_address": dev_env.client.service_client.config.target_host,
            "task_queue": f"signoff-metrics-{uuid.uuid4().hex[:8]}",
            "metrics_address": f"127.0.0.1:{port}",
        }
    )
    channel = RecordingChannel()
    client = await connect(worker_settings, channels={"console": channel})
    signoff = await connect_client(worker_settings.model_copy(update={"metrics_address": None}))
    use_case = f"refunds-{uuid.uuid4().hex[:6]}"
    async with Worker(client, task_queue=worker_settings.task_queue, max_cached_workflows=0):
        yield MeteredWorker(signoff, channel, f"http://127.0.0.1:{port}/metrics", use_case)


async def test_an_approved_decision_is_counted_once_with_its_time_to_decision(
    metered: MeteredWorker,
) -> None:
    request = make_request("first-lead", use_case=metered.use_case)
    await metered.signoff.submit(request)
    await metered.signoff.perform(request.id, "approve", "alice")
    await metered.signoff.wait_outcome(request.id)
    case = {"use_case": metered.use_case}

    page = await metered.scraped_once("signoff_decisions_decided", **case, outcome="approved")

    assert page.value("signoff_decisions_started", **case) == 1
    assert page.value("signoff_decisions_decided", **case, outcome="approved") == 1
    assert page.value("signoff_time_to_decision_seconds_count", **case, outcome="approved") == 1
    took = page.value("signoff_time_to_decision_seconds_sum", **case, outcome="approved")
    assert took is not None and 0 < took < 60
    assert any(name.startswith("temporal_workflow_task") for name, _, _ in page.samples)


async def test_a_refused_action_is_counted_by_its_code(metered: MeteredWorker) -> None:
    request = make_request("first-lead", use_case=metered.use_case)
    await metered.signoff.submit(request)

    with pytest.raises(ActionRefused):
        await metered.signoff.perform(request.id, "approve", "carol")

    page = await metered.scraped_once("signoff_refusals", code="not_asked")
    assert page.value("signoff_refusals", code="not_asked") == 1


async def test_escalations_and_overrides_are_counted_by_use_case(metered: MeteredWorker) -> None:
    request = make_request("slack-two-stage", use_case=metered.use_case)
    await metered.signoff.submit(request)
    await metered.signoff.perform(request.id, "escalate", "alice")
    await metered.signoff.perform(
        request.id, "override", "mona", verdict="reject", reason="Audit hold"
    )
    case = {"use_case": metered.use_case}

    page = await metered.scraped_once("signoff_overrides", **case)

    assert page.value("signoff_escalations", **case) == 1
    assert page.value("signoff_overrides", **case) == 1
    assert page.value("signoff_decisions_decided", **case, outcome="overridden") == 1


async def test_every_audit_write_is_timed_in_milliseconds(metered: MeteredWorker) -> None:
    request = make_request("first-lead", use_case=metered.use_case)
    await metered.signoff.submit(request)
    await metered.signoff.perform(request.id, "approve", "alice")
    await metered.signoff.wait_outcome(request.id)

    page = await metered.scraped_once("signoff_audit_write_latency_ms_count")

    audit = {"activity_type": "signoff.record_audit"}
    writes = page.value("signoff_audit_write_latency_ms_count", **audit)
    spent = page.value("signoff_audit_write_latency_ms_sum", **audit)
    assert writes is not None and writes >= 2
    assert spent is not None and spent > 0


async def test_a_card_the_chat_failed_to_take_is_counted_by_channel_kind(
    metered: MeteredWorker,
) -> None:
    metered.channel.fail_next = 1
    await metered.signoff.submit(make_request("first-lead", use_case=metered.use_case))

    page = await metered.scraped_once("signoff_card_deliveries_failed", channel="console")

    assert page.value("signoff_card_deliveries_failed", channel="console") == 1
