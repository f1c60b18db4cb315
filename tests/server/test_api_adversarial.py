"""The HTTP API against hostile and sloppy clients, over real HTTP.

The house rules: nothing a caller sends gets a 5xx; every 4xx is an
``application/problem+json`` document whose ``detail`` is one sentence; and input that is
refused changes nothing (no decision started, nothing stored).
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from temporalio.testing import WorkflowEnvironment

from signoff.adapters.store import Store
from signoff.core.catalog import load_directory
from signoff.core.models import ApiScope, AuditKind
from signoff.core.settings import Settings
from signoff.server.context import ServerContext
from tests.conftest import Harness
from tests.helpers.api_server import running_api
from tests.helpers.mutations import DELETE, junk, mutated, paths
from tests.server.conftest import APP, PROBLEM, Api, key, problem, submission

DECISIONS = "/api/v1/decisions"
QUERY_NAMES = [
    *("status", "use_case", "risk_tier", "model_version", "pending_for"),
    *("limit", "cursor", "wait", "x"),
]
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def a_problem(response: httpx.Response) -> dict[str, Any]:
    """Any answer of 400 or more: a problem document with one sentence; never a 5xx."""
    assert response.status_code < 500, response.text
    if response.status_code < 400:
        return {}
    return problem(response, response.status_code)


async def started(live: Harness, decision_id: str) -> bool:
    return await live.signoff.exists(decision_id) is not False


def in_thread(loop: asyncio.AbstractEventLoop, coroutine: Any) -> Any:
    """Run ``coroutine`` on the test's loop (where the server runs) from Hypothesis's
    thread: ``@given`` cannot await."""
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result(120)


async def raw_exchange(api: Api, request: bytes, *, then: bytes = b"") -> bytes:
    """Send ``request`` as bytes on a fresh connection (what httpx refuses to send),
    then ``then``; the server's whole answer, read until it closes or goes quiet."""
    url = api.http.base_url
    reader, writer = await asyncio.open_connection(url.host, url.port)
    try:
        writer.write(request)
        await writer.drain()
        if then:
            try:
                writer.write(then)
                await writer.drain()
            except ConnectionError:
                pass  # the server answered and closed before taking the rest: the point
        answer = b""
        while True:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), 5)
            except (TimeoutError, ConnectionError):
                break
            if not chunk:
                break
            answer += chunk
            if b"\r\n\r\n" in answer and _complete(answer):
                break
        return answer
    finally:
        writer.close()


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def parsed(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    assert answer, "no answer within 5 s"
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def raw_problem(answer: bytes, status: int) -> dict[str, Any]:
    code, headers, body = parsed(answer)
    assert code == status, answer[:500]
    assert headers["content-type"] == PROBLEM
    document: dict[str, Any] = json.loads(body)
    assert document["status"] == status
    assert document["detail"].endswith(".") and "\n" not in document["detail"]
    return document


def head(method: str, path: str, headers: dict[str, str], *, length: int | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: test"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# -- bodies ----------------------------------------------------------------------------


async def test_bodies_that_are_not_a_json_object_are_refused_in_one_sentence(
    api: Api, live: Harness
) -> None:
    for content, content_type in (
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'"a string"', "application/json"),
        (b"null", "application/json"),
        (json.dumps(submission()).encode(), "text/plain"),
        (json.dumps(submission()).encode(), None),
        (json.dumps(submission()).encode("utf-16"), "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b'{"use_case": "refunds", "use_case": ', "application/json"),
        (json.dumps(submission()).encode(), "application/json; charset=latin-1; x=\x7f"),
    ):
        idem = key()
        headers = api.auth | {"Idempotency-Key": idem}
        if content_type is not None:
            headers["Content-Type"] = content_type
        answer = await api.http.post(DECISIONS, content=content, headers=headers)
        if answer.status_code == 201:  # a content type that still says JSON
            continue
        assert 400 <= answer.status_code < 500, answer.text
        a_problem(answer)
        assert not await started(live, f"{APP}:{idem}")


async def test_a_body_nested_deeper_than_any_request_needs_is_refused_not_a_500(
    api: Api, live: Harness
) -> None:
    for depth in (65, 200, 500, 900, 5000):
        document = json.dumps(submission(metadata={}))[:-1] + ', "metadata": {"a": '
        nested = document.replace('"metadata": {}, ', "") + "[" * depth + "]" * depth + "}}"
        idem = key()
        answer = await api.http.post(
            DECISIONS,
            content=nested.encode(),
            headers=api.auth | {"Idempotency-Key": idem, "Content-Type": "application/json"},
        )
        body = a_problem(answer)
        assert answer.status_code in (400, 422), (depth, answer.text)
        assert "deep" in body["detail"] or answer.status_code == 400, body
        assert not await started(live, f"{APP}:{idem}")
    # Nesting a request may well need is taken as it is.
    shallow = submission(metadata={"a": json.loads("[" * 60 + "]" * 60)})
    made = await api.submit(shallow, key())
    assert made.status_code == 201, made.text


async def test_text_that_is_not_unicode_is_refused_and_starts_nothing(
    api: Api, live: Harness
) -> None:
    """JSON can spell a lone surrogate (``"\\ud800"``) that no UTF-8 can carry: in a key
    it came back from Temporal as U+FFFD (a conflict with a decision just started), in a
    value it failed serialising (a 500)."""
    for body in (
        submission(metadata={"\ud800": 1}),
        submission(metadata={"note": "a\udfffb"}),
        submission(proposal={"text": "ok", "payload": {"k": ["\ud83d"]}}),
        submission(flags=["\ud800"]),
        submission(segment={"\udc00": "x"}),
        submission(known_limitations=["fine", "\ud800"]),
        submission(model={"name": "m", "version": "v", "prompt_version": "\ud800"}),
    ):
        idem = key()
        answer = await api.http.post(
            DECISIONS,
            content=json.dumps(body).encode(),
            headers=api.auth | {"Idempotency-Key": idem, "Content-Type": "application/json"},
        )
        detail = problem(answer, 422)["detail"]
        assert "surrogate" in detail, detail
        assert not await started(live, f"{APP}:{idem}")
    # A character outside the Basic Multilingual Plane, escaped as a pair, is text.
    paired = await api.http.post(
        DECISIONS,
        content=json.dumps(submission(title="Refund \U0001f600")).encode(),  # "\ud83d\ude00"
        headers=api.auth | {"Idempotency-Key": key(), "Content-Type": "application/json"},
    )
    assert paired.status_code == 201, paired.text
    assert paired.json()["request"]["title"] == "Refund \U0001f600"


async def test_nul_bytes_and_unusual_text_survive_as_sent(api: Api) -> None:
    body = submission(
        title="a\x00b \u202e\u200b é",
        metadata={"\x00": "\x00", "big": 10**40, "neg": -(10**40), "f": 1e308},
        flags=["\n", "\t"],
    )
    sent = await api.submit(body, key())
    assert sent.status_code == 201, sent.text
    again = await api.get(sent.headers["location"])
    assert again.json()["request"]["title"] == body["title"]
    assert again.json()["request"]["metadata"] == body["metadata"]


async def test_numbers_json_cannot_carry_are_refused(api: Api, live: Harness) -> None:
    """Python's JSON reader takes NaN, Infinity and 1e309 (as infinity): JSON has none."""
    for spelled in ("NaN", "Infinity", "-Infinity", "1e309", "-1e309"):
        for field, value in (("confidence", spelled), ("metadata", f'{{"x": [{spelled}]}}')):
            rest = json.dumps({k: v for k, v in submission().items() if k != field})
            document = f'{rest[:-1]}, "{field}": {value}}}'
            idem = key()
            answer = await api.http.post(
                DECISIONS,
                content=document.encode(),
                headers=api.auth | {"Idempotency-Key": idem, "Content-Type": "application/json"},
            )
            assert answer.status_code == 422, (spelled, field, answer.text)
            a_problem(answer)
            assert not await started(live, f"{APP}:{idem}")
    # Spelled as strings they are strings: fine in metadata, not a confidence.
    assert (await api.submit(submission(metadata={"x": "NaN"}), key())).status_code == 201
    problem(await api.submit(submission(confidence="NaN"), key()), 422)
    problem(await api.submit(submission(confidence="1e309"), key()), 422)


async def test_a_body_over_the_size_limit_is_refused_with_413_before_it_is_read_whole(
    api: Api,
) -> None:
    """A 50 MB Content-Length is answered at once, from the headers: nothing of the
    body has been sent yet when the 413 comes back."""
    headers = api.auth | {"Idempotency-Key": key(), "Content-Type": "application/json"}
    began = time.monotonic()
    answer = await raw_exchange(api, head("POST", DECISIONS, headers, length=50_000_000))
    assert time.monotonic() - began < 3
    assert raw_problem(answer, 413)["code"] == "too_large"
    # Anywhere, not only where a body is expected.
    answer = await raw_exchange(api, head("GET", "/healthz", {}, length=50_000_000))
    raw_problem(answer, 413)


async def test_a_chunked_body_without_a_length_is_cut_off_at_the_limit(api: Api) -> None:
    headers = api.auth | {
        "Idempotency-Key": key(),
        "Content-Type": "application/json",
        "Transfer-Encoding": "chunked",
    }
    chunk = b"x" * 65536
    body = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 48  # 3 MB, never terminated
    answer = await raw_exchange(api, head("POST", DECISIONS, headers), then=body)
    raw_problem(answer, 413)


async def test_a_body_under_the_transport_limit_but_over_the_request_limit_is_413(
    api: Api, live: Harness
) -> None:
    idem = key()
    answer = await api.submit(submission(metadata={"x": "y" * 600_000}), idem)
    assert "256 KB" in problem(answer, 413)["detail"]
    assert not await started(live, f"{APP}:{idem}")


BASE = submission(sources=[{"title": "a", "url": "https://example.com/a"}])
DEEP_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=30),
        st.sampled_from(["\x00", "\ud800", "é" * 600, "x" * 20_001, "1e309", "NaN"]),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)


