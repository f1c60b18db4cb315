"""Configuration from the environment (``SIGNOFF_*``), with embedded defaults that run
a whole local setup: the dev Temporal server and a SQLite file under ``data_dir``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from signoff.core.temporal_connection import TemporalConnection

EXAMPLES = Path(__file__).parent / "examples"


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
    webhook_secret: str = "change-me"
    search_salt: str = Field(
        default="signoff",
        description="Mixed into the pseudonymous approver tokens kept in search attributes",
    )

    audit_keys_dir: Path | None = Field(
        default=None,
        description="The audit keyring (`signoff keys create`); data_dir/keys when unset."
        " Keep it off the database host: whoever holds the private key can re-sign.",
    )
    audit_checkpoint_log: Path | None = Field(
        default=None,
        description="Where signed chain heads are appended (JSON Lines, append-only"
        " storage); data_dir/audit-checkpoints.jsonl when unset",
    )

    @property
    def audit_keys_path(self) -> Path:
        return self.audit_keys_dir or self.data_dir / "keys"

    @property
    def checkpoint_log_path(self) -> Path:
        return self.audit_checkpoint_log or self.data_dir / "audit-checkpoints.jsonl"

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'signoff.db'}"

    temporal_connection: TemporalConnection = Field(default_factory=TemporalConnection)
