"""Throughput and CPU cost of ``Store.record``, on SQLite and PostgreSQL.

    python bench/store_record.py [--seconds 3] [--store sqlite|postgres|both]

For each backend (a fresh SQLite file in a temp dir; a fresh PostgreSQL schema at
``postgresql://postgres@127.0.0.1:5432/test``, dropped afterwards) it runs three phases,
each for ``--seconds`` after a short warm-up, every call writing 3 events and the state:

- **sequential**: one task, one call at a time.
- **20 tasks**: 20 concurrent tasks, each on decisions of its own.
- **2 writers, 1 decision**: two Store objects (standing in for two worker processes),
  4 tasks each, all appending to the same decision.

It prints calls/s, process CPU ms per call (all threads of this process, less making the
events and states; the PostgreSQL server's CPU is not counted), call latency p50/p99,
and on SQLite how long each write transaction held the database lock (from
``BEGIN IMMEDIATE`` returning until ``COMMIT`` is issued). Every phase ends by verifying
the chains it wrote. Asserts only that.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch_database import ScratchDatabase
from signoff.adapters.store import Store
from signoff.core.models import (
    AuditEvent,
    AuditKind,
    DecisionPlan,
    DecisionRequest,
    DecisionState,
    HistoryEntry,
    ModelInfo,
    PlannedStage,
    Proposal,
    Quorum,
    ReviewPolicy,
    Stage,
    StageState,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
M = TypeVar("M")
CALLS_PER_DECISION = 4
"""Each decision gets this many record calls (12 events) before a task moves on."""


# -- what gets written ------------------------------------------------------------------


def state(decision_id: str, version: int) -> DecisionState:
    """A pending decision of the size the workflow writes: plan, stage, some history."""
    approvers = ["a1", "a2", "a3", "a4", "a5"]
    policy = ReviewPolicy(
        name="bench",
        stages=[Stage(name="leads", approvers=approvers, sla=timedelta(hours=2))],
        overriders=["mona"],
    )
    request = DecisionRequest(
        id=decision_id,
        use_case="refunds",
        subject="order-1042",
        title="Refund $120 for a damaged parcel",
        proposal=Proposal(text="Refund $120 to the customer's card."),
        confidence=0.72,
        rationale="Photo shows a crushed box; customer has no prior claims.",
        model=ModelInfo(name="support-llm", version="2026-10", prompt_version="v7"),
        requester="rita",
        policy=policy,
    )
    plan = DecisionPlan(
        policy=policy,
        stages=[PlannedStage(name="leads", approvers=approvers, quorum=Quorum())],
        overriders=["mona"],
        experts=["mona"],
        adjudicators=["mona"],
    )
    history = [
        HistoryEntry(at=T0 + timedelta(seconds=n), kind=kind, actor="rita", stage=0)
        for n, kind in enumerate(["submitted", "routed", "stage_started"][: version + 1])
    ]
    stage = StageState(index=0, name="leads", asked=approvers, quorum=Quorum(), started_at=T0)
    return DecisionState(
        decision_id=decision_id,
        request=request,
        plan=plan,
        submitted_at=T0,
        stage=stage,
        history=history,
        version=version,
    )


KINDS = [AuditKind.SUBMITTED, AuditKind.ROUTED, AuditKind.STAGE_STARTED]


def batch(decision_id: str, first: int, writer: str = "w") -> list[AuditEvent]:
    """Three events; a ``submitted`` one carries the request and the submission time, as
    the workflow's does, so the decision row verifies against the chain."""
    request = state(decision_id, 0).request.model_dump(mode="json")
    return [
        AuditEvent(
            event_id=f"{decision_id}:{writer}:{first + n}",
            decision_id=decision_id,
            kind=KINDS[n],
            at=T0 if KINDS[n] is AuditKind.SUBMITTED else T0 + timedelta(seconds=first + n),
            actor="rita",
            stage=0,
            data={"n": first + n, "detail": "bench event", "to": ["a1", "a2"]}
            | ({"request": request} if KINDS[n] is AuditKind.SUBMITTED else {}),
        )
        for n in range(3)
    ]


