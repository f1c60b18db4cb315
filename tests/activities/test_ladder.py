"""The ladder's activities write every routing version whole, refuse what the operator's
floor forbids before anyone is asked, and never demote twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from signoff.activities import LadderActivities, RoutingChangeInput
from signoff.adapters.store import Store
from signoff.core.catalog import Catalog
from signoff.core.models import (
    AutonomyLevel,
    Directory,
    PolicyFloor,
    Principal,
    ReviewPolicy,
    RiskTier,
    Role,
    Stage,
)
from signoff.core.models.routing import RoutingChange, RoutingOrigin

LOANS = ReviewPolicy(
    name="loans",
    autonomy=AutonomyLevel.AUTO_LOW_RISK,
    stages=[Stage(name="officers", approvers=["olga"])],
)
CATALOG = Catalog(
    policies={"loans": LOANS},
    directory=Directory(people=[Principal(id="olga", name="Olga", roles=[Role.APPROVER])]),
    floor=PolicyFloor(max_autonomy={RiskTier.CRITICAL: AutonomyLevel.AUTO_LOW_RISK}),
)


@pytest.fixture
async def ladder(tmp_path: Path) -> AsyncIterator[tuple[LadderActivities, Store]]:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'ladder.db'}")
    try:
        yield LadderActivities(CATALOG, store), store
    finally:
        await store.close()


def move(change: RoutingChange, **fields: object) -> RoutingChangeInput:
    return RoutingChangeInput(
        policy="loans",
        change=change,
        origin=RoutingOrigin.SIGN_OFF,
        reason="evidence",
        **fields,  # type: ignore[arg-type]
    )


async def test_a_promotion_past_the_floor_is_refused_before_anyone_is_asked(
    ladder: tuple[LadderActivities, Store],
) -> None:
    activities, store = ladder
    with pytest.raises(ApplicationError, match="the floor allows at most auto_low_risk") as err:
        await ActivityEnvironment().run(
            activities.check_change, move(RoutingChange(autonomy=AutonomyLevel.AUTONOMOUS))
        )
    assert err.value.non_retryable
    assert await store.routing_history("loans") == []


async def test_a_version_is_written_whole_from_what_was_in_force(
    ladder: tuple[LadderActivities, Store],
) -> None:
    activities, store = ladder
    written = await ActivityEnvironment().run(
        activities.change_routing, move(RoutingChange(min_confidence=0.93), expected=0)
    )
    assert written is not None
    assert written.change == RoutingChange(
        autonomy=AutonomyLevel.AUTO_LOW_RISK, min_confidence=0.93
    )
    assert await store.routing("loans") == written


async def test_an_unknown_policy_is_refused_for_good(
    ladder: tuple[LadderActivities, Store],
) -> None:
    activities, _ = ladder
    unknown = move(RoutingChange(min_confidence=0.9)).model_copy(update={"policy": "nope"})
    with pytest.raises(ApplicationError, match="'nope' is not a policy of the catalog"):
        await ActivityEnvironment().run(activities.change_routing, unknown)


async def test_twenty_demotions_at_once_write_one_version(
    ladder: tuple[LadderActivities, Store],
) -> None:
    activities, store = ladder
    down = move(RoutingChange(autonomy=AutonomyLevel.SUGGEST)).model_copy(
        update={"origin": RoutingOrigin.CIRCUIT_BREAKER}
    )
    env = ActivityEnvironment()
    results = await asyncio.gather(*(env.run(activities.demote, down) for _ in range(20)))

    demoted = [r for r in results if r is not None]
    assert len(demoted) == 1
    assert demoted[0].before.autonomy is AutonomyLevel.AUTO_LOW_RISK
    assert [v.version for v in await store.routing_history("loans")] == [1]
