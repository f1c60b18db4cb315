"""Synthetic ``decision_facts`` and ``ground_truth`` rows for ``bench/eval.py``.

Shaped like a deployment's: three use cases, two model versions each (with their prompt
versions) under two policy versions, segments of two or three attributes, about 40% of
decisions approved automatically (5% of those sampled for QA), reviewers who approve,
edit, reject, ask for changes or let a decision expire, thumbs on a fifth, experts'
labels on a few, and settled truth on a tenth, where the model is right a little less
often than its confidence says and worse in one region. Generated with numpy a chunk at
a time; only the truth rows (a tenth) wait in memory until the facts are written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import numpy as np

FACT_COLUMNS = (
    "decision_id",
    "version",
    "use_case",
    "model_name",
    "model_version",
    "prompt_version",
    "policy_name",
    "policy_version",
    "risk_tier",
    "segment",
    "confidence",
    "route",
    "sampled_for_qa",
    "status",
    "human_accepted",
    "human_status",
    "overridden",
    "edit_distance",
    "predicted_label",
    "submitted_at",
    "first_action_at",
    "decided_at",
    "escalations",
    "sla_breaches",
    "thumbs_up",
    "thumbs_down",
    "corrections",
    "expert_labels",
    "votes",
)
TRUTH_COLUMNS = ("decision_id", "label", "method", "experts", "at")

USE_CASES = [
    # name, share, (what the AI predicts, the other answer), extra segment attribute
    ("refunds", 0.5, ("refund", "keep"), None),
    ("loans", 0.3, ("grant", "decline"), ("income_band", ["low", "middle", "high"])),
    ("moderation", 0.2, ("allow", "remove"), ("language", ["en", "de", "fr", "es"])),
]
REGIONS = ["north", "south", "east", "west", "islands"]
TIERS = ["low", "medium", "high"]
HUMAN_STATUSES = [
    # status, share of human-routed decisions, the reviewers' verdict
    ("approved", 0.68, "approve"),
    ("approved_with_edits", 0.10, "edit"),
    ("rejected", 0.12, "reject"),
    ("changes_requested", 0.03, "reject"),
    ("expired", 0.04, None),
    ("pending", 0.03, None),
]
REVIEWERS = 200
EXPERTS = 12
CHUNK = 20_000


def _json(value: Any, as_json: bool) -> Any:
    return json.dumps(value) if as_json else value


def synthetic_decisions(
    first: int, count: int, *, per_day: int, start: datetime, as_json: bool = True, seed: int = 14
) -> tuple[Iterator[tuple[Any, ...]], Iterator[tuple[Any, ...]]]:
    """Rows of decisions ``first`` .. ``first + count`` (in :data:`FACT_COLUMNS` order) and
    of their settled truth (:data:`TRUTH_COLUMNS`); the same arguments, the same rows.

    The two iterators share one generator: consume the facts before the truth."""
    truth: list[tuple[Any, ...]] = []

    def facts() -> Iterator[tuple[Any, ...]]:
        for at in range(first, first + count, CHUNK):
            n = min(CHUNK, first + count - at)
            yield from _chunk(at, n, per_day, start, as_json, seed, truth)

    def truths() -> Iterator[tuple[Any, ...]]:
        while truth:
            yield truth.pop()

    return facts(), truths()


def _chunk(
    at: int,
    n: int,
    per_day: int,
    start: datetime,
    as_json: bool,
    seed: int,
    truth: list[tuple[Any, ...]],
) -> Iterator[tuple[Any, ...]]:
    rng = np.random.default_rng([seed, at])
    which = rng.choice(len(USE_CASES), n, p=[u[1] for u in USE_CASES])
    model_new = rng.random(n) < 0.3
    policy_new = rng.random(n) < 0.5
    region = rng.integers(0, len(REGIONS), n)
    tier = rng.integers(0, len(TIERS), n)
    extra = rng.integers(0, 4, n)
    confidence = np.clip(rng.beta(5, 2, n), 0.01, 0.999)
    auto = confidence >= 0.85
    qa = auto & (rng.random(n) < 0.05)
    status_pick = rng.choice(len(HUMAN_STATUSES), n, p=[s[1] for s in HUMAN_STATUSES])
    overridden = rng.random(n) < 0.01
    edit_size = rng.beta(2, 8, n)
    offset_s = (np.arange(at, at + n) + rng.random(n)) * 86_400 / per_day
    wait_s = rng.exponential(1_800, n)
    handle_s = rng.exponential(300, n)
    escalated = rng.random(n) < 0.05
    thumbs = rng.random(n) < 0.2
    ups = rng.integers(0, 3, n)
    downs = rng.integers(0, 2, n)
    corrections = rng.random(n) < 0.02
    with_experts = rng.random(n) < 0.03
    settled = with_experts | (rng.random(n) < 0.07)
    # Miscalibrated by 5 points, and 10 more in one region.
    right = rng.random(n) < confidence - 0.05 - 0.10 * (region == 4)
    reviewer = rng.integers(0, REVIEWERS, (n, 2))
    second_reviewer = rng.random(n) < 0.3
    expert = rng.integers(0, EXPERTS, (n, 3))
    experts_disagree = rng.random(n) < 0.15
    adjudicated = rng.random(n) < 0.15
    for i in range(n):
        use_case, _share, (predicted, other), attribute = USE_CASES[which[i]]
        decision_id = f"bench-{at + i:09d}"
        segment = {"region": REGIONS[region[i]], "tier": TIERS[tier[i]]}
        if attribute is not None:
            segment[attribute[0]] = attribute[1][extra[i] % len(attribute[1])]
        submitted = start + timedelta(seconds=float(offset_s[i]))
        human_status = human_accepted = first_action = decided = edit = None
        votes: list[list[str]] = []
        if auto[i]:
            route, status = "auto", "auto_approved"
            decided = submitted + timedelta(milliseconds=200)
        else:
            route = "human"
            status, _p, verdict = HUMAN_STATUSES[status_pick[i]]
            if verdict is not None:
                human_status = status
                human_accepted = status == "approved"
                first_action = submitted + timedelta(seconds=float(wait_s[i]))
                decided = first_action + timedelta(seconds=float(handle_s[i]))
                people = reviewer[i, : 1 + int(second_reviewer[i])]
                votes = [[f"reviewer-{p}", verdict] for p in sorted(set(people.tolist()))]
                if status == "approved_with_edits":
                    edit = float(edit_size[i])
            elif status == "expired":
                decided = submitted + timedelta(days=2)
        was_decided = decided is not None
        label = predicted if right[i] else other
        expert_labels = {}
        if with_experts[i]:
            names = sorted({f"expert-{e}" for e in expert[i].tolist()})
            expert_labels = {name: label for name in names}
            if experts_disagree[i]:
                expert_labels[names[0]] = other if label == predicted else predicted
        if settled[i]:
            truth.append(
                (
                    decision_id,
                    label,
                    "adjudicated" if adjudicated[i] else "consensus",
                    _json(sorted(expert_labels) or ["expert-0", "expert-1"], as_json),
                    submitted + timedelta(days=3),
                )
            )
        yield (
            decision_id,
            1,
            use_case,
            f"{use_case}-model",
            f"{use_case}-v{2 if model_new[i] else 1}",
            f"prompt-{2 if model_new[i] else 1}",
            f"{use_case}-policy",
            str(2 if policy_new[i] else 1),
            TIERS[tier[i]],
            _json(segment, as_json),
            float(confidence[i]),
            route,
            bool(qa[i]),
            status,
            human_accepted,
            human_status,
            bool(overridden[i] and human_accepted is not None),
            edit,
            predicted,
            submitted,
            first_action,
            decided,
            int(escalated[i] and route == "human"),
            int(escalated[i] and route == "human" and status == "expired"),
            int(ups[i]) if thumbs[i] and was_decided else 0,
            int(downs[i]) if thumbs[i] and was_decided else 0,
            int(corrections[i] and was_decided),
            _json(expert_labels, as_json),
            _json(votes, as_json),
        )
