"""What every request handler needs: the settings, a client, the store, the directory,
the sign-in provider's verifier and the OAuth clients registered as applications, made
once when the server starts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import Request

from signoff.server.operations_audit import DENIALS_PER_MINUTE, OperationsAudit

if TYPE_CHECKING:
    from signoff.adapters.store import Store
    from signoff.client.signoff_client import SignoffClient
    from signoff.core.models import Directory, OAuthClientGrant
    from signoff.core.settings import Settings
    from signoff.server.oidc import OidcVerifier


@dataclass(frozen=True)
class ServerContext:
    settings: Settings
    client: SignoffClient
    """Vouching as this server's surface (``web``) for the people it signs in; without a
    surface key, people can read but not act."""
    store: Store
    directory: Directory
    people: OidcVerifier | None = None
    """None: no provider is configured, so only applications (API keys) get in."""
    oauth_clients: Mapping[str, OAuthClientGrant] = field(default_factory=dict)
    """The provider's OAuth clients registered as applications, by client id: their own
    tokens act as the application (``signoff.server.oauth_apps``)."""
    dev: bool = False
    """Run by ``signoff dev``: without a provider, the console offers a dev sign-in that
    picks a directory person."""
    denials_per_minute: int = DENIALS_PER_MINUTE
    """How many refusals of one caller a minute the operations trail records one by one
    (:mod:`signoff.server.operations_audit`)."""
    operations: OperationsAudit = field(init=False)

    def __post_init__(self) -> None:
        operations = OperationsAudit(self.client, per_minute=self.denials_per_minute)
        object.__setattr__(self, "operations", operations)


def context(request: Request) -> ServerContext:
    found: ServerContext = request.app.state.signoff
    return found
