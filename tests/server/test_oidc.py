"""Signing in to the HTTP API with a bearer token from the operator's OpenID Connect
provider: a token the provider signed for Signoff names a directory person; any other
token is refused with one sentence saying why; a rotated key is found; and a provider
that cannot be reached is told apart from a bad token."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signoff.core.models import Directory, Principal
from signoff.server.oidc import (
    InvalidToken,
    OidcVerifier,
    ProviderUnavailable,
    person_for,
)
from tests.helpers.oidc_provider import OidcProvider, pkce_pair

DIRECTORY = Directory(
    people=[
        Principal(id="alice", name="Alice", email="Alice@Example.com"),
        Principal(id="bob", name="Bob", email="bob@example.com", identities={"oidc": "u-bob-7"}),
        Principal(id="carol", name="Carol"),
    ]
)
REDIRECT_URI = "http://127.0.0.1:1/callback"


@pytest.fixture
async def provider() -> AsyncIterator[OidcProvider]:
    async with OidcProvider() as running:
        yield running


@pytest.fixture
def verifier(provider: OidcProvider) -> OidcVerifier:
    return OidcVerifier(provider.issuer, provider.client_id)


async def refusal(verifier: OidcVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        await verifier.verify(token)
    return one_sentence(str(caught.value))


def one_sentence(message: str) -> str:
    assert message[:1].isupper() and message.endswith("."), message
    assert ". " not in message and "\n" not in message, message
    return message


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """The first two parts of a JWT, as a forger writes them."""
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"


def claims_of(provider: OidcProvider, **extra: Any) -> dict[str, Any]:
    token = provider.token(sub="u-alice", email="alice@example.com", extra=extra)
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


async def test_a_token_from_the_provider_verifies_and_names_the_directory_person_by_email(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    token = provider.token(sub="u-alice", email="alice@example.com")

    claims = await verifier.verify(token)

    assert claims["sub"] == "u-alice"
    person = person_for(claims, DIRECTORY, claim="email", match="email")
    assert person is not None and person.id == "alice"


@pytest.mark.parametrize(
    ("claims", "claim", "match", "named"),
    [
        ({"sub": "bob"}, "sub", "id", "bob"),
        ({"sub": "u-bob-7"}, "sub", "identity", "bob"),
        ({"preferred_username": "carol"}, "preferred_username", "id", "carol"),
        ({"sub": "Bob"}, "sub", "id", None),  # ids match exactly
        ({"sub": "bob"}, "sub", "identity", None),  # an id is not an identity
        ({"email": "dave@example.com"}, "email", "email", None),  # nobody in the directory
        ({"sub": "u-alice"}, "email", "email", None),  # the claim is missing
        ({"email": ["alice@example.com"]}, "email", "email", None),  # not a string
        ({"email": "alice@example.com", "email_verified": False}, "email", "email", None),
    ],
)
def test_the_configured_claim_names_a_person_or_nobody(
    claims: dict[str, Any], claim: str, match: str, named: str | None
) -> None:
    person = person_for(claims, DIRECTORY, claim=claim, match=match)

    assert (person.id if person else None) == named


async def test_an_expired_token_is_refused(provider: OidcProvider, verifier: OidcVerifier) -> None:
    token = provider.token(sub="u-alice", expires_in=-120)  # beyond the 30 s of leeway

    assert await refusal(verifier, token) == "The sign-in token has expired."


async def test_a_token_issued_in_the_future_is_refused(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    in_ten_minutes = provider.token(sub="u-alice", issued_at=time.time() + 600)

    assert await refusal(verifier, in_ten_minutes) == "The sign-in token is not valid yet."


async def test_a_token_for_another_audience_is_refused(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    token = provider.token(sub="u-alice", audience="another-app")

    assert await refusal(verifier, token) == "The sign-in token is not for this audience."


async def test_a_token_from_another_provider_is_refused_without_fetching_keys(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    async with OidcProvider(client_id=provider.client_id) as other:
        token = other.token(sub="u-alice", email="alice@example.com")

        message = await refusal(verifier, token)

    assert message == f"The sign-in token was not issued by {provider.issuer}."
    assert provider.jwks_fetches == 0


async def test_a_token_from_another_provider_naming_ours_is_not_signed_by_our_keys(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    async with OidcProvider(client_id=provider.client_id) as other:
        token = other.token(sub="u-alice", extra={"iss": provider.issuer})

        message = await refusal(verifier, token)

    assert message == f"The sign-in token is not signed by a key of {provider.issuer}."


async def test_a_token_with_no_signature_is_refused(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    token = unsigned({"alg": "none", "typ": "JWT"}, claims_of(provider)) + "."

    message = await refusal(verifier, token)

    assert message == "The sign-in token is not signed with an algorithm accepted here."


async def test_a_token_signed_hs256_with_the_published_public_key_is_refused(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    head_and_body = unsigned({"alg": "HS256", "kid": provider.kid}, claims_of(provider))
    mac = hmac.new(provider.public_pem(), head_and_body.encode(), hashlib.sha256).digest()

    message = await refusal(verifier, f"{head_and_body}.{b64(mac)}")

    assert message == "The sign-in token is not signed with an algorithm accepted here."


async def test_a_token_whose_claims_were_changed_after_signing_is_refused(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    header, _, signature = provider.token(sub="u-carol", email="carol@example.com").split(".")
    claims = claims_of(provider) | {"sub": "u-carol", "email": "alice@example.com"}
    tampered = f"{header}.{b64(json.dumps(claims).encode())}.{signature}"

    assert await refusal(verifier, tampered) == "The sign-in token's signature is not valid."


async def test_a_token_without_an_expiry_is_refused(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    token = provider.token(sub="u-alice", extra={"exp": None})

    assert await refusal(verifier, token) == "The sign-in token has no 'exp' claim."


async def test_a_token_whose_expiry_is_not_a_number_is_refused(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    token = provider.token(sub="u-alice", extra={"exp": "tomorrow"})

    assert await refusal(verifier, token) == "The sign-in token's claims are not well-formed."


async def test_a_token_naming_a_key_of_another_type_than_its_algorithm_is_refused(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    elliptic = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(claims_of(provider), elliptic, "ES256", headers={"kid": provider.kid})

    message = await refusal(verifier, token)

    assert message == f"The sign-in token is not signed by a key of {provider.issuer}."


def _jwt_like() -> st.SearchStrategy[str]:
    """Strings shaped more and more like a JWT, so the checks past parsing are reached."""
    segment = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    json_value = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=8,
    )
    header = st.fixed_dictionaries(
        {},
        optional={
            "alg": st.sampled_from(["RS256", "ES256", "none", "HS256", "EdDSA"]) | json_value,
            "kid": st.text(max_size=12) | json_value,
        },
    )
    part = st.one_of(
        segment,
        st.binary(max_size=64).map(b64),
        json_value.map(lambda v: b64(json.dumps(v).encode())),
        header.map(lambda h: b64(json.dumps(h).encode())),
    )
    return st.one_of(st.text(max_size=200), st.lists(part, min_size=1, max_size=4).map(".".join))


async def test_garbage_is_refused_with_one_sentence(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    loop = asyncio.get_running_loop()

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_jwt_like())
    def refused(token: str) -> None:
        message = asyncio.run_coroutine_threadsafe(refusal(verifier, token), loop).result(30)
        assert message.startswith("The sign-in token")

    await asyncio.to_thread(refused)


async def test_a_rotated_key_is_fetched_and_the_old_one_still_verifies_while_published(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    old = provider.token(sub="u-alice")
    await verifier.verify(old)
    assert provider.jwks_fetches == 1

    provider.rotate()
    new = provider.token(sub="u-alice")

    assert (await verifier.verify(new))["sub"] == "u-alice"
    assert provider.jwks_fetches == 2
    assert (await verifier.verify(old))["sub"] == "u-alice"
    assert provider.jwks_fetches == 2


async def test_a_token_of_a_key_taken_out_of_the_key_set_is_refused(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    old = provider.token(sub="u-alice")
    await verifier.verify(old)

    provider.rotate(keep_old=False)
    await verifier.verify(provider.token(sub="u-alice"))

    message = await refusal(verifier, old)
    assert message == f"The sign-in token is not signed by a key of {provider.issuer}."


async def test_tokens_naming_made_up_keys_fetch_the_key_set_at_most_once_more(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    await verifier.verify(provider.token(sub="u-alice"))
    forger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = [
        jwt.encode(claims_of(provider), forger_key, "RS256", headers={"kid": uuid.uuid4().hex})
        for _ in range(20)
    ]

    for token in forged:
        message = await refusal(verifier, token)
        assert message == f"The sign-in token is not signed by a key of {provider.issuer}."

    assert provider.jwks_fetches <= 2


async def test_verifying_at_once_on_first_use_fetches_the_keys_once(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    tokens = [provider.token(sub=f"u-{n}") for n in range(10)]

    verified = await asyncio.gather(*(verifier.verify(token) for token in tokens))

    assert [claims["sub"] for claims in verified] == [f"u-{n}" for n in range(10)]
    assert provider.jwks_fetches == 1


async def test_an_unreachable_provider_is_unavailable_not_an_invalid_token(
    provider: OidcProvider,
) -> None:
    with socket.socket() as closed:  # a port nothing listens on once it is closed
        closed.bind(("127.0.0.1", 0))
        issuer = f"http://127.0.0.1:{closed.getsockname()[1]}"
    verifier = OidcVerifier(issuer, provider.client_id, http_timeout_s=2)
    token = provider.token(sub="u-alice", extra={"iss": issuer})

    with pytest.raises(ProviderUnavailable) as caught:
        await verifier.verify(token)

    assert one_sentence(str(caught.value)) == (
        f"The sign-in provider {issuer} cannot be reached to check the token."
    )


async def test_a_provider_whose_discovery_names_another_issuer_is_not_trusted(
    provider: OidcProvider,
) -> None:
    claimed = provider.issuer + "/"  # what the document says differs from what we trust
    verifier = OidcVerifier(claimed, provider.client_id)
    token = provider.token(sub="u-alice", extra={"iss": claimed})

    with pytest.raises(ProviderUnavailable) as caught:
        await verifier.verify(token)

    assert "does not name itself" in one_sentence(str(caught.value))
    assert provider.jwks_fetches == 0


async def sign_in(
    provider: OidcProvider, session: aiohttp.ClientSession, login_hint: str
) -> tuple[str, str]:
    """A browser's trip through /authorize: the code and state it is sent back with."""
    verifier, challenge = pkce_pair()
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid email",
        "state": "st-1",
        "nonce": "n-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "login_hint": login_hint,
    }
    async with session.get(
        f"{provider.issuer}/authorize", params=query, allow_redirects=False
    ) as response:
        assert response.status == 302
        location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    back = parse_qs(location.query)
    assert back["state"] == ["st-1"]
    return back["code"][0], verifier


