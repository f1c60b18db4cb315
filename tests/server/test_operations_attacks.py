"""What operators expose, attacked: the API keys endpoints under crowds of revokes and
creates, what ``/metrics``, ``/healthz`` and ``/readyz`` let anyone read, and trace
context headers that are garbage."""

from __future__ import annotations

import asyncio
import random
import string
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from temporalio.client import Client

from signoff.adapters.notary import load_voucher
from signoff.adapters.store import Store
from signoff.client.signoff_client import SignoffClient
from signoff.core.catalog import load_directory
from signoff.core.models import AuditKind
from signoff.server.context import ServerContext
from tests.conftest import Harness
from tests.helpers.api_server import running_api
from tests.helpers.oidc_provider import OidcProvider
from tests.helpers.spans import Recorded
from tests.helpers.tcp_proxy import TcpProxy
from tests.helpers.waiting import eventually
from tests.server.conftest import (
    CONSOLE_SECRET,
    PROBLEM,
    Api,
    Served,
    key,
    problem,
    serving_api,
    submission,
)
from tests.server.console_helpers import browsing, form_fields, inbox_showing, sign_in
from tests.server.test_api_adversarial import closed_port

KEYS = "/api/v1/api-keys"
TOKEN_BODY = {"app": "refunds-bot", "use_cases": ["refunds"], "scopes": ["read"]}


def person(served: Served, who: str) -> Api:
    return served.api.bearing(served.provider.token(sub=who, email=f"{who}@example.com"))


async def test_twenty_revokes_of_one_key_at_once_agree_and_the_key_is_dead(
    shared_api: Served,
) -> None:
    ada = person(shared_api, "ada")
    made = (await ada.http.post(KEYS, json=TOKEN_BODY, headers=ada.auth)).json()
    key_id, app = made["grant"]["key_id"], shared_api.api.bearing(made["token"])
    assert (await app.get("/api/v1/decisions")).status_code == 200

    answers = await asyncio.gather(
        *(ada.http.delete(f"{KEYS}/{key_id}", headers=ada.auth) for _ in range(20)),
        *(app.get("/api/v1/decisions") for _ in range(20)),
    )
    revokes, uses = answers[:20], answers[20:]
    assert {a.status_code for a in revokes} == {200}
    assert len({a.json()["revoked_at"] for a in revokes}) == 1  # one revocation, told 20 times
    assert {a.status_code for a in uses} <= {200, 401}
    problem(await app.get("/api/v1/decisions"), 401)
    listed = [k for k in (await ada.get(KEYS)).json() if k["key_id"] == key_id]
    assert [k["revoked_at"] for k in listed] == [revokes[0].json()["revoked_at"]]


async def test_twenty_keys_made_at_once_are_twenty_keys_that_each_work(
    shared_api: Served,
) -> None:
    ada = person(shared_api, "ada")
    made = await asyncio.gather(
        *(ada.http.post(KEYS, json=TOKEN_BODY, headers=ada.auth) for _ in range(20))
    )
    assert {m.status_code for m in made} == {201}
    tokens = {m.json()["token"] for m in made}
    ids = {m.json()["grant"]["key_id"] for m in made}
    assert len(tokens) == len(ids) == 20
    uses = await asyncio.gather(
        *(shared_api.api.bearing(t).get("/api/v1/decisions") for t in tokens)
    )
    assert {u.status_code for u in uses} == {200}
    listed = {k["key_id"] for k in (await ada.get(KEYS)).json()}
    assert ids <= listed
    assert not [t for t in tokens if t in str((await ada.get(KEYS)).text)]


@pytest.mark.parametrize(
    "key_id", ["..%2F..%2Fhealthz", "%00", "a" * 41, "sok_x", "' OR 1=1 --", "%F0%9F%94%91"]
)
async def test_revoking_a_key_id_that_is_not_one_is_a_clean_4xx(
    shared_api: Served, key_id: str
) -> None:
    ada = person(shared_api, "ada")
    answer = await ada.http.delete(f"{KEYS}/{key_id}", headers=ada.auth)
    assert answer.status_code in (404, 422), answer.text
    assert answer.headers["content-type"] == "application/problem+json"


