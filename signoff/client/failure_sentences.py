"""One sentence for any failure, and what kind of failure it is.

The CLI and the HTTP API must tell a person the same thing about the same failure; they
differ only in how they signal its kind (an exit code, an HTTP status). So the sentence
and the kind are decided here, once, and each surface maps the kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from pydantic import ValidationError

from signoff.core.catalog import ConfigError
from signoff.core.errors import (
    ActionPending,
    ActionRefused,
    DecisionFailed,
    DecisionNotFound,
    InvalidPolicyError,
    MonitorConflict,
    MonitorNotFound,
    OutcomeConflict,
    RedactionFailed,
    RequestConflict,
    RequestTooLarge,
    SignoffError,
    TemporalConnectionError,
)


class FailureKind(StrEnum):
    INVALID = "invalid"
    """The input does not validate: fix it and send again."""
    POLICY = "policy"
    """The request names a policy or people the worker's catalog refuses."""
    REFUSED = "refused"
    """A person's action was refused by the decision's rules."""
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    """The id is taken by a different request."""
    TOO_LARGE = "too_large"
    FAILED = "failed"
    """The decision's workflow failed: nothing can be done to it any more."""
    PENDING = "pending"
    """Temporal did not say in time what became of an action; sending it again is safe."""
    SETUP = "setup"
    """The operator's configuration is wrong."""
    UNAVAILABLE = "unavailable"
    """Temporal, a worker or the store cannot be reached now."""
    UPSTREAM = "upstream"
    """Temporal refused the request for a reason of its own."""
    UNEXPECTED = "unexpected"


@dataclass(frozen=True)
class Failure:
    sentence: str
    kind: FailureKind
    code: str | None = None
    """A refusal's stable code (:class:`ActionRefused`), for programs to branch on."""


_NOUNS = {
    "DecisionRequest": "request",
    "Action": "action",
    "ApiKeyGrant": "API key",
    "OutcomeReport": "outcome",
    "OAuthClientGrant": "OAuth client",
    "MonitorSettings": "monitor",
    "Settings": "setting",
    "TemporalConnection": "setting",
}
# The environment variables behind each settings model's fields.
_ENV_PREFIXES = {"Settings": "SIGNOFF_", "TemporalConnection": "SIGNOFF_TEMPORAL_"}
# Union members show up in pydantic locations as type names ("str", "ReviewPolicy");
# they mean nothing to the person who wrote the field, so they are dropped.
# So do the validators pydantic names in a location ("function-after[_check(), Model]").
_TYPE_TAG = re.compile(
    r"^(str|int|float|bool|list\[.*\]|dict\[.*\]|[A-Z][A-Za-z0-9]*"
    r"|function-(after|before|wrap|plain)\[.*\])$"
)


def describe_validation(error: ValidationError, noun: str | None = None) -> str:
    """``Invalid request: confidence: Input should be less than or equal to 1.``"""
    noun = noun or _NOUNS.get(error.title, error.title)
    return validation_sentence(noun, error.errors(include_url=False), env=error.title)


def validation_sentence(noun: str, errors: list, *, env: str | None = None) -> str:  # type: ignore[type-arg]
    """The sentence for pydantic's ``errors`` list (the first three, then a count)."""
    seen: list[str] = []
    for item in errors:
        # A key that cannot be printed as written (a line break in it) is quoted, so the
        # sentence stays on one line.
        parts = [
            str(p) if str(p).isprintable() else repr(str(p))
            for p in item["loc"]
            if not _TYPE_TAG.match(str(p))
        ]
        field = ".".join(parts)
        if env in _ENV_PREFIXES and parts:
            field = _ENV_PREFIXES[env] + parts[0].upper()
        message = str(item["msg"]).removeprefix("Value error, ")
        line = f"{field}: {message}" if field else message
        if line not in seen:
            seen.append(line)
    shown = "; ".join(seen[:3]) + (f" (and {len(seen) - 3} more)" if len(seen) > 3 else "")
    return f"Invalid {noun}: {shown}."


def unreachable(address: str) -> str:
    return f"Cannot reach Temporal at {address} — is `signoff dev` running?"


def no_worker(task_queue: str, seconds: float | None) -> str:
    within = f" within {seconds:.0f} s" if seconds else ""
    return (
        f"No worker answered on task queue '{task_queue}'{within}"
        " — is `signoff dev` or `signoff worker` running?"
    )


_KINDS: tuple[tuple[type[Exception], FailureKind], ...] = (
    (DecisionNotFound, FailureKind.NOT_FOUND),
    (RequestConflict, FailureKind.CONFLICT),
    (OutcomeConflict, FailureKind.CONFLICT),
    (MonitorNotFound, FailureKind.NOT_FOUND),
    (MonitorConflict, FailureKind.CONFLICT),
    (RequestTooLarge, FailureKind.TOO_LARGE),
    (DecisionFailed, FailureKind.FAILED),
    (ActionPending, FailureKind.PENDING),
    (TemporalConnectionError, FailureKind.UNAVAILABLE),
    (ConfigError, FailureKind.SETUP),
    (RedactionFailed, FailureKind.SETUP),
    (SignoffError, FailureKind.UNEXPECTED),
)


def describe(exc: BaseException, *, address: str, task_queue: str | None = None) -> Failure:
    """The sentence and kind of ``exc``; ``address`` and ``task_queue`` name where
    Temporal and the worker were looked for."""
    # Imported here: the SDK and SQLAlchemy take most of a second to load, which a CLI's
    # usage errors should not pay.
    from sqlalchemy.exc import SQLAlchemyError
    from temporalio.service import RPCError, RPCStatusCode

    if isinstance(exc, ValidationError):
        return Failure(describe_validation(exc), FailureKind.INVALID)
    if isinstance(exc, ActionRefused):
        return Failure(f"Refused: {exc.message}", FailureKind.REFUSED, exc.code)
    if isinstance(exc, InvalidPolicyError):
        return Failure(f"Cannot submit: {str(exc).rstrip('.')}.", FailureKind.POLICY)
    for cls, kind in _KINDS:
        if isinstance(exc, cls):
            return Failure(str(exc), kind)
    if isinstance(exc, RPCError):
        if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            return Failure(unreachable(address), FailureKind.UNAVAILABLE)
        if "no poller" in exc.message and task_queue is not None:
            return Failure(no_worker(task_queue, None), FailureKind.UNAVAILABLE)
        return Failure(f"Temporal refused the request: {exc.message}", FailureKind.UPSTREAM)
    if isinstance(exc, RuntimeError) and "client connect" in str(exc):
        return Failure(unreachable(address), FailureKind.UNAVAILABLE)
    if isinstance(exc, SQLAlchemyError):
        cause = getattr(exc, "orig", None) or exc
        sentence = f"The audit store failed: {str(cause).splitlines()[0]}"
        return Failure(sentence, FailureKind.UNAVAILABLE)
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return Failure(f"{exc.strerror}{where}", FailureKind.UNEXPECTED)
    return Failure(f"Unexpected error ({type(exc).__name__}): {exc}", FailureKind.UNEXPECTED)
