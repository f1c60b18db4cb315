"""Fix a decision's policy and people when it starts, from the worker's catalog."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from signoff.activities.inputs import PeopleInput, PlanResolveInput
from signoff.core.catalog import Catalog, ConfigError
from signoff.core.contract import ErrorType
from signoff.core.models import DecisionPlan


class PlanningActivities:
    def __init__(self, catalog: Catalog, *, search_salt: str, outcome_webhook: bool) -> None:
        self._catalog = catalog
        self._salt = search_salt
        self._outcome_webhook = outcome_webhook

    @activity.defn(name="signoff.resolve_plan")
    async def resolve_plan(self, input: PlanResolveInput) -> DecisionPlan:
        """Raises a non-retryable error for an unknown policy or unresolvable approvers:
        retrying cannot make a missing policy appear."""
        try:
            plan = self._catalog.plan(input.request, submission=input.submission)
        except (ConfigError, ValueError) as err:
            raise ApplicationError(
                str(err), type=ErrorType.INVALID_POLICY, non_retryable=True
            ) from err
        return plan.model_copy(
            update={"search_salt": self._salt, "outcome_webhook": self._outcome_webhook}
        )

    @activity.defn(name="signoff.unknown_people")
    async def unknown_people(self, input: PeopleInput) -> list[str]:
        """Which of ``input.ids`` the directory does not have. Only reads the worker's
        directory, so it may run as a local activity: a discarded workflow task leaves
        nothing behind."""
        directory = self._catalog.directory
        return [i for i in input.ids if directory.get(i) is None]
