"""Attacks on ``Store.evaluate``: many evaluations at once, writers racing them, odd
stored data, and a backend killed in the middle of a query.

Each spec runs on SQLite and on PostgreSQL (the ``store`` fixture). Specs that look at
connections use a store of their own whose connections carry an ``application_name``
unique to the test, so ``pg_stat_activity`` shows only theirs, never another run's.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, text, update

from signoff.adapters.store import Store
from signoff.adapters.store.engine import make_async_engine
from signoff.adapters.store.tables import DecisionFactsRow, GroundTruthRow
from signoff.core.learning import EvaluationFilters
from signoff.core.learning.results import Evaluation
from tests.adapters.test_evaluation_in_sql import (
    NOW,
    T0,
    Decision,
    assert_same,
    by_id,
    evaluated,
    facts,
    write,
)
from tests.core.learning.reference import reference_evaluation

HOUR = timedelta(hours=1)
MICROSECOND = timedelta(microseconds=1)


# -- helpers ---------------------------------------------------------------------------------


def _postgres(store: Store) -> bool:
    return store.engine.dialect.name == "postgresql"


async def _own_store(database_url: str, name: str, **engine: Any) -> Store:
    """A second store on the migrated database, its PostgreSQL connections named ``name``."""
    if database_url.startswith("postgresql"):
        engine.setdefault("connect_args", {})["application_name"] = name
    return Store(make_async_engine(database_url, **engine))


@pytest.fixture
async def named(store: Store, database_url: str) -> AsyncIterator[tuple[Store, str]]:
    """A store of the test's own (default pool) and the name of its connections."""
    name = f"eval-attack-{uuid.uuid4().hex[:10]}"
    own = await _own_store(database_url, name)
    yield own, name
    await own.close()


async def _busy(store: Store, name: str) -> list[tuple[Any, ...]]:
    """The connections named ``name`` that are not idle (other than the asker's)."""
    async with store.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT pid, state, left(query, 60) FROM pg_stat_activity"
                " WHERE application_name = :name AND pid <> pg_backend_pid()"
                " AND state IS DISTINCT FROM 'idle'"
            ),
            {"name": name},
        )
        return [tuple(r) for r in rows]


