"""The evaluation's counting, done by the database: ``GROUP BY`` cohort, window and
segment value over ``decision_facts`` joined to its settled truth.

Why in SQL: reading a million decisions' rows into Python and counting them there took
over a minute; the database counts them in seconds and only a few thousand group rows
come back. Every counter of :class:`~signoff.core.learning.tally.Tally` is defined here,
once, as a ``SUM`` over the decisions; a spec holds the results equal to a
per-decision reference in the tests, on SQLite and PostgreSQL.

What stays exact: counts are integers; durations are taken in whole microseconds
(:func:`~signoff.adapters.store.sql.seconds_between`) and percentiles interpolated as
numpy does. Whether the AI was right is decided by
:func:`~signoff.core.learning.labels.ai_was_right` in Python, once per distinct pair of
(truth label, predicted label), and the verdicts handed to the query as a JSON
parameter, because SQL's ``lower`` and ``trim`` do not fold text as Python's do.

Memory: what comes back is a row per group (cohort, cohort-window, cohort-segment value)
and a row per reviewer, plus the experts' labels of decisions two or more experts
labelled, which agreement statistics need item by item.
"""

from __future__ import annotations

import asyncio
import json
import re
import weakref
from collections import defaultdict
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import (
    CTE,
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from signoff.adapters.store.sql import (
    dialect_of,
    json_array_items,
    json_item,
    json_object_pairs,
    json_parameter,
    seconds_between,
    window_index,
    window_of,
)
from signoff.adapters.store.tables import DecisionFactsRow, GroundTruthRow, ReportedOutcomeRow
from signoff.core.learning.calibration import BINS, ConfidenceBins, inner_edges
from signoff.core.learning.evaluate import (
    THRESHOLDS,
    CohortCounts,
    ThresholdCounts,
    evaluation,
    origin,
)
from signoff.core.learning.labels import SETTLED, ai_was_right
from signoff.core.learning.latency import QUANTILES, Percentiles, interpolated
from signoff.core.learning.results import CohortKey, Evaluation, EvaluationFilters
from signoff.core.learning.tally import COUNTERS, SERIES, SOURCE_SETS, Tally, merged
from signoff.core.models import LabelSource, Status

A = TypeVar("A")
B = TypeVar("B")
COHORT = ("use_case", "model_version", "prompt_version", "policy_name", "policy_version")


async def evaluate(
    sessions: async_sessionmaker[AsyncSession], filters: EvaluationFilters, **kw: Any
) -> Evaluation:
    """The :class:`Evaluation` of the decisions ``filters`` select, counted in the
    database: on PostgreSQL in two connections at once (the counters in one, the
    percentiles in the other), both reading one snapshot."""
    async with _lanes(sessions, filters) as (counting, timing):
        keys = await counting.cohort_keys()
        numbered = json.dumps([[*key, i] for i, key in enumerate(keys)])
        counting.params["cohorts"] = timing.params["cohorts"] = numbered
        await counting.decide_verdicts()
        (counted, reviewers, experts), series = await _both(
            counting.counted(), timing.percentiles(), together=counting is not timing
        )
    windows, thresholds, holding, sources = counted
    cohorts = {
        key: CohortCounts(
            key=_cohort_key(key),
            overall=merged(tallies.values()),
            windows=tallies,
            thresholds=thresholds[key],
            reviewers=reviewers.get(key, {}),
            expert_labels=experts.get(key, []),
        )
        for key, tallies in windows.items()
    }
    for (*key, attribute, value), tallies in holding.items():
        cohorts[tuple(key)].segments.setdefault(attribute, {})[value] = merged(tallies)
    for (i, *group), found in series.items():
        # SQLite reads without one snapshot: a group a write added after the counting
        # has percentiles but no counts, and is left out until the next evaluation.
        tally = _group_of(cohorts.get(keys[i]), group)
        if tally is None:
            continue
        for name, value in found.items():
            setattr(tally, name, value)
    sources = {source: n for source, n in sources.items() if n}
    return evaluation(filters, cohorts.values(), label_sources=sources, **kw)


@asynccontextmanager
async def _lanes(
    sessions: async_sessionmaker[AsyncSession], filters: EvaluationFilters
) -> AsyncIterator[tuple[_Lane, _Lane]]:
    """Two lanes of queries: on PostgreSQL two connections whose REPEATABLE READ
    transactions share one snapshot (``pg_export_snapshot``, as ``pg_dump -j`` does),
    so their numbers agree with each other; on SQLite one connection for both."""
    async with sessions() as first, sessions() as second:
        dialect = dialect_of(first)
        if dialect != "postgresql":
            lane = _Lane(first, dialect, filters)
            yield lane, lane
            return
        # Both connections are taken in one step, one evaluation at a time: evaluations
        # that each held one while waiting for a second would empty the pool and wait on
        # each other until its timeout.
        async with _checkout_lock(sessions):
            for session in (first, second):
                await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        snapshot = (await first.execute(text("SELECT pg_export_snapshot()"))).scalar_one()
        if not re.fullmatch(r"[0-9A-F-]+", snapshot):
            raise RuntimeError(f"unexpected snapshot id {snapshot!r}")
        await second.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
        for session in (first, second):
            # Compiling these wide aggregates to machine code costs more than it saves.
            await session.execute(text("SET LOCAL jit = off"))
        yield _Lane(first, dialect, filters), _Lane(second, dialect, filters)


_CHECKOUTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def _checkout_lock(sessions: async_sessionmaker[AsyncSession]) -> asyncio.Lock:
    """The lock of ``sessions``' pool under which an evaluation takes its connections
    (one per event loop: an asyncio lock belongs to the loop it is used in)."""
    locks = _CHECKOUTS.setdefault(asyncio.get_running_loop(), {})
    return locks.setdefault(id(sessions), asyncio.Lock())


async def _both(
    one: Coroutine[Any, Any, A], other: Coroutine[Any, Any, B], *, together: bool
) -> tuple[A, B]:
    """Both results: at once where the lanes are two connections, else in turn. A
    failure is raised as it came, once the other lane has stopped."""
    if not together:
        try:
            first = await one
        except BaseException:
            other.close()
            raise
        return first, await other
    try:
        # A task group: when one lane fails the other is cancelled and awaited before
        # the connections close, so none is left idle in its transaction holding locks.
        async with asyncio.TaskGroup() as group:
            first_task, second_task = group.create_task(one), group.create_task(other)
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return first_task.result(), second_task.result()


class _Lane:
    """The queries one connection runs, sharing the filters and the JSON parameters
    (``verdicts``, ``cohorts``)."""

    def __init__(self, session: AsyncSession, dialect: str, filters: EvaluationFilters) -> None:
        self.session, self.dialect, self.filters = session, dialect, filters
        self.params: dict[str, str] = {"verdicts": "[]", "cohorts": "[]"}

    async def cohort_keys(self) -> list[tuple[str, ...]]:
        """The cohorts of the selected decisions, each numbered by its place here."""
        facts = DecisionFactsRow.__table__.c
        keys = [facts[name] for name in COHORT]
        stmt = select(*keys).where(*_selected(self.filters)).group_by(*keys)
        return sorted(tuple(row) for row in await self._execute(stmt))

    async def decide_verdicts(self) -> None:
        """Whether each distinct (truth, prediction) pair says the AI was right, by
        :func:`ai_was_right`, into the ``verdicts`` parameter."""
        pairs = await self._execute(_label_pairs(self.filters))
        verdicts = [
            [label, predicted or "", int(predicted is not None), int(right)]
            for label, predicted in pairs
            if (right := ai_was_right(label, predicted)) is not None
        ]
        self.params["verdicts"] = json.dumps(verdicts)

    async def counted(self) -> tuple[Any, dict[tuple[Any, ...], Any], dict[tuple[Any, ...], Any]]:
        """What the counting lane gives: the counts, the reviewers, the experts' labels."""
        experts: dict[tuple[Any, ...], list[dict[str, str]]] = defaultdict(list)
        counts, reviewers = await self.counts(), await self.reviewers()
        async for key, labels in self.expert_labels():
            experts[key].append(labels)
        return counts, reviewers, experts

    async def counts(self) -> tuple[Any, Any, Any, dict[str, int]]:
        """Each cohort's windows, counted in the database; the thresholds and sources
        of truth summed over them; and the counts of each segment combination (a few
        dozen per cohort) under each value it holds, to be added up (one pass over the
        decisions instead of one per attribute)."""
        origin_, width = origin(self.filters), self.filters.window
        windows: dict[tuple[Any, ...], dict[int, Tally]] = defaultdict(dict)
        thresholds: dict[tuple[Any, ...], ThresholdCounts] = defaultdict(ThresholdCounts)
        holding: dict[tuple[Any, ...], list[Tally]] = defaultdict(list)
        sources: dict[str, int] = defaultdict(int)
        for row in await self._counts():
            key = tuple(row[: len(COHORT)])
            if row.by_segment:
                segment = row.segment
                if isinstance(segment, str):
                    segment = json.loads(segment)
                for attribute, value in segment.items():
                    # Segments are text (``DecisionRequest.segment``); anything else in
                    # the table was written around the model and is left out.
                    if isinstance(value, str):
                        holding[(*key, attribute, value)].append(_tally(row._mapping))
                continue
            windows[key][window_index(row.window, origin_, width)] = _tally(row._mapping)
            thresholds[key] = thresholds[key].merged(_thresholds_of(row))
            for source in SETTLED:
                sources[source.value] += row._mapping[f"truth_from:{source.value}"]
        return windows, thresholds, holding, sources

    async def _counts(self) -> list[Any]:
        """The counters by cohort and window, and by cohort and segment combination:
        two aggregates of one pass over the decisions and their truth."""
        rows = _rows(self.dialect, self.filters, "segment", counting=True)
        cohort = [rows.c[name] for name in COHORT]
        window, segment = rows.c.window, rows.c.segment
        none = null()
        by = [
            _counted(
                rows, [*cohort, window, none.label("segment"), literal(0).label("by_segment")]
            ).group_by(*cohort, window),
            _counted(
                rows, [*cohort, none.label("window"), segment, literal(1).label("by_segment")]
            ).group_by(*cohort, segment),
        ]
        return list(await self._execute(union_all(*by)))

    async def percentiles(self) -> dict[tuple[Any, ...], dict[str, Percentiles]]:
        """Each series' percentiles, keyed by (cohort number,), (cohort number, window
        index) or (cohort number, attribute, value)."""
        origin_, width = origin(self.filters), self.filters.window
        rows = _timed(self.dialect, self.filters)
        # PostgreSQL sorts the decisions once for both (ROLLUP); SQLite asks twice.
        together = self.dialect == "postgresql"
        found = await self._percentiles(rows, [rows.c.window], with_totals=together)
        if not together:
            found |= await self._percentiles(rows, [])
        out = {
            (key[0], window_index(key[1], origin_, width)) if len(key) == 2 else key: series
            for key, series in found.items()
        }
        rows = _timed(self.dialect, self.filters, "segment")
        pair = json_object_pairs(self.dialect, rows.c.segment)
        out |= await self._percentiles(rows, [pair.c.key, pair.c.value], joined=pair)
        return out

    async def reviewers(self) -> dict[tuple[Any, ...], dict[str, tuple[int, int]]]:
        """Per cohort and reviewer, of the decisions with settled truth they voted on,
        how often their verdict agreed with it (approving what was right, or not
        approving what was wrong): (agreed, voted)."""
        rows = _rows(self.dialect, self.filters, "votes", labelled=True)
        r = rows.c
        vote = json_array_items(self.dialect, r.votes)
        reviewer = json_item(self.dialect, vote.c.value, 0)
        approved = json_item(self.dialect, vote.c.value, 1) == "approve"
        agreed = or_(and_(approved, r.right == 1), and_(~approved, r.right == 0))
        keys = [*(r[name] for name in COHORT), reviewer.label("reviewer")]
        stmt = (
            select(*keys, _count(agreed).label("agreed"), func.count().label("voted"))
            .select_from(rows)
            .join(vote, true())
            .where(r.right.is_not(None))
            .group_by(*keys)
        )
        out: dict[tuple[Any, ...], dict[str, tuple[int, int]]] = defaultdict(dict)
        for row in await self._execute(stmt):
            out[tuple(row[: len(COHORT)])][row.reviewer] = (row.agreed, row.voted)
        return out

    async def expert_labels(self) -> AsyncIterator[tuple[tuple[Any, ...], dict[str, str]]]:
        """Each decision two or more experts labelled: its cohort and their labels."""
        facts = DecisionFactsRow.__table__.c
        pair = json_object_pairs(self.dialect, facts.expert_labels)
        experts = select(func.count()).select_from(pair).scalar_subquery()
        if self.dialect == "postgresql":  # count pairs only where there are any
            empty = facts.expert_labels == cast("{}", postgresql.JSONB)
            two_or_more = case((empty, False), else_=experts >= 2)
        else:
            two_or_more = experts >= 2
        stmt = (
            select(*(facts[name] for name in COHORT), facts.expert_labels)
            .where(*_selected(self.filters), two_or_more)
            # In the order of their ids: which number of raters is the usual one, that
            # Fleiss' kappa takes, is the first found among equally usual ones.
            .order_by(facts.decision_id)
        )
        for row in await self._execute(stmt):
            yield tuple(row[: len(COHORT)]), dict(row.expert_labels)

    async def _execute(self, stmt: Select[Any]) -> Any:
        return await self.session.execute(stmt, self.params)

    async def _percentiles(
        self,
        rows: CTE,
        extra: Sequence[ColumnElement[Any]],
        *,
        joined: Any = None,
        with_totals: bool = False,
    ) -> dict[tuple[Any, ...], dict[str, Percentiles]]:
        """Each series' percentiles per group (the cohort's number and ``extra``), exact;
        ``with_totals`` (PostgreSQL) adds each cohort's, under its number alone."""
        keys = [rows.c.cohort, *extra]
        if self.dialect == "postgresql" and joined is not None:
            # Sorting segment names by bytes, not by the database's locale, is faster;
            # the groups are the same.
            keys = [rows.c.cohort, *(k.collate("C") for k in extra)]
        values = select(*(k.label(f"k{i}") for i, k in enumerate(keys)))
        values = values.add_columns(
            *(v.label(n) for n, v in _series(self.dialect, rows.c).items())
        ).select_from(rows)
        if joined is not None:
            values = values.join(joined, true())
        grouped = values.subquery("series")
        group = [grouped.c[f"k{i}"] for i in range(len(keys))]
        if self.dialect == "postgresql":
            return await self._percentile_cont(grouped, group, with_totals=with_totals)
        return await self._ranked(grouped, group)

    async def _percentile_cont(
        self, grouped: Any, group: list[Any], *, with_totals: bool
    ) -> dict[tuple[Any, ...], dict[str, Percentiles]]:
        """PostgreSQL's ``percentile_cont``: exact, with numpy's interpolation."""
        quantiles = postgresql.array([literal(q, Float(53)) for q in QUANTILES])
        columns = []
        for name in SERIES:
            value = grouped.c[name]
            columns += [
                func.count(value).label(f"{name}:count"),
                func.percentile_cont(quantiles).within_group(value).label(f"{name}:values"),
            ]
        out: dict[tuple[Any, ...], dict[str, Percentiles]] = defaultdict(dict)
        total = func.grouping(*group[1:]) if with_totals else literal(0)
        stmt = select(*group, total.label("total"), *columns)
        if with_totals:
            stmt = stmt.group_by(group[0], func.rollup(*group[1:]))
        else:
            stmt = stmt.group_by(*group)
        for row in await self._execute(stmt):
            found = row._mapping
            key = (row[0],) if row.total else tuple(row[: len(group)])
            for name in SERIES:
                if count := found[f"{name}:count"]:
                    p50, p90, p99 = found[f"{name}:values"]
                    out[key][name] = Percentiles(count=count, p50=p50, p90=p90, p99=p99)
        return out

    async def _ranked(
        self, grouped: Any, group: list[Any]
    ) -> dict[tuple[Any, ...], dict[str, Percentiles]]:
        """Where the database has no ``percentile_cont`` (SQLite): each series' values
        ranked within each group by a window function, and only the two values around
        each percentile's rank read back, for :func:`interpolated`."""
        out: dict[tuple[Any, ...], dict[str, Percentiles]] = defaultdict(dict)
        for name in SERIES:
            value = grouped.c[name]
            ranked = (
                select(
                    *group,
                    value.label("x"),
                    (func.row_number().over(partition_by=group, order_by=value) - 1).label("rank"),
                    func.count().over(partition_by=group).label("n"),
                )
                .where(value.is_not(None))
                .subquery("ranked")
            )
            wanted = []
            for q in QUANTILES:
                low = cast(q * (ranked.c.n - 1), Integer)
                wanted += [ranked.c.rank == low, ranked.c.rank == low + 1]
            at_rank: dict[tuple[Any, ...], tuple[int, dict[int, float]]] = {}
            for row in await self._execute(select(ranked).where(or_(*wanted))):
                _, found = at_rank.setdefault(tuple(row[: len(group)]), (row.n, {}))
                found[row.rank] = row.x
            for key, (count, found) in at_rank.items():
                out[key][name] = interpolated(count, found)
        return out


def _group_of(cohort: CohortCounts | None, group: Sequence[Any]) -> Tally | None:
    """The counted group a percentile row names: the cohort's whole (no more keys), a
    window (its index) or a segment value (attribute, value); None if not counted."""
    if cohort is None or not group:
        return None if cohort is None else cohort.overall
    if len(group) == 1:
        return cohort.windows.get(group[0])
    return cohort.segments.get(group[0], {}).get(group[1])


def _cohort_key(key: tuple[str, ...]) -> CohortKey:
    use_case, model_version, prompt_version, policy, policy_version = key
    return CohortKey(
        use_case=use_case,
        model_version=model_version,
        prompt_version=prompt_version,
        policy=policy,
        policy_version=policy_version,
    )


# -- the decisions, with their settled truth -----------------------------------------------


def _selected(filters: EvaluationFilters) -> list[ColumnElement[bool]]:
    facts = DecisionFactsRow.__table__.c
    where = []
    if filters.use_case is not None:
        where.append(facts.use_case == filters.use_case)
    if filters.model_version is not None:
        where.append(facts.model_version == filters.model_version)
    if filters.since is not None:
        where.append(facts.submitted_at >= filters.since)
    if filters.until is not None:
        where.append(facts.submitted_at < filters.until)
    return where


def _with_truth(filters: EvaluationFilters) -> tuple[Select[Any], Any, Any]:
    """Facts joined to the settled truth that :func:`~signoff.core.learning.labels.settled`
    would pick: an adjudicator's or experts' label (``ground_truth``), else the
    application's latest reported outcome."""
    facts = DecisionFactsRow.__table__
    truth = GroundTruthRow.__table__
    reports = ReportedOutcomeRow.__table__
    latest = select(
        reports.c.decision_id,
        reports.c.label,
        func.row_number()
        .over(
            partition_by=reports.c.decision_id,
            order_by=(reports.c.at.desc(), reports.c.recorded_at.desc(), reports.c.event_id.desc()),
        )
        .label("rank"),
    ).subquery("latest")
    joined = facts.outerjoin(truth, truth.c.decision_id == facts.c.decision_id).outerjoin(
        latest, and_(latest.c.decision_id == facts.c.decision_id, latest.c.rank == 1)
    )
    label = func.coalesce(truth.c.label, latest.c.label)
    source = case(
        (truth.c.method == "adjudicated", literal(LabelSource.ADJUDICATED.value)),
        (truth.c.decision_id.is_not(None), literal(LabelSource.EXPERT.value)),
        (latest.c.label.is_not(None), literal(LabelSource.APPLICATION_OUTCOME.value)),
    )
    return select().select_from(joined).where(*_selected(filters)), label, source


def _label_pairs(filters: EvaluationFilters) -> Select[Any]:
    """Every distinct (truth label, predicted label) among the selected decisions."""
    stmt, label, _ = _with_truth(filters)
    predicted = DecisionFactsRow.__table__.c.predicted_label
    return stmt.add_columns(label.label("label"), predicted).where(label.is_not(None)).distinct()


def _verdicts(dialect: str) -> Any:
    """The ``verdicts`` parameter as rows: label, predicted ('' for none), whether one
    was predicted, and whether that truth says the AI was right (1 or 0)."""
    items = json_array_items(dialect, json_parameter(dialect, "verdicts"))
    value = items.c.value
    columns = [json_item(dialect, value, i) for i in range(4)]
    if dialect == "postgresql":
        columns[2:] = [cast(c, Integer) for c in columns[2:]]
    names = ("label", "predicted", "has_predicted", "right")
    return select(*(c.label(n) for c, n in zip(columns, names, strict=True))).subquery("verdict")


def _rows(
    dialect: str,
    filters: EvaluationFilters,
    *documents: str,
    counting: bool = False,
    labelled: bool = False,
) -> CTE:
    """The selected decisions, one row each, with what the counters read: the cohort,
    the window, the truth's source and whether the AI was right, and the JSON
    ``documents`` asked for (carrying them costs where they are not needed).

    ``counting`` adds each labelled decision's confidence bin and threshold, and has
    the database compute the rows once (``MATERIALIZED``) rather than once for each of
    the hundred counters that read them. ``labelled`` keeps only the decisions whose
    truth says whether the AI was right.
    """
    facts = DecisionFactsRow.__table__.c
    stmt, label, source = _with_truth(filters)
    verdict = _verdicts(dialect)
    stmt = (stmt.join if labelled else stmt.outerjoin)(
        verdict,
        and_(
            verdict.c.label == label,
            verdict.c.predicted == func.coalesce(facts.predicted_label, ""),
            verdict.c.has_predicted == case((facts.predicted_label.is_(None), 0), else_=1),
        ),
    )
    confidence, right = facts.confidence, verdict.c.right
    columns = [*_described(dialect, filters, documents), source.label("source"), right]
    if not counting:
        return stmt.add_columns(*columns).cte("decisions")
    bin_ = sum(case((confidence > edge, 1), else_=0) for edge in inner_edges(BINS))
    threshold = sum(case((confidence >= t, 1), else_=0) for t in THRESHOLDS) - 1
    columns += [
        case((right.is_not(None), bin_)).label("bin"),
        case((right.is_not(None), threshold)).label("threshold"),
    ]
    return stmt.add_columns(*columns).cte("decisions").prefix_with("MATERIALIZED")


def _timed(dialect: str, filters: EvaluationFilters, *documents: str) -> CTE:
    """The selected decisions as the percentile series read them: without their truth,
    which no series needs (joining it cost more than the percentiles), and with their
    cohort as a number (the ``cohorts`` parameter's), which sorts into groups far
    faster than five strings."""
    facts = DecisionFactsRow.__table__.c
    items = json_array_items(dialect, json_parameter(dialect, "cohorts"))
    fields = [json_item(dialect, items.c.value, i) for i in range(len(COHORT) + 1)]
    if dialect == "postgresql":
        fields[-1] = cast(fields[-1], Integer)
    cohorts = select(
        *(f.label(n) for f, n in zip(fields, (*COHORT, "cohort"), strict=True))
    ).subquery("cohort")
    stmt = (
        select(cohorts.c.cohort, *_described(dialect, filters, documents))
        .join_from(
            DecisionFactsRow.__table__,
            cohorts,
            and_(*(cohorts.c[name] == facts[name] for name in COHORT)),
        )
        .where(*_selected(filters))
    )
    return stmt.cte("decisions")


def _described(
    dialect: str, filters: EvaluationFilters, documents: Sequence[str]
) -> list[ColumnElement[Any]]:
    """A decision's own columns that evaluation reads, its window among them."""
    facts = DecisionFactsRow.__table__.c
    return [
        *(facts[name] for name in COHORT),
        window_of(dialect, facts.submitted_at, origin(filters), filters.window).label("window"),
        *(facts[name] for name in documents),
        facts.confidence,
        facts.route,
        facts.sampled_for_qa,
        facts.status,
        facts.human_accepted,
        facts.human_status,
        facts.overridden,
        facts.edit_distance,
        facts.submitted_at,
        facts.first_action_at,
        facts.decided_at,
        facts.escalations,
        facts.sla_breaches,
        facts.thumbs_up,
        facts.thumbs_down,
        facts.corrections,
    ]


# -- what is counted -----------------------------------------------------------------------


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count().filter(condition)


def _total(condition: ColumnElement[bool], value: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(value).filter(condition), 0)


def _counters(r: Any) -> dict[str, ColumnElement[Any]]:
    """Each :data:`~signoff.core.learning.tally.COUNTERS` as an aggregate over ``r``."""
    human = r.route == "human"
    auto = r.route != "human"
    sampled = and_(auto, r.sampled_for_qa.is_(True))
    labelled = r.right.is_not(None)
    verdict = r.human_accepted.is_not(None)
    departed = r.human_accepted.is_(False)
    has_decided_at = r.decided_at.is_not(None)
    decided = and_(has_decided_at, r.status != Status.CANCELLED.value)
    thumbs = r.thumbs_up + r.thumbs_down
    return {
        "n": func.count(),
        "auto": _count(auto),
        "human": _count(human),
        "auto_sampled": _count(sampled),
        "qa": _count(and_(sampled, or_(labelled, r.thumbs_up != r.thumbs_down))),
        "qa_right": _count(
            and_(
                sampled,
                or_(r.right == 1, and_(r.right.is_(None), r.thumbs_up > r.thumbs_down)),
            )
        ),
        "verdicts": _count(verdict),
        "accepted": _count(r.human_accepted.is_(True)),
        "edited": _count(and_(verdict, r.human_status == Status.APPROVED_WITH_EDITS.value)),
        "rejected": _count(and_(verdict, r.human_status == Status.REJECTED.value)),
        "changes": _count(and_(verdict, r.human_status == Status.CHANGES_REQUESTED.value)),
        "departed": _count(departed),
        "decided": _count(decided),
        "manager_overrides": _count(and_(decided, r.overridden.is_(True))),
        "labelled": _count(labelled),
        "labelled_right": _count(r.right == 1),
        "right": _count(and_(verdict, r.right == 1)),
        "right_departed": _count(and_(departed, r.right == 1)),
        "wrong": _count(and_(verdict, r.right == 0)),
        "wrong_departed": _count(and_(departed, r.right == 0)),
        "thumbs": _total(has_decided_at, thumbs),
        "thumbs_up": _total(has_decided_at, r.thumbs_up),
        "with_feedback": _count(and_(decided, or_(thumbs > 0, r.corrections > 0))),
        "reviewed": _count(human),
        "breached": _count(and_(human, r.sla_breaches > 0)),
        "escalated": _count(and_(human, r.escalations > 0)),
        "escalation_count": _total(human, r.escalations),
    }


def _source_counts(r: Any) -> dict[str, ColumnElement[int]]:
    """Decisions per source of truth behind each rate family, as ``family:source``."""
    labelled = r.right.is_not(None)
    sampled = and_(r.route != "human", r.sampled_for_qa.is_(True))
    out = {}
    for source in SETTLED:
        is_source = and_(labelled, r.source == source.value)
        out[f"truth_sources:{source.value}"] = _count(is_source)
        out[f"reliance_sources:{source.value}"] = _count(
            and_(is_source, r.human_accepted.is_not(None))
        )
        out[f"qa_sources:{source.value}"] = _count(and_(is_source, sampled))
    thumbs_only = and_(sampled, r.right.is_(None), r.thumbs_up != r.thumbs_down)
    out[f"qa_sources:{LabelSource.THUMBS.value}"] = _count(thumbs_only)
    return out


def _bins(r: Any) -> dict[str, ColumnElement[Any]]:
    labelled = r.right.is_not(None)
    out: dict[str, ColumnElement[Any]] = {}
    for i in range(BINS):
        in_bin = and_(labelled, r.bin == i)
        out[f"bin_count:{i}"] = _count(in_bin)
        out[f"bin_confidence:{i}"] = _total(in_bin, r.confidence)
        out[f"bin_right:{i}"] = _count(and_(in_bin, r.right == 1))
    gap = r.confidence - r.right
    # PostgreSQL refuses a product that underflows to zero (Python gives 0.0): a gap
    # under 1e-150 contributes less than 1e-300, so it counts as none.
    squared = case((func.abs(gap) < 1e-150, 0.0), else_=gap * gap)
    out["squared_error"] = _total(labelled, squared)
    return out


def _thresholds(r: Any) -> dict[str, ColumnElement[int]]:
    labelled = r.right.is_not(None)
    out = {}
    for i in range(len(THRESHOLDS)):
        out[f"threshold_count:{i}"] = _count(and_(labelled, r.threshold == i))
        out[f"threshold_right:{i}"] = _count(and_(labelled, r.threshold == i, r.right == 1))
    return out


def _series(dialect: str, r: Any) -> dict[str, ColumnElement[Any]]:
    """Each percentile series (:data:`~signoff.core.learning.tally.SERIES`): its value
    for a decision, NULL where the decision is not in it."""
    human = r.route == "human"

    def seconds(later: Any, earlier: Any) -> ColumnElement[float]:
        return seconds_between(dialect, later, earlier)

    first, decided, submitted = r.first_action_at, r.decided_at, r.submitted_at
    return {
        "edit_size": case(
            (and_(r.human_accepted.is_not(None), r.edit_distance.is_not(None)), r.edit_distance)
        ),
        "decide_s": case((decided.is_not(None), seconds(decided, submitted))),
        "waiting_s": case(
            (and_(human, first.is_not(None)), seconds(first, submitted)),
            (and_(human, decided.is_not(None)), seconds(decided, submitted)),
        ),
        "handling_s": case(
            (
                and_(human, r.first_action_at.is_not(None), r.decided_at.is_not(None)),
                seconds(r.decided_at, r.first_action_at),
            )
        ),
    }


def _counted(rows: CTE, keys: Sequence[ColumnElement[Any]]) -> Select[Any]:
    """Every counter, and the threshold and truth-source counts, over ``rows``, with
    ``keys`` in front (the caller groups by them)."""
    r = rows.c
    columns = {**_counters(r), **_source_counts(r), **_bins(r), **_thresholds(r)}
    for source in SETTLED:
        columns[f"truth_from:{source.value}"] = _count(r.source == source.value)
    return select(*keys, *(c.label(n) for n, c in columns.items())).select_from(rows)


def _tally(row: Any) -> Tally:
    tally = Tally(**{name: int(row[name] or 0) for name in COUNTERS})
    for family in SOURCE_SETS:
        prefix = f"{family}:"
        found = frozenset(key[len(prefix) :] for key in row if key.startswith(prefix) and row[key])
        setattr(tally, family, found)
    tally.confidence = ConfidenceBins.of(
        [int(row[f"bin_count:{i}"]) for i in range(BINS)],
        [float(row[f"bin_confidence:{i}"]) for i in range(BINS)],
        [int(row[f"bin_right:{i}"]) for i in range(BINS)],
        float(row["squared_error"]),
    )
    return tally


def _thresholds_of(row: Any) -> ThresholdCounts:
    return ThresholdCounts.of(
        int(row.labelled),
        [int(row._mapping[f"threshold_count:{i}"]) for i in range(len(THRESHOLDS))],
        [int(row._mapping[f"threshold_right:{i}"]) for i in range(len(THRESHOLDS))],
    )
