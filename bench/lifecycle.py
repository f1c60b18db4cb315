"""Throughput and latency of a whole Signoff decision, against bare Temporal and LangGraph.

    python bench/lifecycle.py [--decisions N] [--concurrency C] [--store sqlite|postgres]

Starts a Temporal dev server (the ``temporal`` binary next to the interpreter) and, in
this process, runs the phases: a minimal worker for the bare baseline (start a workflow,
one Update, result); Signoff's shape with no work; a Signoff worker (the real plugin, a
no-op chat channel, a fresh SQLite file or PostgreSQL schema) for the full lifecycle
(submit, approve by a first-response quorum, back once audited and final); the peer, a
LangGraph graph doing the same job (``bench/peer_graph.py``, needs the ``bench`` extra);
and Signoff's automatic path (one submit under a policy that needs no person). Prints
figures, the last line a JSON summary; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import logging
import math
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    Worker,
)

from signoff.adapters.notary import AuditKeyring, create_surface, load_voucher
from signoff.app.cli.devserver import temporal_binary
from signoff.app.plugin import SignoffPlugin
from signoff.client.signoff_client import SignoffClient
from signoff.core.channel_protocol import CardRef, Notice
from signoff.core.contract import RECORD_AUDIT_ACTIVITY, workflow_id_for
from signoff.core.models import (
    ChannelTarget,
    DecisionRequest,
    DecisionState,
    ModelInfo,
    Proposal,
    RiskTier,
)
from signoff.core.search_attributes import ALL_KEYS
from signoff.core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BENCH_SURFACE = "bench"
APPROVERS = ["a1", "a2", "a3", "a4", "a5"]
HUMAN_POLICY = "bench-first"
AUTO_POLICY = "bench-auto"
# bench-first: one stage, decided by the first approver who answers. bench-auto: the AI
# decides alone (the automatic path), one decision in 20 sampled for QA. The manager and
# expert exist because the default policy settings name role:manager and role:expert.
POLICIES = f"""\
policies:
  - name: {HUMAN_POLICY}
    autonomy: suggest
    stages:
      - {{name: leads, approvers: [group:leads], quorum: {{kind: first}}}}
  - name: {AUTO_POLICY}
    autonomy: autonomous
    qa_sample_rate: 0.05
    stages:
      - {{name: leads, approvers: [group:leads], quorum: {{kind: first}}}}
"""
DIRECTORY = "people:\n" + "".join(
    f"  - {{id: {who}, name: {who}, email: {who}@example.com,"
    f" roles: [{roles}], groups: [{group}]}}\n"
    for who, roles, group in [
        *((a, "approver", "leads") for a in APPROVERS),
        ("rita", "requester", ""),
        ("mona", "manager, expert", ""),
    ]
)


# -- the Signoff side -------------------------------------------------------------------


@dataclass
class NoopChannel:
    """Implements :class:`signoff.core.channel_protocol.Channel`, draws nothing, and notes when each
    decision's card first showed a final status."""

    kind: str = "console"
    final_drawn: dict[str, float] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)

    def _saw(self, state: DecisionState) -> None:
        if state.status.is_final and state.decision_id not in self.final_drawn:
            self.final_drawn[state.decision_id] = time.perf_counter()

    async def post(
        self, state: DecisionState, target: ChannelTarget, recipient: str | None
    ) -> CardRef:
        self.calls["post"] += 1
        self._saw(state)
        return CardRef(channel=self.kind, recipient=recipient, ref={"n": 0})

    async def redraw(self, state: DecisionState, card: CardRef) -> None:
        self.calls["redraw"] += 1
        self._saw(state)

    async def notify(
        self,
        state: DecisionState,
        target: ChannelTarget,
        notice: Notice,
        cards: Sequence[CardRef] = (),
    ) -> None:
        self.calls["notify"] += 1


class TimeActivities(Interceptor):
    """Times every activity execution (local and regular), by name: how long it ran,
    and how long it waited before, from scheduled until it began to run here."""

    def __init__(self) -> None:
        self.durations: dict[str, list[float]] = {}
        self.waits: dict[str, list[float]] = {}

    def clear(self) -> None:
        self.durations.clear()
        self.waits.clear()

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        durations, waits = self.durations, self.waits

        class Timing(ActivityInboundInterceptor):
            async def execute_activity(self, input: ExecuteActivityInput) -> Any:
                info = activity.info()
                name = info.activity_type.removeprefix("signoff.")
                key = f"{name}{' (local)' if info.is_local else ''}"
                scheduled = info.current_attempt_scheduled_time or info.scheduled_time
                waited = (datetime.now(UTC) - scheduled).total_seconds()
                waits.setdefault(key, []).append(max(waited, 0.0))
                started = time.perf_counter()
                try:
                    return await super().execute_activity(input)
                finally:
                    durations.setdefault(key, []).append(time.perf_counter() - started)

        return Timing(next)