UNKNOWN_POLICY = BASE | {"policy": "no-such-policy"}


@st.composite
def submissions(draw: st.DrawFn) -> Any:
    """Any JSON document, or the good submission with one to three fields changed,
    deleted or added."""
    if draw(st.booleans()):
        return draw(DEEP_VALUES)
    document: Any = BASE
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths(document) or [("use_case",)]))
        document = mutated(document, path, draw(st.one_of(st.just(DELETE), junk, DEEP_VALUES)))
    return document


async def started_nothing(api: Api, live: Harness, store: Store, idem: str) -> None:
    """What "a refusal starts nothing" means. Not that Temporal holds no run: a policy
    the catalog lacks is refused by the run itself, which fails before it routes, audits
    or asks anyone (``SignoffClient.submit``); a failed run that never audited is no
    decision. It means: no audit event and no decision row, no card in any channel,
    and the Idempotency-Key still free, so the corrected submission under it starts the
    one decision, whose trail holds its own request alone."""
    decision_id = f"{APP}:{idem}"
    assert await store.events(decision_id) == []
    assert await store.decision_state(decision_id) is None
    assert await store.cards(decision_id) == []
    assert not [d for d, _ in live.channel.drawn if d == decision_id]
    corrected = await api.submit(BASE, idem)
    assert corrected.status_code == 201, corrected.text
    submitted = [e for e in await store.events(decision_id) if e.kind is AuditKind.SUBMITTED]
    assert len(submitted) == 1
    assert submitted[0].data["request"]["policy"] == BASE["policy"]


