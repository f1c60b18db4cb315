"""The operator's redaction hook: a function that sees each request before anything
stores it and returns it with what must not be kept (secrets, personal data in the
model's input) taken out.

It runs where requests enter — :class:`~signoff.client.SignoffClient` (and through it the
HTTP API and the CLI) and :func:`~signoff.client.request_signoff` — because the first
place a request is stored is the workflow's start event in Temporal's history: a worker
could only redact after that, too late. The hook must be deterministic (the same request
gives the same redacted request): the id is an idempotency key, and a repeated submission
is compared with the stored, redacted one; inside a workflow it also runs on replay.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable

from pydantic import ValidationError

from signoff.core.catalog import ConfigError
from signoff.core.errors import RedactionFailed
from signoff.core.models import DecisionRequest

Redactor = Callable[[DecisionRequest], DecisionRequest]
"""Takes a request (a copy: changing it in place is allowed) and returns the request to keep."""

KEPT_AS_SENT = ("id", "requester", "notify_workflow_id")
"""Fields a redactor may not change: they say which decision this is and who asked."""


def redacted(request: DecisionRequest, redact: Redactor | None) -> DecisionRequest:
    """``request`` as ``redact`` leaves it, validated again as a request.

    Raises:
        RedactionFailed: the hook failed or changed what it may not; nothing is started.
    """
    if redact is None:
        return request
    try:
        result = redact(request.model_copy(deep=True))
    except Exception as err:
        raise RedactionFailed(
            f"The redaction hook failed on request '{request.id}' ({type(err).__name__}:"
            f" {err}); nothing was started."
        ) from err
    if not isinstance(result, DecisionRequest):
        raise RedactionFailed(
            f"The redaction hook returned a {type(result).__name__}, not a DecisionRequest;"
            " nothing was started."
        )
    try:
        # Validated again: a hook that assigned fields bypassed the model's checks.
        result = DecisionRequest.model_validate(result.model_dump())
    except ValidationError as err:
        raise RedactionFailed(
            f"The redaction hook returned an invalid request ({err.errors()[0]['msg']});"
            " nothing was started."
        ) from err
    changed = [name for name in KEPT_AS_SENT if getattr(result, name) != getattr(request, name)]
    if changed:
        raise RedactionFailed(
            f"The redaction hook changed {', '.join(changed)}, which name the decision and"
            " who asked; nothing was started."
        )
    return result


def load_redactor(name: str) -> Redactor:
    """The callable ``name`` names, as ``package.module:function``.

    Raises:
        ConfigError: nothing callable can be imported under ``name``.
    """
    try:
        found = pkgutil.resolve_name(name)
    except (ImportError, AttributeError, ValueError) as err:
        raise ConfigError(
            f"SIGNOFF_REDACT_REQUEST names '{name}', which cannot be imported ({err}); name"
            " a function as package.module:function."
        ) from err
    if not callable(found):
        raise ConfigError(f"SIGNOFF_REDACT_REQUEST names '{name}', which is not a function.")
    return found  # type: ignore[no-any-return]
