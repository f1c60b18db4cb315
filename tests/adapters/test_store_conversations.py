"""Where bots may post, and which decision a reacted-to message belongs to."""

from __future__ import annotations

from signoff.adapters.store import Store
from signoff.core.channel_protocol import CardRef

REFERENCE = {
    "serviceUrl": "https://smba.example/teams/",
    "conversation": {"id": "a:1personal", "conversationType": "personal", "tenantId": "t-1"},
    "bot": {"id": "28:bot"},
}


async def test_a_saved_conversation_reference_is_found_by_its_key(store: Store) -> None:
    await store.save_conversation("teams", "user:aad-bob", REFERENCE)

    assert await store.conversation("teams", "user:aad-bob") == REFERENCE
    assert await store.conversation("teams", "user:aad-alice") is None
    assert await store.conversation("slack", "user:aad-bob") is None


async def test_a_newer_reference_for_the_same_key_replaces_the_old(store: Store) -> None:
    await store.save_conversation("teams", "user:aad-bob", REFERENCE)
    moved = {**REFERENCE, "serviceUrl": "https://smba.example/emea/"}

    await store.save_conversation("teams", "user:aad-bob", moved)

    assert await store.conversation("teams", "user:aad-bob") == moved


async def test_a_card_is_found_by_the_message_it_was_posted_as(store: Store) -> None:
    card = CardRef(channel="teams", ref={"activity_id": "1700"}, message_id="1700")
    await store.save_card("refund-1", card)
    await store.save_card("refund-2", CardRef(channel="slack", ref={"ts": "1700"}))

    assert await store.decision_of_message("teams", "1700") == "refund-1"
    assert await store.decision_of_message("slack", "1700") is None
    assert await store.decision_of_message("teams", "unknown") is None
    assert (await store.cards("refund-1"))[0].message_id == "1700"