async def test_fuzzed_submissions_never_get_a_5xx_and_refusals_start_nothing(
    api: Api, live: Harness, store: Store
) -> None:
    loop = asyncio.get_running_loop()

    async def send(document: Any) -> None:
        idem = key()
        answer = await api.http.post(
            DECISIONS,
            content=json.dumps(document).encode(),
            headers=api.auth | {"Idempotency-Key": idem, "Content-Type": "application/json"},
        )
        a_problem(answer)
        if document == UNKNOWN_POLICY:
            assert answer.status_code == 422, answer.text
            assert answer.json()["detail"].startswith("Cannot submit: "), answer.text
        if answer.status_code >= 400:
            await started_nothing(api, live, store, idem)

    @FUZZ
    @example(document=UNKNOWN_POLICY)  # refused by the run it starts
    @example(document=BASE | {"confidence": "high"})  # refused before Temporal
    @given(document=submissions())
    def fuzz(document: Any) -> None:
        in_thread(loop, send(document))

    await asyncio.to_thread(fuzz)


# -- headers and query parameters -------------------------------------------------------


async def test_fuzzed_idempotency_keys_paths_and_queries_never_get_a_5xx(api: Api) -> None:
    loop = asyncio.get_running_loop()
    printable = st.text(
        st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
        max_size=120,
    )

    async def send(idem: str, path_id: str, query: dict[str, str]) -> None:
        a_problem(await api.submit(submission(), idem.encode("latin-1")))  # type: ignore[arg-type]
        a_problem(await api.get(f"{DECISIONS}/{path_id}"))
        a_problem(await api.get(f"{DECISIONS}/{path_id}/outcome", params=query))
        a_problem(await api.get(DECISIONS, params=query))

    @FUZZ
    @given(
        idem=printable.map(str.strip).filter(bool),
        path_id=st.text(max_size=250).map(lambda s: quote(s, safe=":.@!$&'()*+,;=")),
        query=st.dictionaries(
            st.sampled_from(QUERY_NAMES),
            st.text(max_size=60)
            | st.sampled_from(["-1", "0", "61", "1e3", "abc", "\x00", "1" * 5000, "pending"])
            | st.binary(max_size=40).map(lambda b: base64.urlsafe_b64encode(b).decode()),
        ),
    )
    def fuzz(idem: str, path_id: str, query: dict[str, str]) -> None:
        query = {k: v for k, v in query.items() if not (k == "wait" and v.isdigit())}
        in_thread(loop, send(idem, path_id, query))

    await asyncio.to_thread(fuzz)


