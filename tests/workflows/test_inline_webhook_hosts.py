"""A submitter's inline policy may send webhook cards only to hosts the operator allows:
each card is a signed copy of the whole decision, which must not go wherever a submitter
likes. The catalog's policies are the operator's own and may name any host."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from signoff import InvalidPolicyError, Status
from signoff.adapters.store import Store
from signoff.core.models import ChannelTarget, ReviewPolicy, Stage
from signoff.core.settings import Settings
from tests.conftest import Harness, make_request
from tests.helpers.standard_webhooks import SECRET


def posting_to(destination: str) -> ReviewPolicy:
    return ReviewPolicy(
        name="leads-and-my-hook",
        stages=[Stage(name="leads", approvers=["group:leads"])],
        channels=[ChannelTarget(kind="webhook", destination=destination)],
    )


@pytest.fixture
async def allowing(dev_env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Harness]:
    """A worker whose operator allows webhooks to hooks.example.com only."""
    harness = Harness(
        dev_env.client,
        settings.model_copy(
            update={"webhook_allowed_hosts": ["hooks.example.com"], "webhook_secret": SECRET}
        ),
    )
    async with harness.worker():
        yield harness


@pytest.mark.parametrize(
    ("destination", "named"),
    [
        ("https://collector.attacker.example/x", "collector.attacker.example"),
        ("http://127.0.0.1:9/hook", "127.0.0.1"),
        ("ftp://hooks.example.com/x", "'ftp://hooks.example.com/x'"),
    ],
)
async def test_an_inline_webhook_to_a_host_the_operator_does_not_allow_is_refused(
    allowing: Harness, store: Store, destination: str, named: str
) -> None:
    request = make_request(posting_to(destination), requester="rita")

    with pytest.raises(InvalidPolicyError) as refused:
        await allowing.signoff.submit(request)

    assert str(refused.value) == (
        "An inline policy's webhook channel may post only to hosts the operator allows"
        f" (SIGNOFF_WEBHOOK_ALLOWED_HOSTS), and {named} is not one of them."
    )
    assert await store.events(request.id) == []


async def test_with_no_hosts_allowed_no_inline_webhook_is_accepted(live: Harness) -> None:
    request = make_request(posting_to("https://hooks.example.com/in"), requester="rita")

    with pytest.raises(InvalidPolicyError, match=r"hooks\.example\.com is not one of them"):
        await live.signoff.submit(request)


async def test_an_inline_webhook_to_an_allowed_host_is_accepted(allowing: Harness) -> None:
    request = make_request(posting_to("https://Hooks.Example.com/in"), requester="rita")

    state = await allowing.signoff.submit(request)

    assert state.status is Status.PENDING
    assert state.plan.policy_version.startswith("inline:")
