"""A redaction hook as an operator would write one, importable by name
(``tests.helpers.redaction:without_api_keys``) for the settings that name it."""

from __future__ import annotations

import re

from temporalio.client import Client

from signoff.core.models import ChatMessage, DecisionRequest

SECRET = re.compile(r"sk-live-[A-Za-z0-9]+")
MASK = "[redacted]"


def _masked(text: str) -> str:
    return SECRET.sub(MASK, text)


def without_api_keys(request: DecisionRequest) -> DecisionRequest:
    """The request with every live API key in its model input masked."""
    given = request.model_input
    if isinstance(given, str):
        request.model_input = _masked(given)
    elif given is not None:
        request.model_input = [ChatMessage(role=m.role, content=_masked(m.content)) for m in given]
    return request


def renaming(request: DecisionRequest) -> DecisionRequest:
    """A faulty hook: it changes which decision this is."""
    return request.model_copy(update={"id": f"{request.id}-other"})


async def history_bytes(client: Client, workflow_id: str) -> bytes:
    """Every event of the workflow's history as Temporal keeps it (payloads raw, not
    base64), to look for a string anywhere in it."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return b"".join(event.SerializeToString() for event in history.events)