async def test_a_cursor_no_search_returned_is_a_quick_422(api: Api) -> None:
    """Temporal cannot read a made-up cursor and says so as an internal error, which
    its client retries for about ten seconds before a 502: the caller's mistake."""
    for raw in (b"[1]", b'"a"', b"1", b'{"CloseTime": "x"}', b"\xff\xfe", b"A" * 3000, b"\x00"):
        cursor = base64.urlsafe_b64encode(raw).decode()
        began = time.monotonic()
        body = problem(await api.get(DECISIONS, params={"cursor": cursor}), 422)
        assert time.monotonic() - began < 3, raw
        assert "cursor" in body["detail"]
        assert body["code"] == "invalid"


async def test_long_poll_wait_is_bounded_to_0_through_60(api: Api, live: Harness) -> None:
    decision_id = (await api.submit(submission(), key())).json()["decision_id"]
    outcome = f"{DECISIONS}/{decision_id}/outcome"
    for wait in ("-1", "61", "abc", "1.5", "", "1e1", "0x10", "99999999999999999999"):
        assert "wait" in problem(await api.get(outcome, params={"wait": wait}), 422)["detail"]
    waiting = asyncio.create_task(api.get(outcome, params={"wait": 60}))
    await asyncio.sleep(0.5)
    await live.signoff.perform(decision_id, "approve", actor="alice")
    answer = await waiting
    assert answer.status_code == 200, answer.text


def _awaiting(task: asyncio.Task[Any]) -> Iterator[str]:
    """The names of the coroutines ``task`` is inside, outermost first."""
    inner: Any = task.get_coro()
    while inner is not None:
        code = getattr(inner, "cr_code", None) or getattr(inner, "gi_code", None)
        if code is None:
            break
        yield code.co_name
        inner = getattr(inner, "cr_await", None) or getattr(inner, "gi_yieldfrom", None)


def _tasks_waiting_for_an_outcome() -> list[asyncio.Task[Any]]:
    return [task for task in asyncio.all_tasks() if "wait_outcome" in _awaiting(task)]


