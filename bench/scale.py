"""How Signoff holds up with many open decisions and a large audit trail.

    python bench/scale.py [--decisions 10000] [--store sqlite|postgres] [--events 1000000]

Starts a Temporal dev server and one Signoff worker in a process of its own
(``bench/scale_worker.py``), opens ``--decisions`` decisions against it (half pending,
half approved and in their feedback window) and measures, at 1,000 and at the full
count: the worker's and the server's RSS and ``SignoffClient.pending`` for one approver.
Then 1,000 decisions whose stage SLA falls due within one minute escalate, and their
timers' lateness is read from the audit trail. Last, on a fresh PostgreSQL schema
filled with synthetic audit events (100,000, then ``--events``), it times the store's
audit queries by decision, actor and time range, and a streaming export of every event.
Prints figures and ends with one JSON line; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import heapq
import itertools
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.api.workflowservice.v1 import ListWorkflowExecutionsRequest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # for ``bench`` when run as a script

from bench.lifecycle import (  # noqa: E402
    APPROVERS,
    BENCH_SURFACE,
    DIRECTORY,
    CoreLogs,
    children,
    pct,
    proc_cpu,
    request,
)
from bench.scratch_database import ScratchDatabase  # noqa: E402
from signoff.adapters.notary import AuditKeyring, create_surface, load_voucher  # noqa: E402
from signoff.adapters.store import Store  # noqa: E402
from signoff.app.cli.devserver import temporal_binary  # noqa: E402
from signoff.client.decision_search import search_query  # noqa: E402
from signoff.client.signoff_client import SignoffClient  # noqa: E402
from signoff.core.contract import workflow_id_for  # noqa: E402
from signoff.core.search_attributes import ALL_KEYS  # noqa: E402
from signoff.core.settings import Settings  # noqa: E402

TASK_QUEUE = "signoff-scale"
PERSON = APPROVERS[0]
"""The approver whose pending decisions are listed: every open decision asks them."""
SLA_SECONDS = range(1, 301)
"""One escalating policy per SLA in seconds, so each decision of the timer phase can be
given the SLA that puts its deadline where it should fall."""
SENIORS = ["s1", "s2", "s3"]


def policies() -> str:
    """``scale-open``: one stage with a long SLA (the open decisions); ``scale-sla-<s>``:
    a stage that escalates after ``s`` seconds to a second one without an SLA."""
    lines = [
        "policies:",
        "  - name: scale-open",
        "    autonomy: suggest",
        "    stages:",
        "      - {name: leads, approvers: [group:leads], quorum: {kind: first}, sla: 30d}",
    ]
    for seconds in SLA_SECONDS:
        lines += [
            f"  - name: scale-sla-{seconds}",
            "    autonomy: suggest",
            "    stages:",
            "      - {name: leads, approvers: [group:leads], quorum: {kind: first},"
            f" sla: {seconds}s, on_timeout: escalate}}",
            "      - {name: seniors, approvers: [group:seniors], quorum: {kind: first}}",
        ]
    return "\n".join(lines) + "\n"


SCALE_DIRECTORY = DIRECTORY + "".join(
    f"  - {{id: {who}, name: {who}, email: {who}@example.com, roles: [approver],"
    f" groups: [seniors]}}\n"
    for who in SENIORS
)


# -- measuring processes ----------------------------------------------------------------


def proc_kb(pid: int, key: str) -> int | None:
    """A ``/proc/<pid>/status`` figure in kB (``VmRSS``, ``VmHWM``), None when unreadable."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return None


def proc_mb(pids: list[int], key: str) -> float | None:
    """The sum over ``pids`` of a ``/proc`` memory figure, in MB."""
    found = [kb for kb in (proc_kb(p, key) for p in pids) if kb is not None]
    return sum(found) / 1024 if found else None


class PeakRss:
    """Samples this process's VmRSS in a thread while in the ``with`` block: the export
    runs in this process, whose VmHWM still holds the peaks of earlier phases."""

    def __init__(self) -> None:
        self.before = self.peak = self.after = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _now(self) -> float:
        return (proc_kb(os.getpid(), "VmRSS") or 0) / 1024

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._now())

    def __enter__(self) -> PeakRss:
        self.before = self.peak = self._now()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.after = self._now()
        self.peak = max(self.peak, self.after)


def fmt_ms(values: list[float]) -> str:
    """p50 / p95 / p99 / max of durations in seconds."""
    return " / ".join(f"{pct(values, q) * 1000:.1f}" for q in (0.5, 0.95, 0.99, 1.0)) + " ms"


def p95_ms(values: list[float]) -> float:
    return round(pct(values, 0.95) * 1000, 2)


def growth(figures: dict[int, float], unit: str) -> str:
    """``a unit at N1 -> b unit at N2 (x b/a)`` over the sizes measured."""
    sizes = sorted(figures)
    text = " -> ".join(f"{figures[n]:.1f} {unit} at {n:,}" for n in sizes)
    first, last = figures[sizes[0]], figures[sizes[-1]]
    if len(sizes) > 1 and first:
        text += f"  (x{last / first:.2f} for x{sizes[-1] / sizes[0]:.0f} the size)"
    return text


# -- the worker -------------------------------------------------------------------------


