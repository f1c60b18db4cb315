"""Adversarial specs for ``POST /api/v1/decisions/{id}/outcomes``: whatever a caller
sends, the answer is never a 5xx, and a refusal records nothing (no row in
``reported_outcomes``, no ``outcome_reported`` audit event); racing reports of different
outcomes under one key record exactly one; store, audit chain and Temporal agree."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signoff.adapters.store import Store
from signoff.client.history_audit import compare_with_temporal
from signoff.core.models import ApiScope, AuditKind
from tests.conftest import Harness
from tests.server.conftest import Api
from tests.server.test_outcomes_api import decided, outcome, path, reporter

PAST = (datetime.now(UTC) - timedelta(days=2)).isoformat()


def rows(store_url: str, decision_id: str) -> list[tuple[Any, ...]]:
    file = store_url.removeprefix("sqlite:///")
    with sqlite3.connect(file) as db:
        return db.execute(
            "SELECT event_id, label, source, key FROM reported_outcomes WHERE decision_id = ?",
            (decision_id,),
        ).fetchall()


async def outcome_events(store: Store, decision_id: str) -> list[str]:
    return [
        e.event_id for e in await store.events(decision_id) if e.kind is AuditKind.OUTCOME_REPORTED
    ]


async def send(app: Api, decision_id: str, body: Any, key: str | None = None) -> httpx.Response:
    # Encoded here with ensure_ascii, so lone surrogates travel as \\ud800 escapes.
    headers: dict[str, Any] = app.auth | {"content-type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key.encode("latin-1")
    return await app.http.post(
        path(decision_id), content=json.dumps(body).encode(), headers=headers, timeout=45
    )


async def assert_refusal_records_nothing(
    app: Api, store: Store, store_url: str, decision_id: str, body: Any, key: str | None = None
) -> httpx.Response | None:
    before_rows = rows(store_url, decision_id)
    before_events = await outcome_events(store, decision_id)
    try:
        answer = await send(app, decision_id, body, key)
    except httpx.LocalProtocolError:
        return None  # no HTTP client can send such a header: nothing to test
    except httpx.TimeoutException as err:  # pragma: no cover - a hang is a defect
        raise AssertionError(f"request hung for {body!r:.200} key={key!r}") from err
    assert answer.status_code < 500, (
        f"{answer.status_code} for {body!r:.300} key={key!r:.80}: {answer.text[:300]}"
    )
    after_rows = rows(store_url, decision_id)
    after_events = await outcome_events(store, decision_id)
    if answer.status_code in (200, 201):
        grew = 1 if answer.status_code == 201 else 0
        assert len(after_rows) == len(before_rows) + grew
        assert len(after_events) == len(before_events) + grew
    else:
        assert after_rows == before_rows, f"refused {answer.status_code} but a row was written"
        assert after_events == before_events, (
            f"refused {answer.status_code} but an event was written"
        )
    return answer


# --- the explicit edge cases ----------------------------------------------------------


async def test_a_far_past_at_with_an_eastern_offset_is_not_a_5xx(
    api: Api, live: Harness, store: Store, store_url: str
) -> None:
    app = await reporter(api, store, [ApiScope.OUTCOMES])
    decision = await decided(live)
    for at in ("0001-01-01T00:00:00+14:00", "0001-01-01T03:00:00+05:00"):
        await assert_refusal_records_nothing(app, store, store_url, decision, outcome(at=at))


async def test_a_lone_surrogate_label_is_not_a_5xx(
    api: Api, live: Harness, store: Store, store_url: str
) -> None:
    app = await reporter(api, store, [ApiScope.OUTCOMES])
    decision = await decided(live)
    for label in ("\ud800", "ok\udfffok"):
        await assert_refusal_records_nothing(app, store, store_url, decision, outcome(label=label))
    await assert_refusal_records_nothing(
        app, store, store_url, decision, outcome(source="feed-\udc80")
    )


async def test_nul_and_odd_unicode_labels_are_not_a_5xx(
    api: Api, live: Harness, store: Store, store_url: str
) -> None:
    app = await reporter(api, store, [ApiScope.OUTCOMES])
    decision = await decided(live)
    for label in (
        "a\x00b",
        "\u202eevil",
        "\U0001f4a9" * 500,
        "e\u0301" * 300,
        "\ufeff",
        " \u3000 ",
    ):
        await assert_refusal_records_nothing(app, store, store_url, decision, outcome(label=label))


async def test_huge_wrong_typed_and_null_bodies_are_not_a_5xx(
    api: Api, live: Harness, store: Store, store_url: str
) -> None:
    app = await reporter(api, store, [ApiScope.OUTCOMES])
    decision = await decided(live)
    bodies: list[Any] = [
        outcome(label="x" * 2_000_000),
        outcome(source="s" * 100_000),
        outcome(label=None),
        outcome(at=None),
        outcome(at="2024-01-01T00:00:00"),  # naive
        outcome(at=1700000000),
        outcome(at="9999-12-31T23:59:59-23:59"),
        outcome(at="2024-02-30T00:00:00Z"),
        outcome(label=["a"]),
        outcome(label={"a": 1}),
        outcome(label=12),
        outcome(key="smuggled"),
        outcome(extra=True),
        None,
        [],
        "chargeback",
        12,
        {},
    ]
    for body in bodies:
        await assert_refusal_records_nothing(app, store, store_url, decision, body)


async def test_bad_idempotency_keys_are_refused_and_record_nothing(
    api: Api, live: Harness, store: Store, store_url: str
) -> None:
    app = await reporter(api, store, [ApiScope.OUTCOMES])
    decision = await decided(live)
    for key in ("", "a b", "a/b", "k" * 101, "caf\xe9", "\t", "a\\b", "'; drop"):
        answer = await assert_refusal_records_nothing(
            app, store, store_url, decision, outcome(label=f"bad-{len(key)}"), key=key
        )
        assert answer is None or answer.status_code in (400, 422), (
            key,
            answer.status_code,
            answer.text[:200],
        )


# --- Hypothesis-fuzzed bodies ---------------------------------------------------------

ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=40) | st.text(
    st.characters(categories=["Cs", "Cc", "Cf", "Zs", "Mn", "So"]), max_size=20
)
HUGE = st.integers(400, 3000).map(lambda n: "\u00e9" * n)
OFFSETS = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
    lambda m: f"{'+' if m >= 0 else '-'}{abs(m) // 60:02d}:{abs(m) % 60:02d}"
)
AT = (
    st.builds(
        lambda d, off: d.isoformat() + off,
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
        OFFSETS,
    )
    | st.datetimes(max_value=datetime(2024, 1, 1)).map(lambda d: d.isoformat())
    | st.none()
    | st.integers()
    | ANY_TEXT
)
VALUE = (
    ANY_TEXT
    | HUGE
    | st.none()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.booleans()
    | st.lists(st.integers(), max_size=2)
)
BODY = st.fixed_dictionaries(
    {},
    optional={"label": VALUE, "source": VALUE, "at": AT, "key": ANY_TEXT, "other": VALUE},
) | st.fixed_dictionaries({"label": ANY_TEXT | HUGE, "source": ANY_TEXT, "at": AT})
KEY = st.none() | st.text(st.characters(min_codepoint=1, max_codepoint=255), max_size=120)


def fuzzed(n: int) -> list[tuple[Any, str | None]]:
    found: list[tuple[Any, str | None]] = []

    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(BODY, KEY)
    def collect(body: Any, key: str | None) -> None:
        found.append((body, key))

    collect()
    return found


async def test_fuzzed_bodies_never_give_a_5xx_and_a_refusal_records_nothing(
    api: Api, live: Harness, store: Store, store_url: str
) -> None:
    app = await reporter(api, store, [ApiScope.OUTCOMES])
    decision = await decided(live)
    failures: list[str] = []
    for body, key in fuzzed(150):
        try:
            await assert_refusal_records_nothing(app, store, store_url, decision, body, key)
        except AssertionError as err:
            failures.append(str(err)[:400])
    assert not failures, f"{len(failures)} failures, e.g.:\n" + "\n".join(failures[:8])
    report = await compare_with_temporal(
        live.client, store, task_queue=live.task_queue, decision_id=decision
    )
    assert report.ok, report.breaks


# --- racing reports under one key -----------------------------------------------------


async def test_25_racing_reports_of_different_outcomes_under_one_key_record_one(
    api: Api, live: Harness, store: Store, store_url: str
) -> None:
    app = await reporter(api, store, [ApiScope.OUTCOMES])
    decision = await decided(live)
    answers = await asyncio.gather(
        *(send(app, decision, outcome(label=f"label-{i}"), key="race-1") for i in range(25))
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * 24, [(a.status_code, a.text[:160]) for a in answers]
    winner = next(a.json() for a in answers if a.status_code == 201)
    stored = rows(store_url, decision)
    assert [(r[0], r[1]) for r in stored] == [(winner["event_id"], winner["label"])]
    assert await outcome_events(store, decision) == [winner["event_id"]]
    report = await compare_with_temporal(
        live.client, store, task_queue=live.task_queue, decision_id=decision
    )
    assert report.ok, report.breaks
    # Retried afterwards, once the run has settled: the same answers.
    again = await asyncio.gather(
        *(send(app, decision, outcome(label=f"label-{i}"), key="race-1") for i in range(25))
    )
    assert sorted(a.status_code for a in again) == [200] + [409] * 24
    assert await outcome_events(store, decision) == [winner["event_id"]]


async def test_one_refused_conflicting_report_leaves_the_audit_verifiable_against_temporal(
    api: Api, live: Harness, store: Store, store_url: str
) -> None:
    app = await reporter(api, store, [ApiScope.OUTCOMES])
    decision = await decided(live)
    assert (await send(app, decision, outcome(), key="cb-1")).status_code == 201
    assert (await send(app, decision, outcome(label="kept"), key="cb-1")).status_code == 409
    assert len(rows(store_url, decision)) == 1
    report = await compare_with_temporal(
        live.client, store, task_queue=live.task_queue, decision_id=decision
    )
    assert report.ok, report.breaks
