"""Applications that sign in with the operator's OAuth provider: a token an OAuth client
got for itself (the client-credentials grant) acts as the Signoff application the
operator registered that client as (``SIGNOFF_OAUTH_CLIENTS_FILE``), with the same use
cases and scopes as an API key. The token is checked by the same verifier as people's.

What tells such a token from a person's is what the providers themselves write: the
client's id in ``client_id`` (RFC 9068, Keycloak), ``azp`` (Keycloak, Auth0, Entra ID
v2), ``appid`` (Entra ID v1) or ``cid`` (Okta), and a sign that no person is behind it:
``gty: client-credentials`` (Auth0), ``idtyp: app`` (Entra ID), a ``sub`` that is the
client itself (RFC 9068, Okta; Auth0's ``<id>@clients``), Keycloak's
``service-account-<id>`` user, or no claim naming a person at all. A person who signs in
through that same client carries their own claim and stays a person: their token never
acts as the application.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from signoff.core.catalog import ConfigError, load_directory, load_oauth_clients
from signoff.core.models import Directory, OAuthClientGrant
from signoff.core.settings import Settings
from signoff.server.problems import ApiProblem

__all__ = [
    "CLIENT_ID_CLAIMS",
    "application_for",
    "check_oauth_clients",
    "client_named_by",
    "registered_clients",
]

CLIENT_ID_CLAIMS = ("client_id", "azp", "appid", "cid")


def client_named_by(claims: Mapping[str, Any]) -> str | None:
    """The OAuth client the token was issued to; None when it names none, or names two
    (which one the provider meant would be a guess)."""
    named = {claims[c] for c in CLIENT_ID_CLAIMS if isinstance(claims.get(c), str) and claims[c]}
    return named.pop() if len(named) == 1 else None


def _names_no_person(claims: Mapping[str, Any], client_id: str, people_claim: str) -> bool:
    return (
        claims.get("gty") == "client-credentials"
        or claims.get("idtyp") == "app"
        or claims.get("sub") in (client_id, f"{client_id}@clients")
        or claims.get("preferred_username") == f"service-account-{client_id}"
        or not claims.get(people_claim)
    )


def application_for(
    claims: Mapping[str, Any], clients: Mapping[str, OAuthClientGrant], *, people_claim: str
) -> OAuthClientGrant | None:
    """The registered application whose own token ``claims`` (verified) are; None for a
    person's token.

    Raises:
        ApiProblem: 403 for a client's own token when that client is not registered.
    """
    client_id = client_named_by(claims)
    if client_id is None or not _names_no_person(claims, client_id, people_claim):
        return None
    grant = clients.get(client_id)
    if grant is None:
        shown = client_id[:100] if client_id.isprintable() else repr(client_id[:100])
        raise ApiProblem(
            403,
            f"The token names no person and its OAuth client '{shown}' is not registered as"
            " a Signoff application (SIGNOFF_OAUTH_CLIENTS_FILE).",
            code="unknown_client",
        )
    return grant


def check_oauth_clients(
    clients: Mapping[str, OAuthClientGrant], directory: Directory, settings: Settings
) -> None:
    """Refuse, before serving, registrations that could never work or would let people
    in as an application.

    Raises:
        ConfigError: one sentence naming the client at fault.
    """
    path = settings.oauth_clients_path
    if clients and settings.oidc_issuer is None:
        raise ConfigError(
            f"{path} registers OAuth clients, but no provider issues their tokens: set"
            " SIGNOFF_OIDC_ISSUER and SIGNOFF_OIDC_AUDIENCE.",
            path=path,
        )
    for client in clients.values():
        if client.client_id == settings.oidc_audience:
            # People sign in through this client: its tokens are theirs, not an app's.
            raise ConfigError(
                f"{path}: OAuth client '{client.client_id}' is the one people sign in"
                " through (SIGNOFF_OIDC_AUDIENCE); give the application a client of its own.",
                path=path,
            )
        if directory.get(client.principal) is None:
            # Every decision it submitted would be refused for an unknown requester.
            raise ConfigError(
                f"{path}: OAuth client '{client.client_id}' acts as {client.principal}, whom"
                " the directory does not have; add them to it.",
                path=path,
            )


def registered_clients(settings: Settings) -> dict[str, OAuthClientGrant]:
    """The OAuth clients ``settings`` register as applications, checked.

    Raises:
        ConfigError: the file, or a registration, cannot be used.
    """
    clients = load_oauth_clients(settings.oauth_clients_path)
    check_oauth_clients(clients, load_directory(settings.directory_file), settings)
    return clients
