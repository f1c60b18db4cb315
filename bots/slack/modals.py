"""The modals behind the card's buttons, as Block Kit dicts built with ``slack_sdk.models``.

Each modal's ``callback_id`` is ``signoff:<kind>`` and its ``private_metadata`` carries
the decision, the stage the card showed and the channel the card was in, so the
submission can act on the right decision and answer the person where they clicked.

When the policy wants a reason for approve, escalate, edit or delegate, the card names
that button ``<kind>_with_reason`` (:func:`button_name`): approve and escalate then open a
modal asking for the reason instead of acting at once, and the edit and delegate modals
insist on one. Whether to open a modal is read off the click itself, because Slack's
``trigger_id`` expires 3 s after the click, too soon to ask the workflow first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, StrictInt
from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from signoff.bots.slack import slack_messages as messages
from signoff.core import messages as shared
from signoff.core.models import DecisionId

__all__ = [
    "MODAL_KINDS",
    "MODAL_OPENERS",
    "ModalContext",
    "button_name",
    "modal",
    "notice",
]

# The forms, by callback id ``signoff:<kind>``.
MODAL_KINDS = (
    "reject",
    "edit",
    "request_changes",
    "delegate",
    "correction",
    "override",
    "approve",
    "escalate",
)
REASON_ALWAYS = frozenset(MODAL_KINDS) - {"edit", "delegate"}
"""Forms that always ask for a reason; edit and delegate only when the policy wants one."""
REASON_SUFFIX = "_with_reason"
REASON_BUTTONS = ("approve", "escalate", "edit", "delegate")
"""Buttons the card names ``<kind>_with_reason`` when the policy wants a reason for them."""
MODAL_OPENERS = (
    *(kind for kind in MODAL_KINDS if kind not in ("approve", "escalate")),
    *(kind + REASON_SUFFIX for kind in REASON_BUTTONS),
    "view_full",
)
"""The buttons that open a modal; plain approve and escalate act at once."""
TEXT_CHARS = 3000  # a plain_text_input holds at most 3000 characters
SECTION_CHARS = 3000
MAX_MODAL_BLOCKS = 100

# block id -> action id of every input, so submissions read them back by name
REASON = ("reason", "value")
TEXT = ("text", "value")
DELEGATE = ("delegate", "user")
VERDICT = ("verdict", "value")


@dataclass(frozen=True)
class ModalContext:
    """What a modal remembers in ``private_metadata``."""

    kind: str
    decision_id: str
    stage: int | None
    channel: str | None
    reason_required: bool = False  # the card said the policy wants a reason

    @classmethod
    def of_button(
        cls, name: str, decision_id: str, stage: int | None, channel: str | None
    ) -> ModalContext:
        """The context of the modal that button ``name`` opens, e.g. ``approve_with_reason``."""
        kind = name.removesuffix(REASON_SUFFIX)
        return cls(kind, decision_id, stage, channel, reason_required=kind != name)

    @property
    def needs_reason(self) -> bool:
        """Whether the modal insists on a reason."""
        return self.kind in REASON_ALWAYS or self.reason_required

    def dump(self) -> str:
        data: dict[str, object] = {
            "k": self.kind,
            "d": self.decision_id,
            "s": self.stage,
            "c": self.channel,
        }
        if self.reason_required:
            data["r"] = 1
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def load(cls, metadata: str) -> ModalContext:
        """Read back :meth:`dump`'s text.

        Raises:
            ValueError: the text is not a Signoff modal's (pydantic's ValidationError).
        """
        data = _Metadata.model_validate_json(metadata)
        return cls(data.k, data.d, data.s, data.c, reason_required=bool(data.r))


class _Metadata(BaseModel):
    """The shape :meth:`ModalContext.dump` writes, checked when a submission brings it back."""

    k: Literal[MODAL_KINDS]  # type: ignore[valid-type]
    d: DecisionId
    s: StrictInt | None = None
    c: str | None = None
    r: StrictInt | None = None


def button_name(kind: str, *, reason_required: bool) -> str:
    """The card's name for ``kind``'s button: ``<kind>_with_reason`` when the policy wants
    a reason the button would not otherwise ask for."""
    return kind + REASON_SUFFIX if reason_required and kind in REASON_BUTTONS else kind


def modal(context: ModalContext, *, proposal_text: str | None = None) -> dict:
    """The modal for ``context.kind``; ``proposal_text`` prefills edit and fills view_full."""
    kind = context.kind
    title = PlainTextObject(text=messages.MODAL_TITLES[kind])
    if kind == "view_full":
        text = proposal_text or messages.NO_PROPOSAL_TEXT
        chunks = [text[i : i + SECTION_CHARS] for i in range(0, len(text), SECTION_CHARS)]
        # plain_text, so Slack shows the AI's output as written: in mrkdwn, <...> and &
        # are markup and *...* or _..._ change the text's look.
        blocks = [
            SectionBlock(text=PlainTextObject(text=chunk, emoji=False))
            for chunk in chunks[:MAX_MODAL_BLOCKS]
        ]
        view = View(type="modal", title=title, close=messages.MODAL_CLOSE, blocks=blocks)
        return view.to_dict()
    blocks: list[InputBlock] = []
    if kind == "edit":
        blocks.append(_text_input(TEXT, shared.EDIT_LABEL, initial=proposal_text))
    elif kind == "delegate":
        blocks.append(
            InputBlock(
                block_id=DELEGATE[0],
                label=shared.DELEGATE_LABEL,
                element=UserSelectElement(action_id=DELEGATE[1]),
            )
        )
    elif kind == "override":
        options = [
            Option(value=value, label=label) for value, label in shared.VERDICT_OPTIONS.items()
        ]
        blocks.append(
            InputBlock(
                block_id=VERDICT[0],
                label=shared.VERDICT_LABEL,
                element=RadioButtonsElement(action_id=VERDICT[1], options=options),
            )
        )
    if context.needs_reason:
        blocks.append(_text_input(REASON, shared.REASON_LABEL[kind]))
    elif kind == "edit":
        blocks.append(_text_input(REASON, shared.EDIT_REASON_LABEL, optional=True))
    view = View(
        type="modal",
        callback_id=f"signoff:{kind}",
        title=title,
        submit=messages.MODAL_SUBMIT,
        close=messages.MODAL_CLOSE,
        private_metadata=context.dump(),
        blocks=blocks,
    )
    return view.to_dict()


def notice(text: str) -> dict:
    """A modal that only says ``text``: what a submitted form becomes when Signoff cannot
    act on it (``response_action: update``), so the person reads why in place."""
    view = View(
        type="modal",
        title=PlainTextObject(text=messages.NOTICE_TITLE),
        close=messages.MODAL_CLOSE,
        blocks=[SectionBlock(text=PlainTextObject(text=text, emoji=False))],
    )
    return view.to_dict()


def _text_input(
    ids: tuple[str, str], label: str, *, initial: str | None = None, optional: bool = False
) -> InputBlock:
    element = PlainTextInputElement(
        action_id=ids[1],
        multiline=True,
        initial_value=initial[:TEXT_CHARS] if initial else None,
        max_length=TEXT_CHARS,
    )
    return InputBlock(block_id=ids[0], label=label, element=element, optional=optional)
