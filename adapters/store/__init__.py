"""The SQLAlchemy store: a hash-chained audit trail and a decision index for auditors.

SQLite (a file) by default, PostgreSQL in production; the schema is managed by the
Alembic migrations shipped in this package and applied by :meth:`Store.open`.
"""

from signoff.adapters.store.chain import GENESIS, chain_hash
from signoff.adapters.store.store import Store

__all__ = ["GENESIS", "Store", "chain_hash"]
