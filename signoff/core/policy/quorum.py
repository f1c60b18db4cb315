"""Quorum: when a stage's votes settle it."""

from __future__ import annotations

from typing import Literal

from signoff.core.models import StageState

Verdict = Literal["approve", "reject"]


def required_approvals(stage: StageState) -> int:
    """How many approvals settle the stage; N of M is capped at the people asked."""
    match stage.quorum.kind:
        case "first":
            return 1
        case "all":
            return len(stage.asked)
        case _:
            return min(stage.quorum.n or 1, len(stage.asked))


def stage_verdict(stage: StageState) -> Verdict | None:
    """The stage's verdict once its votes settle it, else None.

    A single reject settles a "first" or "all" stage; under N of M the stage is rejected
    as soon as N approvals have become impossible.
    """
    approvals = sum(1 for v in stage.votes if v.verdict == "approve")
    rejections = len(stage.votes) - approvals
    needed = required_approvals(stage)
    if stage.quorum.kind == "first":
        return stage.votes[0].verdict if stage.votes else None
    if approvals >= needed:
        return "approve"
    if rejections > len(stage.asked) - needed:
        return "reject"
    return None
