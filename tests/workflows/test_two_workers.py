"""Two workers on one task queue and one store, as two processes of a deployment are: each
its own SignoffPlugin, its own Store object on the same database, its own chat channel
and its own checkpoint log. Temporal hands each workflow task and activity to either;
each worker's card outbox draws from the one queue in the store. What the record says
must not depend on which worker did what, and nothing may be done twice.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import DescribeTaskQueueMode, TaskQueueType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.taskqueue.v1 import TaskQueue, TaskQueueVersionSelection
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from signoff import SignoffClient, SignoffPlugin
from signoff.adapters.notary import Anchor, load_voucher
from signoff.adapters.store import Store
from signoff.core.channel_protocol import CardRef
from signoff.core.contract import workflow_id_for
from signoff.core.models import ChannelTarget, DecisionState
from signoff.core.settings import Settings
from tests.conftest import TEST_SURFACE, make_request
from tests.helpers.agreement import disagreements
from tests.helpers.recording_channel import RecordingChannel
from tests.helpers.waiting import eventually

WORKERS = ("worker-a", "worker-b")


@dataclass(frozen=True)
class Journey:
    """What a decision goes through: its policy, the actions in order, and the outcome
    they must come to."""

    policy: str
    steps: tuple[tuple[str, str, dict[str, Any]], ...]
    status: str
    decided_by: tuple[str, ...]


JOURNEYS = (
    Journey("first-lead", (("approve", "alice", {}),), "approved", ("alice",)),
    Journey("first-lead", (("reject", "bob", {"reason": "no photo"}),), "rejected", ("bob",)),
    # A quorum of two: the decision waits for the second analyst.
    Journey(
        "analysts-2-of-3",
        (("approve", "alice", {}), ("approve", "carol", {})),
        "approved",
        ("alice", "carol"),
    ),
    # Escalated by an analyst, decided in the committee's stage.
    Journey(
        "analysts-2-of-3",
        (("escalate", "bob", {"reason": "above my limit"}), ("approve", "erin", {})),
        "approved",
        ("erin",),
    ),
    Journey("first-lead", (("approve", "bob", {}),), "approved", ("bob",)),
)


@dataclass(frozen=True)
class Draw:
    worker: str
    decision_id: str
    version: int
    card: str


@dataclass
class WorkerCards(RecordingChannel):
    """One worker's chat channel. Cards are numbered across both workers (as a chat
    workspace's message ids are), and every post and redraw goes to the log both share,
    with the worker and the state version it drew; ``drawn`` and ``deciders_shown`` are
    shared too, so together they are what the workspace shows."""

    worker: str = ""
    log: list[Draw] = field(default_factory=list)
    numbers: Iterator[int] = field(default_factory=itertools.count)

    async def post(
        self, state: DecisionState, target: ChannelTarget, recipient: str | None
    ) -> CardRef:
        await super().post(state, target, recipient)
        card = f"card-{next(self.numbers)}"
        self.log.append(Draw(self.worker, state.decision_id, state.version, card))
        return CardRef(channel=self.kind, recipient=recipient, ref={"n": card})

    async def redraw(self, state: DecisionState, card: CardRef) -> None:
        await super().redraw(state, card)
        self.log.append(Draw(self.worker, state.decision_id, state.version, card.ref["n"]))


async def pollers(client: Client, queue: str, *, enhanced: bool = False) -> dict[str, set[str]]:
    """Who polls ``queue`` for workflow tasks and for activity tasks, by identity."""
    kinds = {
        "workflow": TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        "activity": TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    }
    service = client.workflow_service
    if enhanced:
        described = await service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=queue),
                api_mode=DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED,
                versions=TaskQueueVersionSelection(unversioned=True),
                task_queue_types=list(kinds.values()),
                report_pollers=True,
            )
        )
        return {
            name: {
                p.identity
                for info in described.versions_info.values()
                for p in info.types_info[kind].pollers
            }
            for name, kind in kinds.items()
        }
    found = {}
    for name, kind in kinds.items():
        described = await service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace, task_queue=TaskQueue(name=queue), task_queue_type=kind
            )
        )
        found[name] = {p.identity for p in described.pollers}
    return found


class TwoWorkers:
    """Two workers on one fresh task queue, each on a connection of its own (the SDK
    refuses two workers of one queue on one client, as two processes never share one), a
    client for the queue, and the workspace both workers' channels draw into
    (``workspace``: a recorder holding the shared lists)."""

    def __init__(
        self, client: Client, connections: list[Client], settings: Settings, folder: Path
    ) -> None:
        self.queue = f"signoff-two-{uuid.uuid4().hex[:8]}"
        self.client = client
        self.settings = settings.model_copy(update={"task_queue": self.queue})
        self.workspace = RecordingChannel()
        self.log: list[Draw] = []
        numbers = itertools.count()
        self.checkpoint_logs = [folder / f"{name}-checkpoints.jsonl" for name in WORKERS]
        self.workers: dict[str, Worker] = {}
        for name, checkpoints, connection in zip(
            WORKERS, self.checkpoint_logs, connections, strict=True
        ):
            channel = WorkerCards(
                posts=self.workspace.posts,
                redraws=self.workspace.redraws,
                notices=self.workspace.notices,
                drawn=self.workspace.drawn,
                deciders_shown=self.workspace.deciders_shown,
                worker=name,
                log=self.log,
                numbers=numbers,
            )
            own = self.settings.model_copy(update={"audit_checkpoint_log": checkpoints})
            plugin = SignoffPlugin(settings=own, channels={"console": channel})
            self.workers[name] = Worker(
                connection, task_queue=self.queue, plugins=[plugin], identity=name
            )
        self.signoff = SignoffClient(
            client,
            task_queue=self.queue,
            voucher=load_voucher(self.settings.keys_path, TEST_SURFACE),
        )
        self._running: dict[str, asyncio.Task[None]] = {}

    async def start(self) -> None:
        """Start both workers; returns once Temporal sees both polling for workflow and
        activity tasks (a worker migrates its store before it polls: a decision started
        sooner could only go to the other)."""
        for name, worker in self.workers.items():
            self._running[name] = asyncio.create_task(worker.run())

        polling: dict[str, set[str]] = {}
        began = asyncio.get_running_loop().time()

        async def both_polling() -> bool:
            found = await pollers(self.client, self.queue)
            if asyncio.get_running_loop().time() - began > 1:
                # The plain answer is the root partition's alone, where a worker's only
                # activity poll may not show for a minute; the enhanced one gathers
                # every partition's (but is cached for seconds, so it comes second).
                enhanced = await pollers(self.client, self.queue, enhanced=True)
                found = {kind: found[kind] | enhanced.get(kind, set()) for kind in found}
            polling.update(found)
            return all(set(WORKERS) <= seen for seen in found.values())

        try:
            await eventually(both_polling, timeout=60, every=0.1)
        except AssertionError:
            ended = {
                n: t.done() and (t.cancelled() or t.exception()) for n, t in self._running.items()
            }
            raise AssertionError(f"after 60 s polling: {polling}; run ended: {ended}") from None

    async def stop(self, name: str) -> None:
        """Shut one worker down, as its process would on SIGTERM; returns once its plugin
        has stopped its card outbox and closed its store."""
        await self.workers[name].shutdown()
        await self._running.pop(name)

    async def stop_all(self) -> None:
        for name in list(self._running):
            await self.stop(name)

    def anchor(self) -> Anchor:
        """The audit key's public half and both workers' checkpoint logs."""
        anchor = Anchor.for_settings(self.settings, self.checkpoint_logs)
        assert anchor is not None
        return anchor


@pytest.fixture
async def two_workers(
    dev_env: WorkflowEnvironment,
    each_store: tuple[Settings, Store],
    tmp_path: Path,
) -> AsyncIterator[tuple[TwoWorkers, Store]]:
    """Two workers writing to the SQLite file, then to the PostgreSQL schema; and that
    store, opened a third time, as an auditor would."""
    settings, store = each_store
    config = dev_env.client.config()
    connections = [
        await Client.connect(
            dev_env.client.service_client.config.target_host,
            namespace=dev_env.client.namespace,
            data_converter=config["data_converter"],
        )
        for _ in WORKERS
    ]
    pair = TwoWorkers(dev_env.client, connections, settings, tmp_path)
    try:
        await pair.start()
        yield pair, store
    finally:
        await pair.stop_all()


async def carry(pair: TwoWorkers, decision_id: str, journey: Journey) -> None:
    """Take one decision through its journey's actions, one after the other."""
    for kind, actor, fields in journey.steps:
        await pair.signoff.perform(
            decision_id, kind, actor, action_id=f"{actor}-{decision_id}", **fields
        )


