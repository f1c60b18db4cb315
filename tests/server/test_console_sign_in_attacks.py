"""The console's sign-in and session against an attacker: forged and cross-site forms,
cookies tampered with, expired or replayed, every way of abusing the OpenID Connect
flow's redirect back (state, code, PKCE verifier, nonce, ``next=``), and the dev
sign-in where it is not offered. Whatever the attacker tries, nobody is signed in who
should not be and no decision changes."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer
from pydantic import SecretStr

from signoff.adapters.store import Store
from signoff.core.catalog import load_directory
from signoff.core.models import AuditKind
from signoff.server.console.session import SESSION_MAX_AGE_S
from signoff.server.context import ServerContext
from signoff.server.oidc import OidcVerifier
from tests.conftest import Harness
from tests.helpers.api_server import running_api
from tests.helpers.oidc_provider import OidcProvider
from tests.server.conftest import CONSOLE_SECRET, Api, Served, serving_api
from tests.server.console_helpers import notice, submitted
from tests.server.console_sessions import (
    SESSION_COOKIE,
    ConsoleSession,
    browser_of,
    form_action_id,
    session_of,
)

FORM_EXPIRED = "This form has expired; reload the page and try again."


@pytest.fixture(scope="module")
async def alice(shared_api: Served) -> ConsoleSession:
    return await session_of(shared_api.api, "alice")


async def approve_form(api: Api, session: ConsoleSession, decision_id: str) -> dict[str, str]:
    return {"kind": "approve", "action_id": form_action_id(), "csrf": session.csrf}


async def still_pending(served: Served, decision_id: str) -> None:
    state = (await served.api.get(f"/api/v1/decisions/{decision_id}")).json()
    assert state["status"] == "pending"
    votes = [e for e in await served.store.events(decision_id) if e.kind is AuditKind.VOTED]
    assert not votes


async def bounced_to_sign_in(http: httpx.AsyncClient) -> None:
    answer = await http.get("/console/")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login")


# CSRF


@pytest.mark.parametrize(
    ("name", "forged"),
    [
        ("no token", {"csrf": None}),
        ("an empty token", {"csrf": ""}),
        ("a made-up token", {"csrf": "x" * 43}),
        ("the token with one character changed", "flip"),
        ("the token twice over", "doubled"),
    ],
)
async def test_a_form_without_the_session_s_own_token_changes_nothing(
    shared_api: Served, alice: ConsoleSession, name: str, forged: Any
) -> None:
    decision_id = await submitted(shared_api.api)
    form = await approve_form(shared_api.api, alice, decision_id)
    if forged == "flip":
        form["csrf"] = form["csrf"][:-1] + ("A" if form["csrf"][-1] != "A" else "B")
    elif forged == "doubled":
        form["csrf"] *= 2
    else:
        form = {k: v for k, v in (form | forged).items() if v is not None}
    async with browser_of(shared_api.api, alice) as http:
        answer = await http.post(f"/console/decisions/{decision_id}/actions", data=form)
        assert answer.status_code == 303
        shown = await http.get(answer.headers["location"])
    assert notice(shown.text) == FORM_EXPIRED
    await still_pending(shared_api, decision_id)


async def test_another_person_s_token_does_not_pass_for_one_s_own(
    shared_api: Served, alice: ConsoleSession
) -> None:
    bob = await session_of(shared_api.api, "bob")
    decision_id = await submitted(shared_api.api)
    form = await approve_form(shared_api.api, alice, decision_id) | {"csrf": bob.csrf}
    async with browser_of(shared_api.api, alice) as http:
        await http.post(f"/console/decisions/{decision_id}/actions", data=form)
    await still_pending(shared_api, decision_id)


@pytest.mark.parametrize("fetch_site", ["cross-site", "same-site"])
async def test_a_form_another_site_posts_is_refused_even_carrying_the_token(
    shared_api: Served, alice: ConsoleSession, fetch_site: str
) -> None:
    """The token is the defence; what the browser says of where the form came from is
    a second one, for a token that leaked (a page's source pasted into a ticket)."""
    decision_id = await submitted(shared_api.api)
    form = await approve_form(shared_api.api, alice, decision_id)
    from_elsewhere = {"Sec-Fetch-Site": fetch_site, "Origin": "https://evil.example"}
    async with browser_of(shared_api.api, alice) as http:
        answer = await http.post(
            f"/console/decisions/{decision_id}/actions", data=form, headers=from_elsewhere
        )
        shown = await http.get(answer.headers["location"])
        assert notice(shown.text) == FORM_EXPIRED
        out = await http.post("/console/logout", data={"csrf": alice.csrf}, headers=from_elsewhere)
        assert out.status_code == 403  # nor can another site sign Alice out
        assert (await http.get("/console/")).status_code == 200
    await still_pending(shared_api, decision_id)


async def test_the_same_form_from_the_console_itself_is_applied(
    shared_api: Served, alice: ConsoleSession
) -> None:
    """The other side of the two specs above: a browser saying the form is the
    console's own, with the token, acts."""
    decision_id = await submitted(shared_api.api)
    form = await approve_form(shared_api.api, alice, decision_id)
    async with browser_of(shared_api.api, alice) as http:
        answer = await http.post(
            f"/console/decisions/{decision_id}/actions",
            data=form,
            headers={"Sec-Fetch-Site": "same-origin", "Origin": str(http.base_url).rstrip("/")},
        )
        shown = await http.get(answer.headers["location"])
    assert notice(shown.text) == "Decision approved."


# Cookies


def signed_session(data: object, *, age_s: float = 0, salt: str = "signoff.console.session") -> str:
    """A cookie value signed with the console's secret, as if made ``age_s`` ago."""
    serializer = URLSafeTimedSerializer(CONSOLE_SECRET, salt=salt)
    signer = serializer.make_signer()
    made = time.time() - age_s
    signer.get_timestamp = lambda: int(made)  # type: ignore[method-assign]
    payload = serializer.dump_payload(data)
    return signer.sign(payload).decode("ascii")


def session_data(person: str = "alice", *, started_s_ago: float = 0, **changes: object) -> dict:
    """What a session cookie holds: its person, CSRF token, id and when it began."""
    data = {"p": person, "c": "t", "s": secrets.token_urlsafe(8), "t": time.time() - started_s_ago}
    return {k: v for k, v in (data | changes).items() if v is not DROP}


DROP = object()
LIFETIME_S = SESSION_MAX_AGE_S


NOT_SESSIONS = [
    ("signed with another secret", URLSafeTimedSerializer("guess").dumps({"p": "alice"})),
    ("older than a session lasts", "expired"),
    ("signed just now for a session begun longer ago than one lasts", "begun-long-ago"),
    ("the sign-in cookie's value", "signin-salt"),
    ("a list, not a session", "list"),
    ("missing its token", "no-csrf"),
    ("missing its session id", "no-id"),
    ("missing when it began", "no-start"),
    ("beginning at a time that is no time", "bad-start"),
    ("naming someone the directory lacks", "mallory"),
    ("garbage", "%%%.;,\x7f"),
    ("empty", ""),
    ("very long", "a" * 3800),
]


@pytest.mark.parametrize(
    ("name", "value"),
    # Named by what they are, not by their values: a value signed at collection time
    # differs between xdist workers that collect a second apart, and they must agree.
    [pytest.param(name, value, id=name) for name, value in NOT_SESSIONS],
)
async def test_a_cookie_that_is_not_a_live_session_signs_nobody_in(
    shared_api: Served, name: str, value: str
) -> None:
    made = {
        "expired": signed_session(
            session_data(started_s_ago=LIFETIME_S + 60), age_s=LIFETIME_S + 60
        ),
        "begun-long-ago": signed_session(session_data(started_s_ago=LIFETIME_S + 60)),
        "signin-salt": signed_session(session_data(), salt="signoff.console.signin"),
        "list": signed_session(["alice", "t"]),
        "no-csrf": signed_session(session_data(c=DROP)),
        "no-id": signed_session(session_data(s=DROP)),
        "no-start": signed_session(session_data(t=DROP)),
        "bad-start": signed_session(session_data(t=10.0**30)),
        "mallory": signed_session(session_data("mallory")),
    }
    cookie = made.get(value, value)
    async with browser_of(shared_api.api, None) as http:
        http.cookies.set(SESSION_COOKIE, cookie, path="/console")
        await bounced_to_sign_in(http)
        decision_id = await submitted(shared_api.api)
        form = {"kind": "approve", "action_id": form_action_id(), "csrf": "t"}
        tried = await http.post(f"/console/decisions/{decision_id}/actions", data=form)
        assert tried.headers["location"].startswith("/console/login")
    await still_pending(shared_api, decision_id)


async def test_a_session_just_inside_its_lifetime_still_works(shared_api: Served) -> None:
    """The other side of the expired cookies: the same forgeries, younger, are sessions
    (so the spec above fails for their age, not for how the cookies were made)."""
    young = session_data(started_s_ago=LIFETIME_S - 60)
    for cookie in (signed_session(young, age_s=LIFETIME_S - 60), signed_session(young)):
        async with browser_of(shared_api.api, None) as http:
            http.cookies.set(SESSION_COOKIE, cookie, path="/console")
            assert (await http.get("/console/")).status_code == 200


async def test_each_sign_in_is_a_new_session_with_a_new_token(shared_api: Served) -> None:
    first = await session_of(shared_api.api, "alice")
    second = await session_of(shared_api.api, "alice")
    assert first.cookie != second.cookie
    assert first.csrf != second.csrf


async def test_a_session_cookie_copied_before_signing_out_is_dead_after_it_on_every_server(
    live: Harness, store_url: str, people_provider: OidcProvider
) -> None:
    """Two servers over one store, as two processes of `signoff serve` behind a balancer:
    the copy is refused by the one that did not see the sign-out too, and a form sent
    with it changes nothing."""
    async with (
        await Store.open(store_url) as one,
        await Store.open(store_url) as other,
        serving_api(live, one, people_provider) as first,
        serving_api(live, other, people_provider) as second,
    ):
        alice = await session_of(first, "alice")
        decision_id = await submitted(first)
        async with browser_of(second, alice) as elsewhere:
            assert (await elsewhere.get("/console/")).status_code == 200
        async with browser_of(first, alice) as http:
            out = await http.post("/console/logout", data={"csrf": alice.csrf})
            assert out.headers["location"] == "/console/signed-out"
        for server in (first, second):
            async with browser_of(server, alice) as replayed:  # the copy
                await bounced_to_sign_in(replayed)
                form = await approve_form(server, alice, decision_id)
                tried = await replayed.post(f"/console/decisions/{decision_id}/actions", data=form)
                assert tried.headers["location"].startswith("/console/login")
        state = (await first.get(f"/api/v1/decisions/{decision_id}")).json()
        assert state["status"] == "pending"


async def test_twenty_sign_outs_of_one_session_at_once_all_sign_it_out(
    shared_api: Served,
) -> None:
    alice = await session_of(shared_api.api, "alice")

    async def sign_out() -> httpx.Response:
        async with browser_of(shared_api.api, alice) as http:
            return await http.post("/console/logout", data={"csrf": alice.csrf})

    answers = await asyncio.gather(*(sign_out() for _ in range(20)))

    assert {a.headers["location"] for a in answers} == {"/console/signed-out"}
    async with browser_of(shared_api.api, alice) as replayed:
        await bounced_to_sign_in(replayed)


async def test_signing_in_again_starts_afresh_and_ends_the_session_the_browser_held(
    shared_api: Served,
) -> None:
    """A browser already signed in that asks to sign in goes to the provider, not
    straight in under the session it carried (which another site could have planted),
    and the sign-in ends that session: a copy of it is dead."""
    planted = await session_of(shared_api.api, "rita")
    async with browser_of(shared_api.api, planted) as http:
        callback = await started(http, "alice@example.com")
        landed = await http.get(callback)
        assert landed.status_code == 303
    fresh = landed.cookies[SESSION_COOKIE]
    assert fresh != planted.cookie
    async with browser_of(shared_api.api, None) as http:
        http.cookies.set(SESSION_COOKIE, fresh, path="/console")
        inbox = await http.get("/console/")
        assert inbox.status_code == 200 and "(alice)</span>" in inbox.text
    async with browser_of(shared_api.api, planted) as replayed:
        await bounced_to_sign_in(replayed)


# The OpenID Connect flow


async def started(http: httpx.AsyncClient, email: str, next_page: str | None = None) -> str:
    """The callback URL the provider sends this browser back to (not yet followed)."""
    params = {"login_hint": email} | ({"next": next_page} if next_page is not None else {})
    to_provider = await http.get("/console/login", params=params)
    assert to_provider.status_code == 303, to_provider.text
    back = await http.get(to_provider.headers["location"])
    assert back.status_code == 302, back.text
    return back.headers["location"]


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(pair.split("=", 1) for pair in parts.query.split("&"))
    query |= changes
    return f"{parts.path}?{'&'.join(f'{k}={v}' for k, v in query.items())}"


async def test_a_callback_whose_state_is_not_the_browser_s_signs_nobody_in(
    shared_api: Served,
) -> None:
    async with browser_of(shared_api.api, None) as http:
        callback = await started(http, "alice@example.com")
        answer = await http.get(with_query(callback, state="another-browsers-state"))
        assert answer.status_code == 400
        assert "sign in again" in answer.text
        assert SESSION_COOKIE not in http.cookies


async def test_an_authorization_code_used_once_signs_nobody_in_again(shared_api: Served) -> None:
    async with browser_of(shared_api.api, None) as http:
        callback = await started(http, "alice@example.com")
        assert (await http.get(callback)).status_code == 303
    async with browser_of(shared_api.api, None) as thief:
        # The thief replays the code under a sign-in of their own (its state, its cookie).
        own = await started(thief, "rita@example.com")
        code = dict(p.split("=", 1) for p in urlsplit(callback).query.split("&"))["code"]
        answer = await thief.get(with_query(own, code=code))
        assert answer.status_code == 401
        assert "refused the sign-in" in answer.text
        assert SESSION_COOKIE not in thief.cookies
        # And the same callback again, in the browser it was made for, is a lost sign-in.
        again = await thief.get(callback)
        assert again.status_code == 400


async def test_a_code_injected_into_another_browser_s_sign_in_fails_its_pkce_check(
    shared_api: Served,
) -> None:
    """Mallory's own code, pasted into Alice's callback (with Alice's state): the
    provider wants the verifier of Mallory's sign-in, and Alice's browser has another."""
    async with browser_of(shared_api.api, None) as mallory:
        malloris = await started(mallory, "rita@example.com")
    code = dict(p.split("=", 1) for p in urlsplit(malloris).query.split("&"))["code"]
    async with browser_of(shared_api.api, None) as victim:
        own = await started(victim, "alice@example.com")
        answer = await victim.get(with_query(own, code=code))
        assert answer.status_code == 401
        assert SESSION_COOKIE not in victim.cookies


@pytest.mark.parametrize("nonce", [None, "", "a-nonce-of-another-sign-in"])
async def test_an_id_token_without_this_sign_in_s_nonce_signs_nobody_in(
    shared_api: Served, monkeypatch: pytest.MonkeyPatch, nonce: str | None
) -> None:
    provider = shared_api.provider
    signs = provider.token

    def without_our_nonce(**claims: Any) -> str:
        if claims.get("extra") and "nonce" in claims["extra"]:
            claims["extra"] = {"nonce": nonce}
        return signs(**claims)

    monkeypatch.setattr(provider, "token", without_our_nonce)
    async with browser_of(shared_api.api, None) as http:
        answer = await http.get(await started(http, "alice@example.com"))
        assert answer.status_code == 401
        assert SESSION_COOKIE not in http.cookies


EVIL_NEXT = [
    "https://evil.example/console/",
    "//evil.example/console/",
    "/\\evil.example",
    "/console/\\\\evil.example",
    "\\/evil.example",
    "/console/\r\nSet-Cookie: planted=1",
    "/console/%0d%0aSet-Cookie:%20planted=1",
    "javascript:alert(1)",
    "/console/../../evil",
    " //evil.example",
    "\t/console/",
    "/console@evil.example",
    "https:/evil.example",
]


def stays_here(location: str) -> None:
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert location.startswith("/console/"), location
    assert "\r" not in location and "\n" not in location


@pytest.mark.parametrize("next_page", EVIL_NEXT)
async def test_next_never_leads_off_the_console_after_signing_in(
    shared_api: Served, next_page: str
) -> None:
    async with browser_of(shared_api.api, None) as http:
        landed = await http.get(await started(http, "alice@example.com", next_page))
        assert landed.status_code == 303
        stays_here(landed.headers["location"])
        assert "planted" not in http.cookies
        # Signed in already, signing in again: the same rule holds.
        again = await http.get(await started(http, "alice@example.com", next_page))
        stays_here(again.headers["location"])


@pytest.mark.parametrize("back", EVIL_NEXT)
async def test_a_form_s_way_back_never_leads_off_the_console(
    shared_api: Served, alice: ConsoleSession, back: str
) -> None:
    decision_id = await submitted(shared_api.api)
    form = {"kind": "comment", "reason": "Hm.", "action_id": form_action_id(), "back": back}
    async with browser_of(shared_api.api, alice) as http:
        sent = await http.post(
            f"/console/decisions/{decision_id}/actions", data=form | {"csrf": alice.csrf}
        )
        stays_here(sent.headers["location"])
        card = await http.get(f"/console/decisions/{decision_id}/card", params={"back": back})
        assert "evil.example" not in card.text


# The dev sign-in


@pytest.fixture
async def dev_with_a_provider(
    live: Harness, store: Store, people_provider: OidcProvider
) -> AsyncIterator[httpx.AsyncClient]:
    """`signoff dev` run with a sign-in provider configured: people sign in there."""
    settings = live.settings.model_copy(
        update={
            "console_secret": SecretStr(CONSOLE_SECRET),
            "oidc_issuer": people_provider.issuer,
            "oidc_audience": people_provider.client_id,
        }
    )
    ctx = ServerContext(
        settings=settings,
        client=live.vouching_as("web"),
        store=store,
        directory=load_directory(settings.directory_file),
        people=OidcVerifier(people_provider.issuer, people_provider.client_id),
        dev=True,
    )
    async with running_api(ctx) as http:
        yield http


async def test_the_dev_sign_in_is_not_offered_once_a_provider_is_configured_even_in_dev(
    dev_with_a_provider: httpx.AsyncClient,
) -> None:
    http = dev_with_a_provider
    tried = await http.post("/console/dev-login", data={"person": "ada", "next": "/console/"})
    assert tried.status_code == 404
    assert SESSION_COOKIE not in http.cookies
    login = await http.get("/console/login", params={"login_hint": "ada@example.com"})
    assert login.status_code == 303  # to the provider, not a page of people to pick
    assert "Development only." not in login.text
