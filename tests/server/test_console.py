"""The console over plain HTTP, as a browser without JavaScript uses it: people sign in
with the provider, find what asks them as chat's card, approve or reject it as themselves,
and read a decision's audit trail; nobody reads a decision that does not involve them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from signoff.adapters.store import Store
from signoff.core.models import ApiScope, AuditKind
from signoff.core.settings import Settings
from signoff.server.console.decision_page import workflow_url
from tests.helpers.oidc_provider import OidcProvider
from tests.helpers.waiting import eventually
from tests.server.conftest import Api, key
from tests.server.console_helpers import (
    FORM,
    browsing,
    form_fields,
    inbox_showing,
    notice,
    sign_in,
    submitted,
)


async def test_an_approver_signs_in_and_finds_the_explainable_card_of_what_asks_them(
    api: Api,
) -> None:
    decision_id = await submitted(
        api,
        rationale="The carrier confirmed the damage.",
        sources=[{"title": "Carrier report", "url": "https://example.com/r/1"}],
        known_limitations=["Photos were not checked."],
        action_fingerprint="refund:order-1042:12000",
    )
    async with browsing(api) as alice:
        landed = await sign_in(alice, "alice@example.com")
        assert landed.url.path == "/console/"
        assert "Signed in as <strong>Alice</strong>" in landed.text
        page = await inbox_showing(alice, decision_id)
    for shown in (
        "Refund $120 for a damaged parcel",
        "Refund $120 to the customer&#39;s card.",
        "AI suggests",
        "AI suggestion — needs your sign-off",
        "medium (0.72)",
        "The carrier confirmed the damage.",
        'href="https://example.com/r/1"',
        "Photos were not checked.",
        "refund:order-1042:12000",
        "Why are you rejecting it?",
    ):
        assert shown in page
    form_fields(page, decision_id, "approve")
    form_fields(page, decision_id, "reject")


async def test_the_session_cookie_is_signed_http_only_and_lax(api: Api) -> None:
    async with browsing(api) as alice:
        await sign_in(alice, "alice@example.com")
        [cookie] = [c for c in alice.cookies.jar if c.name == "signoff_console"]
        assert cookie.path == "/console"
        assert cookie.has_nonstandard_attr("HttpOnly")
        assert cookie.get_nonstandard_attr("SameSite", "").lower() == "lax"
        assert not cookie.secure  # served over plain http here
        alice.cookies.set("signoff_console", cookie.value[:-2] + "xx", path="/console")
        again = await alice.get("/console/", follow_redirects=False)
        assert again.status_code == 303
        assert again.headers["location"].startswith("/console/login")


async def test_approving_from_the_inbox_is_the_person_s_action_vouched_by_web_and_applied_once(
    api: Api, store: Store
) -> None:
    decision_id = await submitted(api)
    async with browsing(api) as alice:
        await sign_in(alice, "alice@example.com")
        action, fields = form_fields(
            await inbox_showing(alice, decision_id), decision_id, "approve"
        )
        first = await alice.post(action, data=fields)
        assert first.url.path == "/console/"
        assert notice(first.text) == "Decision approved."
        again = await alice.post(action, data=fields)  # the same form sent twice
        assert again.status_code == 200
    outcome = await api.get(f"/api/v1/decisions/{decision_id}/outcome", params={"wait": 10})
    assert outcome.json()["decided_by"] == ["alice"]
    votes = [e for e in await store.events(decision_id) if e.kind is AuditKind.VOTED]
    assert [e.actor for e in votes] == ["alice"]
    assert votes[0].data["vouch"]["surface"] == "web"
    assert votes[0].data["vouch"]["action"]["via"] == "web"


async def test_rejecting_carries_the_reason(api: Api) -> None:
    decision_id = await submitted(api)
    async with browsing(api) as bob:
        await sign_in(bob, "bob@example.com")
        action, fields = form_fields(await inbox_showing(bob, decision_id), decision_id, "reject")
        answered = await bob.post(action, data=fields | {"reason": "Outside the return window."})
        assert notice(answered.text) == "Decision rejected."
    outcome = (await api.get(f"/api/v1/decisions/{decision_id}/outcome")).json()
    assert (outcome["approved"], outcome["reason"]) == (False, "Outside the return window.")


async def test_a_refusal_reads_as_the_sentence_chat_shows(
    api: Api, people_provider: OidcProvider
) -> None:
    decision_id = await submitted(api)
    async with browsing(api) as bob, browsing(api) as alice:
        await sign_in(bob, "bob@example.com")
        await sign_in(alice, "alice@example.com")
        action, fields = form_fields(await inbox_showing(bob, decision_id), decision_id, "approve")
        mine, alices = form_fields(await inbox_showing(alice, decision_id), decision_id, "approve")
        await alice.post(mine, data=alices)
        late = await bob.post(action, data=fields)  # a card drawn before Alice decided
    bob_api = api.bearing(people_provider.token(sub="sub-bob", email="bob@example.com"))
    refused = await bob_api.post(
        f"/api/v1/decisions/{decision_id}/actions", {"kind": "approve"}, key()
    )
    assert refused.status_code == 409
    # Chat shows the decision's own sentence; the API prefixes it as the CLI does.
    assert refused.json()["detail"] == f"Refused: {notice(late.text)}"
    assert notice(late.text) == "This decision is already final: approved."


async def test_a_form_without_the_session_s_token_does_nothing(api: Api, store: Store) -> None:
    decision_id = await submitted(api)
    async with browsing(api) as alice:
        await sign_in(alice, "alice@example.com")
        action, fields = form_fields(
            await inbox_showing(alice, decision_id), decision_id, "approve"
        )
        forged = await alice.post(action, data=fields | {"csrf": "from-another-site"})
        assert notice(forged.text) == "This form has expired; reload the page and try again."
    state = (await api.get(f"/api/v1/decisions/{decision_id}")).json()
    assert state["status"] == "pending"
    assert not [e for e in await store.events(decision_id) if e.kind is AuditKind.VOTED]


async def test_someone_the_decision_does_not_involve_gets_the_same_404_as_for_no_decision(
    api: Api, store: Store
) -> None:
    decision_id = await submitted(api)
    async with browsing(api) as carol:
        await sign_in(carol, "carol@example.com")
        theirs = await carol.get(f"/console/decisions/{decision_id}")
        nothing = await carol.get("/console/decisions/refunds-bot:no-such-decision")
        card = await carol.get(f"/console/decisions/{decision_id}/card")
    assert theirs.status_code == nothing.status_code == card.status_code == 404
    assert "Refund $120" not in theirs.text
    assert theirs.text == nothing.text

    async def refused_reads() -> list[str] | None:
        found = [
            e.data["code"]
            for e in await store.events(decision_id)
            if e.kind is AuditKind.REFUSED and e.actor == "carol"
        ]
        return found if len(found) == 2 else None

    # Both refused reads are in the decision's audit trail, as the API's are.
    assert await eventually(refused_reads) == ["not_involved", "not_involved"]


async def test_the_decision_page_shows_who_was_asked_and_the_verified_audit_trail(
    api: Api,
) -> None:
    decision_id = await submitted(api)
    async with browsing(api) as alice:
        await sign_in(alice, "alice@example.com")
        action, fields = form_fields(
            await inbox_showing(alice, decision_id), decision_id, "approve"
        )
        await alice.post(action, data=fields)
        await api.get(f"/api/v1/decisions/{decision_id}/outcome", params={"wait": 10})
        page = (await alice.get(f"/console/decisions/{decision_id}")).text
    assert "1. leads" in page and "alice, bob" in page
    assert "alice approved" in page
    assert "Chain verified" in page and "signed heads" in page
    for kind in ("submitted", "stage started", "voted", "finalized"):
        assert f"<td>{kind}</td>" in page
    assert "vouched by: web" in page


async def test_pages_need_a_sign_in_and_come_back_after_it(api: Api) -> None:
    decision_id = await submitted(api)
    async with browsing(api) as alice:
        bounced = await alice.get(f"/console/decisions/{decision_id}", follow_redirects=False)
        assert bounced.status_code == 303
        assert bounced.headers["location"].startswith("/console/login?next=")
        landed = await alice.get(f"{bounced.headers['location']}&login_hint=alice@example.com")
    assert landed.url.path == f"/console/decisions/{decision_id}"


async def test_a_sign_in_naming_nobody_or_coming_back_without_its_start_is_refused(
    api: Api,
) -> None:
    async with browsing(api) as mallory:
        nobody = await sign_in(mallory, "mallory@example.com")
        assert nobody.status_code == 403
        assert "names nobody in Signoff&#39;s directory" in nobody.text
        lost = await mallory.get("/console/callback", params={"code": "x", "state": "y"})
        assert lost.status_code == 400
        assert "sign in again" in lost.text


async def test_the_live_feed_says_when_a_shown_decision_changes(api: Api) -> None:
    decision_id = await submitted(api)
    async with browsing(api) as alice, browsing(api) as bob:
        await sign_in(alice, "alice@example.com")
        await sign_in(bob, "bob@example.com")
        page = await inbox_showing(bob, decision_id)
        version = page.split(f'data-decision="{decision_id}" data-version="')[1].split('"')[0]
        params = {"d": f"{version}:{decision_id}"}
        async with bob.stream("GET", "/console/live", params=params) as feed:
            assert feed.headers["content-type"].startswith("text/event-stream")
            action, fields = form_fields(
                await inbox_showing(alice, decision_id), decision_id, "approve"
            )
            await alice.post(action, data=fields)
            lines = feed.aiter_lines()
            async with asyncio.timeout(15):
                while await anext(lines) != "event: changed":
                    pass
                data = await anext(lines)
        assert json.loads(data.removeprefix("data: ")) == {"decision_id": decision_id}
        card = await bob.get(f"/console/decisions/{decision_id}/card")
        assert "Approved" in card.text and "by alice" in card.text
        # Nothing left for Bob to do but comment.
        assert [kind for _, kind, _ in FORM.findall(card.text)] == ["comment"]


async def test_console_routes_stay_out_of_the_api_s_document(api: Api) -> None:
    document = (await api.http.get("/api/v1/openapi.json")).json()
    assert not [path for path in document["paths"] if path.startswith("/console")]


async def test_there_is_no_dev_sign_in_outside_signoff_dev(api: Api) -> None:
    async with browsing(api) as anyone:
        tried = await anyone.post("/console/dev-login", data={"person": "alice"})
        assert tried.status_code == 404
        assert "signoff_console" not in anyone.cookies


async def test_an_id_token_for_another_sign_in_is_refused(
    api: Api, people_provider: OidcProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token replayed from another sign-in carries that sign-in's nonce, not ours."""
    signs = people_provider.token

    def replayed(**claims: Any) -> str:
        if claims.get("extra"):
            claims["extra"] = {"nonce": "another-sign-in"}
        return signs(**claims)

    monkeypatch.setattr(people_provider, "token", replayed)
    async with browsing(api) as alice:
        refused = await sign_in(alice, "alice@example.com")
        assert refused.status_code == 401
        assert "not the one this sign-in asked for" in refused.text
        assert "signoff_console" not in alice.cookies