async def submit_all(pair: TwoWorkers, count: int) -> dict[str, Journey]:
    """``count`` decisions submitted at once, each with its journey."""
    use_case = f"two-workers-{uuid.uuid4().hex[:6]}"
    planned = [
        (make_request(journey.policy, use_case=use_case), journey)
        for journey in itertools.islice(itertools.cycle(JOURNEYS), count)
    ]
    await asyncio.gather(*(pair.signoff.submit(request) for request, _ in planned))
    return {request.id: journey for request, journey in planned}


async def one_truth(
    pair: TwoWorkers, store: Store, planned: dict[str, Journey]
) -> dict[str, list[str]]:
    """Everything that disagrees, by decision, once each decision's cards have caught up
    with its outcome: the workflow's state query, the store's events and its indexed
    decision row, the cards of both workers, the chains (with the audit key's signatures
    and both workers' checkpoint logs), and each card drawn once per state version."""
    problems: dict[str, list[str]] = {}
    # One deadline for every card, well inside the card outbox's 30 s lease: a lease
    # left held by a stopped worker shows as a card that never caught up.
    deadline = asyncio.get_running_loop().time() + 15
    for decision_id, journey in planned.items():
        found: list[str] = []
        state = await pair.signoff.state(decision_id)

        async def card_caught_up(
            decision_id: str = decision_id, want: str = journey.status
        ) -> bool:
            return pair.workspace.last_drawn_status(decision_id) == want

        try:
            left = deadline - asyncio.get_running_loop().time()
            await eventually(card_caught_up, timeout=max(left, 0.1))
        except AssertionError:
            found.append(f"no card shows {journey.status}")
        outcome = state.outcome
        if state.status.value != journey.status or outcome is None:
            found.append(f"the workflow says {state.status.value}, not {journey.status}")
        elif tuple(outcome.decided_by) != journey.decided_by:
            found.append(f"the workflow says {outcome.decided_by} decided")
        found += await disagreements(pair.signoff, store, decision_id, cards=pair.workspace)
        rows = [
            row
            for row in await store.query_decisions(use_case=state.request.use_case, limit=None)
            if row.decision_id == decision_id
        ]
        if [(r.status.value, tuple(r.decided_by)) for r in rows] != [
            (journey.status, journey.decided_by)
        ]:
            found.append(f"the decisions row says {[(r.status, r.decided_by) for r in rows]}")
        draws = Counter((d.version, d.card) for d in pair.log if d.decision_id == decision_id)
        if twice := sorted(k for k, n in draws.items() if n > 1):
            found.append(f"drawn more than once at the same version (version, card): {twice}")
        posted = Counter(recipient for d, recipient, _ in pair.workspace.posts if d == decision_id)
        if [n for n in posted.values() if n > 1]:
            found.append(f"cards posted twice: {posted}")
        notices = [n.model_dump_json() for d, n in pair.workspace.notices if d == decision_id]
        if len(notices) != len(set(notices)):
            found.append(f"a notice sent twice: {notices}")
        if found:
            problems[decision_id] = found
    report = await store.verify(decision_ids=list(planned), anchor=pair.anchor())
    for broken in report.breaks:
        problems.setdefault(broken.decision_id, []).append(f"anchored verify: {broken}")
    return problems