async def test_a_person_without_the_admin_role_and_a_revoked_key_are_refused_every_key_call(
    shared_api: Served,
) -> None:
    ada = person(shared_api, "ada")
    made = (await ada.http.post(KEYS, json=TOKEN_BODY, headers=ada.auth)).json()
    await ada.http.delete(f"{KEYS}/{made['grant']['key_id']}", headers=ada.auth)
    revoked = shared_api.api.bearing(made["token"])
    for caller, status in ((person(shared_api, "audrey"), 403), (revoked, 401)):
        for method, path in (("GET", KEYS), ("POST", KEYS), ("DELETE", f"{KEYS}/k")):
            body = TOKEN_BODY if method == "POST" else None
            answer = await caller.http.request(method, path, json=body, headers=caller.auth)
            problem(answer, status)


async def test_metrics_and_health_show_no_decision_content_nor_secret(
    api: Api, store: Store
) -> None:
    secret_words = "Marmalade-7731 refund for the Hollowbrook account"
    decision_id = (
        await api.submit(
            submission(title=secret_words, subject="cust-998877", proposal={"text": secret_words}),
            key(),
        )
    ).json()["decision_id"]
    async with browsing(api) as alice:
        await sign_in(alice, "alice@example.com")
        action, fields = form_fields(
            await inbox_showing(alice, decision_id), decision_id, "approve"
        )
        await alice.post(action, data=fields)
        cookie = alice.cookies["signoff_console"]
    seen = "\n".join(
        [(await api.http.get(path)).text for path in ("/metrics", "/healthz", "/readyz")]
    )
    token = api.auth["Authorization"].removeprefix("Bearer ")
    for secret in (
        decision_id,
        "Marmalade",
        "cust-998877",
        token,
        token.split("_")[-1],
        CONSOLE_SECRET,
        cookie,
        fields["csrf"],
        "alice@example.com",
    ):
        assert secret not in seen, secret
    assert 'route="/api/v1/decisions"' in seen  # the series are there


async def test_metrics_do_not_grow_a_series_for_each_made_up_method(api: Api) -> None:
    """The method is a label: if any token a client sends became one, anyone could put
    words of their choosing into the metrics and grow them without end."""
    made_up = ["".join(random.choices(string.ascii_uppercase, k=12)) for _ in range(30)]
    for method in made_up:
        answer = await api.http.request(method, "/api/v1/decisions")
        assert answer.status_code < 500
    metrics = (await api.http.get("/metrics")).text
    assert not [m for m in made_up if m in metrics]
    assert 'method="other",route="/api/v1/decisions"' in metrics


@asynccontextmanager
async def temporal_behind(live: Harness) -> AsyncIterator[tuple[TcpProxy, SignoffClient]]:
    """A client of the worker's Temporal through a relay a spec can cut."""
    target = live.client.service_client.config.target_host
    host, _, port = target.rpartition(":")
    async with TcpProxy(host, int(port)) as relay:
        temporal = await Client.connect(
            relay.address,
            namespace=live.client.namespace,
            data_converter=live.client.data_converter,
        )
        voucher = load_voucher(live.settings.keys_path, "web")
        yield relay, SignoffClient(temporal, task_queue=live.task_queue, voucher=voucher)


async def key_events(store: Store, key_id: str) -> list[str]:
    kinds = [AuditKind.API_KEY_CREATED, AuditKind.API_KEY_REVOKED]
    events = await store.query_events(kinds=kinds, limit=None)
    return [e.kind.value for e in events if e.data.get("key_id") == key_id]


async def test_no_key_is_made_or_revoked_while_temporal_cannot_audit_it(
    live: Harness, store: Store, people_provider: OidcProvider
) -> None:
    """Temporal unreachable at the moment of the change (the admin's sign-in needs no
    Temporal, so the audit is the first call to it): a clean 503, no key made, the key
    asked to be revoked still works, and nothing is audited; once Temporal is back the
    same calls change the keys, each with its event."""
    async with (
        temporal_behind(live) as (relay, client),
        serving_api(live, store, people_provider, client=client) as api,
    ):
        ada = api.bearing(people_provider.token(sub="ada", email="ada@example.com"))
        made = await ada.http.post(KEYS, json=TOKEN_BODY, headers=ada.auth)
        assert made.status_code == 201, made.text
        token, key_id = made.json()["token"], made.json()["grant"]["key_id"]
        before = {k["key_id"] for k in (await ada.get(KEYS)).json()}

        await relay.cut()
        tried = await ada.http.post(KEYS, json=TOKEN_BODY, headers=ada.auth)
        refused = await ada.http.delete(f"{KEYS}/{key_id}", headers=ada.auth)

        for answer in (tried, refused):
            assert answer.status_code == 503 and answer.headers["content-type"] == PROBLEM
            assert answer.json()["detail"].startswith("Cannot reach Temporal")
        assert {k.key_id for k in await store.api_keys()} == before
        assert (await api.bearing(token).get("/api/v1/policies")).status_code == 200
        assert await key_events(store, key_id) == ["api_key_created"]

        await relay.restore()
        revoked = await ada.http.delete(f"{KEYS}/{key_id}", headers=ada.auth)
        assert revoked.status_code == 200, revoked.text
        assert (await api.bearing(token).get("/api/v1/policies")).status_code == 401

        async def both() -> bool:
            return await key_events(store, key_id) == ["api_key_created", "api_key_revoked"]

        await eventually(both)