# -- measuring --------------------------------------------------------------------------


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class LockWatch:
    """Times SQLite write transactions: from ``BEGIN IMMEDIATE`` returning (the write
    lock is held) until the commit or rollback is issued, on every engine."""

    def __init__(self) -> None:
        self.holds: list[float] = []

    def install(self) -> None:
        event.listen(Engine, "after_cursor_execute", self._after_execute)
        event.listen(Engine, "commit", self._end)
        event.listen(Engine, "rollback", self._end)

    def remove(self) -> None:
        event.remove(Engine, "after_cursor_execute", self._after_execute)
        event.remove(Engine, "commit", self._end)
        event.remove(Engine, "rollback", self._end)

    def _after_execute(self, conn: Any, _c: Any, statement: str, *_: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            conn.info["bench_locked_at"] = time.perf_counter()

    def _end(self, conn: Any) -> None:
        started = conn.info.pop("bench_locked_at", None)
        if started is not None:
            self.holds.append(time.perf_counter() - started)


@dataclass
class Result:
    name: str
    calls: int = 0
    making: float = 0.0
    elapsed: float = 0.0
    cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    holds: list[float] = field(default_factory=list)

    def line(self) -> str:
        rate = self.calls / self.elapsed if self.elapsed else 0.0
        cpu_ms = 1000 * self.cpu / max(self.calls, 1)
        text = (
            f"  {self.name:<22} {rate:8.1f} calls/s  {cpu_ms:6.2f} CPU ms/call"
            f"  latency p50 {ms(self.latencies, 50)} p99 {ms(self.latencies, 99)}"
        )
        if self.holds:
            text += f"  lock held p50 {ms(self.holds, 50)} p99 {ms(self.holds, 99)}"
        return text


def ms(values: list[float], pct: int) -> str:
    if not values:
        return "    -"
    ordered = sorted(values)
    at = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return f"{1000 * ordered[at]:5.1f}ms"


Worker = Callable[[float, Result], Awaitable[int]]


async def run_phase(name: str, workers: list[Worker], seconds: float, watch: LockWatch) -> Result:
    """Run every worker until ``seconds`` have passed; collect what they did."""
    result = Result(name)
    watch.holds.clear()
    cpu0, t0 = process_cpu(), time.perf_counter()
    deadline = t0 + seconds
    counts = await asyncio.gather(*(w(deadline, result) for w in workers))
    result.elapsed = time.perf_counter() - t0
    result.cpu = process_cpu() - cpu0 - result.making
    result.calls = sum(counts)
    result.holds = list(watch.holds)
    return result


def made(result: Result, make: Callable[..., M], *args: Any) -> tuple[M, float]:
    """``make(*args)``, its CPU time left out of the phase's (it is the caller's work),
    and the clock after."""
    cpu = time.thread_time()
    value = make(*args)
    result.making += time.thread_time() - cpu
    return value, time.perf_counter()


def own_decisions(store: Store, prefix: str) -> Worker:
    """Appends to decisions of its own, ``CALLS_PER_DECISION`` calls each."""

    async def work(deadline: float, result: Result) -> int:
        n = 0
        while time.perf_counter() < deadline:
            decision_id = f"{prefix}-{n // CALLS_PER_DECISION}"
            step = n % CALLS_PER_DECISION
            events, now = made(result, batch, decision_id, 3 * step)
            update, _ = made(result, state, decision_id, step + 1)
            added = await store.record(events, update)
            result.latencies.append(time.perf_counter() - now)
            assert added == 3, added
            n += 1
        return n

    return work


def shared_decision(store: Store, decision_id: str, writer: str) -> Worker:
    """Appends to ``decision_id``, which other workers extend at the same time."""

    async def work(deadline: float, result: Result) -> int:
        n = 0
        while time.perf_counter() < deadline:
            events, now = made(result, batch, decision_id, 3 * n, writer)
            update, _ = made(result, state, decision_id, n)
            added = await store.record(events, update)
            result.latencies.append(time.perf_counter() - now)
            assert added == 3, added
            n += 1
        return n

    return work


async def bench_backend(url: str, seconds: float, watch: LockWatch) -> list[Result]:
    store = await Store.open(url)
    other = await Store.open(url, migrate=False)
    run = uuid.uuid4().hex[:6]
    results: list[Result] = []
    try:
        # Warm-up: connections, statement caches, the first pages of every table.
        await run_phase("warm-up", [own_decisions(store, f"warm-{run}")], 0.5, watch)
        await run_phase(
            "warm-up", [own_decisions(other, f"warm2-{run}-{i}") for i in range(4)], 0.3, watch
        )
        results.append(
            await run_phase("sequential", [own_decisions(store, f"seq-{run}")], seconds, watch)
        )
        results.append(
            await run_phase(
                "20 tasks",
                [own_decisions(store, f"par-{run}-{i}") for i in range(20)],
                seconds,
                watch,
            )
        )
        shared = f"shared-{run}"
        writers = [
            shared_decision(s, shared, f"{tag}{i}")
            for s, tag in ((store, "a"), (other, "b"))
            for i in range(4)
        ]
        results.append(await run_phase("2 writers, 1 decision", writers, seconds, watch))
        report = await store.verify()
        chain = await store.events(shared)
        assert report.ok, report.breaks[:3]
        assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
    finally:
        await other.close()
        await store.close()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each phase")
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    watch = LockWatch()
    watch.install()
    print(f"Store.record: 3 events + state per call, {args.seconds:g} s per phase")
    try:
        for kind in kinds:
            try:
                db = ScratchDatabase(kind)
            except Exception as exc:  # PostgreSQL not running: report and go on.
                print(f"{kind}: skipped ({exc.__class__.__name__}: {exc})")
                continue
            try:
                results = await bench_backend(db.url, args.seconds, watch)
            finally:
                db.drop()
            print(f"{kind}:")
            for result in results:
                print(result.line())
            per_call = [1000 * r.cpu / max(r.calls, 1) for r in results]
            print(f"  CPU ms/call, mean of phases: {statistics.mean(per_call):.2f}")
    finally:
        watch.remove()


if __name__ == "__main__":
    asyncio.run(main())
