"""Configuration from the environment (``SIGNOFF_*``), with embedded defaults that run
a whole local setup: the dev Temporal server and a SQLite file under ``data_dir``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'signoff.db'}"
