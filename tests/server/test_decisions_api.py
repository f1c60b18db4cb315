"""Applications submit, read and wait for decisions over HTTP with an API key."""

from __future__ import annotations

import asyncio

import pytest

from signoff.adapters.store import Store
from signoff.client.failure_sentences import describe_validation
from signoff.core.models import ApiScope, DecisionRequest
from tests.conftest import Harness
from tests.server.conftest import APP, Api, key, problem, submission


async def test_an_application_submits_with_its_key_and_is_the_requester(api: Api) -> None:
    sent = await api.submit(submission(), idempotency_key="order-1042-refund")
    assert sent.status_code == 201, sent.text
    state = sent.json()
    assert state["decision_id"] == f"{APP}:order-1042-refund"
    assert state["request"]["requester"] == f"app:{APP}"
    assert state["status"] == "pending"
    assert sent.headers["location"] == f"/api/v1/decisions/{APP}:order-1042-refund"

    read = await api.get(sent.headers["location"])
    assert read.status_code == 200
    assert read.json()["request"] == state["request"]


async def test_a_body_cannot_name_the_requester_or_the_id(api: Api) -> None:
    for field, value in (("requester", "alice"), ("id", "someone-elses")):
        body = problem(await api.submit(submission(**{field: value}), key()), 422)
        assert field in body["detail"]


async def test_the_same_key_and_body_answer_with_one_decision(api: Api, live: Harness) -> None:
    idem = key()
    answers = await asyncio.gather(*(api.submit(submission(), idem) for _ in range(20)))
    assert {a.status_code for a in answers} == {201}
    assert {a.json()["decision_id"] for a in answers} == {f"{APP}:{idem}"}
    found = await live.signoff.search(use_case="refunds", limit=1000)
    assert sum(1 for f in found if f.decision_id == f"{APP}:{idem}") <= 1


async def test_the_same_key_with_another_body_is_a_conflict(api: Api) -> None:
    idem = key()
    assert (await api.submit(submission(), idem)).status_code == 201
    body = problem(await api.submit(submission(confidence=0.9), idem), 409)
    assert "confidence" in body["detail"]
    assert body["code"] == "conflict"


async def test_an_invalid_body_gets_the_clis_sentence(api: Api) -> None:
    body = problem(await api.submit(submission(confidence=2), key()), 422)
    with pytest.raises(Exception) as invalid:
        DecisionRequest.model_validate(
            submission(confidence=2) | {"id": "x", "requester": f"app:{APP}"}
        )
    assert body["detail"] == describe_validation(invalid.value)  # type: ignore[arg-type]


async def test_a_missing_or_malformed_idempotency_key_is_refused(api: Api) -> None:
    missing = await api.http.post("/api/v1/decisions", json=submission(), headers=api.auth)
    assert "Idempotency-Key" in problem(missing, 422)["detail"]
    bad = problem(await api.submit(submission(), "has space"), 422)
    assert "Idempotency-Key" in bad["detail"]


async def test_no_key_an_unknown_key_or_a_revoked_key_is_401(api: Api, store: Store) -> None:
    path = "/api/v1/decisions"
    for headers in (
        {},
        {"Authorization": "Bearer sok_000000000000_nothing"},
        {"Authorization": "Basic YWxpY2U6cHc="},
    ):
        answer = await api.http.get(path, headers=headers)
        problem(answer, 401)
        assert answer.headers["www-authenticate"].startswith("Bearer")
    grant, token = await store.create_api_key(
        app=APP, use_cases=["refunds"], scopes=[ApiScope.READ]
    )
    assert (
        await api.http.get(path, headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200
    await store.revoke_api_key(grant.key_id)
    problem(await api.http.get(path, headers={"Authorization": f"Bearer {token}"}), 401)


async def test_a_key_stays_inside_its_use_cases_and_scopes(api: Api, store: Store) -> None:
    sent = await api.submit(submission(), key())
    location = sent.headers["location"]
    assert problem(await api.submit(submission(use_case="loans"), key()), 403)["code"] == "use_case"

    _, loans_token = await store.create_api_key(
        app=APP, use_cases=["loans"], scopes=[ApiScope.SUBMIT, ApiScope.READ]
    )
    other = Api(api.http, loans_token)
    # Another use case's decision is not there, as far as this key can tell.
    assert problem(await other.get(location), 404)["code"] == "not_found"

    _, read_only = await store.create_api_key(app=APP, use_cases=["*"], scopes=[ApiScope.READ])
    reader = Api(api.http, read_only)
    assert (await reader.get(location)).status_code == 200
    assert problem(await reader.submit(submission(), key()), 403)["code"] == "scope"


async def test_waiting_for_an_outcome_answers_202_until_a_person_decides(
    api: Api, live: Harness
) -> None:
    sent = await api.submit(submission(), key())
    decision_id = sent.json()["decision_id"]
    outcome = f"/api/v1/decisions/{decision_id}/outcome"
    pending = await api.get(outcome)
    assert pending.status_code == 202
    assert pending.json() == {"decision_id": decision_id, "status": "pending"}

    waiting = asyncio.create_task(api.get(outcome, params={"wait": 30}))
    await asyncio.sleep(0.5)
    assert not waiting.done()
    await live.signoff.perform(decision_id, "approve", actor="alice")
    answer = await waiting
    assert answer.status_code == 200, answer.text
    assert answer.json()["approved"] is True
    assert answer.json()["decided_by"] == ["alice"]


async def test_decisions_are_found_a_page_at_a_time(api: Api) -> None:
    person = "bob"
    made = set()
    for _ in range(5):
        made.add((await api.submit(submission(), key())).json()["decision_id"])
    seen: list[str] = []
    cursor = None
    for _ in range(100):
        params = {"status": "pending", "pending_for": person, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get("/api/v1/decisions", params=params)).json()
        assert len(page["listings"]) <= 2
        seen += [row["decision_id"] for row in page["listings"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert made <= set(seen)
    assert len(seen) == len(set(seen))
    bad = problem(await api.get("/api/v1/decisions", params={"cursor": "not a cursor!"}), 422)
    assert "cursor" in bad["detail"]
