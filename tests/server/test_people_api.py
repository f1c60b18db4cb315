"""People sign in with the operator's OpenID Connect provider and act on what asks them;
every action is theirs, vouched for by the API's own surface key."""

from __future__ import annotations

import pytest

from signoff.adapters.store import Store
from signoff.core.models import AuditKind
from tests.helpers.oidc_provider import OidcProvider
from tests.helpers.waiting import eventually
from tests.server.conftest import Api, key, problem, submission


async def submitted(api: Api) -> str:
    """A refunds decision under `first-lead`: Alice and Bob (leads) are asked."""
    sent = await api.submit(submission(), key())
    assert sent.status_code == 201, sent.text
    decision_id: str = sent.json()["decision_id"]
    return decision_id


def signed_in(api: Api, provider: OidcProvider, person: str, **claims: object) -> Api:
    return api.bearing(provider.token(sub=f"sub-{person}", email=f"{person}@example.com", **claims))  # type: ignore[arg-type]


async def test_an_approver_finds_what_asks_them_and_approves_it_as_themselves(
    api: Api, people_provider: OidcProvider, store: Store
) -> None:
    decision_id = await submitted(api)
    alice = signed_in(api, people_provider, "alice")

    me = await alice.get("/api/v1/me")
    assert me.json()["id"] == "alice"
    inbox = (await alice.get("/api/v1/decisions", params={"limit": 1000})).json()
    assert decision_id in {row["decision_id"] for row in inbox["listings"]}

    acted = await alice.post(
        f"/api/v1/decisions/{decision_id}/actions", {"kind": "approve"}, idempotency_key="a-1"
    )
    assert acted.status_code == 200, acted.text
    assert acted.json()["applied"] is True
    outcome = await api.get(f"/api/v1/decisions/{decision_id}/outcome", params={"wait": 10})
    assert outcome.json()["decided_by"] == ["alice"]

    votes = [e for e in await store.events(decision_id) if e.kind is AuditKind.VOTED]
    assert [e.actor for e in votes] == ["alice"]
    assert votes[0].data["vouch"]["surface"] == "web"
    assert votes[0].data["vouch"]["action"]["via"] == "web"


async def test_the_same_idempotency_key_is_one_action(
    api: Api, people_provider: OidcProvider
) -> None:
    decision_id = await submitted(api)
    alice = signed_in(api, people_provider, "alice")
    path = f"/api/v1/decisions/{decision_id}/actions"
    first = await alice.post(path, {"kind": "comment", "reason": "Looks right."}, "c-1")
    again = await alice.post(path, {"kind": "comment", "reason": "Looks right."}, "c-1")
    assert first.json()["applied"] is True and first.json()["duplicate"] is False
    assert again.json()["duplicate"] is True


async def test_a_body_cannot_name_who_acts(api: Api, people_provider: OidcProvider) -> None:
    decision_id = await submitted(api)
    carol = signed_in(api, people_provider, "carol")
    for field, value in (("actor", "alice"), ("vouch", {"surface": "slack"}), ("via", "slack")):
        body = {"kind": "approve", field: value}
        answer = await carol.post(f"/api/v1/decisions/{decision_id}/actions", body, key())
        assert field in problem(answer, 422)["detail"]


async def test_someone_the_decision_does_not_involve_cannot_see_it_and_is_audited(
    api: Api, people_provider: OidcProvider, store: Store
) -> None:
    decision_id = await submitted(api)
    carol = signed_in(api, people_provider, "carol")  # an analyst, not a lead
    assert problem(await carol.get(f"/api/v1/decisions/{decision_id}"), 404)["code"] == "not_found"
    tried = await carol.post(f"/api/v1/decisions/{decision_id}/actions", {"kind": "approve"}, key())
    assert problem(tried, 404)["code"] == "not_found"

    async def refusals() -> list[tuple[str | None, str]]:
        # The client audits a refusal through a workflow of its own, on the worker's time.
        events = await store.events(decision_id)
        return [(e.actor, e.data["code"]) for e in events if e.kind is AuditKind.REFUSED]

    assert await eventually(refusals) == [("carol", "not_asked")]
    inbox = (await carol.get("/api/v1/decisions", params={"limit": 1000})).json()
    assert decision_id not in {row["decision_id"] for row in inbox["listings"]}
    other = await carol.get("/api/v1/decisions", params={"pending_for": "alice"})
    assert problem(other, 403)["code"] == "scope"


async def test_a_refusal_for_who_you_are_is_403_and_for_where_it_stands_409(
    api: Api, people_provider: OidcProvider
) -> None:
    decision_id = await submitted(api)
    alice = signed_in(api, people_provider, "alice")
    bob = signed_in(api, people_provider, "bob")
    path = f"/api/v1/decisions/{decision_id}/actions"
    override = await alice.post(path, {"kind": "override", "verdict": "approve"}, key())
    assert problem(override, 403)["code"] == "not_overrider"
    assert (await alice.post(path, {"kind": "approve"}, key())).status_code == 200
    late = await bob.post(path, {"kind": "approve"}, key())
    assert problem(late, 409)["code"] == "already_final"


async def test_an_auditor_reads_any_decision_and_acts_on_none(
    api: Api, people_provider: OidcProvider
) -> None:
    decision_id = await submitted(api)
    audrey = signed_in(api, people_provider, "audrey")
    assert (await audrey.get(f"/api/v1/decisions/{decision_id}")).status_code == 200
    listed = await audrey.get("/api/v1/decisions", params={"pending_for": "alice"})
    assert listed.status_code == 200
    tried = await audrey.post(
        f"/api/v1/decisions/{decision_id}/actions", {"kind": "approve"}, key()
    )
    assert tried.status_code == 403


async def test_applications_and_people_each_do_only_their_part(
    api: Api, people_provider: OidcProvider
) -> None:
    decision_id = await submitted(api)
    acting_app = await api.post(
        f"/api/v1/decisions/{decision_id}/actions", {"kind": "approve"}, key()
    )
    assert problem(acting_app, 403)["code"] == "scope"
    rita = signed_in(api, people_provider, "rita")
    assert problem(await rita.submit(submission(), key()), 403)["code"] == "scope"
    assert problem(await api.get("/api/v1/me"), 403)["code"] == "scope"


@pytest.mark.parametrize(
    ("claims", "status", "says"),
    [
        ({"expires_in": -120}, 401, "expired"),
        ({"audience": "another-app"}, 401, "audience"),
        ({"email": "mallory@example.com"}, 403, "directory"),
    ],
)
async def test_a_token_that_proves_nothing_or_names_nobody_gets_nowhere(
    api: Api, people_provider: OidcProvider, claims: dict[str, object], status: int, says: str
) -> None:
    fields: dict[str, object] = {"sub": "sub-x", "email": "alice@example.com"} | claims
    token = people_provider.token(**fields)  # type: ignore[arg-type]
    answer = await api.bearing(token).get("/api/v1/me")
    assert says in problem(answer, status)["detail"]
