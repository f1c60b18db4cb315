"""Applications report decisions' real-world outcomes over HTTP, with a key whose
``outcomes`` scope allows it, on their own use cases only, at any time after the
decision; every refusal is a problem document in the CLI's words."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from signoff.adapters.store import Store
from signoff.core.models import ApiScope, AuditKind
from tests.conftest import Harness, make_request
from tests.helpers.waiting import eventually
from tests.server.conftest import APP, Api, problem

HAPPENED = (datetime.now(UTC) - timedelta(days=2)).isoformat()


def outcome(**overrides: Any) -> dict[str, Any]:
    return {"label": "chargeback", "source": "chargeback-feed", "at": HAPPENED} | overrides


async def reporter(
    api: Api, store: Store, scopes: list[ApiScope], use_case: str = "refunds"
) -> Api:
    _, token = await store.create_api_key(app=APP, use_cases=[use_case], scopes=scopes)
    return api.bearing(token)


async def decided(live: Harness, **overrides: Any) -> str:
    request = make_request("first-lead", **overrides)
    await live.signoff.submit(request)
    await live.signoff.perform(request.id, "approve", "alice")
    return request.id


def path(decision_id: str) -> str:
    return f"/api/v1/decisions/{decision_id}/outcomes"


async def test_an_application_reports_an_outcome_once_however_often_it_sends_it(
    api: Api, live: Harness, store: Store
) -> None:
    app = await reporter(api, store, [ApiScope.OUTCOMES])
    decision = await decided(live)

    first = await app.http.post(path(decision), json=outcome(), headers=app.auth)
    racing = await asyncio.gather(
        *(app.http.post(path(decision), json=outcome(), headers=app.auth) for _ in range(20))
    )

    assert first.status_code == 201, first.text
    body = first.json()
    assert body["reported_by"] == f"app:{APP}" and body["label"] == "chargeback"
    assert {r.status_code for r in racing} == {200}
    assert {r.json()["event_id"] for r in racing} == {body["event_id"]}
    events = [e for e in await store.events(decision) if e.kind is AuditKind.OUTCOME_REPORTED]
    assert [e.event_id for e in events] == [body["event_id"]]


async def test_the_same_idempotency_key_with_another_outcome_is_a_409(
    api: Api, live: Harness, store: Store
) -> None:
    app = await reporter(api, store, [ApiScope.OUTCOMES])
    decision = await decided(live)
    headers = app.auth | {"Idempotency-Key": "cb-77"}

    assert (await app.http.post(path(decision), json=outcome(), headers=headers)).status_code == 201
    other = await app.http.post(path(decision), json=outcome(label="kept"), headers=headers)

    body = problem(other, 409)
    assert body["code"] == "conflict"
    assert "The key 'cb-77' of source 'chargeback-feed' already names another" in body["detail"]


async def test_a_key_without_the_outcomes_scope_is_refused(
    api: Api, live: Harness, store: Store
) -> None:
    app = await reporter(api, store, [ApiScope.READ, ApiScope.FEEDBACK])
    decision = await decided(live)

    body = problem(await app.http.post(path(decision), json=outcome(), headers=app.auth), 403)
    assert body["code"] == "scope"


async def test_another_use_cases_decision_and_no_decision_are_both_404(
    api: Api, live: Harness, store: Store
) -> None:
    app = await reporter(api, store, [ApiScope.OUTCOMES], use_case="loans")
    theirs = await decided(live)

    hidden = problem(await app.http.post(path(theirs), json=outcome(), headers=app.auth), 404)
    missing = problem(
        await app.http.post(path("nobody-knows"), json=outcome(), headers=app.auth), 404
    )

    assert hidden["detail"] == f"No decision with id '{theirs}'."
    assert missing["detail"] == "No decision with id 'nobody-knows'."

    async def refusals() -> list[str]:
        events = await store.events(theirs)
        return [e.data["action"] for e in events if e.kind is AuditKind.REFUSED]

    assert await eventually(refusals) == ["report_outcome"]


async def test_an_undecided_decision_or_a_future_outcome_is_refused_and_nothing_recorded(
    api: Api, live: Harness, store: Store
) -> None:
    app = await reporter(api, store, [ApiScope.OUTCOMES])
    request = make_request("first-lead")
    await live.signoff.submit(request)
    decision = await decided(live)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()

    undecided = problem(
        await app.http.post(path(request.id), json=outcome(), headers=app.auth), 409
    )
    ahead = problem(
        await app.http.post(path(decision), json=outcome(at=tomorrow), headers=app.auth), 422
    )
    empty = problem(
        await app.http.post(path(decision), json=outcome(label=""), headers=app.auth), 422
    )

    assert undecided["code"] == "undecided"
    assert undecided["detail"] == (
        f"Refused: Decision '{request.id}' is still pending: report what happened in the"
        " world once it is decided."
    )
    assert ahead["detail"] == (
        "Invalid outcome: at: the outcome cannot have happened in the future"
        " (more than 5 minutes ahead)."
    )
    assert "label" in empty["detail"]
    for d in (request.id, decision):
        assert not [e for e in await store.events(d) if e.kind is AuditKind.OUTCOME_REPORTED]