def _population(n: int, *, days: int = 3) -> list[Decision]:
    """``n`` decisions spread over ``days`` days, over two regions and tiers, a third
    of them labelled by experts and some decided by people."""
    made = []
    for i in range(n):
        submitted = T0 + timedelta(seconds=i * days * 86_400 // max(n, 1))
        human = i % 3 == 0
        made.append(
            Decision(
                facts(
                    f"d-{i:05d}",
                    segment={"region": ("north", "south")[i % 2], "tier": f"t{i % 3}"},
                    confidence=(i % 10) / 10,
                    route="human" if human else "auto",
                    sampled_for_qa=i % 4 == 0,
                    status="approved" if human else "auto_approved",
                    human_accepted=(i % 5 != 0) if human else None,
                    human_status="approved" if human else None,
                    predicted_label="fraud",
                    submitted_at=submitted,
                    first_action_at=submitted + timedelta(seconds=5 + i % 7) if human else None,
                    decided_at=submitted + timedelta(seconds=30 + i % 11),
                    use_case=("refunds", "loans")[i % 2 and i % 5 == 1],
                    votes=[("ana", "approve")] if human else [],
                ),
                ground=(("fraud", "ok")[i % 2], "consensus") if i % 3 == 1 else None,
            )
        )
    return made


def assert_consistent(got: Evaluation) -> None:
    """What an evaluation says about itself adds up: each cohort is the sum of its
    windows and of each attribute's values (every decision here holds every attribute),
    the percentile lane counted the decisions the counting lane did, and no more
    decisions are labelled than there are."""
    total = 0
    for cohort in got.cohorts:
        n = cohort.metrics.decisions
        total += n
        assert n == sum(w.metrics.decisions for w in cohort.windows), cohort.key
        decided = cohort.metrics.timing.time_to_decision.count
        assert decided == sum(w.metrics.timing.time_to_decision.count for w in cohort.windows)
        assert decided == n, (cohort.key, decided, n)  # every decision here is decided
        for attribute, values in cohort.segments.items():
            assert n == sum(m.decisions for m in values.values()), (cohort.key, attribute)
            assert decided == sum(m.timing.time_to_decision.count for m in values.values())
        labelled = cohort.metrics.calibration.count
        assert labelled == sum(w.metrics.calibration.count for w in cohort.windows)
    assert got.decisions == total
    assert sum(got.label_sources.values()) <= got.decisions


# -- 1. many evaluations at once ---------------------------------------------------------------


async def test_twenty_evaluations_at_once_on_a_store_with_a_default_pool_all_succeed_equal(
    named: tuple[Store, str],
) -> None:
    """The default pool (5 + 10 overflow), its wait cut from 30 s to 5 s so a deadlock
    shows quickly. Before each evaluation took both its connections under one lock, 14
    at once passed and 15 or more all failed."""
    own, name = named
    own.engine.pool._timeout = 5  # type: ignore[attr-defined]
    made = _population(200)
    await write(own, made)
    filters = EvaluationFilters(window=HOUR * 6, minimum_group=1)
    want = reference_evaluation(filters, by_id(made), now=NOW)

    async with asyncio.timeout(120):
        results = await asyncio.gather(
            *(own.evaluate(filters, now=NOW) for _ in range(20)), return_exceptions=True
        )

    failures = [r for r in results if isinstance(r, BaseException)]
    assert not failures, f"{len(failures)} of 20 failed: {failures[0]!r}"
    for got in results:
        assert isinstance(got, Evaluation)
        assert_same(got, want)
    if _postgres(own):
        assert await _busy(own, name) == []


async def test_as_many_evaluations_at_once_as_the_pool_has_connections_do_not_starve_each_other(
    store: Store, database_url: str
) -> None:
    """A minimal form of the one above: a pool of two connections and two evaluations.
    On PostgreSQL each evaluation used to take one connection, export its snapshot, then
    wait for a second, which the other evaluation held."""
    own = await _own_store(database_url, "eval-attack-pool", pool_size=2, max_overflow=0)
    own.engine.pool._timeout = 3  # type: ignore[attr-defined]  # fail fast, not in 30 s
    try:
        await write(own, _population(10))
        filters = EvaluationFilters(minimum_group=1)
        alone = await own.evaluate(filters, now=NOW)
        both = await asyncio.gather(
            own.evaluate(filters, now=NOW), own.evaluate(filters, now=NOW), return_exceptions=True
        )
        failures = [r for r in both if isinstance(r, BaseException)]
        assert not failures, f"{len(failures)} of 2 failed: {failures[0]!r}"
        for got in both:
            assert isinstance(got, Evaluation)
            assert_same(got, alone)
    finally:
        await own.close()


# -- 2. writers racing evaluations --------------------------------------------------------------


async def test_every_evaluation_adds_up_while_writers_insert_decisions_and_settle_truth(
    store: Store, other_store: Store
) -> None:
    made = _population(300)
    await write(store, made)
    filters = EvaluationFilters(window=HOUR * 6, minimum_group=1)
    stop = asyncio.Event()
    written = 0

    async def insert_decisions() -> None:
        nonlocal written
        i = 0
        while not stop.is_set():
            rows = [
                facts(
                    f"w-{i:05d}-{k}",
                    segment={"region": "east", "tier": "t9"},
                    submitted_at=T0 + timedelta(minutes=17 * (i + k)),
                    decided_at=T0 + timedelta(minutes=17 * (i + k), seconds=3),
                    predicted_label="ok",
                ).model_dump()
                for k in range(5)
            ]
            async with other_store.engine.begin() as conn:
                await conn.execute(insert(DecisionFactsRow.__table__), rows)
                await conn.execute(
                    insert(GroundTruthRow.__table__),
                    [
                        {
                            "decision_id": r["decision_id"],
                            "label": "ok",
                            "method": "adjudicated",
                            "experts": ["e1"],
                            "at": T0,
                        }
                        for r in rows[:2]
                    ],
                )
            written += 5
            i += 5
            await asyncio.sleep(0)

    async def relabel() -> None:
        flip = 0
        while not stop.is_set():
            flip ^= 1
            async with other_store.engine.begin() as conn:
                await conn.execute(
                    update(GroundTruthRow.__table__)
                    .where(GroundTruthRow.__table__.c.decision_id.like("d-%"))
                    .values(label=("ok", "fraud")[flip], method=("consensus", "adjudicated")[flip])
                )
                await conn.execute(
                    update(DecisionFactsRow.__table__)
                    .where(DecisionFactsRow.__table__.c.decision_id.like("d-%"))
                    .values(
                        segment={"region": ("west", "north")[flip], "tier": "t1"},
                        submitted_at=T0 + timedelta(days=flip),
                    )
                )
            await asyncio.sleep(0)

    async def evaluations() -> list[Evaluation]:
        try:
            return [await store.evaluate(filters, now=NOW) for _ in range(12)]
        finally:
            stop.set()

    async with asyncio.timeout(180):
        found, _, _ = await asyncio.gather(evaluations(), insert_decisions(), relabel())

    assert written > 0
    for got in found:
        assert_consistent(got)


# -- 3. odd stored data -------------------------------------------------------------------------


async def _set_segment(store: Store, decision_id: str, segment: Any) -> None:
    """Write ``segment`` (any JSON) straight into a decision's row."""
    table = DecisionFactsRow.__table__
    async with store.engine.begin() as conn:
        await conn.execute(
            update(table).where(table.c.decision_id == decision_id).values(segment=segment)
        )


async def test_a_segment_value_stored_as_a_json_number_is_left_out_of_the_segments(
    store: Store,
) -> None:
    await write(store, [Decision(facts("d-1", decided_at=T0 + HOUR))])
    await _set_segment(store, "d-1", {"region": 1})

    got = await store.evaluate(EvaluationFilters(minimum_group=1), now=NOW)

    # Segments are text (DecisionRequest.segment): a number written around the model is
    # not guessed into one (JSON's and PostgreSQL's spellings of numbers differ).
    assert got.decisions == 1 and got.cohorts[0].segments == {}


@pytest.mark.parametrize(
    "segment",
    [{"region": None}, {"region": {"nested": "x"}}, {"region": ["a"]}, {"region": True}],
    ids=["null", "object", "array", "boolean"],
)
async def test_a_segment_value_stored_as_json_other_than_text_does_not_break_the_evaluation(
    store: Store, segment: dict[str, Any]
) -> None:
    await write(
        store,
        [Decision(facts("d-1", decided_at=T0 + HOUR)), Decision(facts("d-2", decided_at=T0))],
    )
    await _set_segment(store, "d-1", segment)

    got = await store.evaluate(EvaluationFilters(minimum_group=1), now=NOW)

    assert got.decisions == 2
    assert_consistent_counts_only(got)


def assert_consistent_counts_only(got: Evaluation) -> None:
    for cohort in got.cohorts:
        assert cohort.metrics.decisions == sum(w.metrics.decisions for w in cohort.windows)


async def test_empty_and_odd_unicode_attributes_and_very_many_attributes_count_as_the_reference(
    store: Store,
) -> None:
    many = {f"attr-{k:03d}": f"v{k % 3}" for k in range(120)}
    odd = ["", " ", "\u200b", "e\u0301", "\u00e9", "🙂", "\U0010fffd", "a\u2028b", "ǅ", "ﬀ"]
    made = [
        Decision(
            facts(
                f"d-{i:02d}",
                segment={**many, "": odd[i % len(odd)], odd[(i + 3) % len(odd)]: "x"},
                predicted_label=odd[i % len(odd)],
                decided_at=T0 + HOUR,
                route="human",
                human_accepted=True,
                human_status="approved",
            ),
            ground=(odd[(i * 7) % len(odd)], "consensus"),
        )
        for i in range(30)
    ]
    filters = EvaluationFilters(minimum_group=1)

    got, want = await evaluated(store, filters, made)

    assert_same(got, want)
    assert len(got.cohorts[0].segments) >= 120


async def test_a_one_second_window_over_decisions_spread_over_days_gives_one_window_each(
    store: Store,
) -> None:
    made = [
        Decision(facts(f"d-{i}", submitted_at=T0 + timedelta(days=i, microseconds=i)))
        for i in range(5)
    ]
    filters = EvaluationFilters(window=timedelta(seconds=1))

    got, want = await evaluated(store, filters, made)

    assert_same(got, want)
    assert [w.metrics.decisions for w in got.cohorts[0].windows] == [1] * 5


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (datetime(1, 1, 1, tzinfo=UTC), None),
        (None, datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)),
        (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)),
        (datetime(1900, 1, 1, tzinfo=UTC), datetime(1900, 1, 2, tzinfo=UTC)),
        (datetime(3000, 1, 1, tzinfo=UTC), None),
        (T0, T0 + MICROSECOND),
        (T0 - MICROSECOND, T0),
    ],
    ids=["year-1", "year-9999", "both-extremes", "long-ago", "far-future", "1us", "1us-before"],
)
async def test_filters_far_in_the_past_or_future_or_a_microsecond_wide_select_as_the_reference(
    store: Store, since: datetime | None, until: datetime | None
) -> None:
    made = [
        Decision(facts("d-1", submitted_at=T0, decided_at=T0 + HOUR)),
        Decision(facts("d-2", submitted_at=T0 - MICROSECOND, decided_at=T0 + HOUR)),
        Decision(facts("d-3", submitted_at=T0 + HOUR)),
    ]
    filters = EvaluationFilters(since=since, until=until, window=HOUR)

    got, want = await evaluated(store, filters, made)

    assert_same(got, want)


