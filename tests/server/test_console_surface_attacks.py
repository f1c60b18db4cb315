"""The console's live feed, its forms and its crowds against an attacker: the feed
never tells anyone of a decision they may not read, forms too large, repeated or not
forms at all change nothing, and twenty people approving one decision from their
consoles at once leave exactly one decider in the store, the cards and the workflow."""

from __future__ import annotations

import asyncio
import re
from collections import Counter

import httpx
import pytest

from signoff.adapters.store import Store
from signoff.core.contract import workflow_id_for
from signoff.core.models import AuditKind
from tests.conftest import Harness
from tests.helpers.agreement import disagreements
from tests.helpers.waiting import eventually
from tests.server.conftest import Api, Served
from tests.server.console_helpers import form_fields, notice, submitted
from tests.server.console_sessions import (
    ConsoleSession,
    browser_of,
    form_action_id,
    session_of,
)

FORM_EXPIRED = "This form has expired; reload the page and try again."
MULTIPART = b"--b\r\nContent-Disposition: form-data; name=kind\r\n\r\napprove\r\n--b--"
CROWD = [f"p{n:02d}" for n in range(1, 21)]  # the `crowd` group: `crowd-first` asks them all


async def feed_lines(http: httpx.AsyncClient, query: str, seconds: float) -> list[str]:
    """What the live feed says within ``seconds``."""
    said: list[str] = []
    async with http.stream("GET", f"/console/live?{query}") as feed:
        assert feed.status_code == 200
        try:
            async with asyncio.timeout(seconds):
                async for line in feed.aiter_lines():
                    said.append(line)
        except TimeoutError:
            pass
    return said


async def test_the_live_feed_says_nothing_of_a_decision_the_person_may_not_read(
    shared_api: Served,
) -> None:
    """Carol names Alice's decision as shown at a version it never had (so any state
    would be news), and asks for what is new in her inbox: she hears of neither, nor of
    an id that does not exist, while Bob, asked, hears of it at once."""
    api = shared_api.api
    decision_id = await submitted(api)
    carol, bob = await session_of(api, "carol"), await session_of(api, "bob")
    watch = f"inbox=1&d=-1:{decision_id}&d=-1:refunds-bot:no-such-decision"
    async with browser_of(api, carol) as carols, browser_of(api, bob) as bobs:
        heard, told = await asyncio.gather(feed_lines(carols, watch, 4), feed_lines(bobs, watch, 4))
    assert f'"decision_id": "{decision_id}"' in "\n".join(told)  # the feed works
    assert heard and heard[0].startswith("retry:")  # and Carol's ran
    assert not [line for line in heard if line.startswith(("event:", "data:"))], heard