async def test_signing_out_ends_the_session(api: Api) -> None:
    async with browsing(api) as alice:
        page = await sign_in(alice, "alice@example.com")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        out = await alice.post("/console/logout", data={"csrf": csrf})
        assert "You are signed out" in out.text
        again = await alice.get("/console/", follow_redirects=False)
        assert again.status_code == 303


async def test_the_decision_page_shows_feedback_and_where_no_card_was_sent(
    api: Api, store: Store
) -> None:
    decision_id = await submitted(api)
    _, token = await store.create_api_key(
        app="refunds-bot", use_cases=["refunds"], scopes=[ApiScope.FEEDBACK]
    )
    async with browsing(api) as alice:
        await sign_in(alice, "alice@example.com")
        action, fields = form_fields(
            await inbox_showing(alice, decision_id), decision_id, "approve"
        )
        await alice.post(action, data=fields)
        await api.get(f"/api/v1/decisions/{decision_id}/outcome", params={"wait": 10})
        path = f"/api/v1/decisions/{decision_id}/actions"
        thumbed = await api.bearing(token).post(path, {"kind": "thumb", "thumb": "down"}, key())
        assert thumbed.status_code == 200, thumbed.text

        async def page_with_the_thumb() -> str | None:
            page = (await alice.get(f"/console/decisions/{decision_id}")).text
            return page if "app:refunds-bot: thumbs down" in page else None

        page = await eventually(page_with_the_thumb)
    assert "Feedback and ground truth" in page and "Cards sent" in page


def test_a_decision_links_to_its_workflow_in_temporals_web_ui(settings: Settings) -> None:
    assert workflow_url(settings, "refunds-bot:order 1") is None
    shown = settings.model_copy(update={"temporal_ui_url": "http://localhost:8233/"})
    assert workflow_url(shown, "refunds-bot:order 1") == (
        "http://localhost:8233/namespaces/default/workflows/signoff-refunds-bot%3Aorder%201"
    )
