"""What the metrics read from the store, on SQLite and PostgreSQL alike: the decisions
pending at each stage, and the card outbox's backlog."""

from __future__ import annotations

import uuid

from signoff.adapters.store import Store
from signoff.core.models import DecisionState, Status
from signoff.core.settings import Settings
from tests.helpers.builders import make_outcome, make_request, make_state


async def test_pending_decisions_are_counted_by_use_case_and_stage(
    each_store: tuple[Settings, Store],
) -> None:
    _, store = each_store
    use_case = f"loans-{uuid.uuid4().hex[:6]}"

    def state(stage: str | None) -> DecisionState:
        """Pending at ``stage``; None: approved."""
        request = make_request(id=f"{use_case}-{uuid.uuid4().hex[:6]}", use_case=use_case)
        built = make_state(request=request)
        if stage is None:
            return built.model_copy(
                update={"status": Status.APPROVED, "outcome": make_outcome(decision_id=request.id)}
            )
        assert built.stage is not None
        return built.model_copy(update={"stage": built.stage.model_copy(update={"name": stage})})

    for stage in ("leads", "leads", "committee", None):
        await store.record([], state(stage))

    mine = {(s, n) for u, s, n in await store.pending_by_stage() if u == use_case}
    assert mine == {("leads", 2), ("committee", 1)}


async def test_the_card_backlog_counts_decisions_owed_a_draw_until_drawn(
    each_store: tuple[Settings, Store],
) -> None:
    _, store = each_store
    queue = f"signoff-backlog-{uuid.uuid4().hex[:6]}"
    state = make_state(request=make_request(id=f"backlog-{uuid.uuid4().hex[:8]}"))

    await store.record([], state, cards_for=queue)
    assert await store.card_backlog(queue) == 1

    await store.cards_drawn([(state.decision_id, state.version, [])])
    assert await store.card_backlog(queue) == 0
