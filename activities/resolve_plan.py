"""Fix a decision's policy and people when it starts, from the worker's catalog."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from temporalio import activity
from temporalio.client import WorkflowExecutionStatus
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from signoff.activities.inputs import PeopleInput, PlanResolveInput, PreviousRunInput
from signoff.core.catalog import Catalog, ConfigError
from signoff.core.contract import DECISION_WORKFLOW, ErrorType
from signoff.core.models import DecisionPlan
from signoff.core.models.routing import RoutingVersion
from signoff.core.models.track_record import TrackRecord

RoutingReader = Callable[[str], Awaitable[RoutingVersion | None]]
TrackRecordReader = Callable[[str, str, float], Awaitable[TrackRecord | None]]
"""The track record of a use case's model version at about a confidence (the store's)."""


class PlanningActivities:
    """Args:
    routing: Reads the routing version in force for a policy (the store's); none, the
        policy file alone routes.
    track_record: Reads the model's track record the card shows beside its
        confidence (:meth:`signoff.adapters.store.Store.track_record`); none, cards
        show none."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        search_salt: str,
        outcome_webhook: bool,
        routing: RoutingReader | None = None,
        track_record: TrackRecordReader | None = None,
    ) -> None:
        self._catalog = catalog
        self._salt = search_salt
        self._outcome_webhook = outcome_webhook
        self._routing = routing
        self._track_record = track_record

    @activity.defn(name="signoff.resolve_plan")
    async def resolve_plan(self, input: PlanResolveInput) -> DecisionPlan:
        """Raises a non-retryable error for an unknown policy or unresolvable approvers:
        retrying cannot make a missing policy appear. An unreachable store is retried:
        a decision is never routed by a version that may have been demoted."""
        name = input.request.policy
        routing = None
        if self._routing is not None and isinstance(name, str):
            routing = await self._routing(name)
        try:
            plan = self._catalog.plan(input.request, submission=input.submission, routing=routing)
        except (ConfigError, ValueError) as err:
            raise ApplicationError(
                str(err), type=ErrorType.INVALID_POLICY, non_retryable=True
            ) from err
        request = input.request
        record = None
        if self._track_record is not None:
            record = await self._track_record(
                request.use_case, request.model.version, request.confidence
            )
        return plan.model_copy(
            update={
                "search_salt": self._salt,
                "outcome_webhook": self._outcome_webhook,
                "behaviours": input.behaviours,
                "track_record": record,
            }
        )

    @activity.defn(name="signoff.unknown_people")
    async def unknown_people(self, input: PeopleInput) -> list[str]:
        """Which of ``input.ids`` the directory does not have. Only reads the worker's
        directory, so it may run as a local activity: a discarded workflow task leaves
        nothing behind."""
        directory = self._catalog.directory
        return [i for i in input.ids if directory.get(i) is None]

    @activity.defn(name="signoff.check_previous_run")
    async def check_previous_run(self, input: PreviousRunInput) -> str | None:
        """Why the run before a continued decision run is not that decision's own run
        continued as new (None when it is): a workflow of another type can continue as
        new into a decision with a forged carried state. Only reads Temporal."""
        try:
            described = await (
                activity.client().get_workflow_handle(input.workflow_id, run_id=input.run_id)
            ).describe()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return "the run before it is unknown to Temporal"
            raise
        if described.workflow_type != DECISION_WORKFLOW:
            return f"the run before it was a {described.workflow_type!r} workflow"
        if described.status != WorkflowExecutionStatus.CONTINUED_AS_NEW:
            return "the run before it did not continue as new"
        return None