# -- 4. a backend killed mid-query --------------------------------------------------------------


async def _seed_bulk(store: Store, n: int) -> None:
    """``n`` decisions copied in the database from one written row."""
    await write(store, _population(1))
    table = DecisionFactsRow.__table__
    columns = [c.name for c in table.columns]
    chosen = []
    for c in columns:
        if c == "decision_id":
            chosen.append("'k-' || g")
        elif c == "submitted_at":
            chosen.append("submitted_at + g * interval '37 seconds'")
        elif c == "segment":
            chosen.append("jsonb_build_object('region', 'r' || (g % 13), 'tier', 't' || (g % 7))")
        elif c == "confidence":
            chosen.append("(g % 100) / 100.0")
        else:
            chosen.append(c)
    async with store.engine.begin() as conn:
        await conn.execute(
            text(
                f"INSERT INTO decision_facts ({', '.join(columns)})"
                f" SELECT {', '.join(chosen)} FROM decision_facts,"
                f" generate_series(1, {n}) AS g WHERE decision_id = 'd-00000'"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO ground_truth (decision_id, label, method, experts, at)"
                " SELECT decision_id, 'fraud', 'consensus', '[\"e1\"]', submitted_at"
                " FROM decision_facts WHERE decision_id LIKE 'k-%' AND right(decision_id, 1) = '3'"
            )
        )


