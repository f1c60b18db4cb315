"""A click is traced from the Slack bot to the card it redraws: the bot's action and the
Update it sends in the click's trace; the decision's handling of it, linked to that
Update; and under the audit activity the approve scheduled, its store write and the
card the outbox drew from that write.

Spans are kept in memory; Temporal's own come from its tracing interceptor on the
client the bot and the worker share (``connect_temporal`` adds it when tracing is
configured)."""

from __future__ import annotations

from opentelemetry.sdk.trace import ReadableSpan
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from signoff.core.settings import Settings
from tests.conftest import Harness
from tests.helpers.decisions import final_state, submit
from tests.helpers.slack_api import SlackApi
from tests.helpers.slack_requests import click, slack_bot
from tests.helpers.spans import Recorded
from tests.helpers.waiting import eventually


def named(spans: list[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


def children(spans: list[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


async def test_a_click_is_traced_from_the_bot_to_the_redrawn_card(
    spans: Recorded, dev_env: WorkflowEnvironment, settings: Settings, api: SlackApi
) -> None:
    config = dev_env.client.service_client.config
    client = await Client.connect(
        config.target_host,
        namespace=dev_env.client.namespace,
        data_converter=pydantic_data_converter,
        interceptors=[TracingInterceptor()],
    )
    harness = Harness(client, settings)
    async with harness.worker(), slack_bot(harness.vouching_as("slack"), api) as bot:
        decision_id = await submit(harness)
        assert (await bot.send(click(decision_id, "approve"))).status == 200
        await final_state(harness, decision_id)

        async def drawn_after_the_click() -> list[ReadableSpan] | None:
            done = list(spans.spans)
            handled = named(done, "HandleUpdate:approve")
            if not handled:
                return None
            after = handled[0].start_time or 0
            draws = [s for s in named(done, "signoff.card.draw") if (s.start_time or 0) > after]
            # The bot's span ends when its Update returns, which may be after the draw.
            return done if draws and named(done, "signoff.slack.action") else None

        done = await eventually(drawn_after_the_click, timeout=15)

    # The click's own trace: the bot's action, and the Update it sent.
    (action,) = named(done, "signoff.slack.action")
    (update,) = named(done, "StartWorkflowUpdate:approve")
    assert update.parent is not None and update.parent.span_id == action.context.span_id
    # Temporal's interceptor keeps a workflow's spans in the decision's trace and links
    # the handler to the call that sent it.
    (handled,) = named(done, "HandleUpdate:approve")
    assert [link.context.span_id for link in handled.links] == [update.context.span_id]
    # The audit activity the approve scheduled, its store write, and the card the outbox
    # drew from that write, all in the decision's trace under that activity.
    started = [
        s
        for s in named(done, "StartActivity:signoff.record_audit")
        if (s.start_time or 0) >= (handled.start_time or 0)
    ]
    assert started, [s.name for s in done]
    (ran,) = [r for s in started[:1] for r in children(done, s)]
    assert ran.name == "RunActivity:signoff.record_audit"
    below = {s.name for s in children(done, ran)}
    assert {"signoff.store.record", "signoff.card.draw"} <= below, sorted(below)
    assert {s.context.trace_id for s in (handled, ran)} == {started[0].context.trace_id}
