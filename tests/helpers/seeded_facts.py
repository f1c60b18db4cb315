"""Decisions of the past as ``decision_facts`` rows: a month of earlier decisions for a
drift monitor's reference window, which no workflow can be submitted into."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import insert

from signoff.adapters.store import Store
from signoff.adapters.store.tables import DecisionFactsRow
from signoff.core.learning.facts import DecisionFacts


async def seed(
    store: Store,
    use_case: str,
    policy: str,
    confidences: np.ndarray,
    *,
    days: tuple[float, float],
    departed: list[bool] | None = None,
) -> None:
    """Decisions of ``use_case`` submitted between ``days`` ago, one per confidence;
    with ``departed``, each one people accepted (False) or departed from (True)."""
    now = datetime.now(UTC)
    rows = []
    for i, confidence in enumerate(confidences):
        age = timedelta(days=days[0] + (days[1] - days[0]) * i / len(confidences))
        human = departed is not None
        rejected = human and departed[i]  # type: ignore[index]
        rows.append(
            DecisionFacts(
                decision_id=f"seed-{use_case}-{days[0]}-{i}",
                version=3,
                use_case=use_case,
                model_name="support-llm",
                model_version="2026-10",
                policy_name=policy,
                policy_version="catalog:seeded",
                risk_tier="low",
                confidence=float(confidence),
                route="human" if human else "auto",
                sampled_for_qa=False,
                status=("rejected" if rejected else "approved") if human else "auto_approved",
                human_accepted=(not rejected) if human else None,
                human_status=("rejected" if rejected else "approved") if human else None,
                overridden=False,
                edit_distance=None,
                predicted_label=None,
                submitted_at=now - age,
                first_action_at=None,
                decided_at=now - age + timedelta(minutes=5),
                escalations=0,
                sla_breaches=0,
                thumbs_up=0,
                thumbs_down=0,
                corrections=0,
            ).model_dump()
        )
    async with store.engine.begin() as conn:
        await conn.execute(insert(DecisionFactsRow), rows)
