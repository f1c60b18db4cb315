"""Sample decisions for ``signoff demo``: one of each part of the lifecycle, against the
example policies and people shipped in ``signoff/core/examples``.

Ids are stable and every request is the same each time, byte for byte (nothing in it is
made at submit time), so running the demo again, or restarting ``signoff dev --demo``,
finds the decisions it made before instead of adding more: the id is the idempotency
key. Each step carries a stable action id too, which the decision applies once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from signoff.core.models import ActionKind, DecisionRequest

if TYPE_CHECKING:
    from signoff.client.signoff_client import SignoffClient

SUPPORT_MODEL = {"name": "support-llm", "version": "2026-10", "prompt_version": "v7"}
CREDIT_MODEL = {"name": "credit-llm", "version": "3.2", "prompt_version": "v2"}


@dataclass(frozen=True)
class Step:
    """One person's action, applied after the decision is routed."""

    kind: ActionKind
    actor: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sample:
    key: str
    story: str
    request: dict[str, Any]
    steps: tuple[Step, ...] = ()


def _refund(subject: str, title: str, text: str, confidence: float, risk: str) -> dict[str, Any]:
    return {
        "use_case": "refunds",
        "subject": subject,
        "title": title,
        "proposal": {"text": text},
        "confidence": confidence,
        "risk_tier": risk,
        "model": SUPPORT_MODEL,
        "requester": "refund-bot",
        "policy": "refunds",
    }


SAMPLES: tuple[Sample, ...] = (
    Sample(
        "refund-auto",
        "auto-approved: high confidence, low risk",
        _refund(
            "order-2001",
            "Refund $18 shipping for a late delivery",
            "Refund the $18 shipping fee to the original card.",
            0.97,
            "low",
        ),
    ),
    Sample(
        "refund-pending",
        "pending: waiting for the support leads",
        _refund(
            "order-2002",
            "Refund $240 for a damaged espresso machine",
            "Refund $240 and send a prepaid return label.",
            0.74,
            "medium",
        ),
    ),
    Sample(
        "refund-approved",
        "approved by alice",
        _refund(
            "order-2003",
            "Refund $45 for a missing item",
            "Refund $45 for the missing milk frother.",
            0.81,
            "low",
        ),
        (Step(ActionKind.APPROVE, "alice", {"reason": "Warehouse confirms the short shipment."}),),
    ),
    Sample(
        "refund-rejected",
        "rejected by bob, with a reason",
        _refund(
            "order-2004",
            "Refund $600 for a parcel reported as never arrived",
            "Refund $600 to the customer's card.",
            0.62,
            "medium",
        ),
        (Step(ActionKind.REJECT, "bob", {"reason": "Carrier shows a signed delivery."}),),
    ),
    Sample(
        "refund-edited",
        "edited by alice, then approved",
        _refund(
            "order-2005",
            "Refund $120 for a cracked phone screen",
            "Refund $120 to the customer's card.",
            0.78,
            "medium",
        ),
        (
            Step(
                ActionKind.EDIT,
                "alice",
                {
                    "edited_text": "Refund $120 as store credit, per the marketplace seller terms.",
                    "reason": "Marketplace items are refunded as store credit.",
                },
            ),
        ),
    ),
    Sample(
        "refund-overridden",
        "approved by bob, then overridden by dave (manager)",
        _refund(
            "order-2006",
            "Refund $75 for a cancelled order",
            "Refund $75 to the customer's card.",
            0.86,
            "medium",
        ),
        (
            Step(ActionKind.APPROVE, "bob"),
            Step(
                ActionKind.OVERRIDE,
                "dave",
                {
                    "verdict": "reject",
                    "reason": "The customer already won a chargeback for this order.",
                },
            ),
        ),
    ),
    Sample(
        "loan-pending",
        "loan: waiting for 2 credit analysts",
        {
            "use_case": "loans",
            "subject": "application-5521",
            "title": "Approve a $12,000 personal loan",
            "proposal": {
                "text": "Approve at 9.4% APR over 36 months.",
                "payload": {"amount": 12000, "apr": 9.4, "months": 36},
            },
            "confidence": 0.83,
            "rationale": "Stable income for 6 years; debt-to-income 21%.",
            "risk_tier": "high",
            "model": CREDIT_MODEL,
            "requester": "frank",
            "policy": "loans",
        },
    ),
)


class DemoResult(BaseModel):
    decision_id: str
    story: str
    status: str


def demo_requests() -> list[tuple[Sample, DecisionRequest]]:
    return [
        (s, DecisionRequest.model_validate({"id": f"demo-{s.key}", **s.request})) for s in SAMPLES
    ]


async def run_samples(client: SignoffClient) -> list[DemoResult]:
    """Submit every sample and apply its steps; return where each one ended up."""
    results: list[DemoResult] = []
    for sample, request in demo_requests():
        state = await client.submit(request)
        status = state.status.value
        for number, step in enumerate(sample.steps, 1):
            done = await client.perform(
                request.id,
                step.kind,
                step.actor,
                action_id=f"{request.id}-step-{number}",
                via="demo",
                **step.fields,
            )
            status = done.status
        results.append(DemoResult(decision_id=request.id, story=sample.story, status=status))
    return results