async def history_of(client: Client, decision_id: str) -> list[HistoryEvent]:
    return (await client.get_workflow_handle(workflow_id_for(decision_id)).fetch_history()).events


async def work_by_worker(client: Client, decision_ids: list[str]) -> dict[str, Counter[str]]:
    """From each decision's history: which worker completed its workflow tasks and ran
    its activities, counted per worker (``workflow tasks`` and ``activities``)."""
    done: dict[str, Counter[str]] = {name: Counter() for name in WORKERS}
    for decision_id in decision_ids:
        for event in await history_of(client, decision_id):
            if event.HasField("workflow_task_completed_event_attributes"):
                who = event.workflow_task_completed_event_attributes.identity
                done.setdefault(who, Counter())["workflow tasks"] += 1
            elif event.HasField("activity_task_started_event_attributes"):
                who = event.activity_task_started_event_attributes.identity
                done.setdefault(who, Counter())["activities"] += 1
    return done


async def workflow_tasks(client: Client, decision_id: str) -> list[tuple[datetime, str]]:
    """When each of the decision's workflow tasks completed, and by which worker."""
    return [
        (e.event_time.ToDatetime(UTC), e.workflow_task_completed_event_attributes.identity)
        for e in await history_of(client, decision_id)
        if e.HasField("workflow_task_completed_event_attributes")
    ]


