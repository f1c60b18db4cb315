"""Callers read the policy catalog and the directory; decisions are found by when they
were submitted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.server.conftest import Served, key, problem, submission


def as_person(served: Served, person: str):  # type: ignore[no-untyped-def]
    return served.api.bearing(served.provider.token(sub=person, email=f"{person}@example.com"))


async def test_applications_and_people_read_the_policies_a_request_may_name(
    shared_api: Served,
) -> None:
    for caller in (shared_api.api, as_person(shared_api, "carol")):
        catalog = (await caller.get("/api/v1/policies")).json()
        names = {p["name"] for p in catalog["policies"]}
        assert {"first-lead", "three-stage"} <= names
        assert "floor" in catalog
    problem(await shared_api.api.http.get("/api/v1/policies"), 401)


async def test_the_directory_shows_emails_and_chat_ids_to_auditors_alone(
    shared_api: Served,
) -> None:
    def alice(people: list[dict]) -> dict:  # type: ignore[type-arg]
        return next(p for p in people if p["id"] == "alice")

    seen = alice((await as_person(shared_api, "bob").get("/api/v1/directory")).json())
    assert seen["groups"] == ["leads", "analysts"] and seen["email"] is None
    audited = alice((await as_person(shared_api, "audrey").get("/api/v1/directory")).json())
    assert audited["email"] == "alice@example.com"
    assert audited["identities"]["slack"] == "UALICE"


async def test_decisions_are_found_by_when_they_were_submitted(shared_api: Served) -> None:
    api = shared_api.api
    before = datetime.now(UTC) - timedelta(seconds=5)
    decision_id = (await api.submit(submission(), key())).json()["decision_id"]
    after = datetime.now(UTC) + timedelta(seconds=5)

    async def found(**window: datetime) -> set[str]:
        params = {k: v.isoformat() for k, v in window.items()} | {"limit": 1000}
        page = (await api.get("/api/v1/decisions", params=params)).json()
        return {row["decision_id"] for row in page["listings"]}

    assert decision_id in await found(submitted_since=before, submitted_until=after)
    assert decision_id not in await found(submitted_until=before)
    assert decision_id not in await found(submitted_since=after)
    naive = await api.get("/api/v1/decisions", params={"submitted_since": "2026-12-01T10:00:00"})
    assert "time zone" in problem(naive, 422)["detail"]
