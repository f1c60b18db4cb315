"""Throughput and latency of a whole Signoff decision, against bare Temporal.

    python bench/lifecycle.py [--decisions N] [--concurrency C] [--store sqlite|postgres]

Starts a Temporal dev server (the ``temporal`` binary next to the interpreter) and, in
this process, first a minimal worker for the bare baseline (start a workflow, one
Update, result), then a Signoff worker (the real plugin, a no-op chat channel, a fresh
SQLite file or PostgreSQL schema) for the full lifecycle (submit, approve by a
first-response quorum, back once audited and final). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
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
from signoff.core.contract import workflow_id_for
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
# One stage, decided by the first approver who answers. The manager and expert exist
# because the default policy settings name role:manager and role:expert.
POLICIES = """\
policies:
  - name: bench-first
    autonomy: suggest
    stages:
      - {name: leads, approvers: [group:leads], quorum: {kind: first}}
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


def request(decision_id: str) -> DecisionRequest:
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
        policy="bench-first",
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


async def shape_phase(client: Client, n: int, concurrency: int, warmup: int) -> Phase:
    from bench.shape_workflow import ShapeWorkflow, noop

    task_queue = f"bench-shape-{uuid.uuid4().hex[:8]}"

    async def one(decision_id: str, timings: dict[str, list[float]]) -> None:
        started = time.perf_counter()
        start = WithStartWorkflowOperation(
            ShapeWorkflow.run,
            decision_id,
            id=f"shape-{decision_id}",
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        await timed(
            timings,
            "submit",
            client.execute_update_with_start_workflow(
                ShapeWorkflow.started, start_workflow_operation=start
            ),
        )
        handle = client.get_workflow_handle(f"shape-{decision_id}")
        await timed(timings, "approve", handle.execute_update(ShapeWorkflow.approve, "a01"))
        timings.setdefault("total", []).append(time.perf_counter() - started)

    async with Worker(client, task_queue=task_queue, workflows=[ShapeWorkflow], activities=[noop]):
        await run_phase("warm-up", [uuid.uuid4().hex for _ in range(warmup)], concurrency, one)
        ids = [uuid.uuid4().hex for _ in range(n)]
        phase = await run_phase("shape", ids, concurrency, one)
        phase.history = await history_of(client.get_workflow_handle(f"shape-{ids[0]}"))
        return phase


async def signoff_phase(
    client: Client, settings: Settings, n: int, concurrency: int, warmup: int
) -> tuple[Phase, dict[str, Any]]:
    task_queue = f"bench-signoff-{uuid.uuid4().hex[:8]}"
    channel = NoopChannel()
    timer = TimeActivities()
    signoff = SignoffClient(
        client, task_queue=task_queue, voucher=load_voucher(settings.keys_path, BENCH_SURFACE)
    )
    approved_at: dict[str, float] = {}
    plugin = SignoffPlugin(settings=settings, channels={"console": channel})

    async def one(decision_id: str, timings: dict[str, list[float]]) -> None:
        started = time.perf_counter()
        await timed(timings, "submit", signoff.submit(request(decision_id)))
        approver = APPROVERS[hash(decision_id) % len(APPROVERS)]
        before = time.perf_counter()
        result = await timed(timings, "approve", signoff.perform(decision_id, "approve", approver))
        if result.status != "approved":
            raise RuntimeError(f"approve left the decision {result.status}")
        approved_at[decision_id] = before
        timings.setdefault("total", []).append(time.perf_counter() - started)

    async with Worker(client, task_queue=task_queue, plugins=[plugin], interceptors=[timer]):
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


def server_cpu() -> float:
    """CPU seconds the dev server has used so far (0 where /proc cannot tell)."""
    total = 0.0
    for pid in children():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


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


def report(
    args: argparse.Namespace,
    bare: Phase | None,
    shape: Phase | None,
    full: Phase | None,
    extra: dict[str, Any],
    server_kb: int | None,
) -> None:
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
    ):
        if phase is not None:
            rows.append(
                (
                    label,
                    f"{phase.rate:7.1f} decisions/s  ({phase.done} in {phase.elapsed:.2f} s,"
                    f" {phase.failed} failed)",
                )
            )
    if full is not None:
        rows.append(("  until final cards", f"{extra['sustained']:7.1f} decisions/s"))
    if bare is not None and full is not None and bare.rate:
        ratio = full.rate / bare.rate
        verdict = "" if ratio >= 0.6 else "  BELOW TARGET"
        rows.append(("ratio", f"{ratio:7.2f}  (target >= 0.60){verdict}"))
        rows.append(("  until final cards", f"{extra['sustained'] / bare.rate:7.2f}"))
    if bare is not None and shape is not None and bare.rate:
        ceiling = shape.rate / bare.rate
        rows.append(("shape / bare", f"{ceiling:7.2f}  (the most Signoff could reach)"))
    if shape is not None and full is not None and shape.rate:
        ours = full.rate / shape.rate
        rows.append(("Signoff / shape", f"{ours:7.2f}  (what our own code costs)"))
    if bare is not None:
        rows += [
            ("bare update p50/p99", both(bare.timings.get("update", []))),
            ("bare decision p50/p99", both(bare.timings.get("total", []))),
        ]
    if full is not None:
        n = max(full.done, 1)
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
    for label, phase in (
        ("bare CPU", bare),
        ("shape CPU", shape),
        ("Signoff CPU (to final cards)", full),
    ):
        if phase is not None:
            rows.append((label, phase.cpu()))
    for label, phase in (
        ("bare history", bare),
        ("shape history", shape),
        ("Signoff history", full),
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
        "\nmove by 10-30% between runs, so compare the ratio within one run. Signoff decisions"
        "\nstay open (feedback window) after approve; the bare ones complete."
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
    workdir = Path(tempfile.mkdtemp(prefix="signoff-bench-"))
    (workdir / "policies.yaml").write_text(POLICIES)
    (workdir / "directory.yaml").write_text(DIRECTORY)
    from bench.scratch_database import ScratchDatabase

    db = ScratchDatabase(args.store)
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
    core_logs = CoreLogs()
    env = await WorkflowEnvironment.start_local(
        runtime=core_logs.runtime(),
        dev_server_existing_path=temporal_binary(),
        search_attributes=list(ALL_KEYS),
        data_converter=pydantic_data_converter,
        ui=False,
    )
    rounds: list[Round] = []
    try:
        for number in range(1, args.rounds + 1):
            if args.rounds > 1:
                print(f"round {number} of {args.rounds}", flush=True)
            rounds.append(await run_round(env.client, settings, args, number))
        server_kb = server_peak_rss_kb()
    finally:
        await env.shutdown()
        db.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    middle = sorted(rounds, key=Round.ratio)[len(rounds) // 2]
    middle.extra["slow_tasks"] = core_logs.slow_tasks
    report(args, middle.bare, middle.shape, middle.full, middle.extra, server_kb)
    if len(rounds) > 1:
        print(f"\n{Round.HEADER}")
        for number, each in enumerate(rounds, 1):
            print(each.row(number))
        print("The figures above are those of the round with the median ratio.")


@dataclass
class Round:
    """One pass of each phase; the phases run one after another, so a round compares
    them under the same conditions of a noisy machine."""

    bare: Phase | None
    shape: Phase | None
    full: Phase | None
    extra: dict[str, Any]

    HEADER = "round   bare/s  shape/s  Signoff/s  ratio  shape/bare  Signoff/shape"

    def ratio(self) -> float:
        """Signoff over bare; 0 when one of them did not run."""
        return _share(self.full, self.bare) or 0.0

    def row(self, number: int) -> str:
        nan = float("nan")
        bare, shape, full = (p.rate if p else nan for p in (self.bare, self.shape, self.full))
        ceiling = _share(self.shape, self.bare) or nan
        ours = _share(self.full, self.shape) or nan
        return (
            f"{number:5d}  {bare:7.1f}  {shape:7.1f}  {full:9.1f}  {self.ratio():5.2f}"
            f"  {ceiling:10.2f}  {ours:13.2f}"
        )


def _share(part: Phase | None, whole: Phase | None) -> float | None:
    return part.rate / whole.rate if part and whole and whole.rate else None


PHASES = ("bare", "shape", "signoff")


async def run_round(
    client: Client, settings: Settings, args: argparse.Namespace, number: int
) -> Round:
    """Each phase once; round n starts at the n-th phase, so over three rounds no phase
    always runs first, on the emptiest server."""
    found: dict[str, Phase] = {}
    extra: dict[str, Any] = {}
    n, c, warmup = args.decisions, args.concurrency, args.warmup
    start = (number - 1) % len(PHASES)
    for name in PHASES[start:] + PHASES[:start]:
        if args.only not in (None, name):
            continue
        if name == "bare":
            print("bare Temporal baseline ...", flush=True)
            found[name] = await bare_phase(client, n, c, warmup)
        elif name == "shape":
            print("Signoff's shape on Temporal, with no work ...", flush=True)
            found[name] = await shape_phase(client, n, c, warmup)
        else:
            print("Signoff lifecycle ...", flush=True)
            found[name], extra = await signoff_phase(client, settings, n, c, warmup)
    return Round(found.get("bare"), found.get("shape"), found.get("signoff"), extra)


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
    parser.add_argument("--only", choices=PHASES, help="one phase, for profiling")
    parser.add_argument(
        "--bytecode",
        choices=["cache", "env"],
        default="cache",
        help="cache: compile workflow modules once, into a temp dir, as a deployed worker"
        " with .pyc files would (default); env: follow PYTHONDONTWRITEBYTECODE",
    )
    args = parser.parse_args()
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
        status = 1
    if pycache is not None:
        shutil.rmtree(pycache, ignore_errors=True)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    # The SDK can crash at interpreter exit (sdk-python #300): leave without teardown.
    os._exit(status)


if __name__ == "__main__":
    cli()
