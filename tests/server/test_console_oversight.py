"""The managers' and auditors' pages over plain HTTP: escalations with a manager's
override (a reason required), the audit search with its export and check; anyone else
gets the forbidden page."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

from signoff.adapters.store import Store
from signoff.core.models import AuditKind
from tests.helpers import tamper
from tests.helpers.waiting import eventually
from tests.server.conftest import Api
from tests.server.console_helpers import (
    browsing,
    escalated,
    form_fields,
    notice,
    sign_in,
    submitted,
)


async def test_a_manager_finds_an_escalated_decision_and_overrides_it_with_a_reason(
    api: Api, store: Store
) -> None:
    decision_id = await escalated(api)
    async with browsing(api) as dave, browsing(api) as alice:
        await sign_in(dave, "dave@example.com")
        page = await dave.get("/console/escalations")
        assert page.status_code == 200
        action, fields = form_fields(page.text, decision_id, "override")
        assert "escalated" in page.text.split(f'data-decision="{decision_id}"')[1]
        narrowed = await dave.get("/console/escalations", params={"use_case": "loans"})
        assert f'data-decision="{decision_id}"' not in narrowed.text

        unexplained = await dave.post(action, data=fields | {"verdict": "reject"})
        assert notice(unexplained.text) == "A reason is required to override."
        fields["action_id"] = f"web-{uuid.uuid4().hex}"  # the form drawn again
        done = await dave.post(
            action,
            data=fields | {"verdict": "reject", "reason": "The customer already has a voucher."},
        )
        assert notice(done.text) == "Override recorded: reject."

        await sign_in(alice, "alice@example.com")
        refused = await alice.get("/console/escalations")
        assert refused.status_code == 403 and "Only managers" in refused.text
    state = (await api.get(f"/api/v1/decisions/{decision_id}")).json()
    assert state["status"] == "overridden"
    [override] = [e for e in await store.events(decision_id) if e.kind is AuditKind.OVERRIDDEN]
    assert override.actor == "dave" and override.data["vouch"]["surface"] == "web"


async def test_an_auditor_searches_exports_and_sees_the_first_broken_event_in_place(
    api: Api, store: Store, store_url: str
) -> None:
    decision_id = await submitted(api)
    async with browsing(api) as audrey, browsing(api) as alice:
        await sign_in(alice, "alice@example.com")
        action, fields = form_fields(
            (await alice.get(f"/console/decisions/{decision_id}")).text, decision_id, "approve"
        )
        await alice.post(action, data=fields)
        assert (await alice.get("/console/audit")).status_code == 403
        assert (await alice.get("/console/audit/export")).status_code == 403

        async def finalized() -> bool:
            return AuditKind.FINALIZED in [e.kind for e in await store.events(decision_id)]

        await eventually(finalized)
        await sign_in(audrey, "audrey@example.com")
        found = await audrey.get(
            "/console/audit", params={"decision_id": decision_id, "actor": "alice", "kind": "voted"}
        )
        assert found.status_code == 200
        assert found.text.count("#event-") == 1 and "<td>voted</td>" in found.text
        stored = await store.events(decision_id)
        jsonl = await audrey.get("/console/audit/export", params={"decision_id": decision_id})
        assert jsonl.headers["content-type"] == "application/x-ndjson"
        assert [json.loads(x)["hash"] for x in jsonl.text.splitlines()] == [e.hash for e in stored]
        as_csv = await audrey.get(
            "/console/audit/export", params={"decision_id": decision_id, "format": "csv"}
        )
        rows = list(csv.DictReader(io.StringIO(as_csv.text)))
        assert [r["event_id"] for r in rows] == [e.event_id for e in stored]
        bad_time = await audrey.get("/console/audit", params={"since": "yesterday"})
        assert "is not a date and time" in bad_time.text

        clean = await audrey.get(
            "/console/audit", params={"decision_id": decision_id, "verify": "1"}
        )
        assert "Chains verified." in clean.text
        tamper.rewrite(
            Path(store_url.removeprefix("sqlite:///")), decision_id, "voted", actor="bob"
        )
        broken = await audrey.get(
            "/console/audit", params={"decision_id": decision_id, "verify": "1"}
        )
        assert "Chain broken." in broken.text and "broken-event" in broken.text
        page = await audrey.get(f"/console/decisions/{decision_id}")
        assert "broken-event" in page.text and "First broken event" in page.text