async def test_every_request_is_counted_and_traced_by_its_whole_route_template(
    api: Api, spans: Recorded
) -> None:
    """Console pages keep their ``/console`` prefix (FastAPI leaves the route as its own
    router declared it in the scope: the inbox as ``/``), and no id of a path becomes a
    label or a span's name."""
    await api.http.get("/console/")
    await api.http.get("/console/decisions/refunds-bot:x")
    await api.get("/api/v1/decisions/refunds-bot:y")
    await api.http.get("/nowhere/refunds-bot:z")
    metrics = (await api.http.get("/metrics")).text
    for template in ("/console/", "/console/decisions/{decision_id}"):
        assert f'route="{template}"' in metrics
    assert 'route="/api/v1/decisions/{decision_id}"' in metrics
    assert 'route="unmatched"' in metrics
    assert 'route="/"' not in metrics and 'route="/decisions/{decision_id}"' not in metrics
    assert "refunds-bot:" not in metrics
    names = {span.name for span in spans.spans if span.name.startswith("HTTP ")}
    assert {
        "HTTP GET /console/",
        "HTTP GET /console/decisions/{decision_id}",
        "HTTP GET /api/v1/decisions/{decision_id}",
    } <= names
    assert not [name for name in names if "refunds-bot:" in name]


async def test_readyz_names_what_is_down_but_not_the_store_s_password(live: Harness) -> None:
    with closed_port() as port:
        down = await Store.open(
            f"postgresql://signoff:hunter2-do-not-show@127.0.0.1:{port}/signoff", migrate=False
        )
        ctx = ServerContext(
            settings=live.settings,
            client=live.signoff,
            store=down,
            directory=load_directory(live.settings.directory_file),
        )
        try:
            async with running_api(ctx) as http:
                answer = await http.get("/readyz")
                metrics = await http.get("/metrics")
        finally:
            await asyncio.wait_for(down.close(), 10)
    assert "store" in problem(answer, 503)["detail"]
    assert "hunter2" not in answer.text and "hunter2" not in metrics.text


GARBAGE_TRACE = [
    "garbage",
    "00-" + "0" * 32 + "-" + "0" * 16 + "-01",  # all-zero ids: invalid by the spec
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # a forbidden version
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra-" + "x" * 8000,
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",
    "\x01\x02\x7f",
    "00-café-1",
]


@pytest.mark.parametrize("traceparent", GARBAGE_TRACE)
async def test_garbage_trace_context_is_ignored_never_a_5xx_nor_echoed(
    shared_api: Served, traceparent: str
) -> None:
    api = shared_api.api
    headers = {
        "traceparent": traceparent.encode("utf-8"),
        "tracestate": ",".join(f"k{i}=v{i}" for i in range(200)) + ",=bad,\x01",
    }
    for path, auth in (("/healthz", {}), ("/api/v1/decisions", api.auth), ("/console/", {})):
        answer = await api.http.get(path, headers=headers | auth)  # type: ignore[operator]
        assert answer.status_code < 500, (path, answer.text[:300])
        assert not [v for v in answer.headers.values() if "garbage" in v or "k199" in v]
    sent = await api.submit(submission(), key(), headers={"traceparent": traceparent.encode()})
    assert sent.status_code == 201, sent.text


async def test_two_traceparent_headers_are_one_request_still(shared_api: Served) -> None:
    api = shared_api.api
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    answer = await api.http.get(
        "/api/v1/decisions",
        headers=httpx.Headers(
            [("traceparent", parent), ("traceparent", "garbage"), *api.auth.items()]
        ),
    )
    assert answer.status_code == 200
