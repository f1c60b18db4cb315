"""Applications that sign in with OAuth2 client credentials: an OAuth client the operator
registered as a Signoff application gets a token from the provider's token endpoint
(over HTTP, as any application does) and acts as ``app:NAME`` with that registration's
use cases and scopes. Its token is checked as strictly as a person's, a client the
operator did not register is refused, and a person never passes for an application."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from temporalio.testing import WorkflowEnvironment

from signoff.adapters.store import Store
from signoff.core.catalog import ConfigError, load_directory, load_oauth_clients
from signoff.core.models import OAuthClientGrant
from signoff.core.settings import Settings
from signoff.server.oauth_apps import application_for, check_oauth_clients
from signoff.server.problems import ApiProblem
from tests.conftest import Harness
from tests.helpers.oidc_provider import OidcProvider
from tests.server.conftest import (
    Api,
    Served,
    key,
    problem,
    serving_api,
    shared_serving,
    submission,
)

CLIENTS = {
    grant.client_id: grant
    for grant in (
        OAuthClientGrant(
            client_id="refunds-service",
            app="refunds-bot",
            use_cases=["refunds"],
            scopes=["submit", "read"],
        ),
        OAuthClientGrant(
            client_id="refunds-auditor", app="refunds-bot", use_cases=["refunds"], scopes=["read"]
        ),
        OAuthClientGrant(
            client_id="refunds-feedback",
            app="refunds-bot",
            use_cases=["refunds"],
            scopes=["feedback"],
        ),
        OAuthClientGrant(
            client_id="loans-service",
            app="other-bot",
            use_cases=["loans"],
            scopes=["submit", "read"],
        ),
    )
}
DECISIONS = "/api/v1/decisions"


@pytest.fixture(scope="module")
async def served(
    dev_env: WorkflowEnvironment, settings: Settings, store_url: str
) -> AsyncIterator[Served]:
    async with shared_serving(dev_env, settings, store_url, oauth_clients=CLIENTS) as running:
        yield running


async def client_token(
    provider: OidcProvider, client_id: str, *, method: str = "basic", **form: str
) -> str:
    """A token for ``client_id`` from ``provider``'s token endpoint, found by discovery,
    authenticated by ``method`` (``basic``: client_secret_basic; ``post``)."""
    secret = provider.register_client(client_id)
    async with httpx.AsyncClient() as http:
        found = await http.get(f"{provider.issuer}/.well-known/openid-configuration")
        endpoint = found.json()["token_endpoint"]
        form = {"grant_type": "client_credentials"} | form
        if method == "basic":
            answer = await http.post(endpoint, data=form, auth=(client_id, secret))
        else:
            posted = form | {"client_id": client_id, "client_secret": secret}
            answer = await http.post(endpoint, data=posted)
    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"] == "Bearer"
    token: str = answer.json()["access_token"]
    return token


def as_app(served: Served, token: str) -> Api:
    return served.api.bearing(token)


def claims(token: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    return payload


# -- the flow over HTTP ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["basic", "post"])
async def test_a_registered_client_submits_and_reads_its_decision_as_its_application(
    served: Served, method: str
) -> None:
    app = as_app(served, await client_token(served.provider, "refunds-service", method=method))
    idem = key()
    answer = await app.submit(submission(), idem)
    assert answer.status_code == 201, answer.text
    decision = answer.json()
    assert decision["decision_id"] == f"refunds-bot:{idem}"
    assert decision["request"]["requester"] == "app:refunds-bot"
    read = await app.get(f"{DECISIONS}/{decision['decision_id']}")
    assert read.status_code == 200, read.text
    assert read.json()["request"]["requester"] == "app:refunds-bot"
    events = await served.store.events(decision["decision_id"])
    submitted = [e for e in events if e.kind.value == "submitted"]
    assert [e.data["request"]["requester"] for e in submitted] == ["app:refunds-bot"]


async def test_the_applications_api_key_and_its_oauth_token_name_one_decision_per_key(
    served: Served,
) -> None:
    """Both are the same application: its idempotency keys are its own, whichever way
    it signs in."""
    idem = key()
    by_key = await served.api.submit(submission(), idem)
    app = as_app(served, await client_token(served.provider, "refunds-service"))
    by_token = await app.submit(submission(), idem)
    assert by_key.status_code == by_token.status_code == 201, by_token.text
    assert by_token.json()["decision_id"] == by_key.json()["decision_id"]
    assert problem(await app.submit(submission(confidence=0.1), idem), 409)["code"] == "conflict"


async def test_a_client_is_refused_outside_its_use_cases_and_their_decisions_stay_unseen(
    served: Served,
) -> None:
    loans = as_app(served, await client_token(served.provider, "loans-service"))
    refused = problem(await loans.submit(submission(), key()), 403)
    assert refused["code"] == "use_case"
    assert refused["detail"] == (
        "The OAuth client 'loans-service' of 'other-bot' is not for use case 'refunds'."
    )
    made = await served.api.submit(submission(), key())
    unseen = await loans.get(f"{DECISIONS}/{made.json()['decision_id']}")
    problem(unseen, 404)


async def test_a_client_is_refused_outside_its_scopes_and_told_how_to_be_allowed(
    served: Served,
) -> None:
    auditor = as_app(served, await client_token(served.provider, "refunds-auditor"))
    refused = problem(await auditor.submit(submission(), key()), 403)
    assert refused["code"] == "scope"
    assert refused["detail"] == (
        "The OAuth client 'refunds-auditor' of 'refunds-bot' may not submit; add `submit`"
        " to its scopes in the OAuth clients file."
    )
    made = await served.api.submit(submission(), key())
    read = await auditor.get(f"{DECISIONS}/{made.json()['decision_id']}")
    assert read.status_code == 200, read.text
    feedback = as_app(served, await client_token(served.provider, "refunds-feedback"))
    assert problem(await feedback.get(DECISIONS), 403)["code"] == "scope"


async def test_a_client_the_operator_did_not_register_is_refused_in_one_sentence(
    served: Served,
) -> None:
    stranger = as_app(served, await client_token(served.provider, "stranger-service"))
    idem = key()
    refused = problem(await stranger.submit(submission(), idem), 403)
    assert refused["code"] == "unknown_client"
    assert "'stranger-service'" in refused["detail"], refused
    assert "SIGNOFF_OAUTH_CLIENTS_FILE" in refused["detail"]
    problem(await stranger.get(DECISIONS), 403)


async def test_an_expired_client_token_is_refused(served: Served) -> None:
    served.provider.clock_offset_s = -3600  # the provider dated it an hour ago
    try:
        token = await client_token(served.provider, "refunds-service")
    finally:
        served.provider.clock_offset_s = 0
    refused = problem(await as_app(served, token).submit(submission(), key()), 401)
    assert refused["detail"] == "The sign-in token has expired."


async def test_a_client_token_for_another_audience_is_refused(served: Served) -> None:
    token = await client_token(served.provider, "refunds-service", audience="payments-api")
    assert claims(token)["aud"] == "payments-api"
    refused = problem(await as_app(served, token).submit(submission(), key()), 401)
    assert refused["detail"] == "The sign-in token is not for this audience."


async def test_a_client_token_from_another_provider_is_refused(served: Served) -> None:
    """Another provider knowing a client of the same id vouches for nothing here."""
    async with OidcProvider(client_id=served.provider.client_id) as elsewhere:
        token = await client_token(elsewhere, "refunds-service")
    refused = problem(await as_app(served, token).submit(submission(), key()), 401)
    assert refused["detail"] == f"The sign-in token was not issued by {served.provider.issuer}."


async def test_a_client_token_signed_by_a_key_the_provider_does_not_publish_is_refused(
    served: Served,
) -> None:
    genuine = claims(await client_token(served.provider, "refunds-service"))
    own_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        genuine, own_key, algorithm="RS256", headers={"kid": f"forged-{uuid.uuid4().hex[:6]}"}
    )
    refused = problem(await as_app(served, forged).submit(submission(), key()), 401)
    assert refused["detail"] == (
        f"The sign-in token is not signed by a key of {served.provider.issuer}."
    )


async def test_a_client_token_signed_after_the_provider_rotates_its_key_is_accepted(
    live: Harness, store: Store, people_provider: OidcProvider
) -> None:
    """A server of its own: the verifier looks for a key it has not seen at most once
    in 30 s, and the shared one may just have looked for a forger's."""
    async with serving_api(live, store, people_provider, oauth_clients=CLIENTS) as api:
        before = await client_token(people_provider, "refunds-service")
        assert (await api.bearing(before).get(DECISIONS)).status_code == 200
        new_kid = people_provider.rotate(keep_old=False)
        after = await client_token(people_provider, "refunds-service")
        assert jwt.get_unverified_header(after)["kid"] == new_kid
        answer = await api.bearing(after).submit(submission(), key())
        assert answer.status_code == 201, answer.text
        assert answer.json()["request"]["requester"] == "app:refunds-bot"


