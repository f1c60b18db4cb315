"""Decisions on a test's worker, as the bot specs start and read them: submitted under a
fixture policy, read back once final."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from signoff import DecisionNotFound
from signoff.core.catalog import load_directory
from signoff.core.models import DecisionState, Vote
from tests.conftest import FIXTURES, make_request
from tests.helpers.waiting import eventually

if TYPE_CHECKING:
    from tests.conftest import Harness

__all__ = ["DIRECTORY", "asked", "final_state", "submit", "votes"]

# The people the fixture policies name, with their Slack and Teams identities.
DIRECTORY = load_directory(FIXTURES / "directory.yaml")


async def submit(live: Harness, policy: str = "first-lead", **fields: Any) -> str:
    """A new decision under ``policy`` (alice and bob, for ``first-lead``); its id."""
    return (await live.signoff.submit(make_request(policy, **fields))).decision_id


async def final_state(live: Harness, decision_id: str, timeout: float = 10.0) -> DecisionState:
    async def probe() -> DecisionState | None:
        state = await live.signoff.state(decision_id)
        return state if state.status.is_final else None

    return await eventually(probe, timeout)


def votes(state: DecisionState) -> list[Vote]:
    """Every vote cast so far, past stages first."""
    stages = [*state.past_stages, *([state.stage] if state.stage else [])]
    return [v for stage in stages for v in stage.votes]


async def asked(live: Harness, decision_id: str) -> list[str] | None:
    """Who the decision's current stage asks; None while there is no such decision (yet)
    or no stage: a probe for :func:`tests.helpers.waiting.eventually`."""
    try:
        state = await live.signoff.state(decision_id)
    except DecisionNotFound:
        return None
    return state.stage.asked if state.stage is not None else None
