"""What the model was given: the input a training or evaluation set needs beside the
model's output, as plain text or as chat messages in the shape TRL's conversational
datasets take (``[{"role": ..., "content": ...}]``)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag

MAX_MODEL_INPUT_BYTES = 128 * 1024
"""The most a request's model input may take, as JSON: half of the request's own budget
(``MAX_REQUEST_BYTES``), so a full input still leaves room for the proposal, rationale
and sources beside it."""


class ChatMessage(BaseModel):
    """One turn of a conversation given to the model."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant", "tool"]
    content: str


def _within_budget(value: str | list[ChatMessage]) -> str | list[ChatMessage]:
    shown = value if isinstance(value, str) else [m.model_dump() for m in value]
    size = len(json.dumps(shown, ensure_ascii=False).encode())
    if size > MAX_MODEL_INPUT_BYTES:
        raise ValueError(
            f"the model input is {size:,} bytes as JSON; it may be at most"
            f" {MAX_MODEL_INPUT_BYTES:,} ({MAX_MODEL_INPUT_BYTES // 1024} KB): keep long"
            " documents elsewhere and link them as sources"
        )
    return value


def _shape(value: Any) -> str:
    # Checked by the value's own shape, so a bad input is told about the one shape it
    # tried (a message list's bad role), not also that it is not a string.
    return "text" if isinstance(value, str) else "messages"


ModelInput = Annotated[
    Annotated[str, Tag("text")]
    | Annotated[list[ChatMessage], Field(min_length=1), Tag("messages")],
    Discriminator(_shape),
    AfterValidator(_within_budget),
]
"""The model's input: a prompt's text, or the chat messages it was sent."""
