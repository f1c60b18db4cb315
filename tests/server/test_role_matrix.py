"""Who may do what over HTTP: each role against each endpoint, on a decision under
`first-lead` (leads Alice and Bob asked; managers Dave and Erin may override; Dave is an
expert; Audrey audits; Carol is an approver it does not ask; Rita a requester of others'
decisions; Ada administers API keys) submitted by the refunds application.

Each cell runs on a fresh decision, so one cell's action never decides another's."""

from __future__ import annotations

from typing import Any

import pytest

from signoff.core.models import AuditKind
from tests.helpers.waiting import eventually
from tests.server.conftest import Served, key, submission

APP_KEY = "app"
WHO = ("alice", "carol", "erin", "dave", "audrey", "rita", "ada", APP_KEY)
Call = tuple[str, str, dict[str, Any] | None]
"""method, path (with {id}), body."""
ENDPOINTS: dict[str, Call] = {
    "me": ("GET", "/api/v1/me", None),
    "submit": ("POST", "/api/v1/decisions", submission()),
    "list what waits for me": ("GET", "/api/v1/decisions", None),
    "list what waits for alice": ("GET", "/api/v1/decisions?pending_for=alice", None),
    "read": ("GET", "/api/v1/decisions/{id}", None),
    "outcome": ("GET", "/api/v1/decisions/{id}/outcome", None),
    "approve": ("POST", "/api/v1/decisions/{id}/actions", {"kind": "approve"}),
    "override": (
        "POST",
        "/api/v1/decisions/{id}/actions",
        {"kind": "override", "verdict": "reject", "reason": "Policy says no."},
    ),
    "thumb": ("POST", "/api/v1/decisions/{id}/actions", {"kind": "thumb", "thumb": "up"}),
    "comment": ("POST", "/api/v1/decisions/{id}/actions", {"kind": "comment", "reason": "Hm."}),
    "manage API keys": ("GET", "/api/v1/api-keys", None),
}
# Expected status per endpoint, in the order of WHO.
MATRIX: dict[str, tuple[int, ...]] = {
    #                           alice carol erin dave audrey rita ada  app
    "me":                        (200, 200, 200, 200, 200, 200, 200, 403),
    "submit":                    (403, 403, 403, 403, 403, 403, 403, 201),
    "list what waits for me":    (200, 200, 200, 200, 200, 200, 200, 200),
    "list what waits for alice": (200, 403, 403, 403, 200, 403, 403, 200),
    "read":                      (200, 404, 200, 200, 200, 404, 404, 200),
    "outcome":                   (202, 404, 202, 202, 202, 404, 404, 202),
    "approve":                   (200, 404, 403, 403, 403, 404, 404, 403),
    "override":                  (403, 404, 200, 200, 403, 404, 404, 403),
    "thumb":                     (409, 404, 409, 409, 409, 404, 404, 403),
    "comment":                   (200, 404, 200, 200, 403, 404, 404, 403),
    "manage API keys":           (403, 403, 403, 403, 403, 403, 200, 403),
}  # fmt: skip
CELLS = [
    pytest.param(endpoint, who, MATRIX[endpoint][i], id=f"{endpoint}-{who}")
    for endpoint in ENDPOINTS
    for i, who in enumerate(WHO)
]
DECISION_SCOPED_DENIALS = {403, 404}


@pytest.mark.parametrize(("endpoint", "who", "status"), CELLS)
async def test_each_role_gets_what_it_may_on_each_endpoint(
    shared_api: Served, endpoint: str, who: str, status: int
) -> None:
    api, store, people_provider = shared_api.api, shared_api.store, shared_api.provider
    sent = await api.submit(submission(), key())
    decision_id = sent.json()["decision_id"]
    caller = api
    if who != APP_KEY:
        caller = api.bearing(people_provider.token(sub=who, email=f"{who}@example.com"))
    method, path, body = ENDPOINTS[endpoint]
    path = path.replace("{id}", decision_id)
    headers = caller.auth | ({"Idempotency-Key": key()} if method == "POST" else {})
    answer = await caller.http.request(method, path, json=body, headers=headers)

    assert answer.status_code == status, answer.text
    if status >= 400:
        assert answer.headers["content-type"] == "application/problem+json"
    if "{id}" in ENDPOINTS[endpoint][1] and status in DECISION_SCOPED_DENIALS:
        # Every denial on a decision is in its audit trail, with who was refused.
        actor = f"app:{'refunds-bot'}" if who == APP_KEY else who

        async def refused() -> bool:
            events = await store.events(decision_id)
            return any(e.kind is AuditKind.REFUSED and e.actor == actor for e in events)

        assert await eventually(refused)
