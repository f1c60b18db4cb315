from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowExecutionStatus
from temporalio.common import RawValue
from temporalio.contrib.pydantic import pydantic_data_converter

from signoff.adapters.store import Store
from signoff.core.contract import DECISION_WORKFLOW, workflow_id_for
from signoff.core.errors import DecisionFailed, InvalidPolicyError, RequestConflict
from signoff.core.models import AuditKind
from tests.conftest import Harness, make_request


def _id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def _runs(live: Harness, wid: str) -> list:
    return [w async for w in live.client.list_workflows(f"WorkflowId = '{wid}'")]


@pytest.mark.parametrize("n", [25])
async def test_concurrent_submit_same_id(live: Harness, n: int) -> None:
    decision = _id("race")
    a = make_request("first-lead", id=decision)
    b = a.model_copy(update={"title": "A different title"})
    reqs = [a if i % 2 == 0 else b for i in range(n)]
    started = time.monotonic()
    results = await asyncio.gather(
        *(asyncio.wait_for(live.signoff.submit(r), 30) for r in reqs), return_exceptions=True
    )
    elapsed = time.monotonic() - started
    bad = []
    winners = set()
    for r, res in zip(reqs, results):
        if isinstance(res, RequestConflict):
            continue
        if isinstance(res, BaseException):
            bad.append(f"{r.title!r}: {type(res).__name__}: {res!r}")
            continue
        if res.request != r:
            bad.append(f"{r.title!r}: got state for {res.request.title!r} without error")
        winners.add(res.request.title)
    print("elapsed", elapsed, "winners", winners,
          "kinds", [type(x).__name__ for x in results])
    assert not bad, bad
    assert len(winners) == 1, winners
    wid = workflow_id_for(decision)
    runs = []
    for _ in range(50):
        runs = await _runs(live, wid)
        if runs:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    runs = await _runs(live, wid)
    assert len(runs) == 1, [(r.run_id, r.status) for r in runs]
    store = await Store.open(live.settings.store_url)
    try:
        submitted = []
        for _ in range(100):
            events = await store.events(decision)
            submitted = [e for e in events if e.kind is AuditKind.SUBMITTED]
            if submitted:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        events = await store.events(decision)
        submitted = [e for e in events if e.kind is AuditKind.SUBMITTED]
        assert len(submitted) == 1, [(e.kind, e.data) for e in events]
        assert (await store.verify(decision)).ok
    finally:
        await store.close()


async def test_concurrent_unknown_policy(live: Harness) -> None:
    decision = _id("nope-race")
    req = make_request("nope", id=decision)

    async def one() -> tuple[float, BaseException | object]:
        t = time.monotonic()
        try:
            res = await asyncio.wait_for(live.signoff.submit(req), 20)
        except BaseException as e:  # noqa: BLE001
            res = e
        return time.monotonic() - t, res

    results = await asyncio.gather(*(one() for _ in range(25)))
    bad = [
        f"{t:.1f}s {type(r).__name__}: {r!r}"
        for t, r in results
        if not isinstance(r, (InvalidPolicyError, DecisionFailed)) or t > 15
    ]
    print("kinds", sorted({type(r).__name__ for _, r in results}), "max", max(t for t, _ in results))
    print("messages", sorted({str(r)[:160] for _, r in results}))
    assert not bad, bad


def _json_payload(data: bytes) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=data)


def _conv(obj) -> Payload:
    return pydantic_data_converter.payload_converter.to_payloads([obj])[0]


def _good(decision: str) -> dict:
    return make_request("first-lead", id=decision).model_dump(mode="json")


GARBAGE = {
    "not-json": lambda d: _json_payload(b"this is {not json"),
    "json-list": lambda d: _conv([1, 2, 3]),
    "json-null": lambda d: _conv(None),
    "json-string": lambda d: _conv("hello"),
    "missing-request": lambda d: _conv({}),
    "request-null": lambda d: _conv({"request": None}),
    "confidence-1.5": lambda d: _conv({"request": _good(d) | {"confidence": 1.5}}),
    "binary-encoding": lambda d: Payload(metadata={"encoding": b"binary/plain"}, data=b"\x00\xff"),
    "unknown-encoding": lambda d: Payload(metadata={"encoding": b"weird/x"}, data=b"{}"),
    "no-metadata": lambda d: Payload(data=b"{}"),
    "null-encoding": lambda d: Payload(metadata={"encoding": b"binary/null"}),
    "invalid-utf8-json": lambda d: _json_payload(b'{"request": "\xff\xfe"}'),
    "huge-nesting": lambda d: _json_payload(b"[" * 5000 + b"]" * 5000),
    "id-mismatch": lambda d: _conv({"request": _good("someone-else-" + d)}),
    "carry-garbage": lambda d: _conv({"request": _good(d), "carry": {"x": 1}}),
}


@pytest.mark.parametrize("kind", list(GARBAGE))
async def test_raw_garbage(live: Harness, kind: str) -> None:
    decision = _id("raw-" + kind.replace(".", ""))
    payload = GARBAGE[kind](decision)
    handle = await live.client.start_workflow(
        DECISION_WORKFLOW,
        RawValue(payload),
        id=workflow_id_for(decision),
        task_queue=live.task_queue,
    )
    t = time.monotonic()
    status = None
    while time.monotonic() - t < 10:
        status = (await handle.describe()).status
        if status != WorkflowExecutionStatus.RUNNING:
            break
        await asyncio.sleep(0.1)
    took = time.monotonic() - t
    t2 = time.monotonic()
    try:
        st = await asyncio.wait_for(live.signoff.state(decision), 15)
        res = f"state ok: status={st.status} req.id={st.request.id}"
    except BaseException as e:  # noqa: BLE001
        res = f"{type(e).__name__}: {e}"
    print(f"KIND {kind}: status={status} after {took:.1f}s; state() -> {res} in {time.monotonic()-t2:.1f}s")
    assert status == WorkflowExecutionStatus.FAILED, (status, res)
    assert res.startswith("DecisionFailed"), res
    assert time.monotonic() - t2 < 5
