"""How Signoff reaches a Temporal server that wants TLS, a client certificate or an API
key, as Temporal Cloud does: ``SIGNOFF_TEMPORAL_*`` settings, optionally on top of a
Temporal environment-configuration profile.

Each setting is named after the variable Temporal's own tools read, with ``SIGNOFF_`` in
front (``TEMPORAL_API_KEY`` → ``SIGNOFF_TEMPORAL_API_KEY``), as ``SIGNOFF_TEMPORAL_ADDRESS``
and ``SIGNOFF_TEMPORAL_NAMESPACE`` already are. They are flat variables rather than a
nested ``SIGNOFF_TEMPORAL__TLS``-style delimiter so that they read like Temporal's.

A profile (``SIGNOFF_TEMPORAL_PROFILE``, ``SIGNOFF_TEMPORAL_CONFIG_FILE``) is read only
when one is named: a ``TEMPORAL_ADDRESS`` left in a shell for the ``temporal`` CLI must
not move Signoff's workers elsewhere unasked. Turning it into ``Client.connect``
arguments needs the SDK, so that part lives in :mod:`signoff.client.connection`;
this module stays importable from anywhere, workflows included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class TemporalConnection(BaseSettings):
    """TLS, mTLS, API key and profile settings for the connection to Temporal.

    TLS is on when ``tls`` says so; when it is unset, TLS is on as soon as an API key, a
    certificate, a key or a server name is given here or in the profile (Temporal Cloud
    needs TLS with an API key), and off otherwise.
    """

    model_config = SettingsConfigDict(
        env_prefix="SIGNOFF_TEMPORAL_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    tls: bool | None = Field(default=None, description="Force TLS on or off")
    tls_server_ca_cert_path: Path | None = Field(
        default=None, description="PEM file of the CA that signed the server's certificate"
    )
    tls_client_cert_path: Path | None = Field(
        default=None, description="PEM file of the client certificate, for mutual TLS"
    )
    tls_client_key_path: Path | None = Field(
        default=None, description="PEM file of the client certificate's private key"
    )
    tls_server_name: str | None = Field(
        default=None, description="The name to expect in the server's certificate (SNI)"
    )
    api_key: SecretStr | None = Field(
        default=None, description="Sent as 'authorization: Bearer <key>'; turns TLS on"
    )
    profile: str | None = Field(
        default=None, description="A Temporal environment-configuration profile to start from"
    )
    config_file: Path | None = Field(
        default=None, description="The TOML file holding the profile, instead of Temporal's default"
    )

    @classmethod
    def local(cls) -> Self:
        """Plain gRPC, no credentials, no profile, whatever the environment says: the
        embedded dev server's connection."""
        return cls.model_construct()

    @property
    def uses_profile(self) -> bool:
        return self.profile is not None or self.config_file is not None
