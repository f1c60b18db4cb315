"""What belongs to no decision is audited all the same, in the operations trail
(``ops/DAY``): an administrator's API-key changes, and every refusal of someone the
server knows that concerns no decision. The trail is hash-chained, signed, read and
verified like a decision's, and held to Temporal's own record."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from temporalio.testing import WorkflowEnvironment

from signoff.client.history_audit import compare_with_temporal
from signoff.core.contract import is_operations_chain
from tests.helpers import tamper
from tests.helpers.waiting import eventually
from tests.server.conftest import Api, Served, problem
from tests.server.console_helpers import browsing, sign_in

KEYS = "/api/v1/api-keys"
EVENTS = "/api/v1/audit/events"


def as_person(served: Served, person: str) -> Api:
    return served.api.bearing(served.provider.token(sub=person, email=f"{person}@example.com"))


async def operations_events(served: Served, since: datetime, **filters: Any) -> list[dict]:
    """The operations trail's events since ``since``, as an auditor reads them."""
    audrey = as_person(served, "audrey")
    params = {"since": since.isoformat(), "limit": 1000} | filters
    answer = await audrey.get(EVENTS, params=params)
    assert answer.status_code == 200, answer.text
    return [e for e in answer.json() if is_operations_chain(e["decision_id"])]


async def made_and_revoked(served: Served) -> tuple[str, str, list[dict]]:
    """Ada makes a key and revokes it: (its token, its id, the two events)."""
    since = datetime.now(UTC)
    ada = as_person(served, "ada")
    made = await ada.http.post(
        KEYS, json={"app": "refunds-bot", "use_cases": ["refunds"]}, headers=ada.auth
    )
    assert made.status_code == 201, made.text
    token, key_id = made.json()["token"], made.json()["grant"]["key_id"]
    assert (await ada.http.delete(f"{KEYS}/{key_id}", headers=ada.auth)).status_code == 200
    found: list[dict] = []

    async def both_recorded() -> bool:
        nonlocal found
        kinds = ["api_key_created", "api_key_revoked"]
        found = await operations_events(served, since, actor="ada", kind=kinds)
        return len(found) == 2

    await eventually(both_recorded)
    return token, key_id, found


async def test_an_administrator_making_and_revoking_a_key_leaves_signed_verifiable_events(
    shared_api: Served,
) -> None:
    token, key_id, events = await made_and_revoked(shared_api)

    assert [e["kind"] for e in events] == ["api_key_created", "api_key_revoked"]
    for event in events:
        assert event["actor"] == "ada" and event["data"]["key_id"] == key_id
        assert event["data"]["app"] == "refunds-bot" and event["data"]["via"] == "web"
    assert events[1]["data"]["revoked_at"]
    secret = token.rpartition("_")[2]
    assert secret not in json.dumps(events) and token not in json.dumps(events)

    chain = events[0]["decision_id"]
    audrey = as_person(shared_api, "audrey")
    report = (await audrey.get("/api/v1/audit/verify", params={"decision_id": chain})).json()
    assert report["breaks"] == [] and report["anchored"] is True
    assert report["signed_heads_checked"] >= 1
    in_chain = (await audrey.get(EVENTS, params={"decision_id": chain, "limit": 1000})).json()
    assert [e["seq"] for e in in_chain] == list(range(1, len(in_chain) + 1))


async def test_a_non_admin_on_the_keys_endpoint_and_a_non_auditor_on_the_export_are_audited(
    shared_api: Served,
) -> None:
    since = datetime.now(UTC)
    dave = as_person(shared_api, "dave")
    assert problem(await dave.get(KEYS), 403)["code"] == "not_admin"
    assert problem(await dave.get("/api/v1/audit/export"), 403)["code"] == "not_auditor"
    # An application's key where only a person may go is refused and audited as well.
    assert problem(await shared_api.api.get(EVENTS), 403)["code"] == "scope"

    async def refusals() -> list[tuple[str, str, str]]:
        found = await operations_events(shared_api, since, kind=["refused"])
        return sorted((e["actor"], e["data"]["code"], e["data"]["action"]) for e in found)

    expected = [
        ("app:refunds-bot", "scope", "GET /api/v1/audit/events"),
        ("dave", "not_admin", "GET /api/v1/api-keys"),
        ("dave", "not_auditor", "GET /api/v1/audit/export"),
    ]
    await eventually(lambda: _equals(refusals(), expected))