@pytest.mark.parametrize("victims", [1, 2], ids=["one-lane", "both-lanes"])
async def test_an_evaluation_whose_backend_is_killed_raises_promptly_and_the_next_one_works(
    named: tuple[Store, str], victims: int
) -> None:
    own, name = named
    if not _postgres(own):
        pytest.skip("terminating a backend is PostgreSQL's")
    await _seed_bulk(own, 20_000)
    filters = EvaluationFilters(window=HOUR, minimum_group=1)
    expected = (await own.evaluate(filters, now=NOW)).decisions
    assert expected == 20_001

    killed: list[int] = []

    async def kill_busy_backends() -> None:
        async with own.engine.connect() as conn:
            for _ in range(4000):
                pids = (
                    await conn.scalars(
                        text(
                            "SELECT pid FROM pg_stat_activity WHERE application_name = :name"
                            " AND pid <> pg_backend_pid() AND backend_xid IS NULL"
                            " AND state IN ('active', 'idle in transaction')"
                            " AND (query LIKE '%decision_facts%' OR query LIKE '%SNAPSHOT%')"
                        ),
                        {"name": name},
                    )
                ).all()
                await conn.commit()  # pg_stat_activity is read once per transaction
                if len(pids) >= victims:
                    for pid in pids[:victims]:
                        await conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                        killed.append(pid)
                    await conn.commit()
                    return
                await asyncio.sleep(0.002)

    async def evaluate() -> BaseException | Evaluation:
        try:
            return await own.evaluate(filters, now=NOW)
        except Exception as err:  # the outcome under test
            return err

    async with asyncio.timeout(60):
        outcome, _ = await asyncio.gather(evaluate(), kill_busy_backends())

    assert killed, "no busy backend of the evaluation was found to kill"
    assert isinstance(outcome, Exception), "the evaluation ran on after its backend died"
    said = str(outcome).lower()
    assert "terminat" in said or "closed" in said, repr(outcome)
    async with asyncio.timeout(60):
        after = [await own.evaluate(filters, now=NOW) for _ in range(3)]
    assert [a.decisions for a in after] == [expected] * 3
    assert await _busy(own, name) == []


async def test_an_evaluation_cancelled_mid_query_leaves_no_connection_busy(
    named: tuple[Store, str],
) -> None:
    own, name = named
    if not _postgres(own):
        pytest.skip("pg_stat_activity is PostgreSQL's")
    await _seed_bulk(own, 20_000)
    filters = EvaluationFilters(window=HOUR, minimum_group=1)
    task = asyncio.create_task(own.evaluate(filters, now=NOW))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.5)

    assert await _busy(own, name) == []
    assert (await own.evaluate(filters, now=NOW)).decisions == 20_001