async def test_two_workers_on_one_task_queue_carry_twenty_decisions_to_one_truth(
    two_workers: tuple[TwoWorkers, Store],
) -> None:
    """Store, decision row, workflow and cards agree on status and who decided, every
    chain verifies, no card is drawn twice, and both workers did the work."""
    pair, store = two_workers

    planned = await submit_all(pair, 20)
    await asyncio.gather(*(carry(pair, d, journey) for d, journey in planned.items()))

    assert await one_truth(pair, store, planned) == {}
    work = await work_by_worker(pair.client, list(planned))
    drawn_by = Counter(d.worker for d in pair.log)
    for name in WORKERS:
        assert work[name]["workflow tasks"] > 0, work
        assert work[name]["activities"] > 0, work
        assert drawn_by[name] > 0, drawn_by
    assert set(work) == set(WORKERS), work


@pytest.mark.parametrize("each_store", ["postgresql"], indirect=True)
async def test_a_worker_shut_down_with_decisions_in_flight_leaves_them_to_the_other(
    two_workers: tuple[TwoWorkers, Store],
) -> None:
    """Worker b stops while decisions wait on their next action and actions arrive;
    worker a alone finishes every one of them, and the record is as if nothing happened.

    A workflow task Temporal hands to worker b as it shuts down is dropped by the SDK and
    waits out the workflow task timeout (10 s) before worker a gets it (Temporal's, see
    temporalio/sdk-rust#1080 and temporalio/temporal#9545): that, not Signoff, is most of
    this spec's time. On PostgreSQL only, the store several machines share."""
    pair, store = two_workers
    planned = await submit_all(pair, 10)
    firsts = {d: Journey(j.policy, j.steps[:1], j.status, j.decided_by) for d, j in planned.items()}
    # Every decision is started and half have had their first action, so both workers
    # hold open decisions in their caches when b goes.
    await asyncio.gather(*(carry(pair, d, j) for d, j in list(firsts.items())[::2]))
    before = await work_by_worker(pair.client, list(planned))
    assert before["worker-b"]["workflow tasks"] > 0, before

    stopping = asyncio.ensure_future(pair.stop("worker-b"))
    # Each journey again from its first action: an action already applied is answered
    # with its first result (same action id), the rest are new.
    finishing = asyncio.gather(*(carry(pair, d, journey) for d, journey in planned.items()))
    await stopping
    stopped_at = datetime.now(UTC)
    await finishing

    assert await one_truth(pair, store, planned) == {}
    handed_over = []
    for decision_id in planned:
        tasks = await workflow_tasks(pair.client, decision_id)
        assert {who for at, who in tasks if at > stopped_at} <= {"worker-a"}, tasks
        workers = [who for _, who in tasks]
        if "worker-b" in workers and workers[-1] == "worker-a":
            handed_over.append(decision_id)
    # Decisions worker b had worked on, worker a took over and finished.
    assert handed_over, before