def request(decision_id: str, policy: str = HUMAN_POLICY) -> DecisionRequest:
    return DecisionRequest(
        id=decision_id,
        use_case="refunds",
        subject="order-1042",
        title="Refund $120 for a damaged parcel",
        proposal=Proposal(text="Refund $120 to the customer's card."),
        confidence=0.72,
        rationale="Photo shows a crushed box; customer has no prior claims.",
        model=ModelInfo(name="support-llm", version="2026-10", prompt_version="v7"),
        risk_tier=RiskTier.MEDIUM,
        requester="rita",
        policy=policy,
    )


# -- measuring --------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    elapsed: float = 0.0
    done: int = 0
    failed: int = 0
    timings: dict[str, list[float]] = field(default_factory=dict)
    started: float = 0.0
    cpu_self: float = 0.0
    cpu_server: float = 0.0
    _cpu_at_start: tuple[float, float] = (0.0, 0.0)
    history: Counter[str] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed else 0.0

    def start_cpu(self) -> None:
        self._cpu_at_start = (process_cpu(), server_cpu())

    def stop_cpu(self) -> None:
        """CPU used since :meth:`start_cpu`; call again later to extend the window."""
        self.cpu_self = process_cpu() - self._cpu_at_start[0]
        self.cpu_server = server_cpu() - self._cpu_at_start[1]

    def cpu(self) -> str:
        """CPU time per decision: this process (client and workers), and the dev server."""
        n = max(self.done, 1)
        return (
            f"{self.cpu_self / n * 1000:5.1f} ms bench process +"
            f" {self.cpu_server / n * 1000:5.1f} ms dev server per decision"
        )


async def run_phase(
    name: str,
    ids: list[str],
    concurrency: int,
    one: Callable[[str, dict[str, list[float]]], Awaitable[None]],
) -> Phase:
    """Run ``one`` for every id, ``concurrency`` at a time; time the whole."""
    print(f"  {name}: {len(ids)} decisions, {concurrency} at a time", flush=True)
    phase = Phase(name)
    queue = iter(ids)

    async def lane() -> None:
        for decision_id in queue:
            try:
                await one(decision_id, phase.timings)
                phase.done += 1
            except Exception as err:  # a figure, not a test: count and go on
                phase.failed += 1
                if phase.failed <= 3:
                    print(f"  {name}: {decision_id} failed: {err!r}", file=sys.stderr)

    phase.started = time.perf_counter()
    phase.start_cpu()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    phase.elapsed = time.perf_counter() - phase.started
    phase.stop_cpu()
    return phase


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def timed(timings: dict[str, list[float]], key: str, call: Awaitable[Any]) -> Any:
    started = time.perf_counter()
    result = await call
    timings.setdefault(key, []).append(time.perf_counter() - started)
    return result


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def ms(value: float) -> str:
    return f"{value * 1000:7.1f} ms"


async def bare_phase(client: Client, n: int, concurrency: int, warmup: int) -> Phase:
    from bench.bare_workflow import BareWorkflow

    task_queue = f"bench-bare-{uuid.uuid4().hex[:8]}"

    async def one(decision_id: str, timings: dict[str, list[float]]) -> None:
        started = time.perf_counter()
        handle = await client.start_workflow(
            BareWorkflow.run, decision_id, id=f"bare-{decision_id}", task_queue=task_queue
        )
        await timed(timings, "update", handle.execute_update(BareWorkflow.approve, "a01"))
        await handle.result()
        timings.setdefault("total", []).append(time.perf_counter() - started)

    async with Worker(client, task_queue=task_queue, workflows=[BareWorkflow]):
        await run_phase("warm-up", [uuid.uuid4().hex for _ in range(warmup)], concurrency, one)
        ids = [uuid.uuid4().hex for _ in range(n)]
        phase = await run_phase("bare", ids, concurrency, one)
        phase.history = await history_of(client.get_workflow_handle(f"bare-{ids[0]}"))
        return phase