async def test_a_client_that_hangs_up_mid_wait_leaves_no_one_waiting(api: Api) -> None:
    decision_id = (await api.submit(submission(), key())).json()["decision_id"]
    outcome = f"{DECISIONS}/{decision_id}/outcome"
    async with httpx.AsyncClient(base_url=api.http.base_url, timeout=60) as hanging:
        calls = [
            asyncio.create_task(hanging.get(outcome, params={"wait": 60}, headers=api.auth))
            for _ in range(5)
        ]
        await asyncio.sleep(1.0)
        assert len(_tasks_waiting_for_an_outcome()) == 5
        for call in calls:
            call.cancel()
        await asyncio.gather(*calls, return_exceptions=True)
    for _ in range(50):
        if not _tasks_waiting_for_an_outcome():
            break
        await asyncio.sleep(0.1)
    assert _tasks_waiting_for_an_outcome() == []
    # And the server still answers.
    assert (await api.get(outcome)).status_code == 202


# -- methods and paths ------------------------------------------------------------------


async def test_unknown_paths_and_methods_not_allowed_are_problem_documents(api: Api) -> None:
    for method, path, status in (
        ("PUT", DECISIONS, 405),
        ("DELETE", f"{DECISIONS}/x", 405),
        ("PATCH", f"{DECISIONS}/x/outcome", 405),
        ("POST", "/healthz", 405),
        ("GET", "/nope", 404),
        ("GET", "/api/v2/decisions", 404),
        ("GET", f"{DECISIONS}/a/b/c", 404),
    ):
        answer = await api.http.request(method, path, headers=api.auth)
        body = problem(answer, status)
        assert body["code"] in ("not_found", "method_not_allowed"), body
        if status == 405:
            assert answer.headers["allow"]


# -- authorization ----------------------------------------------------------------------


async def test_authorization_spelled_loosely_or_garbled_is_a_401_never_a_500(api: Api) -> None:
    token = api.auth["Authorization"].removeprefix("Bearer ")
    assert (await api.http.get(DECISIONS, headers={"Authorization": f"bearer {token}"})).is_success
    assert (await api.http.get(DECISIONS, headers={"Authorization": f"BEARER {token}"})).is_success
    for value in (
        "Bearer",
        f"Bearer  {token}",
        f"Bearer {token} extra",
        f"Bearer {token[:-1]}",
        f"Bearer {token}x",
        f"Bearer {token.upper()}",
        f"Token {token}",
        token,
        "Bearer sok_",
        "Bearer sok__",
        "Bearer " + "sok_" + "a" * 10_000,
        "Bearer é",
    ):
        answer = await api.http.get(DECISIONS, headers={"Authorization": value.encode("utf-8")})
        if answer.is_success:
            continue  # a spelling Starlette forgives (spaces around the token)
        problem(answer, 401)


async def test_a_token_with_a_nul_or_control_bytes_is_refused_cleanly(api: Api) -> None:
    """A NUL in a header never reaches the application: uvicorn's HTTP parser answers a
    plain-text 400 itself. Anything it lets through is the application's 401."""
    token = api.auth["Authorization"]
    for value in (token + "\x00", token[:20] + "\x00" + token[20:], token + "\x01", "Bearer \x7f"):
        answer = await raw_exchange(
            api, head("GET", DECISIONS, {"Authorization": value, "Connection": "close"})
        )
        status, _, _ = parsed(answer)
        assert status in (400, 401), answer[:300]
        if status == 401:
            raw_problem(answer, 401)


async def test_two_authorization_headers_are_refused_whichever_comes_first(
    api: Api,
) -> None:
    good = api.auth["Authorization"]
    bad = "Bearer sok_000000000000_" + "x" * 43
    for first, second in ((good, bad), (bad, good), (good, good)):
        answer = await raw_exchange(
            api,
            head("GET", DECISIONS, {"Connection": "close"})[:-2]
            + f"Authorization: {first}\r\nAuthorization: {second}\r\n\r\n".encode(),
        )
        body = raw_problem(answer, 400)
        assert "Authorization" in body["detail"]


async def test_an_api_key_of_another_app_makes_its_own_decision_under_the_same_key(
    api: Api, store: Store, live: Harness
) -> None:
    _, other_token = await store.create_api_key(
        app="other-bot", use_cases=["refunds"], scopes=[ApiScope.SUBMIT, ApiScope.READ]
    )
    other = Api(api.http, other_token)
    idem = key()
    mine, theirs = await asyncio.gather(
        api.submit(submission(), idem), other.submit(submission(confidence=0.1), idem)
    )
    assert (mine.status_code, theirs.status_code) == (201, 201), (mine.text, theirs.text)
    assert mine.json()["decision_id"] == f"{APP}:{idem}"
    assert theirs.json()["decision_id"] == f"other-bot:{idem}"
    assert theirs.json()["request"]["requester"] == "app:other-bot"
    assert (await api.get(f"{DECISIONS}/{APP}:{idem}")).json()["request"]["confidence"] == 0.72


