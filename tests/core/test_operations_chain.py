"""An operations chain's id (``ops/DAY``) can never name a decision, and no decision's
workflow or refusal audit can ever take an operations event's workflow id."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from signoff.core.contract import (
    OPERATIONS_WORKFLOW_PREFIX,
    is_operations_chain,
    operations_chain,
    operations_workflow_id,
    refusal_workflow_id,
    workflow_id_for,
)
from signoff.core.models._types import DecisionId

DECISION_ID = TypeAdapter(DecisionId)
decision_ids = st.from_regex(r"\A[A-Za-z0-9._:\-]{1,200}\Z")
moments = st.datetimes(timezones=st.just(UTC), min_value=datetime(1, 1, 2))


@given(moments)
def test_no_decision_id_is_an_operations_chain(at: datetime) -> None:
    chain = operations_chain(at)
    assert is_operations_chain(chain) and chain == f"ops/{at:%Y-%m-%d}"
    try:
        DECISION_ID.validate_python(chain)
    except ValidationError:
        return
    raise AssertionError(f"{chain} passed as a decision id")


@given(decision_ids, st.text(min_size=1, max_size=300), moments, st.text(min_size=1))
def test_no_decisions_workflow_takes_an_operations_events_id(
    decision_id: str, action_id: str, at: datetime, attempt: str
) -> None:
    DECISION_ID.validate_python(decision_id)
    ours = operations_workflow_id(operations_chain(at), attempt)
    assert ours.startswith(OPERATIONS_WORKFLOW_PREFIX)
    for theirs in (workflow_id_for(decision_id), refusal_workflow_id(decision_id, action_id)):
        assert not theirs.startswith(OPERATIONS_WORKFLOW_PREFIX) and theirs != ours
    assert not is_operations_chain(decision_id)