async def test_a_person_signing_in_through_an_applications_client_stays_that_person(
    served: Served,
) -> None:
    """Their token names the application's client (``azp``) and the person: it is the
    person's, and a person cannot submit."""
    token = served.provider.token(
        sub="u-alice", email="alice@example.com", extra={"azp": "refunds-service"}
    )
    refused = problem(await as_app(served, token).submit(submission(), key()), 403)
    assert refused["detail"] == "Only an application (its API key or OAuth client) may submit here."
    assert (await as_app(served, token).get(DECISIONS)).status_code == 200


# -- what tells an application's token from a person's ------------------------------------

REGISTERED = {
    "svc-7": OAuthClientGrant(
        client_id="svc-7", app="refunds-bot", use_cases=["*"], scopes=["read"]
    )
}


@pytest.mark.parametrize(
    "shape",
    [
        # RFC 9068 and Okta: the client is its own subject.
        {"sub": "svc-7", "client_id": "svc-7"},
        {"sub": "svc-7", "cid": "svc-7"},
        # Auth0: a machine-to-machine token.
        {"sub": "svc-7@clients", "azp": "svc-7", "gty": "client-credentials"},
        # Entra ID, v1 and v2 app-only tokens.
        {"sub": "8f1e0c3a", "appid": "svc-7", "idtyp": "app"},
        {"sub": "8f1e0c3a", "azp": "svc-7", "idtyp": "app"},
        # Keycloak: the client's service account, which has no e-mail.
        {
            "sub": "5d1c-uuid",
            "azp": "svc-7",
            "client_id": "svc-7",
            "preferred_username": "service-account-svc-7",
        },
        {"sub": "5d1c-uuid", "azp": "svc-7"},
    ],
)
def test_each_providers_client_credentials_token_is_the_registered_application(
    shape: dict[str, Any],
) -> None:
    assert application_for(shape, REGISTERED, people_claim="email") == REGISTERED["svc-7"]