@dataclass
class WorkerProcess:
    """``bench/scale_worker.py`` in a child process, its output in ``log``."""

    proc: subprocess.Popen[bytes]
    log: Path

    @classmethod
    async def start(cls, settings: Settings, address: str, pycache: str | None) -> WorkerProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNOFF_")}
        env |= {
            "SIGNOFF_TEMPORAL_ADDRESS": address,
            "SIGNOFF_TASK_QUEUE": settings.task_queue,
            "SIGNOFF_DATABASE_URL": settings.store_url,
            "SIGNOFF_POLICIES_FILE": str(settings.policies_file),
            "SIGNOFF_DIRECTORY_FILE": str(settings.directory_file),
            "SIGNOFF_DATA_DIR": str(settings.data_dir),
        }
        if pycache is not None:
            # As lifecycle.py does in its own process: the sandbox re-imports workflow
            # modules for every run, so cache their bytecode outside the checkout.
            env["PYTHONPYCACHEPREFIX"] = pycache
            env.pop("PYTHONDONTWRITEBYTECODE", None)
        log = settings.data_dir / "worker.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, str(ROOT / "bench" / "scale_worker.py")],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=settings.data_dir,  # no .env file of the checkout
            )
        worker = cls(proc, log)
        deadline = time.monotonic() + 90
        while "ready" not in worker.output():
            worker.check()
            if time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{worker.output()[-2000:]}")
            await asyncio.sleep(0.2)
        return worker

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def check(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(
                f"the worker exited ({self.proc.returncode}):\n{self.output()[-2000:]}"
            )

    def rss_mb(self) -> float | None:
        return proc_mb([self.proc.pid], "VmRSS")

    def peak_mb(self) -> float | None:
        return proc_mb([self.proc.pid], "VmHWM")

    def cpu(self) -> float:
        return proc_cpu([self.proc.pid])

    def stop(self) -> str:
        """Stop it (SIGTERM, then SIGKILL after 30 s); what it said about slow tasks."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        lines = [line for line in self.output().splitlines() if "slow workflow tasks" in line]
        return lines[-1] if lines else "(the worker did not say)"


async def quiet(worker: WorkerProcess, most: float = 60.0) -> float:
    """Wait until the worker has caught up (under 10% of a CPU over one second, audit
    writes and card drawing done); how long that took."""
    started = time.monotonic()
    while time.monotonic() - started < most:
        before = worker.cpu()
        await asyncio.sleep(1.0)
        if worker.cpu() - before < 0.1:
            break
    return time.monotonic() - started


# -- opening decisions ------------------------------------------------------------------


@dataclass
class Opened:
    done: int = 0
    failed: int = 0
    elapsed: float = 0.0
    submit: list[float] = field(default_factory=list)
    approve: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed else 0.0


async def in_lanes(
    items: list[Any], concurrency: int, one: Callable[[Any], Awaitable[None]], label: str
) -> tuple[int, int]:
    """``one(item)`` for every item, ``concurrency`` at a time; (done, failed)."""
    queue = iter(items)
    counts = [0, 0]

    async def lane() -> None:
        for item in queue:
            try:
                await one(item)
                counts[0] += 1
            except Exception as err:  # a figure, not a test: count and go on
                counts[1] += 1
                if counts[1] <= 3:
                    print(f"  {label}: {item} failed: {err!r}", file=sys.stderr, flush=True)

    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return counts[0], counts[1]


async def open_decisions(
    signoff: SignoffClient,
    worker: WorkerProcess,
    indexes: range,
    concurrency: int,
    total: int,
) -> Opened:
    """Even indexes stay pending; odd ones are approved and sit in their feedback
    window (7 days)."""
    opened = Opened()
    started = time.perf_counter()
    progress = {"next": (indexes.start // 1000 + 1) * 1000}

    async def one(index: int) -> None:
        worker.check()
        decision_id = f"scale-{index:06d}"
        t0 = time.perf_counter()
        await signoff.submit(request(decision_id).model_copy(update={"policy": "scale-open"}))
        t1 = time.perf_counter()
        opened.submit.append(t1 - t0)
        if index % 2:
            approver = APPROVERS[index // 2 % len(APPROVERS)]
            result = await signoff.perform(decision_id, "approve", approver)
            if result.status != "approved":
                raise RuntimeError(f"approve left the decision {result.status}")
            opened.approve.append(time.perf_counter() - t1)
        opened.done += 1
        count = indexes.start + opened.done
        if count >= progress["next"]:
            progress["next"] += 1000
            rate = opened.done / (time.perf_counter() - started)
            print(
                f"  opened {count:,} of {total:,} ({rate:.1f}/s), worker RSS"
                f" {worker.rss_mb() or 0:.0f} MB",
                flush=True,
            )

    _, opened.failed = await in_lanes(list(indexes), concurrency, one, "open")
    opened.elapsed = time.perf_counter() - started
    return opened


@dataclass
class Pending:
    timings: list[float]
    rows: int
    total: int
    raw: list[float]
    listing: list[float]
    counting: list[float]


async def time_pending(signoff: SignoffClient, calls: int) -> Pending:
    """``pending(PERSON)`` ``calls`` times, one after another, after a few unmeasured;
    then its two visibility calls alone (a page of 100 as the client reads it, the
    count), 20 times each, and the page's bare RPC (the server's part, without turning
    rows into listings)."""
    for _ in range(5):
        await signoff.pending(PERSON)
    timings = []
    rows = 0
    for _ in range(calls):
        t0 = time.perf_counter()
        rows = len(await signoff.pending(PERSON))
        timings.append(time.perf_counter() - t0)
    query = search_query(
        salt=signoff.search_salt,
        task_queue=signoff.task_queue,
        status="pending",
        pending_for=PERSON,
    )
    raw, listing, counting = [], [], []
    total = 0
    bare = ListWorkflowExecutionsRequest(
        namespace=signoff.temporal.namespace, page_size=100, query=query
    )
    for _ in range(20):
        t0 = time.perf_counter()
        await signoff.temporal.workflow_service.list_workflow_executions(bare)
        raw.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        await signoff.search_page(page_size=100, count=False, status="pending", pending_for=PERSON)
        t1 = time.perf_counter()
        total = (await signoff.temporal.count_workflows(query)).count
        listing.append(t1 - t0)
        counting.append(time.perf_counter() - t1)
    return Pending(timings, rows, total, raw, listing, counting)


# -- escalation timers ------------------------------------------------------------------


@dataclass
class Timers:
    submitted: int = 0
    failed: int = 0
    submit_elapsed: float = 0.0
    lead: float = 0.0
    lateness: list[float] = field(default_factory=list)
    missing: int = 0
    spread: float = 0.0
    waited: float = 0.0
    parts: dict[str, list[float]] = field(default_factory=dict)
    sampled: int = 0
    timers_per_decision: float = 0.0


async def escalation_timers(
    signoff: SignoffClient,
    worker: WorkerProcess,
    store_url: str,
    count: int,
    window: float,
    rate: float,
    concurrency: int,
) -> Timers:
    """Start ``count`` decisions whose first stage's SLA falls due over ``window``
    seconds, after all of them are submitted; read when each escalated."""
    timers = Timers()
    # Submitting must be over before the first deadline: allow for the rate seen while
    # opening (a submit alone is quicker than the approved half's two calls).
    timers.lead = min(max(15.0, count / max(rate, 1.0) * 1.2 + 10), SLA_SECONDS[-1] - window)
    first = time.time() + timers.lead
    sla: dict[str, int] = {}

    async def one(k: int) -> None:
        worker.check()
        decision_id = f"scale-timer-{k:05d}"
        target = first + window * k / count
        seconds = min(max(round(target - time.time()), SLA_SECONDS[0]), SLA_SECONDS[-1])
        sla[decision_id] = seconds
        await signoff.submit(
            request(decision_id).model_copy(update={"policy": f"scale-sla-{seconds}"})
        )

    started = time.perf_counter()
    timers.submitted, timers.failed = await in_lanes(list(range(count)), concurrency, one, "timer")
    timers.submit_elapsed = time.perf_counter() - started
    print(
        f"  {timers.submitted} submitted in {timers.submit_elapsed:.1f} s; deadlines fall over"
        f" {window:.0f} s from {first - time.time():.1f} s from now",
        flush=True,
    )
    await asyncio.sleep(max(0.0, first + window - time.time()))
    store = await Store.open(store_url, migrate=False)
    waited_from = time.monotonic()
    try:
        while True:
            events = await store.query_events(kinds=["stage_started", "escalated"], limit=None)
            started_at = {
                e.decision_id: e.at
                for e in events
                if e.kind == "stage_started" and e.stage == 0 and e.decision_id in sla
            }
            escalated = {e.decision_id: e.at for e in events if e.kind == "escalated"}
            if len(escalated) >= len(sla) or time.monotonic() - waited_from > 120:
                break
            await asyncio.sleep(2)
    finally:
        await store.close()
    timers.waited = time.monotonic() - waited_from
    deadlines = {d: started_at[d] + timedelta(seconds=s) for d, s in sla.items() if d in started_at}
    timers.lateness = [
        (escalated[d] - deadline).total_seconds()
        for d, deadline in deadlines.items()
        if d in escalated
    ]
    timers.missing = len(sla) - len(timers.lateness)
    if deadlines:
        timers.spread = (max(deadlines.values()) - min(deadlines.values())).total_seconds()
    await timer_parts(signoff, deadlines, timers)
    return timers


async def timer_parts(
    signoff: SignoffClient, deadlines: dict[str, datetime], timers: Timers, sample: int = 100
) -> None:
    """Where the lateness comes from, read from a sample of histories (the server's
    times): ``armed``, how much later than the deadline the SLA timer was set to fire
    (a timer runs from the end of the workflow task that set it, its duration counted
    from that task's start); ``fired``, how late the server fired it; ``picked_up``, from
    the timer firing until the workflow task that escalates started."""
    parts: dict[str, list[float]] = {"armed": [], "fired": [], "picked_up": []}
    started_timers = 0
    chosen = sorted(deadlines)[:: max(1, len(deadlines) // sample)]
    for decision_id in chosen:
        handle = signoff.temporal.get_workflow_handle(workflow_id_for(decision_id))
        events = list((await handle.fetch_history()).events)
        by_id = {e.event_id: e for e in events}
        fired = next(
            (i for i, e in enumerate(events) if e.HasField("timer_fired_event_attributes")), None
        )
        if fired is None:
            continue
        started = by_id[events[fired].timer_fired_event_attributes.started_event_id]
        started_timers += sum(e.HasField("timer_started_event_attributes") for e in events[:fired])
        timeout = started.timer_started_event_attributes.start_to_fire_timeout
        due = _at(started) + timeout.ToTimedelta()
        task = next(
            (e for e in events[fired:] if e.HasField("workflow_task_started_event_attributes")),
            None,
        )
        parts["armed"].append((due - deadlines[decision_id]).total_seconds())
        parts["fired"].append((_at(events[fired]) - due).total_seconds())
        if task is not None:
            parts["picked_up"].append((_at(task) - _at(events[fired])).total_seconds())
    timers.parts, timers.sampled = parts, len(parts["armed"])
    timers.timers_per_decision = started_timers / max(1, timers.sampled)


def _at(event: Any) -> datetime:
    return event.event_time.ToDatetime().replace(tzinfo=UTC)


# -- the decisions phase ----------------------------------------------------------------


@dataclass
class Checkpoint:
    open: int
    rate: float
    worker_rss: float | None
    worker_peak: float | None
    server_rss: float | None
    server_peak: float | None
    worker_cpu_ms: float
    server_cpu_ms: float
    pending: Pending
    settle: float


async def decisions_phase(args: argparse.Namespace, out: dict[str, Any]) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="signoff-scale-"))
    (workdir / "policies.yaml").write_text(policies())
    (workdir / "directory.yaml").write_text(SCALE_DIRECTORY)
    db = ScratchDatabase(args.store)
    settings = Settings(
        database_url=db.url,
        policies_file=workdir / "policies.yaml",
        directory_file=workdir / "directory.yaml",
        data_dir=workdir,
        task_queue=TASK_QUEUE,
    )
    AuditKeyring(settings.keys_path).create()
    create_surface(settings.keys_path, settings.surfaces_path, BENCH_SURFACE, "anyone")
    print(f"starting dev server and worker; store {args.store} ({workdir})", flush=True)
    env = await WorkflowEnvironment.start_local(
        runtime=CoreLogs().runtime(),
        dev_server_existing_path=temporal_binary(),
        search_attributes=list(ALL_KEYS),
        data_converter=pydantic_data_converter,
        ui=False,
    )
    server = [int(p) for p in children()]
    worker: WorkerProcess | None = None
    try:
        address = env.client.service_client.config.target_host
        worker = await WorkerProcess.start(settings, address, args.pycache)
        signoff = SignoffClient(
            env.client,
            task_queue=TASK_QUEUE,
            voucher=load_voucher(settings.keys_path, BENCH_SURFACE),
        )
        sizes = sorted({min(1000, args.decisions), args.decisions})
        checkpoints: list[Checkpoint] = []
        opened_so_far = 0
        rate = 0.0
        for size in sizes:
            print(f"opening decisions {opened_so_far:,} to {size:,} ...", flush=True)
            cpu0 = (worker.cpu(), proc_cpu(server))
            opened = await open_decisions(
                signoff, worker, range(opened_so_far, size), args.concurrency, args.decisions
            )
            settle = await quiet(worker)
            cpu = (worker.cpu() - cpu0[0], proc_cpu(server) - cpu0[1])
            rate = opened.rate
            n = max(opened.done, 1)
            print(
                f"  {opened.done:,} opened in {opened.elapsed:.1f} s ({opened.rate:.1f}/s,"
                f" {opened.failed} failed); submit p50/p99"
                f" {pct(opened.submit, 0.5) * 1000:.0f}/{pct(opened.submit, 0.99) * 1000:.0f} ms,"
                f" approve p50/p99 {pct(opened.approve, 0.5) * 1000:.0f}"
                f"/{pct(opened.approve, 0.99) * 1000:.0f} ms; worker caught up"
                f" {settle:.0f} s later",
                flush=True,
            )
            opened_so_far = size
            pending = await time_pending(signoff, args.pending_calls)
            checkpoints.append(
                Checkpoint(
                    open=size,
                    rate=opened.rate,
                    worker_rss=worker.rss_mb(),
                    worker_peak=worker.peak_mb(),
                    server_rss=proc_mb(server, "VmRSS"),
                    server_peak=proc_mb(server, "VmHWM"),
                    worker_cpu_ms=cpu[0] / n * 1000,
                    server_cpu_ms=cpu[1] / n * 1000,
                    pending=pending,
                    settle=settle,
                )
            )
            print(f"  at {size:,} open: {pending_text(pending)}", flush=True)
        timers = None
        if args.timers:
            print(
                f"escalation timers: {args.timers:,} decisions due within"
                f" {args.timer_window:.0f} s ...",
                flush=True,
            )
            timers = await escalation_timers(
                signoff,
                worker,
                settings.store_url,
                args.timers,
                args.timer_window,
                rate,
                args.concurrency,
            )
            await quiet(worker)
        worker_final = (worker.rss_mb(), worker.peak_mb())
        server_final = (proc_mb(server, "VmRSS"), proc_mb(server, "VmHWM"))
        slow = worker.stop()
    finally:
        if worker is not None:
            worker.stop()
        await env.shutdown()
        db.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    report_decisions(checkpoints, timers, worker_final, server_final, slow, out)


def report_decisions(
    checkpoints: list[Checkpoint],
    timers: Timers | None,
    worker_final: tuple[float | None, float | None],
    server_final: tuple[float | None, float | None],
    slow: str,
    out: dict[str, Any],
) -> None:
    print("\nopen decisions (half pending, half approved in their feedback window)")
    rows: list[tuple[str, str]] = []
    for c in checkpoints:
        rows += [
            (
                f"at {c.open:,} open",
                f"worker RSS {c.worker_rss or 0:.0f} MB (peak {c.worker_peak or 0:.0f});"
                f" dev server RSS {c.server_rss or 0:.0f} MB (peak {c.server_peak or 0:.0f})",
            ),
            (
                "",
                f"opening: {c.rate:.1f} decisions/s; CPU per decision {c.worker_cpu_ms:.1f} ms"
                f" worker + {c.server_cpu_ms:.1f} ms dev server",
            ),
            ("", pending_text(c.pending)),
        ]
    rows.append(
        (
            "at the end",
            f"worker RSS {worker_final[0] or 0:.0f} MB, peak {worker_final[1] or 0:.0f} MB"
            f" (target <= 600); dev server RSS {server_final[0] or 0:.0f} MB,"
            f" peak {server_final[1] or 0:.0f} MB",
        )
    )
    rows.append(("worker", slow))
    if len(checkpoints) > 1:
        rows.append(
            (
                "growth",
                "pending p95 "
                + growth({c.open: pct(c.pending.timings, 0.95) * 1000 for c in checkpoints}, "ms"),
            )
        )
        rows.append(
            (
                "",
                "worker RSS " + growth({c.open: c.worker_rss or 0 for c in checkpoints}, "MB"),
            )
        )
        rows.append(
            (
                "",
                "dev server RSS " + growth({c.open: c.server_rss or 0 for c in checkpoints}, "MB"),
            )
        )
    if timers is not None:
        late = timers.lateness
        rows += [
            (
                "escalation timers",
                f"{timers.submitted:,} submitted ({timers.failed} failed) in"
                f" {timers.submit_elapsed:.1f} s; deadlines spread over {timers.spread:.1f} s,"
                f" first {timers.lead:.0f} s after the start",
            ),
            (
                "  lateness",
                f"p50/p95/p99/max {fmt_ms(late)} (target p99 <= 1000 ms); {len(late):,} escalated,"
                f" {timers.missing} not within {timers.waited:.0f} s after the last deadline",
            ),
            (
                "",
                "lateness = the escalated event's time (the firing workflow task's start)"
                " minus the stage deadline",
            ),
            (
                "  where it comes from",
                f"p50 / p99 over {timers.sampled} histories; {timers.timers_per_decision:.1f}"
                " timers set per decision until the SLA fired",
            ),
            *(
                (
                    f"    {name}",
                    f"{pct(values, 0.5) * 1000:.0f} / {pct(values, 0.99) * 1000:.0f} ms"
                    f"  ({TIMER_PARTS[name]})",
                )
                for name, values in timers.parts.items()
            ),
        ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    last = checkpoints[-1]
    out["worker_rss_mb"] = _round(worker_final[1])
    out["worker_rss_mb_at"] = {str(c.open): _round(c.worker_rss) for c in checkpoints}
    out["server_rss_mb"] = _round(server_final[1])
    out["server_rss_mb_at"] = {str(c.open): _round(c.server_rss) for c in checkpoints}
    out["open_rate_per_s"] = {str(c.open): round(c.rate, 1) for c in checkpoints}
    out["pending_p95_ms"] = {str(c.open): p95_ms(c.pending.timings) for c in checkpoints}
    targets = out.setdefault("targets_met", {})
    targets["worker_rss"] = (worker_final[1] or 0) <= 600
    targets["pending_p95"] = p95_ms(last.pending.timings) <= 50
    if timers is not None and timers.lateness:
        out["timer_lateness_ms"] = {
            k: round(pct(timers.lateness, q) * 1000, 1)
            for k, q in (("p50", 0.5), ("p99", 0.99), ("max", 1.0))
        }
        out["timer_lateness_p99_ms"] = out["timer_lateness_ms"]["p99"]
        out["timers_missing"] = timers.missing
        targets["timer_lateness_p99"] = out["timer_lateness_p99_ms"] <= 1000 and not timers.missing
        out["timer_lateness_parts_p99_ms"] = {
            name: round(pct(values, 0.99) * 1000, 1) for name, values in timers.parts.items()
        }


TIMER_PARTS = {
    "armed": "the timer set to fire after the deadline: the setting task's own run",
    "fired": "the server firing it after it was due",
    "picked_up": "from the timer firing until a worker started the escalating task",
}


def pending_text(p: Pending) -> str:
    return (
        f"pending({PERSON!r}) p50/p95/p99/max {fmt_ms(p.timings)} ({len(p.timings)} calls;"
        f" {p.rows} rows of {p.total:,}); alone, p50: its page of 100"
        f" {pct(p.listing, 0.5) * 1000:.1f} ms (the bare RPC {pct(p.raw, 0.5) * 1000:.1f} ms),"
        f" its count {pct(p.counting, 0.5) * 1000:.1f} ms"
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# -- synthetic audit events -------------------------------------------------------------

DECISION_MARK = "zzdecisionzz"
REQUESTER_MARK = "zzrequesterzz"
APPROVER_MARK = "zzapproverzz"
REQUESTERS = [f"req-{i:02d}" for i in range(50)]
PEOPLE = [f"appr-{i:03d}" for i in range(200)]
SPAN_PER_EVENT = timedelta(days=90) / 1_000_000
"""The events arrive at a steady rate: a million take 90 days (about 460 an hour), so a
larger store is a longer history, as a real one grows."""
COLUMNS = (
    "event_id",
    "decision_id",
    "seq",
    "kind",
    "actor",
    "stage",
    "at",
    "data",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class Template:
    kind: str
    actor: str | None
    stage: int | None
    data: str
    later: bool
    """Written when the decision is decided or escalates, not when it is submitted."""


def trail_templates() -> dict[str, list[Template]]:
    """Real trails, made by Signoff's own lifecycle code (``Lifecycle``), with markers
    where the decision id, requester and approver go: an approved decision (5 events),
    a pending one (its first 3), one escalated by its SLA (6)."""
    from signoff.core.catalog import Catalog
    from signoff.core.models import Action, ActionKind
    from signoff.core.policy import route
    from signoff.core.vouching import vouch_record
    from signoff.workflows.human_actions import apply
    from signoff.workflows.lifecycle import Lifecycle
    from signoff.workflows.timers import fire_due_timers

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "policies.yaml").write_text(
            "policies:\n"
            "  - name: scale-open\n    autonomy: suggest\n    stages:\n"
            "      - {name: leads, approvers: [group:leads], sla: 30d}\n"
            "  - name: scale-escalating\n    autonomy: suggest\n    stages:\n"
            "      - {name: leads, approvers: [group:leads], sla: 2h, on_timeout: escalate}\n"
            "      - {name: seniors, approvers: [group:seniors]}\n"
        )
        (folder / "directory.yaml").write_text(
            "people:\n"
            f"  - {{id: {REQUESTER_MARK}, name: r, email: r@example.com, roles: [requester]}}\n"
            f"  - {{id: {APPROVER_MARK}, name: a, email: a@example.com, groups: [leads]}}\n"
            "  - {id: s1, name: s, email: s@example.com, groups: [seniors]}\n"
            "  - {id: mona, name: m, email: m@example.com, roles: [manager, expert]}\n"
        )
        settings = Settings(
            policies_file=folder / "policies.yaml",
            directory_file=folder / "directory.yaml",
            data_dir=folder,
        )
        AuditKeyring(settings.keys_path).create()
        create_surface(settings.keys_path, settings.surfaces_path, BENCH_SURFACE, "anyone")
        catalog = Catalog.load(settings)
        voucher = load_voucher(settings.keys_path, BENCH_SURFACE)
        assert voucher is not None
        now = datetime.now(UTC)
        trails: dict[str, list[Template]] = {}
        for name, policy in (("approved", "scale-open"), ("escalated", "scale-escalating")):
            req = request(DECISION_MARK).model_copy(
                update={"policy": policy, "requester": REQUESTER_MARK}
            )
            plan = catalog.plan(req, submission=voucher.vouch_submission(req))
            life = Lifecycle.begin(req, plan, route(req, plan.policy), now)
            submitted = len(life.events_to_record)
            if name == "approved":
                bare = Action(kind=ActionKind.APPROVE, actor=APPROVER_MARK, action_id="x" * 32)
                action = voucher.vouch(DECISION_MARK, bare)
                record = vouch_record(action)
                action = action.model_copy(update={"via": BENCH_SURFACE})
                with life.vouched(action.actor, record):
                    apply(life, action, now + timedelta(hours=1))
            else:
                stage = life.state.stage
                assert stage is not None and stage.deadline is not None
                fire_due_timers(life, stage.deadline)
            trails[name] = [
                Template(
                    kind=e.kind.value,
                    actor=e.actor,
                    stage=e.stage,
                    data=json.dumps(e.data, ensure_ascii=False, separators=(",", ":")),
                    later=i >= submitted,
                )
                for i, e in enumerate(life.events_to_record)
            ]
        trails["pending"] = [t for t in trails["approved"] if not t.later]
        return trails


@dataclass
class Synthetic:
    """An endless, time-ordered stream of audit rows in the store's column shapes: each
    decision submitted in turn (a quarter stay pending, one in ten escalates by its SLA
    two hours later, the rest are approved 0-4 hours later), the later events merged in
    at their time. Hashes are stand-ins: the chains do not verify."""

    trails: dict[str, list[Template]]
    start: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    decisions: int = 0
    emitted: int = 0
    seed: int = 12
    last_at: datetime | None = None

    def rows(self) -> Iterator[tuple[Any, ...]]:
        rng = random.Random(self.seed)
        later: list[tuple[datetime, int, tuple[Any, ...]]] = []
        tie = itertools.count()
        gap = SPAN_PER_EVENT * 4.6  # the mean events per decision
        at = self.start
        while True:
            at += gap * rng.uniform(0.5, 1.5)
            while later and later[0][0] <= at:
                row = heapq.heappop(later)[2]
                self.emitted += 1
                self.last_at = row[6]
                yield row
            k = self.decisions
            self.decisions += 1
            draw = rng.random()
            trail = "pending" if draw < 0.25 else "escalated" if draw < 0.35 else "approved"
            decided = at + (
                timedelta(hours=2)
                if trail == "escalated"
                else timedelta(seconds=rng.uniform(60, 4 * 3600))
            )
            decision_id = f"syn-{k:07d}"
            names = {
                DECISION_MARK: decision_id,
                REQUESTER_MARK: rng.choice(REQUESTERS),
                APPROVER_MARK: rng.choice(PEOPLE),
            }
            prev = "0" * 64
            for seq, template in enumerate(self.trails[trail], start=1):
                event_id = f"{decision_id}/{seq - 1:06d}"
                sealed = hashlib.sha256(event_id.encode()).hexdigest()
                data = template.data
                for mark, name in names.items():
                    data = data.replace(mark, name)
                actor = names.get(template.actor or "", template.actor)
                when = decided if template.later else at
                row = (
                    event_id,
                    decision_id,
                    seq,
                    template.kind,
                    actor,
                    template.stage,
                    when,
                    data,
                    prev,
                    sealed,
                )
                prev = sealed
                if template.later:
                    heapq.heappush(later, (when, next(tie), row))
                else:
                    self.emitted += 1
                    self.last_at = when
                    yield row


def copy_rows(url: str, rows: Iterator[tuple[Any, ...]], count: int) -> None:
    """COPY ``count`` rows into ``audit_events``, straight through psycopg."""
    import psycopg

    with (
        psycopg.connect(url, autocommit=True) as conn,
        conn.cursor() as cursor,
    ):
        with cursor.copy(f"COPY audit_events ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in itertools.islice(rows, count):
                copy.write_row(row)
        cursor.execute("ANALYZE audit_events")


class CountingSink:
    """A text file to /dev/null that counts the bytes written (as UTF-8)."""

    def __init__(self) -> None:
        self._file = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        return self._file.write(text)

    def close(self) -> None:
        self._file.close()


@dataclass
class AuditSize:
    events: int
    load_s: float
    queries: dict[str, list[float]]
    in_db: dict[str, list[float]]
    plans: dict[str, str]
    rows: dict[str, float]
    export_s: float
    export_rows: int
    export_bytes: int
    rss: PeakRss
    table_mb: float


async def audit_phase(args: argparse.Namespace, out: dict[str, Any]) -> None:
    try:
        db = ScratchDatabase("postgres")
    except Exception as err:  # no server here: the phase is skipped, not failed
        print(f"audit store: skipped, PostgreSQL unreachable ({err!r})", flush=True)
        return
    try:
        store = await Store.open(db.url)
        try:
            sizes = sorted({min(100_000, args.events), args.events})
            results = await measure_audit(store, db.url, sizes, args)
        finally:
            await store.close()
    finally:
        db.drop()
    report_audit(results, args, out)


async def measure_audit(
    store: Store, url: str, sizes: list[int], args: argparse.Namespace
) -> list[AuditSize]:
    synthetic = Synthetic(trail_templates())
    stream = synthetic.rows()
    rng = random.Random(7)
    results = []
    loaded = 0
    for size in sizes:
        print(f"audit store: loading events {loaded:,} to {size:,} ...", flush=True)
        t0 = time.perf_counter()
        await asyncio.to_thread(copy_rows, url, stream, size - loaded)
        load_s = time.perf_counter() - t0
        print(
            f"  {size - loaded:,} loaded in {load_s:.1f} s ({(size - loaded) / load_s:,.0f}"
            " rows/s, indexes kept up to date)",
            flush=True,
        )
        loaded = size
        first, last = synthetic.start, synthetic.last_at or synthetic.start
        span = (last - first).total_seconds()
        # Decisions whose trail is complete: the newest may still wait for their later events.
        known = max(1, synthetic.decisions - 200)

        def by_decision(known: int = known) -> dict[str, Any]:
            return {"decision_id": f"syn-{rng.randrange(known):07d}"}

        def by_actor() -> dict[str, Any]:
            return {"actor": rng.choice(REQUESTERS + PEOPLE)}

        def by_time(first: datetime = first, span: float = span) -> dict[str, Any]:
            since = first + timedelta(seconds=rng.uniform(0, max(0.0, span - 3600)))
            return {"since": since, "until": since + timedelta(hours=1)}

        def by_system() -> dict[str, Any]:
            return {"actor": "signoff:policy"}

        queries: dict[str, list[float]] = {}
        in_db: dict[str, list[float]] = {}
        plans: dict[str, str] = {}
        rows: dict[str, float] = {}
        for name, make, calls in (
            ("decision", by_decision, args.query_calls),
            ("actor", by_actor, args.query_calls),
            ("time_range", by_time, args.query_calls),
            ("system_actor", by_system, max(10, args.query_calls // 5)),
        ):
            timings, db_timings, counts = [], [], []
            for i in range(calls + 5):
                filters = make() | {"limit": args.query_limit}
                q0 = time.perf_counter()
                found = await store.query_events(**filters)
                elapsed = time.perf_counter() - q0
                db_s, plans[name] = await explain(store, filters)
                if i >= 5:  # the first few warm the caches
                    timings.append(elapsed)
                    db_timings.append(db_s)
                    counts.append(len(found))
            queries[name], in_db[name] = timings, db_timings
            rows[name] = sum(counts) / len(counts)
            print(
                f"  query by {name.replace('_', ' ')}: p50/p95/p99/max {fmt_ms(timings)}"
                f" ({rows[name]:.0f} rows on average, limit {args.query_limit}); in the"
                f" database {fmt_ms(db_timings)}: {plans[name]}",
                flush=True,
            )
        sink = CountingSink()
        try:
            with PeakRss() as rss:
                e0 = time.perf_counter()
                exported = await store.export_events(sink, fmt="jsonl")  # type: ignore[arg-type]
                export_s = time.perf_counter() - e0
        finally:
            sink.close()
        print(
            f"  export (jsonl, every event): {exported:,} events, {sink.bytes / 2**20:,.0f} MB"
            f" in {export_s:.1f} s = {sink.bytes / 2**20 / export_s:.1f} MB/s; RSS"
            f" {rss.before:.0f} MB before, {rss.peak:.0f} MB peak, {rss.after:.0f} MB after",
            flush=True,
        )
        results.append(
            AuditSize(
                events=size,
                load_s=load_s,
                queries=queries,
                in_db=in_db,
                plans=plans,
                rows=rows,
                export_s=export_s,
                export_rows=exported,
                export_bytes=sink.bytes,
                rss=rss,
                table_mb=await table_mb(store),
            )
        )
    return results


async def explain(store: Store, filters: dict[str, Any]) -> tuple[float, str]:
    """The statement ``Store.query_events`` runs for ``filters``, run again under
    ``EXPLAIN ANALYZE``: the database's own execution time, and the plan's nodes."""
    from signoff.adapters.store.audit_events import select_events

    compiled = select_events(**filters).compile(dialect=store.engine.dialect)
    async with store.engine.connect() as conn:
        result = await conn.exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}", compiled.params
        )
        plan = result.scalar_one()[0]

    def nodes(node: dict[str, Any]) -> Iterator[str]:
        index = f" {node['Index Name']}" if "Index Name" in node else ""
        yield f"{node['Node Type']}{index}"
        for child in node.get("Plans", []):
            yield from nodes(child)

    return plan["Execution Time"] / 1000, " > ".join(nodes(plan["Plan"]))


async def table_mb(store: Store) -> float:
    from sqlalchemy import text

    async with store.engine.connect() as conn:
        size = await conn.scalar(text("SELECT pg_total_relation_size('audit_events')"))
    return (size or 0) / 2**20


def report_audit(results: list[AuditSize], args: argparse.Namespace, out: dict[str, Any]) -> None:
    print(
        "\naudit store on PostgreSQL (synthetic events in the store's column shapes; their"
        " hash chains do not verify, which no query here reads)"
    )
    rows: list[tuple[str, str]] = []
    for r in results:
        rows += [
            (
                f"at {r.events:,} events",
                f"table with indexes {r.table_mb:,.0f} MB; loaded by COPY in {r.load_s:.1f} s",
            ),
            *itertools.chain.from_iterable(
                (
                    (
                        f"  query by {name.replace('_', ' ')}",
                        f"p50/p95/p99/max {fmt_ms(timings)} ({r.rows[name]:.0f} rows)"
                        + ("  (target p95 <= 20 ms)" if name != "system_actor" else ""),
                    ),
                    ("    in the database", f"{fmt_ms(r.in_db[name])}: {r.plans[name]}"),
                )
                for name, timings in r.queries.items()
            ),
            (
                "  export",
                f"{r.export_bytes / 2**20 / r.export_s:.1f} MB/s ({r.export_rows / r.export_s:,.0f}"
                f" events/s); RSS {r.rss.before:.0f} MB before, peak +"
                f"{r.rss.peak - r.rss.before:.0f} MB",
            ),
        ]
    if len(results) > 1:
        for name in results[0].queries:
            rows.append(
                (
                    "growth" if name == "decision" else "",
                    f"{name.replace('_', ' ')} p95 "
                    + growth({r.events: pct(r.queries[name], 0.95) * 1000 for r in results}, "ms"),
                )
            )
        rows.append(
            (
                "",
                "export "
                + growth({r.events: r.export_bytes / 2**20 / r.export_s for r in results}, "MB/s"),
            )
        )
        rows.append(
            (
                "",
                "export RSS growth "
                + growth({r.events: r.rss.peak - r.rss.before for r in results}, "MB"),
            )
        )
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    print(
        f"  (queries: Store.query_events, as `signoff audit query` calls it, limit"
        f" {args.query_limit}, random keys: one of {len(REQUESTERS) + len(PEOPLE)} people;"
        " a 1-hour window; the system actor is signoff:policy, on ~40% of events)"
    )
    out["audit_events_synthetic"] = True
    out["audit_query_limit"] = args.query_limit
    out["audit_query_p95_ms"] = {
        name: {str(r.events): p95_ms(r.queries[name]) for r in results}
        for name in results[0].queries
    }
    out["audit_query_db_p95_ms"] = {
        name: {str(r.events): p95_ms(r.in_db[name]) for r in results} for name in results[0].queries
    }
    out["export_mb_per_s"] = {
        str(r.events): round(r.export_bytes / 2**20 / r.export_s, 1) for r in results
    }
    out["export_events_per_s"] = {str(r.events): round(r.export_rows / r.export_s) for r in results}
    out["export_rss_growth_mb"] = {
        str(r.events): round(r.rss.peak - r.rss.before, 1) for r in results
    }
    targets = out.setdefault("targets_met", {})
    last = results[-1]
    targets["audit_query_p95"] = all(
        p95_ms(last.queries[name]) <= 20 for name in ("decision", "actor", "time_range")
    )


# -- main -------------------------------------------------------------------------------


async def main(args: argparse.Namespace, out: dict[str, Any]) -> None:
    """Run the phases; their figures go into ``out``, the JSON line."""
    if not args.skip_decisions:
        await decisions_phase(args, out)
    if not args.skip_events:
        print(flush=True)
        await audit_phase(args, out)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", "-n", type=int, default=10_000)
    parser.add_argument("--concurrency", "-c", type=int, default=20)
    parser.add_argument(
        "--store",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="the worker's store (the audit-query phase is always on PostgreSQL)",
    )
    parser.add_argument("--pending-calls", type=int, default=100)
    parser.add_argument("--timers", type=int, default=1000, help="0: skip the timer phase")
    parser.add_argument("--timer-window", type=float, default=60.0)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--query-calls", type=int, default=100)
    parser.add_argument(
        "--query-limit", type=int, default=200, help="rows per query (signoff audit query's)"
    )
    parser.add_argument("--skip-decisions", action="store_true", help="only the audit store")
    parser.add_argument("--skip-events", action="store_true", help="no audit-store phase")
    parser.add_argument(
        "--bytecode",
        choices=["cache", "env"],
        default="cache",
        help="as for lifecycle.py: cache the worker's bytecode in a temp dir (default)",
    )
    args = parser.parse_args()
    args.pycache = None
    if args.bytecode == "cache":
        args.pycache = tempfile.mkdtemp(prefix="signoff-scale-pyc-")
    status = 0
    out: dict[str, Any] = {
        "bench": "scale",
        "store": args.store,
        "decisions": None if args.skip_decisions else args.decisions,
        "events": None if args.skip_events else args.events,
        "nproc": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    started = time.monotonic()
    try:
        asyncio.run(main(args, out))
    except BaseException as err:  # still end with the JSON line, and leave through os._exit
        print(f"bench failed: {err!r}", file=sys.stderr)
        status = 1
        out["error"] = repr(err)
    if args.pycache is not None:
        shutil.rmtree(args.pycache, ignore_errors=True)
    out["elapsed_s"] = round(time.monotonic() - started)
    out["loadavg_at_end"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(out, separators=(", ", ": ")))
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    # The SDK can crash at interpreter exit (sdk-python #300): leave without teardown.
    os._exit(status)


if __name__ == "__main__":
    cli()