async def test_idempotency_keys_that_differ_only_in_case_are_two_decisions(api: Api) -> None:
    idem = key()
    lower, upper = (
        await api.submit(submission(), idem),
        await api.submit(submission(confidence=0.3), idem.upper()),
    )
    assert (lower.status_code, upper.status_code) == (201, 201)
    assert lower.json()["decision_id"] != upper.json()["decision_id"]


async def test_a_key_revoked_while_in_use_is_refused_from_then_on_never_a_500(
    api: Api, store: Store
) -> None:
    grant, token = await store.create_api_key(
        app=APP, use_cases=["refunds"], scopes=[ApiScope.READ]
    )
    user = Api(api.http, token)
    stop = asyncio.Event()
    revoked_at: list[float] = []

    async def hammer() -> list[tuple[float, int]]:
        seen = []
        while not stop.is_set():
            began = time.monotonic()
            answer = await user.get(DECISIONS, params={"limit": 1})
            a_problem(answer)
            seen.append((began, answer.status_code))
        return seen

    callers = [asyncio.create_task(hammer()) for _ in range(8)]
    await asyncio.sleep(0.5)
    await store.revoke_api_key(grant.key_id)
    revoked_at.append(time.monotonic())
    await asyncio.sleep(0.5)
    stop.set()
    seen = [item for caller in await asyncio.gather(*callers) for item in caller]
    assert {status for _, status in seen} <= {200, 401}
    assert all(status == 401 for began, status in seen if began > revoked_at[0])
    assert any(status == 200 for _, status in seen)


# -- idempotency under contention -------------------------------------------------------


async def test_concurrent_submits_of_different_bodies_under_one_key_let_exactly_one_win(
    api: Api, live: Harness, store: Store
) -> None:
    idem = key()
    bodies = [submission(confidence=round(0.01 * (i + 1), 2)) for i in range(24)]
    answers = await asyncio.gather(*(api.submit(body, idem) for body in bodies))
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {201, 409}, [a.text for a in answers if a.status_code not in (201, 409)]
    winners = [bodies[i] for i, s in enumerate(statuses) if s == 201]
    assert len({w["confidence"] for w in winners}) == 1, statuses
    winner = winners[0]
    for answer in answers:
        if answer.status_code == 409:
            body = problem(answer, 409)
            assert "confidence" in body["detail"] and body["code"] == "conflict"
        else:
            assert answer.json()["request"]["confidence"] == winner["confidence"]
    decision_id = f"{APP}:{idem}"
    state = await live.signoff.state(decision_id)
    assert state.request.confidence == winner["confidence"]
    read = (await api.get(f"{DECISIONS}/{decision_id}")).json()
    assert read["request"]["confidence"] == winner["confidence"]
    for _ in range(50):
        events = await store.events(decision_id)
        if events:
            break
        await asyncio.sleep(0.1)
    submitted = [e for e in events if e.kind.value == "submitted"]
    assert len(submitted) == 1
    assert submitted[0].data["request"]["confidence"] == winner["confidence"]
    found = await live.signoff.search(use_case="refunds", limit=1000)
    assert sum(1 for f in found if f.decision_id == decision_id) <= 1