@pytest.mark.parametrize(
    "shape",
    [
        {"sub": "u-1", "email": "lead@example.com", "azp": "svc-7"},
        {"sub": "u-1", "email": "lead@example.com", "client_id": "svc-7"},
        {"sub": "u-1", "email": "lead@example.com"},
        # Two clients named: which one the provider meant would be a guess.
        {"sub": "svc-7", "client_id": "svc-7", "azp": "svc-8"},
    ],
)
def test_a_token_naming_a_person_or_no_one_client_is_not_an_application(
    shape: dict[str, Any],
) -> None:
    assert application_for(shape, REGISTERED, people_claim="email") is None


def test_with_people_named_by_sub_only_a_providers_own_mark_makes_an_application() -> None:
    person = {"sub": "u-1", "azp": "svc-7"}
    assert application_for(person, REGISTERED, people_claim="sub") is None
    keycloak = person | {"preferred_username": "service-account-svc-7"}
    assert application_for(keycloak, REGISTERED, people_claim="sub") == REGISTERED["svc-7"]


def test_an_unregistered_clients_own_token_is_refused_not_taken_for_a_person() -> None:
    with pytest.raises(ApiProblem) as refused:
        application_for({"sub": "svc-9", "client_id": "svc-9"}, REGISTERED, people_claim="email")
    assert (refused.value.status, refused.value.code) == (403, "unknown_client")


# -- the operator's registrations ----------------------------------------------------------


def clients_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "oauth-clients.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_clients_file_registers_no_client(tmp_path: Path) -> None:
    assert load_oauth_clients(tmp_path / "oauth-clients.yaml") == {}


def test_a_clients_file_registers_each_client_and_refuses_one_named_twice(tmp_path: Path) -> None:
    entry = "  - {client_id: svc-7, app: refunds-bot, use_cases: [refunds], scopes: [submit]}\n"
    loaded = load_oauth_clients(clients_file(tmp_path, "clients:\n" + entry))
    assert loaded["svc-7"].principal == "app:refunds-bot"
    with pytest.raises(ConfigError, match="'svc-7' appears twice"):
        load_oauth_clients(clients_file(tmp_path, "clients:\n" + entry + entry))
    with pytest.raises(ConfigError, match="scopes"):
        load_oauth_clients(
            clients_file(
                tmp_path, "clients:\n  - {client_id: s, app: refunds-bot, use_cases: [r]}\n"
            )
        )


def test_serve_refuses_registrations_that_could_not_work_or_would_let_people_in(
    settings: Settings,
) -> None:
    directory = load_directory(settings.directory_file)
    signed = settings.model_copy(
        update={"oidc_issuer": "https://id.example.com", "oidc_audience": "signoff-console"}
    )

    def registering(**fields: Any) -> dict[str, OAuthClientGrant]:
        base = {"client_id": "svc-7", "app": "refunds-bot", "use_cases": ["*"], "scopes": ["read"]}
        grant = OAuthClientGrant.model_validate(base | fields)
        return {grant.client_id: grant}

    check_oauth_clients(registering(), directory, signed)
    with pytest.raises(ConfigError, match="SIGNOFF_OIDC_ISSUER"):
        check_oauth_clients(registering(), directory, settings)
    with pytest.raises(ConfigError, match="people sign in through"):
        check_oauth_clients(registering(client_id="signoff-console"), directory, signed)
    with pytest.raises(ConfigError, match="app:ghost-bot"):
        check_oauth_clients(registering(app="ghost-bot"), directory, signed)
