"""Move a policy's routing: the only way a routing version is written.

A version always says all that routes (both fields), worked out from the one in force,
or from the policy file when none is; and a move the operator's floor forbids is refused
here, so a signed-off promotion can never make decisions fail to start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio import activity
from temporalio.exceptions import ApplicationError

from signoff.activities.inputs import RoutingChangeInput
from signoff.core.catalog import Catalog
from signoff.core.contract import ErrorType
from signoff.core.models import ReviewPolicy
from signoff.core.models.policy import AutonomyLevel
from signoff.core.models.routing import Demotion, RoutingChange, RoutingVersion

if TYPE_CHECKING:
    from signoff.adapters.store import Store

_RACES = 5


class LadderActivities:
    def __init__(self, catalog: Catalog, store: Store) -> None:
        self._catalog = catalog
        self._store = store

    @activity.defn(name="signoff.change_routing")
    async def change_routing(self, input: RoutingChangeInput) -> RoutingVersion | None:
        """The version written; None when the policy moved past ``input.expected``
        meanwhile (a proposal approved on evidence that no longer holds is not applied).

        Raises a non-retryable error for an unknown policy or a move the floor forbids.
        """
        policy = self._policy(input.policy)
        for _ in range(_RACES):
            now = await self._store.routing(input.policy)
            expected = input.expected if input.expected is not None else _number(now)
            whole = _whole(input.change, now.change.applied_to(policy) if now else policy)
            self._within_floor(input.policy, whole)
            written = await self._store.add_routing(
                input.policy,
                whole,
                origin=input.origin,
                reason=input.reason,
                decided_by=input.decided_by,
                expected=expected,
            )
            if written is not None or input.expected is not None:
                return written
        raise ApplicationError(f"the routing of {input.policy!r} kept moving; trying again")

    @activity.defn(name="signoff.check_routing_change")
    async def check_change(self, input: RoutingChangeInput) -> None:
        """Refuse, before anyone is asked, a change of an unknown policy or one the floor
        forbids (non-retryable). Only reads the catalog, so it may run as a local
        activity."""
        policy = self._policy(input.policy)
        self._within_floor(input.policy, _whole(input.change, policy))

    @activity.defn(name="signoff.demote")
    async def demote(self, input: RoutingChangeInput) -> Demotion | None:
        """Move ``input.policy`` down to ``input.change.autonomy`` from whatever is in
        force; None when it already is there or below."""
        policy = self._policy(input.policy)
        target = input.change.autonomy or AutonomyLevel.SUGGEST
        for _ in range(_RACES):
            now = await self._store.routing(input.policy)
            in_force = now.change.applied_to(policy) if now else policy
            if in_force.autonomy.rank <= target.rank:
                return None
            before = _whole(RoutingChange(autonomy=in_force.autonomy), in_force)
            written = await self._store.add_routing(
                input.policy,
                _whole(RoutingChange(autonomy=target), in_force),
                origin=input.origin,
                reason=input.reason,
                decided_by=input.decided_by,
                expected=_number(now),
            )
            if written is not None:
                return Demotion(before=before, after=written)
        raise ApplicationError(f"the routing of {input.policy!r} kept moving; trying again")

    def _policy(self, name: str) -> ReviewPolicy:
        policy = self._catalog.policies.get(name)
        if policy is None:
            raise ApplicationError(
                f"{name!r} is not a policy of the catalog",
                type=ErrorType.INVALID_POLICY,
                non_retryable=True,
            )
        return policy

    def _within_floor(self, name: str, whole: RoutingChange) -> None:
        assert whole.autonomy is not None
        problem = self._catalog.floor.ceiling_violation(name, whole.autonomy)
        if problem is not None:
            raise ApplicationError(problem, type=ErrorType.INVALID_POLICY, non_retryable=True)


def _number(version: RoutingVersion | None) -> int:
    return version.version if version is not None else 0


def _whole(change: RoutingChange, in_force: ReviewPolicy) -> RoutingChange:
    """``change`` with the fields it leaves alone filled in from ``in_force``."""
    return RoutingChange(
        autonomy=change.autonomy or in_force.autonomy,
        min_confidence=(
            change.min_confidence
            if change.min_confidence is not None
            else in_force.auto_approve.min_confidence
        ),
    )
