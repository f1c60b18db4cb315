"""An application reports what really happened after a decision, whenever that is: the
report is durable, audited into the decision's chain, joined to the decision apart from
expert ground truth, recorded once however often it is sent, and refused clearly when
it cannot be true."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from temporalio.testing import WorkflowEnvironment

from signoff import ActionRefused
from signoff.adapters.store import Store
from signoff.client.failure_sentences import describe_validation
from signoff.core.contract import workflow_id_for
from signoff.core.errors import DecisionNotFound, OutcomeConflict
from signoff.core.models import AuditKind, LabelSource
from signoff.workflows import DecisionWorkflow
from tests.conftest import Harness, make_request

AN_HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)


async def _decided(harness: Harness, policy: str = "first-lead") -> str:
    request = make_request(policy)
    await harness.signoff.submit(request)
    await harness.signoff.perform(request.id, "approve", "alice")
    return request.id


async def _outcome_events(store: Store, decision_id: str) -> list:  # type: ignore[type-arg]
    return [e for e in await store.events(decision_id) if e.kind is AuditKind.OUTCOME_REPORTED]


async def test_an_outcome_reported_a_year_after_the_feedback_window_closed_is_audited_and_joined(
    skipping: Harness, skipping_env: WorkflowEnvironment, store: Store
) -> None:
    decision = await _decided(skipping, "short-feedback")
    await skipping_env.sleep(timedelta(hours=2))
    handle = skipping.client.get_workflow_handle_for(
        DecisionWorkflow.run, workflow_id_for(decision)
    )
    await handle.result()  # the window closed: the decision's workflow completed
    await skipping_env.sleep(timedelta(days=400))

    recorded = await skipping.signoff.record_outcome(
        decision, "chargeback", "chargeback-feed", AN_HOUR_AGO, reported_by="app:shop"
    )

    (event,) = await _outcome_events(store, decision)
    assert event.event_id == recorded.event_id and event.actor == "app:shop"
    assert event.data["label"] == "chargeback" and event.data["source"] == "chargeback-feed"
    assert datetime.fromisoformat(event.data["happened_at"]) == AN_HOUR_AGO
    assert (await store.verify(decision)).ok
    labels = await store.labels(decision)
    by_source = {label.source: label for label in labels}
    reported = by_source[LabelSource.APPLICATION_OUTCOME]
    assert (reported.label, reported.by, reported.at) == (
        "chargeback",
        ["chargeback-feed"],
        AN_HOUR_AGO,
    )
    assert reported.event_id == event.event_id
    assert by_source[LabelSource.HUMAN_DECISION].label == "approved"
    assert LabelSource.EXPERT not in by_source  # an application's outcome is no expert's


async def test_the_same_report_sent_twenty_times_at_once_and_again_later_is_recorded_once(
    live: Harness, store: Store
) -> None:
    decision = await _decided(live)

    def report() -> asyncio.Future:  # type: ignore[type-arg]
        return asyncio.ensure_future(
            live.signoff.record_outcome(decision, "repaid", "loan-ledger", AN_HOUR_AGO)
        )

    answers = await asyncio.gather(*(report() for _ in range(20)))
    later = await report()

    assert len({a.event_id for a in answers}) == 1
    assert len({a.recorded_at for a in answers}) == 1
    assert later.duplicate and later.event_id == answers[0].event_id
    assert later.recorded_at == answers[0].recorded_at
    assert len(await _outcome_events(store, decision)) == 1
    assert (await store.verify(decision)).ok


async def test_different_outcomes_from_different_sources_are_all_kept(
    live: Harness, store: Store
) -> None:
    decision = await _decided(live)

    await live.signoff.record_outcome(decision, "chargeback", "chargeback-feed", AN_HOUR_AGO)
    await live.signoff.record_outcome(decision, "kept", "crm", AN_HOUR_AGO)
    await live.signoff.record_outcome(
        decision, "chargeback reversed", "chargeback-feed", datetime.now(UTC)
    )

    labels = [
        (label.by[0], label.label)
        for label in await store.labels(decision)
        if label.source is LabelSource.APPLICATION_OUTCOME
    ]
    assert Counter(labels) == Counter(
        [
            ("chargeback-feed", "chargeback"),
            ("crm", "kept"),
            ("chargeback-feed", "chargeback reversed"),
        ]
    )


async def test_a_key_reused_for_another_outcome_is_refused_and_the_first_stays(
    live: Harness, store: Store
) -> None:
    decision = await _decided(live)
    first = await live.signoff.record_outcome(
        decision, "chargeback", "chargeback-feed", AN_HOUR_AGO, key="cb-9001"
    )

    with pytest.raises(OutcomeConflict, match="already names another outcome"):
        await live.signoff.record_outcome(
            decision, "kept", "chargeback-feed", AN_HOUR_AGO, key="cb-9001"
        )

    (event,) = await _outcome_events(store, decision)
    assert event.event_id == first.event_id and event.data["label"] == "chargeback"


async def test_an_outcome_for_no_decision_is_refused_in_one_sentence(live: Harness) -> None:
    with pytest.raises(DecisionNotFound, match="No decision with id 'nobody-knows'"):
        await live.signoff.record_outcome("nobody-knows", "chargeback", "feed", AN_HOUR_AGO)


async def test_an_outcome_before_the_decision_is_taken_is_refused_and_records_nothing(
    live: Harness, store: Store
) -> None:
    request = make_request("first-lead")
    await live.signoff.submit(request)

    with pytest.raises(ActionRefused) as refused:
        await live.signoff.record_outcome(request.id, "chargeback", "feed", AN_HOUR_AGO)

    assert refused.value.code == "undecided"
    assert "is still pending" in refused.value.message
    assert await _outcome_events(store, request.id) == []


@pytest.mark.parametrize(
    ("label", "source", "at", "said"),
    [
        ("  ", "feed", AN_HOUR_AGO, "label: String should have at least 1 character"),
        ("x" * 501, "feed", AN_HOUR_AGO, "label: String should have at most 500 characters"),
        ("ok", "", AN_HOUR_AGO, "source: String should have at least 1 character"),
        (
            "ok",
            "feed",
            datetime.now(UTC) + timedelta(hours=1),
            "at: the outcome cannot have happened in the future",
        ),
        ("ok", "feed", datetime(2026, 1, 1), "at: Input should have timezone info"),
    ],
)
async def test_an_invalid_report_is_refused_before_anything_starts(
    live: Harness, store: Store, label: str, source: str, at: datetime, said: str
) -> None:
    decision = await _decided(live)

    with pytest.raises(ValidationError) as invalid:
        await live.signoff.record_outcome(decision, label, source, at)

    sentence = describe_validation(invalid.value)
    assert sentence.startswith("Invalid outcome: ") and said in sentence, sentence
    assert await _outcome_events(store, decision) == []