async def test_a_crowd_under_one_key_is_answered_past_temporals_update_limit(
    dev_env: WorkflowEnvironment, settings: Settings, store: Store
) -> None:
    """Temporal takes 10 updates in flight per decision. While the decision is slow to
    route (here: its worker starts 12 s late; on a loaded machine, a slow first task),
    the rest of a crowd of submissions were turned away past the SDK's retries, as 502
    "limit on number of concurrent in-flight updates" and 503 "Cannot reach Temporal"."""
    harness = Harness(dev_env.client, settings)
    _, token = await store.create_api_key(
        app=APP, use_cases=["refunds"], scopes=[ApiScope.SUBMIT, ApiScope.READ]
    )
    ctx = ServerContext(
        settings=harness.settings,
        client=harness.signoff,
        store=store,
        directory=load_directory(harness.settings.directory_file),
    )
    async with running_api(ctx) as http:
        crowd = Api(http, token)
        idem = key()
        bodies = [submission(confidence=0.5 if i % 4 else 0.25) for i in range(16)]
        calls = [asyncio.create_task(crowd.submit(body, idem)) for body in bodies]
        await asyncio.sleep(12)
        early = [call.result().text for call in calls if call.done()]
        async with harness.worker():  # even so, or the server would wait on the rest
            answers = await asyncio.gather(*calls)
    assert early == []
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {201, 409}, [a.text for a in answers if a.status_code >= 500]
    won = {bodies[i]["confidence"] for i, status in enumerate(statuses) if status == 201}
    assert len(won) == 1
    lost = [bodies[i]["confidence"] for i, status in enumerate(statuses) if status == 409]
    assert won.isdisjoint(lost)


# -- readiness --------------------------------------------------------------------------


@contextmanager
def closed_port() -> Iterator[int]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]  # bound, never listening: connections are refused


@asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A port that accepts connections and never says a word."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()


@asynccontextmanager
async def api_over_unreachable_store(
    live: Harness, kind: str, options: str = ""
) -> AsyncIterator[httpx.AsyncClient]:
    """The API over a PostgreSQL store that refuses connections (``refused``) or takes
    them and never answers (``silent``)."""
    async with silent_server() as silent_port:
        with closed_port() as refused_port:
            port = refused_port if kind == "refused" else silent_port
            url = f"postgresql://signoff@127.0.0.1:{port}/signoff{options}"
            unreachable = await Store.open(url, migrate=False)
            ctx = ServerContext(
                settings=live.settings,
                client=live.signoff,
                store=unreachable,
                directory=load_directory(live.settings.directory_file),
            )
            try:
                async with running_api(ctx) as http:
                    yield http
            finally:
                await asyncio.wait_for(unreachable.close(), 10)


@pytest.mark.parametrize("kind", ["refused", "silent"])
async def test_readyz_answers_503_with_retry_after_when_the_store_is_unreachable(
    live: Harness, kind: str
) -> None:
    async with api_over_unreachable_store(live, kind, "?connect_timeout=30") as http:
        began = time.monotonic()
        answer = await http.get("/readyz")
        took = time.monotonic() - began
        body = problem(answer, 503)
        assert answer.headers["retry-after"]
        assert "store" in body["detail"]
        assert took < 7, took
        assert (await http.get("/healthz")).status_code == 200


@pytest.mark.parametrize("kind", ["refused", "silent"])
async def test_a_request_over_an_unreachable_store_is_a_503_not_a_hang(
    live: Harness, kind: str
) -> None:
    """The API key is looked up in the store: one that takes the connection and never
    answers held every request for good (the driver sets no limit of its own)."""
    async with api_over_unreachable_store(live, kind) as http:
        began = time.monotonic()
        answer = await http.get(
            DECISIONS,
            headers={"Authorization": f"Bearer sok_{'a' * 12}_{'a' * 43}"},
            timeout=20,
        )
        assert time.monotonic() - began < 7
        problem(answer, 503)
        assert answer.headers["retry-after"]


async def test_an_idempotency_key_too_long_for_its_app_names_the_header_not_the_id(
    api: Api, store: Store
) -> None:
    """A decision's id is ``APP:KEY``, at most 200 characters: an app named with 100
    and a key of 100 pass each check alone and make 201 together."""
    _, token = await store.create_api_key(
        app="a" * 100, use_cases=["refunds"], scopes=[ApiScope.SUBMIT]
    )
    long_named = Api(api.http, token)
    body = problem(await long_named.submit(submission(), "k" * 100), 422)
    assert "Idempotency-Key" in body["detail"] and "99" in body["detail"], body
    assert "id:" not in body["detail"]


