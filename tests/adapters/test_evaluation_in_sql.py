"""The evaluation counted in SQL equals the evaluation counted one decision at a time.

``Store.evaluate`` counts in the database (``GROUP BY`` cohort, window and segment
value); :mod:`tests.core.learning.reference` counts each decision in Python, as the store
did before. These specs write rows straight into ``decision_facts``, ``ground_truth`` and
``reported_outcomes`` and hold the two equal on SQLite and on PostgreSQL: every count
exactly, every float (percentiles, calibration, Wilson bounds) to within rounding.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, text

from signoff.adapters.store import Store
from signoff.adapters.store import evaluation as evaluation_sql
from signoff.adapters.store.tables import DecisionFactsRow, GroundTruthRow, ReportedOutcomeRow
from signoff.core.learning import EvaluationFilters
from signoff.core.learning.calibration import inner_edges
from signoff.core.learning.evaluate import EPOCH, THRESHOLDS
from signoff.core.learning.facts import DecisionFacts
from signoff.core.learning.labels import LabelSource, Truth, ai_was_right, settled
from signoff.core.learning.results import Evaluation
from tests.core.learning.reference import reference_evaluation, selected

NOW = datetime(2026, 1, 1, tzinfo=UTC)
T0 = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
NEAR_EPOCH = datetime(1969, 12, 31, 23, 0, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
HOUR = timedelta(hours=1)
REL, ABS = 1e-9, 1e-12

# -- decisions and their truth, as rows --------------------------------------------------


@dataclass(frozen=True)
class Report:
    """One ``reported_outcomes`` row of a decision."""

    event_id: str
    label: str
    at: datetime
    recorded_at: datetime


@dataclass
class Decision:
    """A decision's facts, its experts' settled label if any (label, method), and what
    the application reported of it."""

    facts: DecisionFacts
    ground: tuple[str, str] | None = None
    reports: list[Report] = field(default_factory=list)

    def truth(self) -> Truth | None:
        """Its settled truth, as the store's readers found it: ``ground_truth``
        (adjudicated, else the experts' consensus), else the report that happened
        latest, then was recorded latest."""
        candidates = []
        if self.ground is not None:
            label, method = self.ground
            source = LabelSource.ADJUDICATED if method == "adjudicated" else LabelSource.EXPERT
            candidates.append(Truth(label=label, source=source))
        if self.reports:
            latest = max(self.reports, key=lambda r: (r.at, r.recorded_at))
            candidates.append(Truth(label=latest.label, source=LabelSource.APPLICATION_OUTCOME))
        return settled(candidates)


def facts(decision_id: str, **fields: Any) -> DecisionFacts:
    """A decision's facts: an automatic approval submitted at ``T0`` unless told."""
    defaults: dict[str, Any] = {
        "decision_id": decision_id,
        "version": 1,
        "use_case": "refunds",
        "model_name": "support-llm",
        "model_version": "m-1",
        "prompt_version": "",
        "policy_name": "refunds-policy",
        "policy_version": "",
        "risk_tier": "medium",
        "segment": {},
        "confidence": 0.8,
        "route": "auto",
        "sampled_for_qa": False,
        "status": "auto_approved",
        "human_accepted": None,
        "human_status": None,
        "overridden": False,
        "edit_distance": None,
        "predicted_label": None,
        "submitted_at": T0,
        "first_action_at": None,
        "decided_at": None,
        "escalations": 0,
        "sla_breaches": 0,
        "thumbs_up": 0,
        "thumbs_down": 0,
        "corrections": 0,
        "expert_labels": {},
        "votes": [],
    }
    return DecisionFacts(**(defaults | fields))


async def write(store: Store, decisions: Sequence[Decision]) -> None:
    """Empty the three tables evaluation reads, then insert ``decisions`` in the order
    given (the database's scan order, not the order of their ids)."""
    facts_rows = [d.facts.model_dump() for d in decisions]
    truth_rows = [
        {
            "decision_id": d.facts.decision_id,
            "label": label,
            "method": method,
            "experts": ["e1", "e2"],
            "at": d.facts.submitted_at + timedelta(days=3),
        }
        for d in decisions
        if d.ground is not None
        for label, method in [d.ground]
    ]
    report_rows = [
        {
            "event_id": r.event_id,
            "decision_id": d.facts.decision_id,
            "label": r.label,
            "source": "crm",
            "key": r.event_id,
            "at": r.at,
            "recorded_at": r.recorded_at,
            "reported_by": "app:crm",
        }
        for d in decisions
        for r in d.reports
    ]
    async with store.engine.begin() as conn:
        for row in (DecisionFactsRow, GroundTruthRow, ReportedOutcomeRow):
            await conn.execute(delete(row.__table__))
        for row, rows in (
            (DecisionFactsRow, facts_rows),
            (GroundTruthRow, truth_rows),
            (ReportedOutcomeRow, report_rows),
        ):
            if rows:
                await conn.execute(insert(row.__table__), rows)


def by_id(decisions: Sequence[Decision]) -> list[tuple[DecisionFacts, Truth | None]]:
    """The decisions with their truth in the order of their ids, as the store's reader
    gave them to the per-decision evaluation."""
    return [(d.facts, d.truth()) for d in sorted(decisions, key=lambda d: d.facts.decision_id)]


async def evaluated(
    store: Store, filters: EvaluationFilters, decisions: Sequence[Decision]
) -> tuple[Evaluation, Evaluation]:
    """The store's evaluation of ``decisions`` (written in the order given) and the
    reference's."""
    await write(store, decisions)
    got = await store.evaluate(filters, now=NOW)
    return got, reference_evaluation(filters, by_id(decisions), now=NOW)


# -- comparing two evaluations -----------------------------------------------------------


def differences(got: Any, want: Any, path: str = "evaluation") -> list[str]:
    """Where ``got`` differs from ``want`` (dumped models): counts, names and notes
    exactly, floats to within rounding."""
    if isinstance(want, dict) and isinstance(got, dict):
        if sorted(got, key=repr) != sorted(want, key=repr):
            return [f"{path}: keys {sorted(got, key=repr)} != {sorted(want, key=repr)}"]
        return [d for k in want for d in differences(got[k], want[k], f"{path}[{k!r}]")]
    if isinstance(want, list | tuple) and isinstance(got, list | tuple):
        if len(got) != len(want):
            return [f"{path}: {len(got)} items != {len(want)}: {_short(got)} != {_short(want)}"]
        return [
            d
            for i, (g, w) in enumerate(zip(got, want, strict=True))
            for d in differences(g, w, f"{path}[{i}]")
        ]
    floats = isinstance(got, float) or isinstance(want, float)
    if floats and not isinstance(got, bool) and not isinstance(want, bool):
        if got is None or want is None or got != pytest.approx(want, rel=REL, abs=ABS):
            return [f"{path}: {got!r} != {want!r}"]
        return []
    return [] if got == want and type(got) is type(want) else [f"{path}: {got!r} != {want!r}"]


def _short(items: Sequence[Any]) -> str:
    """A list of dumped models, by what tells them apart (a window's start, a
    reviewer's name...), else by its first few characters."""
    names = ("start", "reviewer", "threshold", "experts")
    return repr(
        [
            {k: v for k, v in item.items() if k in names} or repr(item)[:80]
            if isinstance(item, dict)
            else item
            for item in items
        ]
    )[:600]


def assert_same(got: Evaluation, want: Evaluation) -> None:
    """``got`` equals ``want``, every count and name exactly, every float to within
    rounding; a message lists where they differ."""
    found = differences(got.model_dump(), want.model_dump())
    assert not found, f"{len(found)} differences:\n" + "\n".join(found[:40])


# -- what Hypothesis makes ---------------------------------------------------------------

USE_CASES = ("refunds", "loans")
MODEL_VERSIONS = ("m-1", "m-2")
PROMPT_VERSIONS = ("", "p7")
POLICY_VERSIONS = ("", "3")
STATUSES = (
    "auto_approved",
    "approved",
    "approved_with_edits",
    "rejected",
    "changes_requested",
    "expired",
    "pending",
    "cancelled",
    "overridden",
)
HUMAN_STATUSES = (None, "approved", "approved_with_edits", "rejected", "changes_requested")
PREDICTED = (None, "fraud", "ok", "", "ß", "İ", "Straße", "ΟΔΟΣ", "yes")
TRUTH_LABELS = (
    "fraud",
    " Fraud\t",
    "FRAUD",
    "Fraud\n",
    "ok",
    "OK ",
    "",
    " ",
    "ß",
    "ẞ",
    "SS",
    "ss",
    "İ",
    "i̇",
    "i",
    "Straße",
    "STRASSE",
    "straße ",
    "ΟΔΟΣ",
    "οδος",
    "οδοσ",
    "\u00a0yes",
    "yes",
    "No",
    "\u2003wrong\u3000",
    "approve",
    "maybe",
)
ATTRIBUTES = ("region", "tier", "İ", "")
VALUES = ("north", "south", "ß", "Straße", "1", "")
REVIEWERS = ("ana", "bo", "çelik")
EXPERTS = ("e1", "e2", "e3")
WINDOWS = (
    timedelta(days=1),
    timedelta(hours=1),
    timedelta(minutes=90),
    timedelta(days=7),
    timedelta(seconds=7, microseconds=250_000),
)
EDGES = sorted(
    {0.0, 0.1, 0.3, 0.30000000000000004, 0.35, 0.5, 1.0, *inner_edges(), *THRESHOLDS}
    | {math.nextafter(e, 0.0) for e in (0.3, 0.5, 0.85)}
    | {math.nextafter(e, 1.0) for e in (0.0, 0.3, 0.5, 0.85)}
)
CONFIDENCE = st.sampled_from(EDGES) | st.floats(0.0, 1.0)


def _after(start: datetime) -> st.SearchStrategy[datetime | None]:
    """None, or a moment from a few seconds before ``start`` to three days after."""
    offsets = st.sampled_from([0, 1, 1_000_000]) | st.integers(-5_000_000, 3 * 86_400_000_000)
    return st.none() | offsets.map(lambda us: start + timedelta(microseconds=us))


@st.composite
def decisions(draw: st.DrawFn, anchor: datetime, window: timedelta) -> Decision:
    """A decision submitted within a few windows of ``anchor``, often exactly on a
    window's boundary or a microsecond off it, with any combination of what happened
    (its id, ``d``, is numbered by :func:`numbered`)."""
    width = window // MICROSECOND
    offset = draw(st.sampled_from([0, 1, -1, width - 1]) | st.integers(0, width - 1))
    submitted = anchor + window * draw(st.integers(-2, 4)) + offset * MICROSECOND
    decision_id = "d"
    route = draw(st.sampled_from(["auto", "human"]))
    made = facts(
        decision_id,
        use_case=draw(st.sampled_from(USE_CASES)),
        model_version=draw(st.sampled_from(MODEL_VERSIONS)),
        prompt_version=draw(st.sampled_from(PROMPT_VERSIONS)),
        policy_version=draw(st.sampled_from(POLICY_VERSIONS)),
        segment=draw(
            st.dictionaries(st.sampled_from(ATTRIBUTES), st.sampled_from(VALUES), max_size=3)
        ),
        confidence=draw(CONFIDENCE),
        route=route,
        sampled_for_qa=draw(st.booleans()),
        status=draw(st.sampled_from(STATUSES)),
        human_accepted=draw(st.sampled_from([None, True, False])),
        human_status=draw(st.sampled_from(HUMAN_STATUSES)),
        overridden=draw(st.booleans()),
        edit_distance=draw(st.none() | st.sampled_from([0.0, 0.5, 1.0]) | st.floats(0.0, 1.0)),
        predicted_label=draw(st.sampled_from(PREDICTED)),
        submitted_at=submitted,
        first_action_at=draw(_after(submitted)),
        decided_at=draw(_after(submitted)),
        escalations=draw(st.integers(0, 2)),
        sla_breaches=draw(st.integers(0, 2)),
        thumbs_up=draw(st.integers(0, 2)),
        thumbs_down=draw(st.integers(0, 2)),
        corrections=draw(st.integers(0, 1)),
        expert_labels=draw(
            st.dictionaries(st.sampled_from(EXPERTS), st.sampled_from(["fraud", "ok"]), max_size=3)
        ),
        votes=sorted(
            draw(
                st.dictionaries(
                    st.sampled_from(REVIEWERS),
                    st.sampled_from(["approve", "reject", "edit"]),
                    max_size=3,
                )
            ).items()
        ),
    )
    ground = draw(
        st.none()
        | st.tuples(st.sampled_from(TRUTH_LABELS), st.sampled_from(["consensus", "adjudicated"]))
    )
    # When each report happened and was recorded, a microsecond or more apart: ties on
    # when it happened, never on both.
    moments = draw(
        st.lists(
            st.tuples(st.integers(0, 2), st.integers(0, 2), st.sampled_from(TRUTH_LABELS)),
            max_size=3,
            unique_by=lambda m: m[:2],
        )
    )
    # Event ids in no particular order of time: they must not decide which report wins.
    numbers = draw(st.permutations(range(len(moments))))
    later = submitted + timedelta(days=1)
    reports = [
        Report(
            event_id=f"{decision_id}:{n}",
            label=label,
            at=later + at * MICROSECOND,
            recorded_at=later + timedelta(hours=1) + recorded * MICROSECOND,
        )
        for n, (at, recorded, label) in zip(numbers, moments, strict=True)
    ]
    return Decision(made, ground, reports)


def numbered(decision: Decision, i: int) -> Decision:
    """``decision`` as the ``i``-th: its id, and its reports' event ids, by number."""
    decision_id = f"d-{i:03d}"
    return Decision(
        decision.facts.model_copy(update={"decision_id": decision_id}),
        decision.ground,
        [replace(r, event_id=decision_id + r.event_id.removeprefix("d")) for r in decision.reports],
    )


@st.composite
def populations(draw: st.DrawFn) -> tuple[EvaluationFilters, list[Decision]]:
    """Filters, and up to 40 decisions around their time range, in the order they are
    written (not the order of their ids)."""
    window = draw(st.sampled_from(WINDOWS))
    since = draw(st.none() | st.sampled_from([T0, T0 + MICROSECOND]))
    if since is None:
        # Windows count from the epoch: anchor on one of their boundaries, near 2025 or
        # straddling 1970 (windows before the epoch are negative).
        base = draw(st.sampled_from([T0, NEAR_EPOCH]))
        anchor = EPOCH + (base - EPOCH) // window * window
    else:
        anchor = since
    until = draw(
        st.none()
        | st.tuples(st.integers(0, 4), st.sampled_from([0, 1])).map(
            lambda u: anchor + window * u[0] + u[1] * MICROSECOND
        )
    )
    filters = EvaluationFilters(
        use_case=draw(st.none() | st.sampled_from([*USE_CASES, "nothing"])),
        model_version=draw(st.none() | st.sampled_from(MODEL_VERSIONS)),
        since=since,
        until=until,
        window=window,
        minimum_group=draw(st.sampled_from([1, 2, 30])),
    )
    made = draw(st.lists(decisions(anchor, window), max_size=40))
    order = draw(st.permutations(range(len(made))))
    return filters, [numbered(made[i], i) for i in order]


# -- the specs ---------------------------------------------------------------------------


DEEP = os.environ.get("SIGNOFF_FUZZ") == "deep"


@settings(
    max_examples=500 if DEEP else 30,
    deadline=None,
    database=None,
    # Shrinking a population takes minutes (each try writes it and evaluates it): the
    # bounded run reports the example as found, the deep run shrinks it.
    phases=tuple(Phase) if DEEP else (Phase.explicit, Phase.generate),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(population=populations())
async def test_the_counts_in_sql_equal_the_per_decision_reference_for_any_decisions_and_filters(
    store: Store, population: tuple[EvaluationFilters, list[Decision]]
) -> None:
    filters, made = population

    got, want = await evaluated(store, filters, made)

    assert_same(got, want)
    # The reference's selection and truth are the old reader's.
    read = [(f.decision_id, t) async for f, t in store.stream_facts(filters)]
    assert read == [(f.decision_id, t) for f, t in by_id(made) if selected(filters, f)]


async def test_a_decision_exactly_on_a_window_boundary_belongs_to_the_later_window(
    store: Store,
) -> None:
    day = timedelta(days=1)
    boundary = datetime(2025, 3, 5, tzinfo=UTC)
    made = [
        Decision(facts("d-1", submitted_at=boundary - MICROSECOND)),
        Decision(facts("d-2", submitted_at=boundary)),
        Decision(facts("d-3", submitted_at=boundary + MICROSECOND)),
        Decision(facts("d-4", submitted_at=boundary + day - MICROSECOND)),
        Decision(facts("d-5", submitted_at=boundary + day)),
    ]
    for since in (None, boundary - 3 * day):
        filters = EvaluationFilters(since=since, window=day)

        got, want = await evaluated(store, filters, made)

        assert_same(got, want)
        (cohort,) = got.cohorts
        assert [(w.start, w.metrics.decisions) for w in cohort.windows] == [
            (boundary - day, 1),
            (boundary, 3),
            (boundary + day, 1),
        ]


async def test_a_decision_before_1970_falls_in_a_window_counted_back_from_the_epoch(
    store: Store,
) -> None:
    hour = timedelta(hours=1)
    made = [
        Decision(facts("d-1", submitted_at=EPOCH - MICROSECOND, decided_at=EPOCH)),
        Decision(facts("d-2", submitted_at=EPOCH - hour, decided_at=EPOCH + MICROSECOND)),
        Decision(facts("d-3", submitted_at=EPOCH - hour - MICROSECOND, decided_at=EPOCH)),
        Decision(facts("d-4", submitted_at=EPOCH, decided_at=EPOCH + hour)),
    ]
    filters = EvaluationFilters(window=hour)

    got, want = await evaluated(store, filters, made)

    assert_same(got, want)
    (cohort,) = got.cohorts
    assert [(w.start, w.metrics.decisions) for w in cohort.windows] == [
        (EPOCH - 2 * hour, 1),
        (EPOCH - hour, 2),
        (EPOCH, 1),
    ]
    assert cohort.metrics.timing.time_to_decision.p50 == pytest.approx(3600.0000005)


async def test_a_truth_label_is_matched_to_the_prediction_as_python_folds_case_and_whitespace_not_as_sql_does(  # noqa: E501
    store: Store,
) -> None:
    cases = [
        # predicted, truth label, whether the AI was right
        ("fraud", " Fraud\t", True),
        ("fraud", "FRAUD\n", True),
        ("straße", "STRASSE", False),  # Python's lower() does not fold ß to ss
        ("straße", "Straße ", True),
        ("ß", "ẞ", True),  # the capital sharp s lowers to ß
        ("İ", "i̇", True),  # İ lowers to i with a combining dot
        ("İ", "i", False),
        ("οδος", "ΟΔΟΣ", True),  # a final capital sigma lowers to ς
        (None, "\u00a0yes", True),  # Python strips a no-break space; SQL's trim does not
        (None, "\u2003No\u3000", False),
        (None, "maybe", None),  # says nothing without a prediction
        ("ok", "maybe", False),
        ("", " ", True),
    ]
    made = [
        Decision(
            facts(f"d-{i:02d}", predicted_label=predicted, confidence=0.35),
            ground=(label, "consensus"),
        )
        for i, (predicted, label, _) in enumerate(cases)
    ]
    assert [ai_was_right(label, p) for p, label, _ in cases] == [r for _, _, r in cases]
    filters = EvaluationFilters()

    got, want = await evaluated(store, filters, made)

    assert_same(got, want)
    accuracy = got.cohorts[0].metrics.quality.accuracy
    said = [r for _, _, r in cases if r is not None]
    assert (accuracy.successes, accuracy.total) == (sum(said), len(said))
    assert got.label_sources == {"expert": len(cases)}


async def test_the_latest_reported_outcome_wins_by_when_it_happened_then_when_it_was_recorded(
    store: Store,
) -> None:
    later = T0 + timedelta(days=1)

    def report(event_id: str, label: str, at: datetime, recorded_at: datetime) -> Report:
        return Report(event_id=event_id, label=label, at=at, recorded_at=recorded_at)

    made = [
        # Happened latest, though recorded first and with the smallest event id.
        Decision(
            facts("d-1", predicted_label="fraud"),
            reports=[
                report("a", "fraud", later + MICROSECOND, later),
                report("b", "ok", later, later + timedelta(days=2)),
                report("c", "ok", later, later + timedelta(days=1)),
            ],
        ),
        # Happened at the same moment: the one recorded latest wins.
        Decision(
            facts("d-2", predicted_label="fraud"),
            reports=[
                report("z", "ok", later, later + MICROSECOND),
                report("y", "Fraud", later, later + 2 * MICROSECOND),
                report("x", "ok", later - MICROSECOND, later + timedelta(days=9)),
            ],
        ),
        # The experts' settled label beats any report.
        Decision(
            facts("d-3", predicted_label="fraud"),
            ground=("ok", "adjudicated"),
            reports=[report("w", "fraud", later, later)],
        ),
    ]
    filters = EvaluationFilters()

    got, want = await evaluated(store, filters, made)

    assert_same(got, want)
    assert [d.truth() for d in made] == [
        Truth(label="fraud", source=LabelSource.APPLICATION_OUTCOME),
        Truth(label="Fraud", source=LabelSource.APPLICATION_OUTCOME),
        Truth(label="ok", source=LabelSource.ADJUDICATED),
    ]
    quality = got.cohorts[0].metrics.quality
    assert (quality.accuracy.successes, quality.accuracy.total) == (2, 3)
    assert got.label_sources == {"application_outcome": 2, "adjudicated": 1}


async def test_a_duration_from_just_under_a_whole_second_is_exact_to_the_microsecond(
    store: Store,
) -> None:
    second = datetime(2025, 3, 4, 9, 30, 1, tzinfo=UTC)
    made = [
        Decision(
            facts(
                f"d-{i}",
                route="human",
                submitted_at=second - timedelta(microseconds=us),
                first_action_at=second + timedelta(seconds=5) - timedelta(microseconds=us),
                decided_at=second + timedelta(seconds=10),
            )
        )
        for i, us in enumerate([1, 499, 500, 501, 999_999])
    ]
    filters = EvaluationFilters()

    got, want = await evaluated(store, filters, made)

    assert_same(got, want)
    timing = got.cohorts[0].metrics.timing
    assert timing.time_to_decision.p50 == pytest.approx(10.0005)
    assert timing.handling.p50 == pytest.approx(5.0005)
    assert timing.waiting.p50 == pytest.approx(5.0)


def labelled_at(confidences: Sequence[float], truth: Callable[[int], str]) -> list[Decision]:
    """A decision predicting "fraud" at each confidence, the experts' label ``truth(i)``."""
    return [
        Decision(
            facts(f"d-{i:02d}", confidence=c, predicted_label="fraud"),
            ground=(truth(i), "consensus"),
        )
        for i, c in enumerate(confidences)
    ]


async def test_a_labelled_decision_with_a_vanishingly_small_confidence_is_counted_as_in_python(
    store: Store,
) -> None:
    # (confidence - 0) squared is below the smallest float: Python rounds it to 0.
    made = labelled_at([5e-324, 1e-170, 1e-160, 1e-100, 0.0] * 2, lambda i: "ok")
    filters = EvaluationFilters()

    got, want = await evaluated(store, filters, made)

    assert_same(got, want)
    assert got.cohorts[0].metrics.calibration.brier == pytest.approx(0.0, abs=1e-190)


async def test_filters_by_use_case_model_version_and_time_select_the_same_decisions_in_sql_as_in_the_reference(  # noqa: E501
    store: Store,
) -> None:
    hour = timedelta(hours=1)
    made = [
        Decision(
            facts(
                f"d-{i:02d}",
                use_case=USE_CASES[i % 2],
                model_version=MODEL_VERSIONS[i // 2 % 2],
                submitted_at=T0 + hour * (i // 4) + MICROSECOND * (i % 3 - 1),
                predicted_label="fraud",
                decided_at=T0 + hour * i,
            ),
            ground=("fraud" if i % 3 else "ok", "consensus"),
        )
        for i in range(24)
    ]
    await write(store, made[::-1])
    for filters in [
        EvaluationFilters(),
        EvaluationFilters(use_case="refunds"),
        EvaluationFilters(use_case="loans", model_version="m-2"),
        EvaluationFilters(model_version="m-1", since=T0 + hour),
        EvaluationFilters(since=T0 + hour, until=T0 + 3 * hour, window=hour),
        EvaluationFilters(since=T0 + hour - MICROSECOND, until=T0 + 3 * hour + MICROSECOND),
        EvaluationFilters(until=T0 + hour, window=timedelta(minutes=30)),
        EvaluationFilters(use_case="nothing"),
    ]:
        got = await store.evaluate(filters, now=NOW)
        want = reference_evaluation(filters, by_id(made), now=NOW)

        assert_same(got, want)
        chosen = [f.decision_id for f, _ in by_id(made) if selected(filters, f)]
        assert got.decisions == len(chosen), filters
        assert [f.decision_id async for f, _ in store.stream_facts(filters)] == chosen


async def test_confidences_on_bin_edges_and_thresholds_are_counted_where_the_reference_puts_them(
    store: Store,
) -> None:
    made = labelled_at(EDGES, lambda i: "fraud" if i % 2 else "ok")
    filters = EvaluationFilters()

    got, want = await evaluated(store, filters, made)

    assert_same(got, want)
    calibration = got.cohorts[0].metrics.calibration
    assert calibration.count == len(EDGES)
    assert sum(b.count for b in calibration.bins) == len(EDGES)


async def test_the_experts_agreement_takes_the_decisions_in_the_order_of_their_ids_as_before(
    store: Store,
) -> None:
    # Two decisions two experts labelled and two that three did: Fleiss' kappa keeps
    # the items rated by the most usual number of experts, the first met on a tie. The
    # per-decision evaluation met them in the order of their ids.
    two = {"e1": "fraud", "e2": "ok"}
    three = {"e1": "fraud", "e2": "fraud", "e3": "ok"}
    made = [
        Decision(facts("d-1", expert_labels=two)),
        Decision(facts("d-2", expert_labels=two)),
        Decision(facts("d-3", expert_labels=three)),
        Decision(facts("d-4", expert_labels=three)),
    ]
    filters = EvaluationFilters()

    got, want = await evaluated(store, filters, made[::-1])

    assert want.cohorts[0].agreement.fleiss_items == 2
    found = differences(
        got.cohorts[0].agreement.model_dump(), want.cohorts[0].agreement.model_dump()
    )
    assert not found, found


async def test_a_cancelled_decisions_thumb_counts_among_thumbs_but_not_towards_coverage(
    store: Store,
) -> None:
    made = [
        Decision(facts("d-1", status="cancelled", decided_at=T0 + HOUR, thumbs_up=1)),
        Decision(facts("d-2", status="approved", decided_at=T0 + HOUR, corrections=1)),
    ]
    filters = EvaluationFilters()

    got, want = await evaluated(store, filters, made)

    assert_same(got, want)
    feedback = got.cohorts[0].metrics.feedback
    assert (feedback.thumbs_up_rate.successes, feedback.thumbs_up_rate.total) == (1, 1)
    assert (feedback.coverage.successes, feedback.coverage.total) == (1, 1)


async def test_when_one_lane_fails_the_other_is_stopped_and_leaves_no_connection_busy(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    await write(store, [Decision(facts(f"d-{i}", decided_at=T0 + HOUR)) for i in range(3)])
    postgres = store.engine.dialect.name == "postgresql"

    async def broken(self: Any) -> Any:
        await asyncio.sleep(0.2)  # while the other lane is in the middle of its query
        raise RuntimeError("the counting lane failed")

    finished: list[bool] = []

    async def slow(self: Any) -> Any:
        await self.session.execute(text("SELECT pg_sleep(5)" if postgres else "SELECT 1"))
        finished.append(True)
        return {}

    monkeypatch.setattr(evaluation_sql._Lane, "counted", broken)
    monkeypatch.setattr(evaluation_sql._Lane, "percentiles", slow)
    with pytest.raises(RuntimeError, match="counting lane"):
        await store.evaluate(EvaluationFilters(), now=NOW)

    if postgres:
        async with store.engine.connect() as conn:
            left = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
                    " AND datname = current_database() AND state <> 'idle'"
                    " AND (query LIKE '%pg_sleep%' OR query LIKE '%decision_facts%')"
                )
            )
        assert left == 0
        assert not finished, "the percentiles' lane ran on after the counting lane failed"
    monkeypatch.undo()
    assert (await store.evaluate(EvaluationFilters(), now=NOW)).decisions == 3