async def test_a_refused_submission_outside_the_keys_use_cases_is_audited(
    shared_api: Served,
) -> None:
    since = datetime.now(UTC)
    body = {
        "use_case": "loans",
        "subject": "applicant-7",
        "title": "Approve a loan",
        "proposal": {"text": "Approve."},
        "confidence": 0.9,
        "model": {"name": "m", "version": "1"},
        "policy": "first-lead",
    }
    assert problem(await shared_api.api.submit(body, "k-loans-1"), 403)["code"] == "use_case"

    async def audited() -> bool:
        found = await operations_events(shared_api, since, actor="app:refunds-bot")
        return [(e["data"]["code"], e["data"]["action"]) for e in found] == [
            ("use_case", "POST /api/v1/decisions")
        ]

    await eventually(audited)


async def test_twenty_concurrent_forbidden_requests_are_twenty_audit_events_and_no_5xx(
    shared_api: Served,
) -> None:
    since = datetime.now(UTC)
    quinn = as_person(shared_api, "quinn")
    answers = await asyncio.gather(*(quinn.get("/api/v1/audit/export") for _ in range(20)))
    assert [a.status_code for a in answers] == [403] * 20

    async def twenty() -> bool:
        found = await operations_events(shared_api, since, actor="quinn")
        return len(found) == 20

    await eventually(twenty)
    found = await operations_events(shared_api, since, actor="quinn")
    assert len({e["event_id"] for e in found}) == 20
    assert {e["data"]["code"] for e in found} == {"not_auditor"}


async def test_an_operations_event_altered_in_the_database_is_flagged_by_verify(
    shared_api: Served, store_url: str, dev_env: WorkflowEnvironment
) -> None:
    _, key_id, events = await made_and_revoked(shared_api)
    created = events[0]
    chain, event_id = created["decision_id"], created["event_id"]
    audrey = as_person(shared_api, "audrey")
    path = Path(store_url.removeprefix("sqlite:///"))

    async def breaks() -> list[dict]:
        report = await audrey.get("/api/v1/audit/verify", params={"decision_id": chain})
        return [b for b in report.json()["breaks"] if b["decision_id"] == chain]

    with _original_restored(path, chain):
        with sqlite3.connect(path) as db:
            db.execute(
                "UPDATE audit_events SET data = json_set(data, '$.key_id', 'sok-other')"
                " WHERE event_id = ?",
                (event_id,),
            )
        assert [b["event_id"] for b in await breaks()] == [event_id]

        with sqlite3.connect(path) as db:
            db.row_factory = sqlite3.Row
            tamper.recompute(db, chain)  # every hash made to match: the signature still won't
        assert await breaks() != []
        against = await compare_with_temporal(
            dev_env.client, shared_api.store, task_queue="-", decision_id=chain
        )
        assert [b.event_id for b in against.breaks] == [event_id], against
    assert await breaks() == []
    assert key_id in json.dumps(created)


class _original_restored:
    """Put the chain's rows back as they were, so the session's other specs find the
    day's operations trail whole."""

    def __init__(self, path: Path, chain: str) -> None:
        self.path, self.chain = path, chain

    def __enter__(self) -> None:
        with sqlite3.connect(self.path) as db:
            self.rows = db.execute(
                "SELECT id, data, prev_hash, hash FROM audit_events WHERE decision_id = ?",
                (self.chain,),
            ).fetchall()
            self.head = db.execute(
                "SELECT seq, event_id, hash FROM audit_heads WHERE decision_id = ?", (self.chain,)
            ).fetchone()

    def __exit__(self, *_: object) -> None:
        with sqlite3.connect(self.path) as db:
            db.executemany(
                "UPDATE audit_events SET data = ?, prev_hash = ?, hash = ? WHERE id = ?",
                [(data, prev, sealed, row_id) for row_id, data, prev, sealed in self.rows],
            )
            db.execute(
                "UPDATE audit_heads SET seq = ?, event_id = ?, hash = ? WHERE decision_id = ?",
                (*self.head, self.chain),
            )


async def _equals(found: Any, expected: Any) -> bool:
    return await found == expected


async def test_the_console_audits_a_page_refused_and_shows_the_trail_to_an_auditor(
    shared_api: Served,
) -> None:
    since = datetime.now(UTC)
    async with browsing(shared_api.api) as erin, browsing(shared_api.api) as audrey:
        await sign_in(erin, "erin@example.com")
        assert (await erin.get("/console/audit")).status_code == 403

        async def audited() -> list[dict]:
            found = await operations_events(shared_api, since, actor="erin")
            return [e for e in found if e["data"]["action"] == "GET /console/audit"]

        [event] = await eventually(audited)
        assert event["data"]["code"] == "not_auditor"

        await sign_in(audrey, "audrey@example.com")
        page = await audrey.get("/console/audit", params={"decision_id": event["decision_id"]})
        assert page.status_code == 200
        trail = urlencode({"decision_id": event["decision_id"]})
        assert f'href="/console/audit?{trail}"' in page.text
        assert "action: GET /console/audit" in page.text
        assert "/console/decisions/ops" not in page.text  # no decision page to send them to