async def test_a_form_over_the_console_s_size_changes_nothing_and_says_so(
    shared_api: Served,
) -> None:
    api = shared_api.api
    alice = await session_of(api, "alice")
    decision_id = await submitted(api)
    form = {"kind": "approve", "action_id": form_action_id(), "csrf": alice.csrf}
    async with browser_of(api, alice) as http:
        big = await http.post(
            f"/console/decisions/{decision_id}/actions", data=form | {"reason": "x" * 70_000}
        )
        assert big.status_code == 303
        assert notice((await http.get(big.headers["location"])).text) == FORM_EXPIRED
        huge = await http.post(
            f"/console/decisions/{decision_id}/actions",
            content=b"reason=" + b"x" * (2 * 1024 * 1024),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert huge.status_code == 413
    await nothing_applied(shared_api, decision_id)


@pytest.mark.parametrize(
    ("name", "body", "content_type"),
    [
        ("JSON instead of a form", b'{"kind": "approve"}', "application/json"),
        ("bytes that are not UTF-8", b"\xff\xfe\x00kind=approve&\xc3(", "text/plain"),
        ("brackets nested 5,000 deep", b"kind=" + b"[" * 5000, "application/x-www-form-urlencoded"),
        ("20,000 empty fields", b"&" * 20_000, "application/x-www-form-urlencoded"),
        ("a multipart upload", MULTIPART, "multipart/form-data; boundary=b"),
    ],
)  # fmt: skip
async def test_a_body_that_is_not_a_console_form_changes_nothing_and_is_never_a_5xx(
    shared_api: Served, name: str, body: bytes, content_type: str
) -> None:
    api = shared_api.api
    alice = await session_of(api, "alice")
    decision_id = await submitted(api)
    async with browser_of(api, alice) as http:
        for path in ("actions", "edit"):
            answer = await http.post(
                f"/console/decisions/{decision_id}/{path}",
                content=body,
                headers={"Content-Type": content_type},
            )
            assert answer.status_code in (303, 413, 422), answer.text[:300]
    await nothing_applied(shared_api, decision_id)


async def test_a_field_sent_twice_counts_once_as_it_first_came(shared_api: Served) -> None:
    """A forged token first and the real one after is a forged form; an approval
    followed by an override is an approval."""
    api = shared_api.api
    alice = await session_of(api, "alice")
    decision_id = await submitted(api)
    path = f"/console/decisions/{decision_id}/actions"
    smuggled = f"csrf=forged&csrf={alice.csrf}&kind=approve&action_id={form_action_id()}"
    async with browser_of(api, alice) as http:
        sent = await http.post(
            path,
            content=smuggled.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert notice((await http.get(sent.headers["location"])).text) == FORM_EXPIRED
        await nothing_applied(shared_api, decision_id)
        first_wins = {"csrf": alice.csrf, "action_id": form_action_id()}
        body = "&".join(f"{k}={v}" for k, v in first_wins.items())
        body += "&kind=approve&kind=override&verdict=reject&reason=no"
        await http.post(
            path,
            content=body.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    state = (await api.get(f"/api/v1/decisions/{decision_id}")).json()
    assert state["status"] == "approved"


async def nothing_applied(served: Served, decision_id: str) -> None:
    state = (await served.api.get(f"/api/v1/decisions/{decision_id}")).json()
    assert state["status"] == "pending"
    kinds = {e.kind for e in await served.store.events(decision_id)}
    assert kinds <= {AuditKind.SUBMITTED, AuditKind.ROUTED, AuditKind.STAGE_STARTED}, kinds


async def test_twenty_approvals_from_the_console_at_once_leave_exactly_one_decider_everywhere(
    api: Api, live: Harness, store: Store
) -> None:
    decision_id = await submitted(api, policy="crowd-first")
    sessions = await asyncio.gather(*(session_of(api, person) for person in CROWD))

    # Every card is on screen before anyone clicks: a card fetched after the first
    # approval landed (a loaded machine interleaves them) rightly offers no form.
    everyone_sees = asyncio.Barrier(len(sessions))

    async def approve(session: ConsoleSession) -> str:
        async with browser_of(api, session) as http:
            card = await http.get(f"/console/decisions/{decision_id}/card")
            assert card.status_code == 200, card.text[:300]
            action, fields = form_fields(card.text, decision_id, "approve")
            await everyone_sees.wait()
            sent = await http.post(action, data=fields)
            assert sent.status_code == 303, sent.text[:300]
            return notice((await http.get(sent.headers["location"])).text)

    said = await asyncio.gather(*(approve(s) for s in sessions))

    assert Counter(said)["Decision approved."] == 1, said
    outcome = await api.get(f"/api/v1/decisions/{decision_id}/outcome", params={"wait": 10})
    [decider] = outcome.json()["decided_by"]
    events = await store.events(decision_id)
    assert [e.actor for e in events if e.kind is AuditKind.VOTED] == [decider]

    others = set(CROWD) - {decider}

    async def all_refused() -> bool:
        events = await store.events(decision_id)
        refused = Counter(e.actor for e in events if e.kind is AuditKind.REFUSED)
        return set(refused) == others and set(refused.values()) == {1}

    assert await eventually(all_refused, timeout=20)
    history = await live.client.get_workflow_handle(workflow_id_for(decision_id)).fetch_history()
    applied = [
        event.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        for event in history.events
        if event.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    # Updates the workflow took, beside the one that starts it: the one approval.
    assert [name for name in applied if name != "started"] == ["approve"], applied
    assert await disagreements(live.signoff, store, decision_id, cards=live.channel) == []
    assert re.fullmatch(r"p\d\d", decider)
