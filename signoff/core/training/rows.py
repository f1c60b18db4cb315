"""The four export formats, cut from a decision's judgements, in the field names TRL's
trainers document: ``prompt``/``completion`` (SFT), ``prompt``/``chosen``/``rejected``
(DPO), ``prompt``/``completion``/``label`` (KTO). An input sent as chat messages gives
conversational rows (lists of messages, the answer as one assistant message); a text
input gives standard rows (strings). Every row carries its ``lineage``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import Any

from signoff.core.models import ChatMessage
from signoff.core.training.judgements import DecisionRecord, Judgement, Kind, output_text

Row = dict[str, Any]
Pseudonym = Callable[[str], str]


class Format(StrEnum):
    SFT = "sft"
    DPO = "dpo"
    KTO = "kto"
    EVAL = "eval"


USES: dict[Format, Kind] = {
    Format.SFT: Kind.APPROVED,
    Format.DPO: Kind.BETTER,
    Format.KTO: Kind.VERDICT,
    Format.EVAL: Kind.TRUTH,
}
"""The one kind of judgement each format is cut from."""


def rows_of(
    record: DecisionRecord, fmt: Format, sources: frozenset[str], pseudonym: Pseudonym
) -> Iterator[Row]:
    """``fmt``'s rows for one decision with a model input (the caller skips the rest)."""
    given = record.state.request.model_input
    assert given is not None
    chat = isinstance(given, list)
    prompt: Any = [m.model_dump() for m in given] if isinstance(given, list) else given
    original = record.state.request.proposal
    ai_output = output_text(original.text, original.payload)

    def answer(text: str | None) -> Any:
        return [ChatMessage(role="assistant", content=text or "").model_dump()] if chat else text

    seen: set[str] = set()
    for judgement in record.of(USES[fmt], sources):
        base = {"prompt": prompt, "lineage": lineage(record, judgement, pseudonym)}
        if fmt is Format.SFT:
            yield base | {"completion": answer(judgement.output)}
        elif fmt is Format.DPO:
            # A rewrite that says what the AI said prefers nothing; one row per rewrite.
            if judgement.output in (ai_output, None) or judgement.output in seen:
                continue
            seen.add(judgement.output)
            yield base | {"chosen": answer(judgement.output), "rejected": answer(ai_output)}
        elif fmt is Format.KTO:
            yield base | {"completion": answer(judgement.output), "label": bool(judgement.good)}
        else:
            yield base | {"completion": answer(ai_output), "ground_truth": judgement.truth}


def lineage(record: DecisionRecord, judgement: Judgement, pseudonym: Pseudonym) -> Row:
    """Where a row comes from, enough to find it again in the audit trail."""
    state = record.state
    request = state.request
    return {
        "decision_id": state.decision_id,
        "audit_event_hash": judgement.event_hash,
        "label_source": judgement.source,
        "use_case": request.use_case,
        "model_name": request.model.name,
        "model_version": request.model.version,
        "prompt_version": request.model.prompt_version,
        "policy_name": state.plan.policy.name,
        "policy_version": state.plan.policy_version or None,
        "reviewers": [pseudonym(person) for person in judgement.reviewers],
        "submitted_at": state.submitted_at.isoformat(),
    }
