"""Finding decisions through Temporal visibility: the query and the rows it returns."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any, TypedDict

from pydantic import BaseModel
from temporalio.api.common.v1 import SearchAttributes
from temporalio.api.workflow.v1 import WorkflowExecutionInfo

from signoff.core import search_attributes as search
from signoff.core.contract import DECISION_WORKFLOW, WORKFLOW_ID_PREFIX


class DecisionListing(BaseModel):
    decision_id: str
    workflow_id: str
    status: str
    use_case: str
    risk_tier: str
    stage: str

    @classmethod
    def of(cls, info: WorkflowExecutionInfo) -> DecisionListing:
        """The listing of one row of a visibility page, read from the raw row: the SDK's
        ``WorkflowExecution`` decodes every search attribute twice (typed and untyped),
        which cost half a millisecond a row, more than the rest of a page's handling."""
        attrs = info.search_attributes
        workflow_id = info.execution.workflow_id
        return cls(
            decision_id=workflow_id.removeprefix(WORKFLOW_ID_PREFIX),
            workflow_id=workflow_id,
            status=_keyword(attrs, search.STATUS.name) or "starting",
            use_case=_keyword(attrs, search.USE_CASE.name) or "",
            risk_tier=_keyword(attrs, search.RISK_TIER.name) or "",
            stage=_keyword(attrs, search.STAGE.name) or "",
        )


def _keyword(attrs: SearchAttributes, name: str) -> str | None:
    """A keyword search attribute's value (JSON-encoded in its payload), or None."""
    if name not in attrs.indexed_fields:
        return None
    value: Any = json.loads(attrs.indexed_fields[name].data)
    return value if isinstance(value, str) else None


class DecisionPage(BaseModel):
    """One page of a search: its rows, how many decisions match in all (on the first
    page only), and the cursor for the next page (None on the last)."""

    listings: list[DecisionListing]
    total: int | None = None
    next_cursor: str | None = None


class SearchFilters(TypedDict, total=False):
    """What decisions can be found by: their search attributes (None: any)."""

    status: str | None
    use_case: str | None
    risk_tier: str | None
    model_version: str | None
    pending_for: str | None
    submitted_since: datetime | None
    """Started at or after (the workflow's start, which is the submission)."""
    submitted_until: datetime | None
    """Started before."""


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def search_query(
    *,
    salt: str,
    task_queue: str | None = None,
    status: str | None = None,
    use_case: str | None = None,
    risk_tier: str | None = None,
    model_version: str | None = None,
    pending_for: str | None = None,
    submitted_since: datetime | None = None,
    submitted_until: datetime | None = None,
) -> str:
    """A visibility query over decision workflows; people are matched by their token.
    Runs that handed over to a fresh one, or failed before deciding, are not decisions
    to list: only running and completed runs are."""
    clauses = [
        f"WorkflowType = '{DECISION_WORKFLOW}'",
        "ExecutionStatus IN ('Running', 'Completed')",
    ]
    if task_queue is not None:
        clauses.append(f"TaskQueue = {_quote(task_queue)}")
    for key, value in (
        (search.STATUS, status),
        (search.USE_CASE, use_case),
        (search.RISK_TIER, risk_tier),
        (search.MODEL_VERSION, model_version),
    ):
        if value is not None:
            clauses.append(f"{key.name} = {_quote(value)}")
    for name, value in (
        ("status", status),
        ("use_case", use_case),
        ("risk_tier", risk_tier),
        ("model_version", model_version),
    ):
        if value is not None and _CONTROL.search(value):
            # A NUL cuts the visibility store's SQL short: Temporal answers "unavailable"
            # and its client retries for seconds before giving up.
            raise ValueError(f"The {name} to search for may not hold control characters.")
    if pending_for is not None:
        token = search.search_token(salt, pending_for)
        clauses.append(f"{search.PENDING_APPROVERS.name} = {_quote(token)}")
    for bound, at in ((">=", submitted_since), ("<", submitted_until)):
        if at is not None:
            if at.tzinfo is None:
                raise ValueError("A submission time needs a time zone (Z or +hh:mm).")
            clauses.append(f"StartTime {bound} '{at.astimezone(UTC).isoformat()}'")
    return " AND ".join(clauses)