async def exchange(
    provider: OidcProvider, session: aiohttp.ClientSession, code: str, code_verifier: str
) -> tuple[int, dict[str, Any]]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": provider.client_id,
        "code_verifier": code_verifier,
    }
    async with session.post(f"{provider.issuer}/token", data=form) as response:
        return response.status, await response.json()


async def test_signing_in_with_pkce_hands_out_an_id_token_that_names_the_person(
    provider: OidcProvider, verifier: OidcVerifier
) -> None:
    async with aiohttp.ClientSession() as session:
        code, code_verifier = await sign_in(provider, session, "alice@example.com")
        status, tokens = await exchange(provider, session, code, code_verifier)

    assert status == 200
    claims = await verifier.verify(tokens["id_token"])
    assert claims["nonce"] == "n-1"
    person = person_for(claims, DIRECTORY, claim="email", match="email")
    assert person is not None and person.id == "alice"
    assert (await verifier.verify(tokens["access_token"]))["sub"] == claims["sub"]


async def test_a_code_with_the_wrong_code_verifier_gets_no_tokens(
    provider: OidcProvider,
) -> None:
    async with aiohttp.ClientSession() as session:
        code, _ = await sign_in(provider, session, "alice@example.com")
        status, answer = await exchange(provider, session, code, pkce_pair()[0])

    assert status == 400
    assert answer["error"] == "invalid_grant"
    assert "id_token" not in answer