async def test_a_refused_inline_policy_is_named_by_its_fields_not_by_validator_names(
    api: Api, live: Harness
) -> None:
    inline = {"name": "x", "stages": [{"name": "s", "approvers": {"people": ["nobody"]}}]}
    idem = key()
    detail = problem(await api.submit(submission(policy=inline), idem), 422)["detail"]
    assert "policy.stages.0.approvers" in detail, detail
    assert "function-" not in detail and "[" not in detail, detail
    assert not await started(live, f"{APP}:{idem}")


# -- a submission refused for bad input leaves its key free ------------------------------


async def submitted_requests(store: Store, decision_id: str) -> list[dict[str, Any]]:
    """The requests the decision's audit trail says were submitted (once it has any)."""
    for _ in range(50):
        if events := await store.events(decision_id):
            return [e.data["request"] for e in events if e.kind.value == "submitted"]
        await asyncio.sleep(0.1)
    return []


async def test_a_submit_refused_for_an_unknown_policy_leaves_its_key_free(
    api: Api, store: Store
) -> None:
    idem = key()
    refused = problem(await api.submit(submission(policy="no-such-policy"), idem), 422)
    assert "no-such-policy" in refused["detail"], refused
    corrected = await api.submit(submission(), idem)
    assert corrected.status_code == 201, corrected.text
    decision_id = f"{APP}:{idem}"
    assert corrected.json()["request"]["policy"] == "first-lead"
    read = await api.get(f"{DECISIONS}/{decision_id}")
    assert read.json()["request"]["policy"] == "first-lead", read.text
    assert [r["policy"] for r in await submitted_requests(store, decision_id)] == ["first-lead"]


async def test_the_same_mistyped_submission_again_is_refused_the_same_way_not_a_conflict(
    api: Api,
) -> None:
    idem = key()
    first = problem(await api.submit(submission(policy="frist-lead"), idem), 422)
    again = problem(await api.submit(submission(policy="frist-lead"), idem), 422)
    assert again["detail"] == first["detail"]
    other_typo = problem(await api.submit(submission(policy="first-laed"), idem), 422)
    assert "first-laed" in other_typo["detail"], other_typo


async def test_an_accepted_submission_still_binds_its_key_against_a_mistyped_one(
    api: Api, store: Store
) -> None:
    idem = key()
    accepted = await api.submit(submission(), idem)
    assert accepted.status_code == 201, accepted.text
    conflict = problem(await api.submit(submission(policy="no-such-policy"), idem), 409)
    assert conflict["code"] == "conflict" and "policy" in conflict["detail"], conflict
    again = await api.submit(submission(), idem)
    assert again.status_code == 201, again.text
    assert again.json()["decision_id"] == accepted.json()["decision_id"]
    decision_id = f"{APP}:{idem}"
    assert len(await submitted_requests(store, decision_id)) == 1


async def test_a_crowd_of_good_and_mistyped_submissions_under_a_refused_key_makes_one_decision(
    api: Api, live: Harness, store: Store
) -> None:
    """After a mistyped submission, 24 at once under its key: two different good bodies
    and the mistyped one again. Exactly one good body becomes the decision; every answer
    is that decision, a 409 for a body that differs from it, or (mistyped only) a 422."""
    idem = key()
    problem(await api.submit(submission(policy="no-such-policy"), idem), 422)
    bodies = [
        submission(policy="no-such-policy")
        if i % 3 == 0
        else submission(confidence=0.5 if i % 3 == 1 else 0.25)
        for i in range(24)
    ]
    answers = await asyncio.gather(*(api.submit(body, idem) for body in bodies))
    decision_id = f"{APP}:{idem}"
    state = await live.signoff.state(decision_id)
    winner = state.request.model_dump(mode="json")
    assert winner["policy"] == "first-lead" and winner["confidence"] in (0.5, 0.25)
    for body, answer in zip(bodies, answers, strict=True):
        if body["policy"] != "first-lead":
            assert answer.status_code in (409, 422), answer.text
            problem(answer, answer.status_code)
        elif body["confidence"] == winner["confidence"]:
            assert answer.status_code == 201, answer.text
            assert answer.json()["decision_id"] == decision_id
        else:
            assert problem(answer, 409)["code"] == "conflict"
    submitted = await submitted_requests(store, decision_id)
    assert [r["confidence"] for r in submitted] == [winner["confidence"]]
