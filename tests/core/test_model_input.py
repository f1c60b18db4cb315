"""The model's input on a request: optional, in TRL's two shapes, and invisible to
requests that do not carry it (recorded histories, older clients' signatures)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from signoff.core.models import ChatMessage, DecisionRequest
from tests.helpers.builders import make_request

HISTORIES = Path(__file__).parents[1] / "replay" / "histories"


def _recorded_requests() -> list[dict]:  # type: ignore[type-arg]
    found = []
    for path in sorted(HISTORIES.glob("v*/approved.json")):
        started = json.loads(path.read_text())["events"][0]
        payload = started["workflowExecutionStartedEventAttributes"]["input"]["payloads"][0]
        found.append(json.loads(base64.b64decode(payload["data"]))["request"])
    return found


@pytest.mark.parametrize("recorded", _recorded_requests())
def test_a_recorded_request_reads_and_serialises_exactly_as_it_was_sent(recorded: dict) -> None:  # type: ignore[type-arg]
    request = DecisionRequest.model_validate(recorded)

    assert request.model_input is None
    assert request.model_dump(mode="json") == recorded
    assert "model_input" not in request.model_dump_json()


def test_text_and_chat_messages_both_round_trip_through_json() -> None:
    chat = [ChatMessage(role="system", content="Be brief."), ChatMessage(role="user", content="Hi")]
    for given in ("Summarise the claim.", chat):
        request = make_request(model_input=given)
        assert DecisionRequest.model_validate_json(request.model_dump_json()) == request


@pytest.mark.parametrize(
    ("given", "where"),
    [
        ([], "model_input.messages"),
        ([{"role": "user"}], "model_input.messages.0.content"),
        ([{"role": "user", "content": "hi", "name": "x"}], "model_input.messages.0.name"),
        (42, "model_input.messages"),
    ],
)
def test_a_malformed_model_input_is_one_error_at_its_place(given: object, where: str) -> None:
    with pytest.raises(ValidationError) as raised:
        make_request(model_input=given)

    (error,) = raised.value.errors()
    assert ".".join(str(part) for part in error["loc"]) == where
