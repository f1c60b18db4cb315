"""A database a benchmark may fill and throw away: a SQLite file in a temp dir, or a
fresh schema on the PostgreSQL of the development machines, dropped afterwards."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

POSTGRES_URL = os.environ.get(
    "SIGNOFF_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


class ScratchDatabase:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._dir: str | None = None
        self._schema: str | None = None
        if kind == "sqlite":
            self._dir = tempfile.mkdtemp(prefix="signoff-bench-db-")
            self.url = f"sqlite:///{Path(self._dir) / 'signoff.db'}"
        else:
            import psycopg

            self._schema = f"signoff_bench_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as admin:
                admin.execute(f'CREATE SCHEMA "{self._schema}"')
            self.url = f"{POSTGRES_URL}?options=-csearch_path%3D{self._schema}"

    def drop(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
        if self._schema is not None:
            import psycopg

            with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as admin:
                admin.execute(f'DROP SCHEMA "{self._schema}" CASCADE')