async def shape_phase(
    client: Client, n: int, concurrency: int, warmup: int, *, automatic: bool = False
) -> Phase:
    """The no-work floor of a Signoff decision (submit, approve), or with ``automatic``
    of an automatic one (submit alone)."""
    from bench.shape_workflow import AutoShapeWorkflow, ShapeWorkflow, noop

    name = "auto-shape" if automatic else "shape"
    task_queue = f"bench-{name}-{uuid.uuid4().hex[:8]}"
    shape = AutoShapeWorkflow if automatic else ShapeWorkflow

    async def one(decision_id: str, timings: dict[str, list[float]]) -> None:
        started = time.perf_counter()
        start = WithStartWorkflowOperation(
            shape.run,
            decision_id,
            id=f"{name}-{decision_id}",
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        await timed(
            timings,
            "submit",
            client.execute_update_with_start_workflow(
                shape.started, start_workflow_operation=start
            ),
        )
        if not automatic:
            handle = client.get_workflow_handle(f"{name}-{decision_id}")
            await timed(timings, "approve", handle.execute_update(ShapeWorkflow.approve, "a01"))
        timings.setdefault("total", []).append(time.perf_counter() - started)

    async with Worker(client, task_queue=task_queue, workflows=[shape], activities=[noop]):
        await run_phase("warm-up", [uuid.uuid4().hex for _ in range(warmup)], concurrency, one)
        ids = [uuid.uuid4().hex for _ in range(n)]
        phase = await run_phase(name, ids, concurrency, one)
        phase.history = await history_of(client.get_workflow_handle(f"{name}-{ids[0]}"))
        return phase


@dataclass
class SignoffRig:
    """A Signoff worker running on a task queue of its own: a client for it, its no-op
    channel and its activity timer."""

    signoff: SignoffClient
    channel: NoopChannel
    timer: TimeActivities


@asynccontextmanager
async def signoff_worker(
    client: Client, settings: Settings, name: str
) -> AsyncIterator[SignoffRig]:
    """The real plugin in a worker, as the Signoff and auto phases run it."""
    task_queue = f"bench-{name}-{uuid.uuid4().hex[:8]}"
    channel = NoopChannel()
    timer = TimeActivities()
    signoff = SignoffClient(
        client, task_queue=task_queue, voucher=load_voucher(settings.keys_path, BENCH_SURFACE)
    )
    plugin = SignoffPlugin(settings=settings, channels={"console": channel})
    async with Worker(client, task_queue=task_queue, plugins=[plugin], interceptors=[timer]):
        yield SignoffRig(signoff, channel, timer)


async def signoff_phase(
    client: Client, settings: Settings, n: int, concurrency: int, warmup: int
) -> tuple[Phase, dict[str, Any]]:
    approved_at: dict[str, float] = {}
    async with signoff_worker(client, settings, "signoff") as rig:
        signoff, channel, timer = rig.signoff, rig.channel, rig.timer

        async def one(decision_id: str, timings: dict[str, list[float]]) -> None:
            started = time.perf_counter()
            await timed(timings, "submit", signoff.submit(request(decision_id)))
            approver = APPROVERS[hash(decision_id) % len(APPROVERS)]
            before = time.perf_counter()
            result = await timed(
                timings, "approve", signoff.perform(decision_id, "approve", approver)
            )
            if result.status != "approved":
                raise RuntimeError(f"approve left the decision {result.status}")
            approved_at[decision_id] = before
            timings.setdefault("total", []).append(time.perf_counter() - started)

        warm_ids = [f"bench-warm-{uuid.uuid4().hex[:12]}" for _ in range(warmup)]
        await run_phase("warm-up", warm_ids, concurrency, one)
        await settle(channel, warm_ids, 30)
        timer.clear()
        channel.calls.clear()
        ids = [f"bench-{uuid.uuid4().hex[:12]}" for _ in range(n)]
        phase = await run_phase("signoff", ids, concurrency, one)
        drawn_at_end = sum(i in channel.final_drawn for i in ids)
        missing = await settle(channel, ids, 30)
        phase.stop_cpu()  # count the background card work too
        activities = {k: (d, timer.waits.get(k, [])) for k, d in timer.durations.items()}
        calls = dict(channel.calls)
        phase.history = await history_of(client.get_workflow_handle(workflow_id_for(ids[0])))
    drawn = [channel.final_drawn[i] for i in ids if i in channel.final_drawn]
    extra = {
        "card_lag": [
            channel.final_drawn[i] - approved_at[i] for i in ids if i in channel.final_drawn
        ],
        "cards_missing": missing,
        "cards_at_end": drawn_at_end,
        # Decisions/s counting until the last final card was drawn: what the worker
        # keeps up with, background card work included.
        "sustained": len(drawn) / (max(drawn) - phase.started) if drawn else 0.0,
        "activities": activities,
        "channel_calls": calls,
    }
    return phase, extra


async def auto_phase(
    client: Client, settings: Settings, n: int, concurrency: int, warmup: int
) -> Phase:
    """Decisions under a policy that needs no person: one submit each, answered once
    the decision is approved automatically."""
    sampled: set[str] = set()
    async with signoff_worker(client, settings, "auto") as rig:

        async def one(decision_id: str, timings: dict[str, list[float]]) -> None:
            auto = request(decision_id, policy=AUTO_POLICY)
            state = await timed(timings, "submit", rig.signoff.submit(auto))
            if state.status != "auto_approved":
                raise RuntimeError(f"submit left the decision {state.status}")
            if state.sampled_for_qa:
                sampled.add(decision_id)

        warm_ids = [f"bench-auto-warm-{uuid.uuid4().hex[:12]}" for _ in range(warmup)]
        await run_phase("warm-up", warm_ids, concurrency, one)
        await settle(rig.channel, warm_ids, 30)
        ids = [f"bench-auto-{uuid.uuid4().hex[:12]}" for _ in range(n)]
        phase = await run_phase("auto", ids, concurrency, one)
        # The cards of these decisions go out before the next phase starts.
        phase.counts["cards missing"] = await settle(rig.channel, ids, 30)
        phase.stop_cpu()  # count the background card work too
        phase.counts["sampled for QA"] = len(sampled & set(ids))
        phase.history = await history_of(client.get_workflow_handle(workflow_id_for(ids[0])))
    return phase


def peer_missing() -> str | None:
    """Why the peer phase cannot run here, or None."""
    needed = ("langgraph", "langgraph.checkpoint.sqlite", "langgraph.checkpoint.postgres")
    try:
        if all(importlib.util.find_spec(name) is not None for name in needed):
            return None
    except ImportError:
        pass
    return 'LangGraph is not installed; pip install -e ".[bench]" (or make bench) to run it'


async def peer_phase(store: str, n: int, concurrency: int, warmup: int) -> Phase:
    """The same decisions through a LangGraph graph: run to the approval interrupt
    (submit), resume with the approver (approve); checkpoints and the audit row in a
    scratch database of ``store``'s kind."""
    from bench.peer_graph import Command, peer_graph

    async with peer_graph(store, {HUMAN_POLICY: APPROVERS}, concurrency) as graph:

        async def one(decision_id: str, timings: dict[str, list[float]]) -> None:
            started = time.perf_counter()
            config: Any = {"configurable": {"thread_id": decision_id}}
            submitted = {
                "decision_id": decision_id,
                "request": request(decision_id).model_dump(mode="json"),
            }
            paused = await timed(timings, "submit", graph.ainvoke(submitted, config))
            if not paused.get("__interrupt__"):
                raise RuntimeError(f"the graph did not stop for approval: {paused.get('status')}")
            asked = paused["__interrupt__"][0].value["approvers"]
            approver = asked[hash(decision_id) % len(asked)]
            final = await timed(timings, "approve", graph.ainvoke(Command(resume=approver), config))
            if final.get("status") != "approved":
                raise RuntimeError(f"resume left the decision {final.get('status')}")
            timings.setdefault("total", []).append(time.perf_counter() - started)

        await run_phase(
            "warm-up", [f"warm-{uuid.uuid4().hex[:12]}" for _ in range(warmup)], concurrency, one
        )
        ids = [f"peer-{uuid.uuid4().hex[:12]}" for _ in range(n)]
        return await run_phase("peer", ids, concurrency, one)


async def settle(channel: NoopChannel, ids: list[str], timeout: float) -> int:
    """Wait until every decision's card shows its final status; how many never did."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if all(i in channel.final_drawn for i in ids):
            return 0
        await asyncio.sleep(0.05)
    return sum(i not in channel.final_drawn for i in ids)


async def history_of(handle: WorkflowHandle[Any, Any]) -> Counter[str]:
    """A workflow's history events by type."""
    history = await handle.fetch_history()
    return Counter(
        e.WhichOneof("attributes").removesuffix("_event_attributes") for e in history.events
    )


class CoreLogs(logging.Handler):
    """Takes the SDK core's log lines: counts the slow workflow task warnings (a local
    activity keeps its workflow task open) instead of printing each, and passes the
    rest on to stderr."""

    SLOW_TASK = "TMPRL1104"

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.slow_tasks = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if self.SLOW_TASK in message:
            self.slow_tasks += 1
        else:
            print(f"core: {message[:300]}", file=sys.stderr)

    def runtime(self) -> Runtime:
        logger = logging.getLogger("bench.core")
        logger.propagate = False
        logger.addHandler(self)
        forwarding = LogForwardingConfig(logger=logger, append_log_fields_to_message=False)
        return Runtime(
            telemetry=TelemetryConfig(
                logging=LoggingConfig(
                    filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
                    forwarding=forwarding,
                )
            )
        )


# -- stores -----------------------------------------------------------------------------


# -- report -----------------------------------------------------------------------------


def children() -> list[str]:
    """Our child processes' pids: the dev server."""
    found: list[str] = []
    try:
        for task in Path(f"/proc/{os.getpid()}/task").iterdir():
            found += (task / "children").read_text().split()
    except OSError:
        pass
    return found


def proc_cpu(pids: Iterable[int | str]) -> float:
    """CPU seconds used so far by ``pids`` (user and system; 0 where /proc cannot tell)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def server_cpu() -> float:
    """CPU seconds the dev server has used so far."""
    return proc_cpu(children())


def server_peak_rss_kb() -> int | None:
    """VmHWM of the dev server, if /proc shows it."""
    peaks = []
    for pid in children():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        peaks += [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")]
    return max(peaks) if peaks else None


def both(timings: list[float]) -> str:
    return f"{ms(pct(timings, 0.5))} / {ms(pct(timings, 0.99))}"


# The targets, next to each figure of the summary: (comparison, bound, unit).
TARGETS: dict[str, tuple[str, float, str]] = {
    "signoff_per_peer": (">=", 0.75, ""),
    "signoff_per_shape": (">=", 0.85, ""),
    "signoff_per_bare": (">=", 0.5, ""),
    "auto_per_bare": (">=", 1.5, ""),
    "auto_submit_p50_per_bare_update_p50": ("<=", 1.0, ""),
    "audit_write_p99_ms": ("<=", 30, " ms"),
    "final_card_p99_ms": ("<=", 500, " ms"),
}


def against_target(key: str, value: float) -> str:
    if key not in TARGETS:  # a floor to read a target against, not a target
        return f"{value:7.2f}"
    op, bound, unit = TARGETS[key]
    met = value >= bound if op == ">=" else value <= bound
    shown = f"{value:7.1f}{unit}" if unit else f"{value:7.2f}"
    return f"{shown}  (target {op} {bound:g}{unit}){'' if met else '  MISSED'}"


def _figure(value: float | None, places: int) -> float | None:
    """``value`` rounded for the JSON line; None for a figure that could not be taken."""
    if value is None or not math.isfinite(value):
        return None
    return round(value, places)


def audit_writes(activities: dict[str, tuple[list[float], list[float]]]) -> list[float]:
    """How long each ``record_audit`` activity ran, local and regular alike."""
    name = RECORD_AUDIT_ACTIVITY.removeprefix("signoff.")
    return [
        took
        for key, (durations, _) in activities.items()
        if key.removesuffix(" (local)") == name
        for took in durations
    ]


def summary(args: argparse.Namespace, chosen: Round | None) -> dict[str, Any]:
    """The closing JSON line's figures, from ``chosen`` (None: every figure null)."""
    bare, shape, full, peer, auto, auto_shape = (
        (chosen.bare, chosen.shape, chosen.full, chosen.peer, chosen.auto, chosen.auto_shape)
        if chosen
        else (None,) * 6
    )
    extra = chosen.extra if chosen else {}
    auto_vs_update = None
    if auto is not None and bare is not None:
        update = pct(bare.timings.get("update", []), 0.5)
        auto_vs_update = pct(auto.timings.get("submit", []), 0.5) / update if update else None
    audit_p99 = card_p99 = None
    if full is not None:
        audit_p99 = pct(audit_writes(extra["activities"]), 0.99) * 1000
        card_p99 = pct(extra["card_lag"], 0.99) * 1000
    return {
        "bench": "lifecycle",
        "store": args.store,
        "rounds": args.rounds,
        "decisions": args.decisions,
        "concurrency": args.concurrency,
        **{
            f"{name}_per_s": _figure(phase.rate, 1) if phase else None
            for name, phase in (
                ("bare", bare),
                ("shape", shape),
                ("signoff", full),
                ("peer", peer),
                ("auto", auto),
                ("auto_shape", auto_shape),
            )
        },
        "signoff_per_peer": _figure(_share(full, peer), 2),
        "signoff_per_bare": _figure(_share(full, bare), 2),
        "signoff_per_shape": _figure(_share(full, shape), 2),
        "auto_per_bare": _figure(_share(auto, bare), 2),
        "auto_shape_per_bare": _figure(_share(auto_shape, bare), 2),
        "auto_submit_p50_per_bare_update_p50": _figure(auto_vs_update, 2),
        "audit_write_p99_ms": _figure(audit_p99, 1),
        "final_card_p99_ms": _figure(card_p99, 1),
    }


def report(
    args: argparse.Namespace, chosen: Round, figures: dict[str, Any], server_kb: int | None
) -> None:
    bare, shape, full, peer, auto = chosen.bare, chosen.shape, chosen.full, chosen.peer, chosen.auto
    auto_shape = chosen.auto_shape
    extra = chosen.extra
    cpus = len(os.sched_getaffinity(0))
    rows = [
        (
            "machine",
            f"nproc {cpus}, {platform.python_implementation()} {platform.python_version()}",
        ),
        (
            "run",
            f"N={args.decisions} C={args.concurrency} store={args.store}"
            f" warm-up={args.warmup} bytecode={args.bytecode}",
        ),
    ]
    for label, phase in (
        ("bare Temporal", bare),
        ("Signoff's shape, no work", shape),
        ("Signoff lifecycle", full),
        ("LangGraph peer", peer),
        ("Signoff auto path", auto),
        ("auto path's shape, no work", auto_shape),
    ):
        if phase is not None:
            rows.append(
                (
                    label,
                    f"{phase.rate:7.1f} decisions/s  ({phase.done} in {phase.elapsed:.2f} s,"
                    f" {phase.failed} failed)",
                )
            )
            if phase is full:
                rows.append(("  until final cards", f"{extra['sustained']:7.1f} decisions/s"))
    ratios = [
        ("Signoff / peer", "signoff_per_peer", ""),
        ("Signoff / shape", "signoff_per_shape", "  what our own code costs"),
        ("Signoff / bare", "signoff_per_bare", ""),
        ("auto / bare", "auto_per_bare", ""),
        ("auto shape / bare", "auto_shape_per_bare", "  the most the automatic path could reach"),
        ("auto submit p50 / bare update p50", "auto_submit_p50_per_bare_update_p50", ""),
        ("audit write p99", "audit_write_p99_ms", "  record_audit runs, Signoff phase"),
        ("final card p99", "final_card_p99_ms", "  after approve sent"),
    ]
    for label, key, note in ratios:
        if figures[key] is not None:
            rows.append((label, against_target(key, figures[key]) + note))
        if key == "signoff_per_bare" and figures[key] is not None and bare is not None:
            rows.append(("  until final cards", f"{extra['sustained'] / bare.rate:7.2f}"))
            if shape is not None and bare.rate:
                ceiling = shape.rate / bare.rate
                rows.append(("shape / bare", f"{ceiling:7.2f}  the most Signoff could reach"))
    if bare is not None:
        rows += [
            ("bare update p50/p99", both(bare.timings.get("update", []))),
            ("bare decision p50/p99", both(bare.timings.get("total", []))),
        ]
    if full is not None:
        rows += [
            ("submit p50/p99", both(full.timings.get("submit", []))),
            ("approve p50/p99", both(full.timings.get("approve", []))),
            ("decision p50/p99", both(full.timings.get("total", []))),
            ("final card p50/p99", f"{both(extra['card_lag'])}  after approve sent"),
            (
                "final cards drawn",
                f"{extra['cards_at_end']} of {full.done} when the last approve returned,"
                f" {full.done - extra['cards_missing']} within 30 s after",
            ),
        ]
    if peer is not None:
        rows += [
            ("peer submit p50/p99", f"{both(peer.timings.get('submit', []))}  to the interrupt"),
            ("peer approve p50/p99", f"{both(peer.timings.get('approve', []))}  resume to end"),
            ("peer decision p50/p99", both(peer.timings.get("total", []))),
        ]
    if auto is not None:
        rows += [
            ("auto submit p50/p99", both(auto.timings.get("submit", []))),
            (
                "auto sampled for QA",
                f"{auto.counts['sampled for QA']} of {auto.done}; final cards drawn for"
                f" {auto.done - auto.counts['cards missing']} within 30 s",
            ),
        ]
    for label, phase in (
        ("bare CPU", bare),
        ("shape CPU", shape),
        ("Signoff CPU (to final cards)", full),
        ("peer CPU", peer),
        ("auto CPU (to final cards)", auto),
        ("auto shape CPU", auto_shape),
    ):
        if phase is not None:
            rows.append((label, phase.cpu()))
    for label, phase in (
        ("bare history", bare),
        ("shape history", shape),
        ("Signoff history", full),
        ("auto history", auto),
        ("auto shape history", auto_shape),
    ):
        if phase is not None:
            rows.append((label, f"{sum(phase.history.values())} events, {_wft(phase)}"))
    if full is not None:
        n = max(full.done, 1)
        rows += [
            ("activities", "per decision; ran p50 / p99; waited (scheduled to running) p50 / p99"),
            *(
                (f"  {name}", f"{len(d) / n:4.2f}; {both(d)}; {both(w)}")
                for name, (d, w) in sorted(extra["activities"].items())
            ),
            (
                "workflow tasks > 5 s",
                f"{extra['slow_tasks']} (whole run; local activities hold a task open)",
            ),
            (
                "channel calls",
                ", ".join(f"{k} {v / n:.2f}" for k, v in sorted(extra["channel_calls"].items()))
                + " per decision",
            ),
        ]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    server = f", dev server {server_kb / 1024:.0f} MB" if server_kb else ""
    rows.append(("peak RSS", f"bench process {rss_mb:.0f} MB (client and workers){server}"))
    width = max(len(k) for k, _ in rows)
    print()
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print(
        f"\nNoise: the load generator, the workers and the dev server share {cpus} CPUs; rates"
        "\nmove by 10-30% between runs, so compare the ratios within one run. Signoff decisions"
        "\nstay open (feedback window) after approve; the bare ones complete. The peer's"
        "\nand Signoff's database servers' CPU is not counted."
    )


def _wft(phase: Phase) -> str:
    h = phase.history
    parts = [
        f"{h['workflow_task_completed']} workflow tasks",
        f"{h['activity_task_scheduled']} activities",
        f"{h['marker_recorded']} markers (local activities, patches)",
        f"{h['upsert_workflow_search_attributes']} search-attribute upserts",
    ]
    return ", ".join(p for p in parts if not p.startswith("0 "))


# -- main -------------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> None:
    phases = [name for name in PHASES if name in args.phases]
    if "peer" in phases and (why := peer_missing()) is not None:
        print(f"peer phase skipped: {why}", flush=True)
        phases.remove("peer")
    workdir = Path(tempfile.mkdtemp(prefix="signoff-bench-"))
    (workdir / "policies.yaml").write_text(POLICIES)
    (workdir / "directory.yaml").write_text(DIRECTORY)
    from bench.scratch_database import ScratchDatabase

    db = ScratchDatabase(args.store)
    rounds: list[Round] = []
    core_logs = CoreLogs()
    try:
        settings = Settings(
            database_url=db.url,
            policies_file=workdir / "policies.yaml",
            directory_file=workdir / "directory.yaml",
            data_dir=workdir,
        )
        # As in production: chain heads signed with an audit key, actions vouched for.
        AuditKeyring(settings.keys_path).create()
        create_surface(settings.keys_path, settings.surfaces_path, BENCH_SURFACE, "anyone")
        print(f"starting dev server; store {args.store} ({workdir})", flush=True)
        env = await WorkflowEnvironment.start_local(
            runtime=core_logs.runtime(),
            dev_server_existing_path=temporal_binary(),
            search_attributes=list(ALL_KEYS),
            data_converter=pydantic_data_converter,
            ui=False,
        )
        try:
            for number in range(1, args.rounds + 1):
                if args.rounds > 1:
                    print(f"round {number} of {args.rounds}", flush=True)
                rounds.append(await run_round(env.client, settings, args, phases, number))
            server_kb = server_peak_rss_kb()
        finally:
            await env.shutdown()
    finally:
        db.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    middle = sorted(rounds, key=Round.ratio)[len(rounds) // 2]
    middle.extra["slow_tasks"] = core_logs.slow_tasks
    figures = summary(args, middle)
    report(args, middle, figures, server_kb)
    if len(rounds) > 1:
        print()
        print("\n".join(Round.table(rounds)))
        print("The figures above are those of the round with the median Signoff/bare ratio.")
    print(json.dumps(figures, allow_nan=False), flush=True)


@dataclass
class Round:
    """One pass of each phase; the phases run one after another, so a round compares
    them under the same conditions of a noisy machine."""

    bare: Phase | None = None
    shape: Phase | None = None
    full: Phase | None = None
    peer: Phase | None = None
    auto: Phase | None = None
    auto_shape: Phase | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def ratio(self) -> float:
        """Signoff over bare; 0 when one of them did not run."""
        return _share(self.full, self.bare) or 0.0

    def columns(self) -> list[tuple[str, float | None]]:
        return [
            ("bare/s", self.bare.rate if self.bare else None),
            ("shape/s", self.shape.rate if self.shape else None),
            ("Signoff/s", self.full.rate if self.full else None),
            ("peer/s", self.peer.rate if self.peer else None),
            ("auto/s", self.auto.rate if self.auto else None),
            ("Signoff/bare", _share(self.full, self.bare)),
            ("shape/bare", _share(self.shape, self.bare)),
            ("Signoff/shape", _share(self.full, self.shape)),
            ("Signoff/peer", _share(self.full, self.peer)),
            ("auto/bare", _share(self.auto, self.bare)),
            ("auto-shape/bare", _share(self.auto_shape, self.bare)),
        ]

    @staticmethod
    def table(rounds: list[Round]) -> list[str]:
        """A line per round: the rates, then the ratios."""
        labels = [label for label, _ in rounds[0].columns()]
        lines = ["round  " + "  ".join(f"{label:>8}" for label in labels)]
        for number, each in enumerate(rounds, 1):
            cells = []
            for label, value in each.columns():
                width = max(len(label), 8)
                places = 1 if label.endswith("/s") else 2
                cells.append(
                    f"{value:{width}.{places}f}" if value is not None else f"{'-':>{width}}"
                )
            lines.append(f"{number:5d}  " + "  ".join(cells))
        return lines


def _share(part: Phase | None, whole: Phase | None) -> float | None:
    return part.rate / whole.rate if part and whole and whole.rate else None


PHASES = ("bare", "shape", "signoff", "peer", "auto", "auto-shape")


async def run_round(
    client: Client,
    settings: Settings,
    args: argparse.Namespace,
    phases: list[str],
    number: int,
) -> Round:
    """Each of ``phases`` once; round n starts at the n-th phase, so over several rounds
    no phase always runs first, on the emptiest server."""
    found = Round()
    n, c, warmup = args.decisions, args.concurrency, args.warmup
    start = (number - 1) % len(PHASES)
    for name in PHASES[start:] + PHASES[:start]:
        if name not in phases:
            continue
        if name == "bare":
            print("bare Temporal baseline ...", flush=True)
            found.bare = await bare_phase(client, n, c, warmup)
        elif name == "shape":
            print("Signoff's shape on Temporal, with no work ...", flush=True)
            found.shape = await shape_phase(client, n, c, warmup)
        elif name == "signoff":
            print("Signoff lifecycle ...", flush=True)
            found.full, found.extra = await signoff_phase(client, settings, n, c, warmup)
        elif name == "peer":
            print(f"LangGraph peer on {args.store} ...", flush=True)
            found.peer = await peer_phase(args.store, n, c, warmup)
        elif name == "auto":
            print("Signoff's automatic path ...", flush=True)
            found.auto = await auto_phase(client, settings, n, c, warmup)
        else:
            print("the automatic path's shape on Temporal, with no work ...", flush=True)
            found.auto_shape = await shape_phase(client, n, c, warmup, automatic=True)
    return found


def phase_list(text: str) -> set[str]:
    names = {name.strip() for name in text.split(",") if name.strip()}
    unknown = sorted(names - set(PHASES))
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown phase {', '.join(unknown)}; the phases are {', '.join(PHASES)}"
        )
    return names


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", "-n", type=int, default=200)
    parser.add_argument("--concurrency", "-c", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured decisions first")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every phase this many times, in turn (each round starting at the next"
        " phase), and report the median round",
    )
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--only", choices=PHASES, help="one phase, for profiling")
    which.add_argument(
        "--skip",
        type=phase_list,
        default=set(),
        metavar="PHASE,...",
        help=f"leave these phases out (of {', '.join(PHASES)})",
    )
    parser.add_argument(
        "--bytecode",
        choices=["cache", "env"],
        default="cache",
        help="cache: compile workflow modules once, into a temp dir, as a deployed worker"
        " with .pyc files would (default); env: follow PYTHONDONTWRITEBYTECODE",
    )
    args = parser.parse_args()
    args.phases = {args.only} if args.only else set(PHASES) - args.skip
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # for ``bench`` when run as a script
    pycache = None
    if args.bytecode == "cache":
        # The sandbox re-imports workflow modules for every workflow run; without .pyc
        # files (PYTHONDONTWRITEBYTECODE=1 on these machines) it recompiles their source
        # each time. Cache bytecode outside the repo instead.
        pycache = sys.pycache_prefix = tempfile.mkdtemp(prefix="signoff-bench-pyc-")
        sys.dont_write_bytecode = False
    status = 0
    try:
        asyncio.run(main(args))
    except BaseException as err:  # still leave through os._exit below
        print(f"bench failed: {err!r}", file=sys.stderr)
        # The last line is the summary whatever happened, for whoever reads it.
        print(json.dumps({**summary(args, None), "error": repr(err)}))
        status = 1
    if pycache is not None:
        shutil.rmtree(pycache, ignore_errors=True)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    # The SDK can crash at interpreter exit (sdk-python #300): leave without teardown.
    os._exit(status)


if __name__ == "__main__":
    cli()
