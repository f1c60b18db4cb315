"""Configuration from the environment (``SIGNOFF_*``), with embedded defaults that run
a whole local setup: the dev Temporal server and a SQLite file under ``data_dir``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from signoff.core.models._types import Duration
from signoff.core.temporal_connection import TemporalConnection

EXAMPLES = Path(__file__).parent / "examples"
EXAMPLE_REQUEST = EXAMPLES / "request.json"
"""A request that the shipped policies and directory accept, named by ``signoff dev``."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNOFF_", env_file=".env", extra="ignore")

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "signoff"
    data_dir: Path = Path(".signoff")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; a SQLite file in data_dir when unset"
    )
    policies_file: Path = EXAMPLES / "policies.yaml"
    directory_file: Path = EXAMPLES / "directory.yaml"
    outcome_webhook_url: str | None = None
    webhook_secret: str | None = Field(
        default=None,
        description="The whsec_ secret webhooks are signed with (Standard Webhooks); a"
        " worker that may send webhooks refuses to start without one (`signoff keys"
        " webhook-secret` makes one; `signoff dev` makes its own)",
    )
    webhook_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts an inline policy's webhook channel may post to, comma-separated;"
        " the catalog's policies are the operator's own and may name any",
    )
    temporal_ui_url: str | None = Field(
        default=None,
        description="The Temporal Web UI's address (e.g. http://localhost:8233): the console"
        " links each decision to its workflow there; no link when unset",
    )
    metrics_address: str | None = Field(
        default=None,
        description="host:port where a worker (or bot) serves Prometheus metrics at /metrics:"
        " the Temporal SDK's own and Signoff's (signoff.core.metrics); none when unset."
        " `--metrics-port` sets its port",
    )
    workflow_sandbox: bool = Field(
        default=False,
        description="Run decisions inside Temporal's workflow sandbox, which refuses"
        " non-deterministic calls in workflow code but costs about a third of the worker's"
        " CPU per decision (bench/README.md); the test suite turns it on",
    )
    redact_request: str | None = Field(
        default=None,
        description="The redaction hook, as package.module:function: called with each"
        " DecisionRequest this process submits (the HTTP API's, the CLI's) before Temporal"
        " or the store keeps it, and returns it redacted (signoff.core.redaction)",
    )
    export_pseudonym_secret: SecretStr | None = Field(
        default=None,
        description="The secret `signoff export --pseudonymise` keys reviewers' pseudonyms"
        " with (HMAC-SHA-256): the same secret gives the same pseudonyms, and without it"
        " they cannot be traced back; at least 32 random characters",
    )
    track_record_minimum: int = Field(
        default=50,
        ge=1,
        description="How many labelled decisions of a model version at about a confidence"
        " a card needs before it shows the model's track record there; below it, none",
    )
    search_salt: str = Field(
        default="signoff",
        description="Mixed into the pseudonymous approver tokens kept in search attributes",
    )

    keys_dir: Path | None = Field(
        default=None,
        description="This host's keys: the audit keyring (`signoff keys create`) and the"
        " surfaces' signing keys (`signoff keys surface`); data_dir/keys when unset. Keep it"
        " off the database host: whoever holds a private key can sign with it.",
    )
    audit_checkpoint_log: Path | None = Field(
        default=None,
        description="Where signed chain heads are appended (JSON Lines, append-only"
        " storage); data_dir/audit-checkpoints.jsonl when unset",
    )

    surfaces_file: Path | None = Field(
        default=None,
        description="The surfaces trusted to vouch for who acts (`signoff keys surface`);"
        " data_dir/surfaces.yaml when unset",
    )
    surface: str = Field(
        default="cli",
        description="The surface this process vouches for actions as (its key:"
        " keys_dir/surface-<name>.pem): `cli` for an operator's shell",
    )
    vouch_fresh_for: Duration | None = Field(
        default=timedelta(minutes=10),
        description="How old a surface's word on an action may be when it arrives; None"
        " for no limit (a time-skipping test server, whose clock runs ahead)",
    )
    accept_unvouched_actions: bool = Field(
        default=False,
        description="Also apply actions no surface vouched for: `signoff dev` only; any"
        " other worker refuses to start with it",
    )

    oidc_issuer: str | None = Field(
        default=None,
        description="The OpenID Connect provider people sign in with over HTTP, as its"
        " tokens name it (`iss`); its keys come from issuer/.well-known/openid-configuration."
        " None: nobody can sign in over HTTP",
    )
    oidc_audience: str | None = Field(
        default=None,
        description="The audience (`aud`) a token must be for: the client id the provider"
        " gave Signoff; required with oidc_issuer",
    )
    oidc_claim: str = Field(
        default="email",
        description="The token claim that names the person, e.g. `email`, `sub` or"
        " `preferred_username`",
    )
    oidc_match: Literal["email", "id", "identity"] = Field(
        default="email",
        description="What that claim's value is in the directory: a person's email (any"
        " case), their id, or their `oidc` identity",
    )
    oauth_clients_file: Path | None = Field(
        default=None,
        description="The OAuth clients of the sign-in provider registered as applications"
        " (a `clients:` list of client_id, app, use_cases, scopes): a token such a client"
        " gets with the client-credentials grant acts as app:NAME, as an API key does;"
        " data_dir/oauth-clients.yaml when unset, none registered without the file",
    )
    console_secret: SecretStr | None = Field(
        default=None,
        description="Signs the console's session cookies (`/console`); at least 32"
        " characters. `signoff serve` refuses to start without it when people can sign in"
        " (oidc_issuer); `signoff dev` keeps one of its own under data_dir",
    )

    @field_validator(
        "webhook_secret",
        "outcome_webhook_url",
        "oidc_issuer",
        "oidc_audience",
        "console_secret",
        "redact_request",
        "export_pseudonym_secret",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # docker-compose passes `${VAR:-}` through as an empty string.
        return None if value == "" else value

    @field_validator("webhook_allowed_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [host.strip().lower() for host in value.split(",") if host.strip()]
        return value

    @model_validator(mode="after")
    def _audience_with_issuer(self) -> Settings:
        # A token is meant for one client; accepting any audience would let a token issued
        # to another application of the same provider sign in here.
        if self.oidc_issuer is not None and self.oidc_audience is None:
            raise ValueError(
                "SIGNOFF_OIDC_AUDIENCE must be set with SIGNOFF_OIDC_ISSUER, to the client id"
                " the provider gave Signoff, so that tokens issued to other applications are"
                " refused."
            )
        return self

    @property
    def surfaces_path(self) -> Path:
        return self.surfaces_file or self.data_dir / "surfaces.yaml"

    @property
    def oauth_clients_path(self) -> Path:
        return self.oauth_clients_file or self.data_dir / "oauth-clients.yaml"

    @property
    def keys_path(self) -> Path:
        return self.keys_dir or self.data_dir / "keys"

    @property
    def checkpoint_log_path(self) -> Path:
        return self.audit_checkpoint_log or self.data_dir / "audit-checkpoints.jsonl"

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'signoff.db'}"

    temporal_connection: TemporalConnection = Field(default_factory=TemporalConnection)
