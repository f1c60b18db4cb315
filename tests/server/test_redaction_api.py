"""The HTTP API takes the model's input with a submission and passes it through the
redaction hook the server's settings name (``SIGNOFF_REDACT_REQUEST``), as
``signoff serve`` builds it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from signoff.adapters.store import Store
from signoff.app.cli.serve import running_api
from signoff.core.contract import workflow_id_for
from signoff.core.models import ApiScope
from tests.conftest import Harness
from tests.helpers.redaction import MASK, history_bytes
from tests.server.conftest import APP, Api, key, problem, submission

SECRET = "sk-live-0a1b2c3d4e"
HOOK = "tests.helpers.redaction:without_api_keys"


@pytest.fixture
async def redacting_api(live: Harness, store: Store) -> AsyncIterator[Api]:
    _, token = await store.create_api_key(
        app=APP, use_cases=["refunds"], scopes=[ApiScope.SUBMIT, ApiScope.READ]
    )
    settings = live.settings.model_copy(update={"redact_request": HOOK})
    async with running_api(settings, live.signoff, host="127.0.0.1", port=0) as line:
        found = re.search(r"http://127\.0\.0\.1:(\d+)/api/v1", line)
        assert found is not None, line
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{found.group(1)}", timeout=60
        ) as http:
            yield Api(http, token)


async def test_the_servers_hook_redacts_a_submission_before_temporal_keeps_it(
    redacting_api: Api, live: Harness
) -> None:
    messages = [
        {"role": "system", "content": f"Refund agent; payments key {SECRET}"},
        {"role": "user", "content": "The parcel arrived crushed."},
    ]

    response = await redacting_api.submit(submission(model_input=messages), key())

    assert response.status_code == 201, response.text
    decision = response.json()
    assert decision["request"]["model_input"][0]["content"] == f"Refund agent; payments key {MASK}"
    history = await history_bytes(live.client, workflow_id_for(decision["decision_id"]))
    assert b"The parcel arrived crushed." in history
    assert SECRET.encode() not in history


async def test_an_oversized_model_input_is_one_sentence_and_starts_nothing(
    redacting_api: Api, live: Harness
) -> None:
    idempotency_key = key()

    response = await redacting_api.submit(
        submission(model_input=[{"role": "user", "content": "x" * 140_000}]), idempotency_key
    )

    body = problem(response, 422)
    assert re.fullmatch(
        r"Invalid request: model_input: the model input is 140,\d{3} bytes as JSON; it may be"
        r" at most 131,072 \(128 KB\): keep long documents elsewhere and link them as sources\.",
        body["detail"],
    ), body["detail"]
    assert await live.signoff.exists(f"{APP}:{idempotency_key}") is False


async def test_a_message_with_an_unknown_role_is_named_in_one_sentence(
    redacting_api: Api,
) -> None:
    response = await redacting_api.submit(
        submission(model_input=[{"role": "robot", "content": "hi"}]), key()
    )

    body = problem(response, 422)
    assert body["detail"] == (
        "Invalid request: model_input.messages.0.role: Input should be 'system', 'user',"
        " 'assistant' or 'tool'."
    )
