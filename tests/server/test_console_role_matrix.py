"""Who may do what in the console, over plain HTTP: each role against each page and
form, on a decision under `first-lead` submitted by the refunds application (the people
are the API's role matrix's: Alice asked, Carol an approver it does not ask, managers
Erin and Dave its overriders, Audrey an auditor, Rita a requester of others' decisions,
Ada an administrator) and someone not signed in.

A cell is the status the console answers with (a form answers 303 back to its page,
with what became of it said once there) and what became of the decision: an action
refused leaves it pending and is in its audit trail, as every refusal on a decision is
in the API's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from signoff.core.models import AuditKind
from tests.helpers.waiting import eventually
from tests.server.conftest import Api, Served
from tests.server.console_helpers import submitted
from tests.server.console_sessions import ConsoleSession, browser_of, form_action_id, session_of

NOBODY = "nobody"
WHO = ("alice", "carol", "erin", "dave", "audrey", "rita", "ada", NOBODY)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    """With ``{id}`` for a fresh decision's id."""
    form: dict[str, str] | None = None
    """A POST's fields, beside the session's CSRF token and a fresh action id."""

    @property
    def on_a_decision(self) -> bool:
        return "{id}" in self.path


OVERRIDE = {"kind": "override", "verdict": "reject", "reason": "Policy says no."}
ENDPOINTS: dict[str, Call] = {
    "inbox": Call("GET", "/console/"),
    "decision page": Call("GET", "/console/decisions/{id}"),
    "card": Call("GET", "/console/decisions/{id}/card"),
    "approve": Call("POST", "/console/decisions/{id}/actions", {"kind": "approve"}),
    "override": Call("POST", "/console/decisions/{id}/actions", OVERRIDE),
    "comment": Call(
        "POST", "/console/decisions/{id}/actions", {"kind": "comment", "reason": "Noted."}
    ),
    "edit preview": Call(
        "POST", "/console/decisions/{id}/edit", {"edited_text": "Refund $100 instead."}
    ),
    "escalations": Call("GET", "/console/escalations"),
    "audit": Call("GET", "/console/audit"),
    "audit export": Call("GET", "/console/audit/export?format=csv"),
    "live feed": Call("GET", "/console/live?d=0:{id}"),
    "sign out": Call("POST", "/console/logout", {}),
    "dev sign-in": Call("POST", "/console/dev-login", {"person": "ada"}),
    "stylesheet": Call("GET", "/console/static/console.css"),
}
# Expected status per endpoint, in the order of WHO (303 for nobody: to the sign-in).
MATRIX: dict[str, tuple[int, ...]] = {
    #                alice carol erin dave audrey rita ada nobody
    "inbox":          (200, 200, 200, 200, 200, 200, 200, 303),
    "decision page":  (200, 404, 200, 200, 200, 404, 404, 303),
    "card":           (200, 404, 200, 200, 200, 404, 404, 303),
    "approve":        (303, 404, 303, 303, 303, 404, 404, 303),
    "override":       (303, 404, 303, 303, 303, 404, 404, 303),
    "comment":        (303, 404, 303, 303, 303, 404, 404, 303),
    "edit preview":   (200, 404, 200, 200, 200, 404, 404, 303),
    "escalations":    (403, 403, 200, 200, 403, 403, 403, 303),
    "audit":          (403, 403, 403, 403, 200, 403, 403, 303),
    "audit export":   (403, 403, 403, 403, 200, 403, 403, 303),
    "live feed":      (200, 200, 200, 200, 200, 200, 200, 303),
    "sign out":       (303, 303, 303, 303, 303, 303, 303, 303),
    "dev sign-in":    (404, 404, 404, 404, 404, 404, 404, 404),
    "stylesheet":     (200, 200, 200, 200, 200, 200, 200, 200),
}  # fmt: skip
DONE: dict[str, dict[str, str]] = {
    "approve": {"alice": "approved"},
    "override": {"erin": "overridden", "dave": "overridden"},
}
"""Who changes the decision's status with each action (everyone else leaves it pending)."""
ACCEPTED = {
    "approve": {"alice"},
    "override": {"erin", "dave"},
    "comment": {"alice", "erin", "dave"},
}
"""Whose action each form applies; every other signed-in person's is refused and audited
(an auditor's comment too: auditors change nothing)."""
REFUSED_READS = {"decision page": "read", "card": "read", "edit preview": "edit"}
"""What a refused read of each page is audited as."""
CELLS = [
    pytest.param(endpoint, who, MATRIX[endpoint][i], id=f"{endpoint}-{who}")
    for endpoint in ENDPOINTS
    for i, who in enumerate(WHO)
]


@pytest.fixture(scope="module")
async def sessions(shared_api: Served) -> dict[str, ConsoleSession]:
    return {who: await session_of(shared_api.api, who) for who in WHO if who != NOBODY}


async def answer_to(
    http: httpx.AsyncClient, call: Call, path: str, session: ConsoleSession | None
) -> httpx.Response:
    if call.method == "POST":
        form = dict(call.form or {}) | {"action_id": form_action_id()}
        form["csrf"] = session.csrf if session else ""
        return await http.post(path, data=form)
    if path.startswith("/console/live"):
        # The feed runs for half a minute: its head is the answer.
        async with http.stream("GET", path) as streamed:
            return streamed
    return await http.get(path)


@pytest.mark.parametrize(("endpoint", "who", "status"), CELLS)
async def test_each_role_gets_what_it_may_on_each_console_page_and_form(
    shared_api: Served,
    sessions: dict[str, ConsoleSession],
    endpoint: str,
    who: str,
    status: int,
) -> None:
    api, store = shared_api.api, shared_api.store
    call = ENDPOINTS[endpoint]
    decision_id = await submitted(api) if call.on_a_decision else ""
    session = sessions.get(who)
    async with browser_of(api, session) as http:
        answer = await answer_to(http, call, call.path.replace("{id}", decision_id), session)

    assert answer.status_code == status, answer.text[:500]
    if who == NOBODY and status == 303 and endpoint != "sign out":
        assert answer.headers["location"].startswith("/console/login?next=")
    if status in (403, 404):
        assert answer.headers["content-type"].startswith("text/html")
        assert "Refund $120" not in answer.text
    if not call.on_a_decision:
        return
    state = await decision_state(api, decision_id)
    assert state["status"] == DONE.get(endpoint, {}).get(who, "pending")
    if status == 404 and endpoint in REFUSED_READS:
        await refusal_audited(shared_api, decision_id, who, REFUSED_READS[endpoint])
    elif call.form and "kind" in call.form and who != NOBODY:
        kind = call.form["kind"]
        events = await store.events(decision_id)
        applied = [e for e in events if e.actor == who and e.kind is not AuditKind.REFUSED]
        if who in ACCEPTED[endpoint]:
            assert applied, f"{who}'s {kind} was not applied"
        else:
            assert not applied, f"{who}'s {kind} was applied"
            await refusal_audited(shared_api, decision_id, who, kind)


async def decision_state(api: Api, decision_id: str) -> dict[str, Any]:
    answer = await api.get(f"/api/v1/decisions/{decision_id}")
    assert answer.status_code == 200, answer.text
    state: dict[str, Any] = answer.json()
    return state


async def refusal_audited(served: Served, decision_id: str, who: str, attempted: str) -> None:
    async def refused() -> bool:
        events = await served.store.events(decision_id)
        return any(e.kind is AuditKind.REFUSED and e.actor == who for e in events)

    assert await eventually(refused), f"{who}'s refused {attempted} is not in the audit trail"
