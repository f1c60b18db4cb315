"""Errors an engineer or a bot can catch, each with a sentence fit to show a person."""

from __future__ import annotations


class SignoffError(Exception):
    """Base class of Signoff's errors."""


class ActionRefused(SignoffError):
    """A person's action was refused; ``code`` is stable, ``message`` is for them."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ActionPending(SignoffError):
    """An action was sent but Temporal did not say in time whether it was applied; it
    may still be. Sending it again with the same ``action_id`` is safe."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DecisionNotFound(SignoffError):
    def __init__(self, decision_id: str) -> None:
        super().__init__(f"No decision with id '{decision_id}'.")
        self.decision_id = decision_id


class InvalidPolicyError(SignoffError):
    """The decision's policy is unknown or names people the directory does not have."""


class DecisionFailed(SignoffError):
    """The decision's workflow failed before it could be decided (an unknown policy, an
    invalid request started without the client): nobody can act on it, and the reason
    is the workflow's own failure message."""

    def __init__(self, decision_id: str, reason: str, failure_type: str | None = None) -> None:
        super().__init__(f"Decision '{decision_id}' failed: {reason.rstrip('.')}.")
        self.decision_id = decision_id
        self.reason = reason
        self.failure_type = failure_type


class RequestConflict(SignoffError):
    """A request reused an existing decision's id with different content: the id is an
    idempotency key, so the same request is answered with the decision it started and a
    different one is refused rather than silently answered with the old decision."""

    def __init__(self, decision_id: str, fields: list[str]) -> None:
        named = ", ".join(fields[:5]) + (" …" if len(fields) > 5 else "")
        super().__init__(
            f"Decision '{decision_id}' already exists with a different request"
            f" ({named} differ); submit the new request under a new id."
        )
        self.decision_id = decision_id
        self.fields = fields


class OutcomeConflict(SignoffError):
    """An outcome report's key (with its source) already names another outcome of the
    decision: the first stays recorded, and this one is refused rather than lost."""


class MonitorNotFound(SignoffError):
    """No drift monitor is scheduled for the use case."""

    def __init__(self, use_case: str) -> None:
        super().__init__(
            f"No drift monitor for use case '{use_case}' — `signoff monitors list` shows them."
        )
        self.use_case = use_case


class MonitorConflict(SignoffError):
    """A use case has one monitor: enabling it again with other settings is refused
    rather than silently ignored or silently applied."""


class RequestTooLarge(SignoffError):
    """A request bigger than a decision can carry through Temporal (its history, its
    queries and its audit all hold the request), refused before anything starts."""


class RedactionFailed(SignoffError):
    """The operator's redaction hook (:mod:`signoff.core.redaction`) raised, or returned
    something other than the same request redacted; nothing was started."""


class TemporalConnectionError(SignoffError):
    """The connection to Temporal cannot be made as configured: a certificate file that
    cannot be read, a profile that does not load, a TLS handshake or credentials the
    server refused. The message names the setting to fix."""


# Statuses worth sending the same request again for: a timeout, "slow down", and the
# receiver's own trouble. Any other 4xx says the request itself is wrong.
RETRYABLE_4XX = frozenset({408, 429})


def is_retryable(status: int | None) -> bool:
    """Whether sending a webhook again can succeed: no answer, 408, 429 or a 5xx."""
    return status is None or status >= 500 or status in RETRYABLE_4XX


class WebhookDeliveryError(SignoffError):
    """A webhook could not be delivered.

    Attributes:
        url: Where it was sent.
        status: The last HTTP status, or None when no response came back.
        attempts: How many attempts were made.
        retry_after: Seconds the receiver asked us to wait, when it said so.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str,
        status: int | None,
        attempts: int,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.url = url
        self.status = status
        self.attempts = attempts
        self.retry_after = retry_after

    @property
    def permanent(self) -> bool:
        """The receiver refused the request itself (a 4xx other than 408 and 429):
        sending it again, now or later, cannot succeed."""
        return not is_retryable(self.status)
