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


class TemporalConnectionError(SignoffError):
    """The connection to Temporal cannot be made as configured: a certificate file that
    cannot be read, a profile that does not load, a TLS handshake or credentials the
    server refused. The message names the setting to fix."""
