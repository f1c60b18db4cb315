"""The everyday path: a decision is submitted, routed, shown, approved and audited."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from signoff import ActionRefused, InvalidPolicyError, SignoffPlugin, Status
from signoff.adapters.store import Store
from signoff.core.models import AuditKind
from signoff.core.settings import Settings
from tests.conftest import Harness, make_request
from tests.helpers.recording_channel import RecordingChannel


async def test_an_approval_finalizes_the_decision_audits_it_and_redraws_the_card(
    live: Harness, store: Store
) -> None:
    request = make_request("first-lead")
    state = await live.signoff.submit(request)
    assert state.status is Status.PENDING
    assert state.stage is not None and state.stage.asked == ["alice", "bob"]

    result = await live.signoff.perform(request.id, "approve", "alice", seen_stage=0)

    assert result.applied and result.status == "approved"
    outcome = await live.signoff.wait_outcome(request.id)
    assert outcome.approved and outcome.decided_by == ["alice"]
    assert outcome.final_text == "Refund $120 to the customer's card."
    kinds = [e.kind.value for e in await store.events(request.id)]
    assert kinds[:4] == ["submitted", "routed", "stage_started", "voted"]
    assert "finalized" in kinds
    summary = await store.query_decisions(status="approved", use_case="refunds")
    assert request.id in [s.decision_id for s in summary]
    await _until(lambda: live.channel.last_drawn_status(request.id) == "approved")
    # one shared card, posted once (pending, or already approved if drawn after the vote)
    assert [recipient for d, recipient, _ in live.channel.posts if d == request.id] == [None]


async def test_submitting_the_same_id_twice_starts_one_decision(live: Harness) -> None:
    request = make_request("first-lead")
    first = await live.signoff.submit(request)
    second = await live.signoff.submit(request)
    assert first.decision_id == second.decision_id
    assert second.version >= first.version


async def test_an_unknown_policy_fails_submission_with_the_known_names(live: Harness) -> None:
    with pytest.raises(InvalidPolicyError, match="unknown policy 'nope'; known policies"):
        await live.signoff.submit(make_request("nope"))


async def test_an_approver_outside_the_stage_is_refused_and_the_refusal_is_audited(
    live: Harness, store: Store
) -> None:
    request = make_request("first-lead")
    await live.signoff.submit(request)

    with pytest.raises(ActionRefused) as refused:
        await live.signoff.perform(request.id, "approve", "carol")

    assert refused.value.code == "not_asked"
    assert "asked: alice, bob" in refused.value.message
    events = await _eventually(store, request.id, "refused")
    assert events[-1].actor == "carol" and events[-1].data["code"] == "not_asked"
    assert (await live.signoff.state(request.id)).status is Status.PENDING


async def test_a_chat_outage_delays_the_card_but_loses_no_decision(live: Harness) -> None:
    live.channel.fail_next = 3
    request = make_request("first-lead")
    await live.signoff.submit(request)

    result = await live.signoff.perform(request.id, "approve", "bob")

    assert result.status == "approved"
    await _until(lambda: live.channel.last_drawn_status(request.id) == "approved", seconds=30)
    assert live.channel.fail_next == 0


async def test_everyone_asked_gets_a_card_even_when_the_decision_was_taken_before_the_chat_answered(
    live: Harness,
) -> None:
    live.channel.fail_next = 1  # the first draw fails; the retry finds the decision taken
    request = make_request("first-lead-dm")
    await live.signoff.submit(request)

    await live.signoff.perform(request.id, "approve", "bob")

    def posted() -> list[tuple[str | None, str]]:
        return sorted((who, status) for d, who, status in live.channel.posts if d == request.id)

    await _until(lambda: len(posted()) == 2, seconds=30)
    assert posted() == [("alice", "approved"), ("bob", "approved")]


async def test_pending_lists_what_waits_for_a_person_by_pseudonymous_token(
    live: Harness,
) -> None:
    request = make_request("first-lead")
    await live.signoff.submit(request)

    async def listed() -> bool:
        pending = await live.signoff.pending("bob")
        return request.id in [p.decision_id for p in pending]

    await _until_async(listed)
    assert request.id not in [p.decision_id for p in await live.signoff.pending("carol")]
    await live.signoff.perform(request.id, "approve", "bob")

    async def gone() -> bool:
        return not await listed()

    await _until_async(gone)


async def test_a_decision_audited_into_postgresql_verifies(
    dev_env: WorkflowEnvironment, settings: Settings, postgresql_url: str
) -> None:
    harness = Harness(dev_env.client, settings.model_copy(update={"database_url": postgresql_url}))
    request = make_request("first-lead")
    async with harness.worker():
        await harness.signoff.submit(request)
        await harness.signoff.perform(request.id, "approve", "alice")
    async with await Store.open(postgresql_url) as store:
        events = await store.events(request.id)
        assert [e.kind.value for e in events][-1] in {"finalized", "outcome_delivered"}
        assert (await store.verify(request.id)).ok
        assert (await store.decision_state(request.id)) is not None


async def _until(check: Callable[[], bool], seconds: float = 10) -> None:
    async def wrapped() -> bool:
        return check()

    await _until_async(wrapped, seconds)


async def _until_async(check: Callable[[], Awaitable[bool]], seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.1)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


async def _eventually(store: Store, decision_id: str, kind: str) -> list:
    for _ in range(100):
        events = [e for e in await store.events(decision_id) if e.kind.value == kind]
        if events:
            return events
        await asyncio.sleep(0.05)
    raise AssertionError(f"no '{kind}' event for {decision_id}")


async def test_cards_still_owed_when_a_worker_stops_are_drawn_by_the_next_one(
    dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    harness = Harness(dev_env.client, settings)
    harness.channel.fail_next = 10_000  # the chat is down the whole time this worker runs
    request = make_request("first-lead")
    async with harness.worker():
        await harness.signoff.submit(request)
        await harness.signoff.perform(request.id, "approve", "bob")
    assert harness.channel.last_drawn_status(request.id) is None
    harness.channel.fail_next = 0

    async with harness.worker():  # a new worker, the same store: nothing was lost
        await _until(lambda: harness.channel.last_drawn_status(request.id) == "approved", 90)

    assert [status for d, status in harness.channel.drawn if d == request.id] == ["approved"]


async def test_two_workers_on_one_queue_post_each_card_once(
    dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    harness = Harness(dev_env.client, settings)
    other = RecordingChannel()
    plugin = SignoffPlugin(settings=harness.settings, channels={"console": other})
    requests = [make_request("first-lead") for _ in range(6)]
    # Another process, as far as Temporal can tell: a client of its own.
    second = await Client.connect(
        dev_env.client.service_client.config.target_host,
        data_converter=dev_env.client.data_converter,
    )
    async with (
        harness.worker(),
        Worker(second, task_queue=harness.task_queue, plugins=[plugin]),
    ):
        for request in requests:
            await harness.signoff.submit(request)
            await harness.signoff.perform(request.id, "approve", "bob")

        def shown(request_id: str) -> set[str | None]:
            """What each worker's cards last showed: either may have drawn the last one."""
            return {c.last_drawn_status(request_id) for c in (harness.channel, other)}

        for request in requests:
            await _until(lambda r=request: "approved" in shown(r.id), 30)

    for request in requests:
        posts = [p for p in [*harness.channel.posts, *other.posts] if p[0] == request.id]
        assert len(posts) == 1, posts


async def test_sending_the_same_action_again_is_answered_as_a_duplicate_and_counts_once(
    live: Harness, store: Store
) -> None:
    request = make_request("analysts-2-of-3")
    await live.signoff.submit(request)

    first = await live.signoff.perform(request.id, "approve", "alice", action_id="click-7")
    again = await live.signoff.perform(request.id, "approve", "alice", action_id="click-7")

    assert (first.applied, first.duplicate) == (True, False)
    assert (again.applied, again.duplicate) == (True, True)
    votes = [e for e in await store.events(request.id) if e.kind is AuditKind.VOTED]
    assert [v.actor for v in votes] == ["alice"]
