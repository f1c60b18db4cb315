"""What an application may do through ``signoff serve``.

An application authenticates with an API key it was shown once (the store keeps only a
hash of the token's secret, and hands back an :class:`ApiKeyGrant` for a token that is
genuine and not revoked), or with a token its OAuth client got from the operator's
provider (an :class:`OAuthClientGrant` the operator registered). Either grant says which
use cases and which kinds of call the application may make, and under which name it is
recorded as requester or actor.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from signoff.core.models._types import NonEmptyStr

ANY_USE_CASE = "*"
"""Written in place of a use case: the key allows every use case."""

_APP_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")


def _app_name(value: str) -> str:
    if not _APP_NAME.fullmatch(value):
        raise ValueError(
            "an app's name may hold only letters, digits, '-', '_' and '.', 1 to 100 of them"
        )
    return value


def _unique(values: list[Any]) -> list[Any]:
    """The same use case or scope given twice is the same grant: kept once, in order."""
    return list(dict.fromkeys(values))


AppName = Annotated[str, AfterValidator(_app_name)]


class ApiScope(StrEnum):
    """A kind of call an application's key may make, always on its own use cases."""

    SUBMIT = "submit"
    """Submit decisions."""
    READ = "read"
    """Get a decision, wait for its outcome, list and search decisions."""
    FEEDBACK = "feedback"
    """Thumbs, corrections and ground truth on decisions."""
    OUTCOMES = "outcomes"
    """Report decisions' real-world outcomes, at any time after they were decided."""


class ApplicationGrant(BaseModel):
    """What an application may do, however it proves who it is: an API key
    (:class:`ApiKeyGrant`) or a token of the operator's OAuth provider
    (:class:`OAuthClientGrant`).

    Args:
        app: The application's name; it acts as :attr:`principal`.
        use_cases: The use cases it may touch; ``"*"`` means every one.
        scopes: The kinds of call it may make (:class:`ApiScope`).
    """

    app: AppName
    use_cases: Annotated[list[NonEmptyStr], Field(min_length=1), AfterValidator(_unique)]
    scopes: Annotated[list[ApiScope], Field(min_length=1), AfterValidator(_unique)]

    @property
    def revoked(self) -> bool:
        return False

    @property
    def principal(self) -> str:
        """Who the application is in what it does: the requester of what it submits,
        the actor of its feedback."""
        return f"app:{self.app}"

    @property
    def credential(self) -> str:
        """What the application proved itself with, as a refusal names it."""
        return f"The credential of '{self.app}'"

    def to_allow(self, scope: ApiScope) -> str:
        """How an operator lets it ``scope``, as a refusal says."""
        return f"grant it `{scope.value}`"

    def allows_use_case(self, use_case: str) -> bool:
        if self.revoked:
            return False
        return ANY_USE_CASE in self.use_cases or use_case in self.use_cases

    def allows(self, scope: ApiScope) -> bool:
        return not self.revoked and scope in self.scopes


class ApiKeyGrant(ApplicationGrant):
    """An application's API key as the store keeps it: everything but the secret.

    Args:
        key_id: The public part of the token (``sok_<key_id>_<secret>``), which names the
            key in lists, logs and ``signoff api-keys revoke``.
        app: The application's name; it acts as :attr:`principal`.
        use_cases: The use cases it may touch; ``"*"`` means every one.
        scopes: The kinds of call it may make (:class:`ApiScope`).
        created_at: When the key was made.
        revoked_at: When it was revoked; a revoked key allows nothing.
    """

    key_id: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def credential(self) -> str:
        return f"The API key of '{self.app}'"

    def to_allow(self, scope: ApiScope) -> str:
        return f"create one with `--scope {scope.value}`"


class OAuthClientGrant(ApplicationGrant):
    """An OAuth client of the operator's provider, registered as a Signoff application:
    a token the provider issued to it with the client-credentials grant acts as
    ``app:NAME``, as the application's API key would.

    Args:
        client_id: The client's id at the provider, as its tokens name it (``client_id``,
            ``azp``, ``appid`` or ``cid``).
    """

    model_config = ConfigDict(extra="forbid")

    client_id: Annotated[str, Field(min_length=1, max_length=255)]

    @property
    def credential(self) -> str:
        return f"The OAuth client '{self.client_id}' of '{self.app}'"

    def to_allow(self, scope: ApiScope) -> str:
        return f"add `{scope.value}` to its scopes in the OAuth clients file"
