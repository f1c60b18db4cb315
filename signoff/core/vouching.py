"""Actions vouched for by the surface that authenticated the person.

Anyone who can reach Temporal can send a decision an Update naming any actor. So a
human action is applied only with a surface's signed word that it authenticated that
actor (the Slack bot, the Teams bot, an operator's CLI key): the surface signs the whole
action for one decision (:func:`statement`), and the workflow checks the signature
against the public keys the operator trusts, which the decision's plan holds, and that
the surface may speak for that actor (:func:`vouch_refusal`). Private keys never reach
Temporal; the signed word is kept with the audit event, so an auditor can check it
again offline.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from signoff.core import messages
from signoff.core.models import Action, DecisionRequest, TrustedSurface, Vouch
from signoff.core.policy import Refusal
from signoff.core.signing import b64, key_id_of, public_key, verifies

STATEMENT_VERSION = "signoff-action/v1"
SUBMISSION_VERSION = "signoff-submission/v1"


def statement(decision_id: str, action: Action, vouch: Vouch) -> bytes:
    """The exact bytes a surface signs: the decision, every field of the action but the
    signature itself, and who signs when."""
    body = {"decision_id": decision_id, "action": action.model_dump(mode="json", exclude={"vouch"})}
    return _signed_bytes(STATEMENT_VERSION, body, vouch)


def submission_statement(request: DecisionRequest, vouch: Vouch) -> bytes:
    """What a surface signs to vouch that the requester submitted ``request``: needed
    only for what the requester's word unlocks (an inline policy)."""
    return _signed_bytes(SUBMISSION_VERSION, {"request": request.model_dump(mode="json")}, vouch)


def _signed_bytes(version: str, body: dict[str, object], vouch: Vouch) -> bytes:
    """Canonical JSON of ``body`` with the statement's version and who signs when."""
    return json.dumps(
        {
            "v": version,
            **body,
            "surface": vouch.surface,
            "key_id": vouch.key_id,
            "issued_at": vouch.issued_at.astimezone(UTC).isoformat(),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")


@dataclass(frozen=True)
class Voucher:
    """A surface's private key, to vouch for the people that surface authenticated."""

    surface: str
    private: Ed25519PrivateKey

    @property
    def key_id(self) -> str:
        return key_id_of(self.private.public_key())

    def vouch(self, decision_id: str, action: Action, now: datetime | None = None) -> Action:
        """``action`` with this surface's signed word attached."""
        bare = action.model_copy(update={"vouch": None})
        word = self._word(now, lambda unsigned: statement(decision_id, bare, unsigned))
        return bare.model_copy(update={"vouch": word})

    def vouch_submission(self, request: DecisionRequest, now: datetime | None = None) -> Vouch:
        """This surface's signed word that ``request.requester`` submitted ``request``."""
        return self._word(now, lambda unsigned: submission_statement(request, unsigned))

    def _word(self, now: datetime | None, signed: Callable[[Vouch], bytes]) -> Vouch:
        unsigned = Vouch(
            surface=self.surface,
            key_id=self.key_id,
            issued_at=now or datetime.now(UTC),
            signature="-",
        )
        signature = b64(self.private.sign(signed(unsigned)))
        return unsigned.model_copy(update={"signature": signature})


def vouch_refusal(
    surfaces: Sequence[TrustedSurface],
    decision_id: str,
    action: Action,
    now: datetime,
    fresh_for: timedelta | None,
) -> Refusal | None:
    """Why ``action`` is not vouched for by a trusted surface, or None when it is.

    ``fresh_for`` bounds the age of the word (settings: ``vouch_fresh_for``), so a word
    captured on its way and held back cannot be used later; replaying it at once gains
    nothing, as an action id is applied once per decision."""
    vouch = action.vouch
    if vouch is None:
        return Refusal(code="not_vouched", message=messages.NOT_VOUCHED.format(actor=action.actor))
    signed = statement(decision_id, action.model_copy(update={"vouch": None}), vouch)
    return _word_refusal(surfaces, vouch, signed, action.actor, now, fresh_for)


def submission_refusal(
    surfaces: Sequence[TrustedSurface],
    request: DecisionRequest,
    vouch: Vouch | None,
    now: datetime,
    fresh_for: timedelta | None,
) -> Refusal | None:
    """Why ``vouch`` is not a trusted surface's word that the requester submitted
    ``request``, or None when it is."""
    if vouch is None:
        return Refusal(
            code="not_vouched", message=messages.NOT_VOUCHED.format(actor=request.requester)
        )
    signed = submission_statement(request, vouch)
    return _word_refusal(surfaces, vouch, signed, request.requester, now, fresh_for)


def _word_refusal(
    surfaces: Sequence[TrustedSurface],
    vouch: Vouch,
    signed: bytes,
    actor: str,
    now: datetime,
    fresh_for: timedelta | None,
) -> Refusal | None:
    surface, key = _trusted(surfaces, vouch)
    if surface is None or key is None:
        return Refusal(
            code="unknown_surface",
            message=messages.UNKNOWN_SURFACE.format(surface=vouch.surface, key_id=vouch.key_id),
        )
    if not verifies(key, vouch.signature, signed):
        return Refusal(
            code="forged_vouch", message=messages.FORGED_VOUCH.format(surface=vouch.surface)
        )
    if fresh_for is not None and abs(now - vouch.issued_at) > fresh_for:
        return Refusal(
            code="stale_vouch", message=messages.STALE_VOUCH.format(surface=vouch.surface)
        )
    if surface.vouches_for != "anyone" and actor not in surface.vouches_for:
        return Refusal(
            code="not_vouched_for",
            message=messages.NOT_VOUCHED_FOR.format(
                surface=surface.name, actor=actor, people=", ".join(surface.vouches_for)
            ),
        )
    return None


UNVOUCHED: dict[str, object] = {"unvouched": True}
"""What the audit keeps on an action applied without any surface's word (``signoff dev``
with ``accept_unvouched_actions`` only): said on every such event."""


def vouch_record(action: Action) -> dict[str, object]:
    """What the audit keeps of a vouched action: the surface's signed word and the action
    exactly as signed, so an auditor can check the signature offline
    (:func:`record_verifies`) long after the decision."""
    assert action.vouch is not None
    return {
        **action.vouch.model_dump(mode="json"),
        "action": action.model_dump(mode="json", exclude={"vouch"}),
    }


def record_verifies(
    record: dict[str, object], decision_id: str, surfaces: Sequence[TrustedSurface]
) -> bool:
    """Whether an audit event's ``vouch`` record is a trusted surface's genuine word on
    that action for ``decision_id``: whose key is in ``surfaces``, whoever signed when."""
    fields = dict(record)
    signed = Action.model_validate(fields.pop("action"))
    vouch = Vouch.model_validate(fields)
    _, key = _trusted(surfaces, vouch)
    return key is not None and verifies(key, vouch.signature, statement(decision_id, signed, vouch))


def _trusted(
    surfaces: Sequence[TrustedSurface], vouch: Vouch
) -> tuple[TrustedSurface | None, Ed25519PublicKey | None]:
    """The trusted surface ``vouch`` names (by name and key id) and its public key."""
    surface = next(
        (s for s in surfaces if s.name == vouch.surface and s.key_id == vouch.key_id), None
    )
    if surface is None:
        return None, None
    try:
        return surface, public_key(surface.public_key)
    except ValueError:
        return surface, None
