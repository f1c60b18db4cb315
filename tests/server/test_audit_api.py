"""Auditors search, export and verify the audit trail over HTTP, with no database or
Temporal credentials; nobody else reads it there."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from signoff.core.models import AuditKind
from tests.helpers import tamper
from tests.helpers.waiting import eventually
from tests.server.conftest import Api, Served, key, problem, submission


async def decided(served: Served) -> str:
    """A refunds decision Alice approved."""
    api = served.api
    decision_id: str = (await api.submit(submission(), key())).json()["decision_id"]
    alice = api.bearing(served.provider.token(sub="alice", email="alice@example.com"))
    path = f"/api/v1/decisions/{decision_id}/actions"
    assert (await alice.post(path, {"kind": "approve"}, key())).status_code == 200

    async def finalized() -> bool:
        kinds = [e.kind for e in await served.store.events(decision_id)]
        return AuditKind.FINALIZED in kinds

    await eventually(finalized)
    return decision_id


def as_person(served: Served, person: str) -> Api:
    return served.api.bearing(served.provider.token(sub=person, email=f"{person}@example.com"))


async def test_an_auditor_finds_a_decisions_events_in_chain_order(shared_api: Served) -> None:
    decision_id = await decided(shared_api)
    audrey = as_person(shared_api, "audrey")
    found = await audrey.get("/api/v1/audit/events", params={"decision_id": decision_id})
    assert found.status_code == 200, found.text
    events = found.json()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["kind"] == "submitted" and events[-1]["kind"] == "finalized"
    by_alice = await audrey.get(
        "/api/v1/audit/events", params={"actor": "alice", "kind": ["voted"], "limit": 1000}
    )
    assert decision_id in {e["decision_id"] for e in by_alice.json()}
    assert {e["kind"] for e in by_alice.json()} == {"voted"}


async def test_an_export_streams_every_matching_event_as_jsonl_or_csv(shared_api: Served) -> None:
    decision_id = await decided(shared_api)
    audrey = as_person(shared_api, "audrey")
    stored = await shared_api.store.events(decision_id)
    params = {"decision_id": decision_id}

    jsonl = await audrey.get("/api/v1/audit/export", params=params)
    assert jsonl.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [line["hash"] for line in lines] == [e.hash for e in stored]

    as_csv = await audrey.get("/api/v1/audit/export", params=params | {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [row["event_id"] for row in rows] == [e.event_id for e in stored]


async def test_verify_flags_an_event_rewritten_behind_the_store(
    shared_api: Served, store_url: str
) -> None:
    decision_id = await decided(shared_api)
    audrey = as_person(shared_api, "audrey")
    clean = (await audrey.get("/api/v1/audit/verify", params={"decision_id": decision_id})).json()
    assert clean["breaks"] == [] and clean["anchored"] is True

    tamper.rewrite(Path(store_url.removeprefix("sqlite:///")), decision_id, "voted", actor="bob")
    report = (await audrey.get("/api/v1/audit/verify", params={"decision_id": decision_id})).json()
    assert [b["decision_id"] for b in report["breaks"]] == [decision_id]


async def test_nobody_but_an_auditor_reads_the_trail(shared_api: Served) -> None:
    for caller in (as_person(shared_api, "alice"), as_person(shared_api, "dave"), shared_api.api):
        for path in ("/api/v1/audit/events", "/api/v1/audit/export", "/api/v1/audit/verify"):
            problem(await caller.get(path), 403)


async def test_a_time_without_a_zone_or_an_unknown_kind_is_one_sentence(shared_api: Served) -> None:
    audrey = as_person(shared_api, "audrey")
    naive = await audrey.get("/api/v1/audit/events", params={"since": "2026-12-01T10:00:00"})
    assert "time zone" in problem(naive, 422)["detail"]
    unknown = await audrey.get("/api/v1/audit/events", params={"kind": "teleported"})
    assert "kind" in problem(unknown, 422)["detail"]
