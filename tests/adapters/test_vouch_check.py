"""``audit verify`` checks that every person's action in a chain carries the genuine word
of a surface the decision trusted: someone holding the audit key (a worker host's
administrator) but no surface key cannot write an approval that verifies."""

from __future__ import annotations

from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from signoff.adapters.store import Store
from signoff.core.models import Action, AuditEvent, AuditKind, TrustedSurface
from signoff.core.signing import b64, raw_public
from signoff.core.vouching import Voucher, vouch_record

MakeEvent = Callable[..., AuditEvent]
SLACK = Voucher("slack", Ed25519PrivateKey.generate())
TRUSTED = TrustedSurface(
    name="slack", key_id=SLACK.key_id, public_key=b64(raw_public(SLACK.private.public_key()))
)


def submitted(make_event: MakeEvent, surfaces: list[TrustedSurface] | None) -> AuditEvent:
    plan = {"surfaces": None if surfaces is None else [s.model_dump() for s in surfaces]}
    return make_event("loan-7", 1, AuditKind.SUBMITTED, actor="rita", data={"plan": plan})


def vote(make_event: MakeEvent, actor: str, record: dict[str, object] | None) -> AuditEvent:
    data = {"verdict": "approve", **({"vouch": record} if record else {})}
    return make_event("loan-7", 2, AuditKind.VOTED, actor=actor, data=data)


def signed_approval(actor: str, decision_id: str = "loan-7") -> dict[str, object]:
    action = SLACK.vouch(decision_id, Action(kind="approve", action_id="a1", actor=actor))
    return vouch_record(action)


async def test_an_approval_with_its_surfaces_genuine_word_verifies(
    store: Store, make_event: MakeEvent
) -> None:
    await store.record(
        [submitted(make_event, [TRUSTED]), vote(make_event, "alice", signed_approval("alice"))]
    )

    assert (await store.verify("loan-7")).ok


async def test_an_approval_written_without_any_surfaces_word_is_caught(
    store: Store, make_event: MakeEvent
) -> None:
    await store.record([submitted(make_event, [TRUSTED]), vote(make_event, "alice", None)])

    (found,) = (await store.verify("loan-7")).breaks
    assert (found.seq, found.problem) == (2, "voted by alice carries no surface's word for it")


async def test_a_genuine_word_moved_onto_another_persons_approval_is_caught(
    store: Store, make_event: MakeEvent
) -> None:
    await store.record(
        [submitted(make_event, [TRUSTED]), vote(make_event, "mallory", signed_approval("alice"))]
    )

    (found,) = (await store.verify("loan-7")).breaks
    assert "voted by mallory: the surface's word on it does not verify" in found.problem


async def test_a_word_given_for_another_decision_is_caught(
    store: Store, make_event: MakeEvent
) -> None:
    await store.record(
        [
            submitted(make_event, [TRUSTED]),
            vote(make_event, "alice", signed_approval("alice", decision_id="loan-8")),
        ]
    )

    assert not (await store.verify("loan-7")).ok


async def test_decisions_planned_before_vouching_are_not_held_to_it(
    store: Store, make_event: MakeEvent
) -> None:
    await store.record([submitted(make_event, None), vote(make_event, "alice", None)])

    assert (await store.verify("loan-7")).ok
