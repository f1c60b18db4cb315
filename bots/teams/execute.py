"""What one click on a Signoff card in Teams asks for: the ``Action.Execute`` verbs, the
inputs each form sends, and :class:`Execute`, read back from an invoke's ``data``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from signoff.bots.teams import teams_messages as words
from signoff.core import messages as shared
from signoff.core.card_view import BUTTON_KINDS
from signoff.core.models import ActionKind

__all__ = ["INPUTS", "KINDS", "VERBS", "Execute"]

# verb -> the workflow action it asks for; a refresh asks only for a fresh card.
KINDS: dict[str, ActionKind | None] = {
    **{kind.value: kind for kind in BUTTON_KINDS},
    "thumb_up": ActionKind.THUMB,
    "thumb_down": ActionKind.THUMB,
    "refresh": None,
}
VERBS: frozenset[str] = frozenset(KINDS)

# verb -> Execute field -> (input id, required). Teams merges every input it gathers into
# one flat ``data`` object, so ids are unique on the whole card and name their form.
# Approve, escalate and delegate ask for a reason only when the policy wants one, which a
# click cannot tell: the card marks the input required then, and the workflow refuses a
# click without it; here the reason is read when it is there.
INPUTS: dict[str, dict[str, tuple[str, bool]]] = {
    "approve": {"reason": ("approve.reason", False)},
    "reject": {"reason": ("reject.reason", True)},
    "request_changes": {"reason": ("request_changes.reason", True)},
    "correction": {"reason": ("correction.reason", True)},
    "escalate": {"reason": ("escalate.reason", False)},
    "override": {"verdict": ("override.verdict", True), "reason": ("override.reason", True)},
    "edit": {"edited_text": ("edit.text", True), "reason": ("edit.reason", False)},
    "delegate": {"delegate_to": ("delegate.to", True), "reason": ("delegate.reason", False)},
}


class Execute(BaseModel):
    """What one ``Action.Execute`` invoke asks for, read back from the card's ``data``."""

    model_config = ConfigDict(frozen=True)

    verb: str
    decision_id: str
    stage: int | None
    reason: str | None = None
    edited_text: str | None = None
    delegate_to: str | None = None
    verdict: Literal["approve", "reject"] | None = None

    @field_validator("verb")
    @classmethod
    def _known_verb(cls, verb: str) -> str:
        if verb not in VERBS:
            raise ValueError(words.BAD_VERB.format(verb=verb))
        return verb

    @property
    def kind(self) -> ActionKind | None:
        """The workflow action this click asks for; ``None`` for a refresh."""
        return KINDS[self.verb]

    @property
    def thumb(self) -> Literal["up", "down"] | None:
        return "up" if self.verb == "thumb_up" else "down" if self.verb == "thumb_down" else None

    @classmethod
    def parse(cls, action: Mapping[str, Any]) -> Execute:
        """Read an invoke's ``value["action"]``, with the inputs Teams merged into ``data``.

        Raises:
            ValueError: a sentence naming the field at fault: an unknown verb, no decision
                id, or a required input that is missing or only whitespace.
        """
        if not isinstance(action, Mapping):
            raise ValueError(words.NOT_AN_ACTION)
        if action.get("type", "Action.Execute") != "Action.Execute":
            raise ValueError(words.BAD_TYPE.format(type=action.get("type")))
        verb = action.get("verb")
        if not isinstance(verb, str) or verb not in VERBS:
            raise ValueError(words.BAD_VERB.format(verb=verb))
        data = action.get("data")
        if not isinstance(data, Mapping):
            raise ValueError(words.NO_DATA)
        decision_id = _clean(data.get("d"))
        if decision_id is None:
            raise ValueError(words.NO_DECISION)
        stage = data.get("s")
        if stage is not None and (type(stage) is not int or stage < 0):
            raise ValueError(words.BAD_STAGE.format(stage=stage))
        fields: dict[str, Any] = {"verb": verb, "decision_id": decision_id, "stage": stage}
        for field, (input_id, required) in INPUTS.get(verb, {}).items():
            fields[field] = value = _clean(data.get(input_id))
            if value is None and required:
                raise ValueError(
                    words.MISSING_INPUT.format(verb=verb, field=field, input_id=input_id)
                )
        if fields.get("verdict") not in (None, *shared.VERDICT_OPTIONS):
            input_id = INPUTS["override"]["verdict"][0]
            raise ValueError(words.BAD_VERDICT.format(input_id=input_id, value=fields["verdict"]))
        return cls.model_validate(fields)


def _clean(value: object) -> str | None:
    """Teams sends an untouched input as ``""``; whitespace alone is no answer either."""
    if not isinstance(value, str):
        return None
    return value.strip() or None
