"""After the outcome: thumbs, corrections and expert ground truth.

Ground truth needs ``agreeing_experts`` experts to give the same label; as soon as experts
disagree the adjudicators are asked, and an adjudicator's label settles it.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from signoff.core import messages
from signoff.core.channel_protocol import Notice
from signoff.core.models import Action, AuditKind, GroundTruth, HistoryEntry
from signoff.workflows.lifecycle import Lifecycle


def record_thumb(life: Lifecycle, action: Action, now: datetime) -> str:
    """One vote per person; a second vote replaces the first."""
    assert action.thumb is not None
    life.state.feedback.thumbs[action.actor] = action.thumb
    life.record(
        AuditKind.FEEDBACK,
        now,
        actor=action.actor,
        detail=action.thumb,
        data={"thumb": action.thumb, "via": action.via},
    )
    return messages.THUMB_RECORDED.format(thumb=action.thumb)


def record_correction(life: Lifecycle, action: Action, now: datetime) -> str:
    life.state.feedback.corrections.append(
        HistoryEntry(at=now, kind="correction", actor=action.actor, detail=action.reason)
    )
    life.record(
        AuditKind.CORRECTION,
        now,
        actor=action.actor,
        detail=action.reason,
        data={"text": action.reason},
    )
    return messages.CORRECTION_RECORDED


def label_ground_truth(life: Lifecycle, action: Action, now: datetime) -> str:
    feedback, plan = life.state.feedback, life.state.plan
    assert action.label is not None
    if feedback.disputed and action.actor in plan.adjudicators:
        return _settle(life, action.label, "adjudicated", [action.actor], now)
    feedback.expert_labels[action.actor] = action.label
    life.record(
        AuditKind.EXPERT_LABEL,
        now,
        actor=action.actor,
        detail=action.label,
        data={"label": action.label},
    )
    label, votes = Counter(feedback.expert_labels.values()).most_common(1)[0]
    if votes >= plan.policy.ground_truth.agreeing_experts:
        agreeing = [e for e, lab in feedback.expert_labels.items() if lab == label]
        return _settle(life, label, "consensus", agreeing, now)
    if len(set(feedback.expert_labels.values())) > 1 and not feedback.disputed:
        feedback.disputed = True
        life.record(
            AuditKind.ADJUDICATION_NEEDED,
            now,
            detail="experts disagree",
            data={"labels": dict(feedback.expert_labels)},
        )
        life.notices.append(
            Notice(
                kind="adjudication",
                recipients=list(plan.adjudicators),
                text=messages.NOTICE_ADJUDICATE.format(title=life.state.request.title),
            )
        )
        return messages.LABEL_DISPUTED
    return messages.LABEL_RECORDED


def _settle(life: Lifecycle, label: str, method: str, experts: list[str], now: datetime) -> str:
    truth = GroundTruth(label=label, method=method, experts=experts, at=now)  # type: ignore[arg-type]
    life.state.feedback.ground_truth = truth
    life.record(
        AuditKind.GROUND_TRUTH,
        now,
        actor=experts[-1],
        detail=f"{label} ({method})",
        data=truth.model_dump(mode="json"),
    )
    return messages.GROUND_TRUTH_SETTLED.format(label=label, method=method)
