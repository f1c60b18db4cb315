"""Applications' API keys in the store: a token is shown once and kept only as a hash;
it authenticates until revoked; anything else given as a token is refused, quietly."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import select

from signoff.adapters.store import Store
from signoff.adapters.store.tables import ApiKeyRow
from signoff.core.models import ApiScope
from tests.helpers.mutations import collect

TOKEN = re.compile(r"sok_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
SUBMIT_READ = [ApiScope.SUBMIT, ApiScope.READ]


async def test_a_created_key_authenticates_with_its_token_and_only_a_hash_of_its_secret_is_stored(
    store: Store,
) -> None:
    grant, token = await store.create_api_key(
        app="refund-app", use_cases=["refunds"], scopes=SUBMIT_READ
    )

    match = TOKEN.fullmatch(token)
    assert match is not None, token
    key_id, secret = match.groups()
    assert grant.key_id == key_id
    assert await store.api_key(token) == grant
    assert grant.principal == "app:refund-app"
    async with store.engine.connect() as conn:
        (row,) = (await conn.execute(select(ApiKeyRow.__table__))).all()
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert not any(secret in str(value) for value in row)
    assert not any(token in str(value) for value in row)


async def test_a_revoked_key_no_longer_authenticates_and_keeps_when_it_was_revoked(
    store: Store,
) -> None:
    grant, token = await store.create_api_key(
        app="refund-app", use_cases=["refunds"], scopes=SUBMIT_READ
    )

    revoked = await store.revoke_api_key(grant.key_id)
    again = await store.revoke_api_key(grant.key_id)

    assert revoked is not None and revoked.revoked_at is not None
    assert revoked.revoked_at >= grant.created_at
    assert await store.api_key(token) is None
    assert again == revoked
    assert await store.api_keys() == [revoked]


async def test_revoking_a_key_that_does_not_exist_answers_none(store: Store) -> None:
    grant, token = await store.create_api_key(
        app="refund-app", use_cases=["refunds"], scopes=SUBMIT_READ
    )
    other = "0" * 12 if grant.key_id != "0" * 12 else "1" * 12

    for key_id in (other, "", "not-a-key", "sok_" + grant.key_id, "a\x00b", "f" * 41):
        assert await store.revoke_api_key(key_id) is None
    assert await store.api_key(token) == grant


async def test_a_token_with_a_right_key_id_but_a_wrong_secret_is_refused(store: Store) -> None:
    first, first_token = await store.create_api_key(
        app="refund-app", use_cases=["refunds"], scopes=SUBMIT_READ
    )
    second, second_token = await store.create_api_key(
        app="loan-app", use_cases=["loans"], scopes=SUBMIT_READ
    )
    first_secret = first_token.removeprefix(f"sok_{first.key_id}_")
    second_secret = second_token.removeprefix(f"sok_{second.key_id}_")
    flipped = ("B" if first_secret[0] == "A" else "A") + first_secret[1:]

    for secret in (second_secret, flipped, "A" * 43):
        assert await store.api_key(f"sok_{first.key_id}_{secret}") is None
    assert await store.api_key(first_token) == first
    assert await store.api_key(second_token) == second


def near_misses(token: str) -> st.SearchStrategy[str]:
    """Strings close to ``token``: one character replaced, inserted or removed, cut
    short, padded, case changed."""
    index = st.integers(0, len(token) - 1)
    char = st.characters(codec="utf-8")
    return st.one_of(
        st.tuples(index, char).map(lambda p: token[: p[0]] + p[1] + token[p[0] + 1 :]),
        st.tuples(index, char).map(lambda p: token[: p[0]] + p[1] + token[p[0] :]),
        index.map(lambda i: token[:i] + token[i + 1 :]),
        index.map(lambda i: token[:i]),
        st.sampled_from([f" {token}", f"{token}\n", f"Bearer {token}", token.upper(), token * 2]),
    ).filter(lambda s: s != token)


async def test_malformed_tokens_are_refused_without_an_error(store: Store) -> None:
    grant, token = await store.create_api_key(
        app="refund-app", use_cases=["refunds"], scopes=SUBMIT_READ
    )
    arbitrary = st.one_of(
        st.text(),
        st.text(st.characters(codec="utf-8"), min_size=60, max_size=70).map(lambda s: "sok_" + s),
        st.from_regex(r"sok_[0-9a-fA-F]{10,14}_[A-Za-z0-9_\-]{40,46}", fullmatch=True),
        near_misses(token),
    )
    tokens: list[Any] = [*collect(arbitrary, max_examples=300), None, b"sok_", 42]

    answers = [await store.api_key(t) for t in tokens]

    assert {repr(t) for t, answer in zip(tokens, answers, strict=True) if answer} == set()
    assert await store.api_key(token) == grant


async def test_a_key_scoped_to_one_use_case_does_not_allow_another_and_a_star_allows_any(
    store: Store,
) -> None:
    _, refunds_token = await store.create_api_key(
        app="refund-app", use_cases=["refunds"], scopes=[ApiScope.READ]
    )
    _, any_token = await store.create_api_key(
        app="auditor-app", use_cases=["*"], scopes=[ApiScope.READ, ApiScope.FEEDBACK]
    )

    refunds = await store.api_key(refunds_token)
    anything = await store.api_key(any_token)

    assert refunds is not None and anything is not None
    assert refunds.allows_use_case("refunds")
    assert not refunds.allows_use_case("loans")
    assert not refunds.allows_use_case("*")
    assert all(anything.allows_use_case(u) for u in ("refunds", "loans", "*", "x" * 500))
    assert [s for s in ApiScope if refunds.allows(s)] == [ApiScope.READ]
    assert [s for s in ApiScope if anything.allows(s)] == [ApiScope.READ, ApiScope.FEEDBACK]


async def test_keys_are_listed_newest_first_with_the_revoked_ones(store: Store) -> None:
    made = [
        (await store.create_api_key(app=app, use_cases=["refunds"], scopes=SUBMIT_READ))[0]
        for app in ("first", "second", "third")
    ]
    revoked = await store.revoke_api_key(made[1].key_id)

    listed = await store.api_keys()

    assert listed == [made[2], revoked, made[0]]


async def test_a_key_made_by_one_process_authenticates_in_another(
    store: Store, other_store: Store
) -> None:
    grant, token = await store.create_api_key(
        app="refund-app", use_cases=["refunds", "returns"], scopes=[ApiScope.SUBMIT]
    )

    assert await other_store.api_key(token) == grant
    await other_store.revoke_api_key(grant.key_id)
    assert await store.api_key(token) is None


@pytest.mark.parametrize(
    ("app", "use_cases", "scopes"),
    [
        ("refund app", ["refunds"], SUBMIT_READ),
        ("", ["refunds"], SUBMIT_READ),
        ("r" * 101, ["refunds"], SUBMIT_READ),
        ("app:refunds", ["refunds"], SUBMIT_READ),
        ("refund-app", [], SUBMIT_READ),
        ("refund-app", [""], SUBMIT_READ),
        ("refund-app", ["refunds"], []),
        ("refund-app", ["refunds"], ["admin"]),
    ],
)
async def test_an_invalid_key_is_refused_and_nothing_is_stored(
    store: Store, app: str, use_cases: list[str], scopes: list[Any]
) -> None:
    with pytest.raises(ValidationError):
        await store.create_api_key(app=app, use_cases=use_cases, scopes=scopes)

    assert await store.api_keys() == []
