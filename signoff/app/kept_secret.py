"""A secret ``signoff dev`` makes once and keeps in a file only its user can read, so
signatures made with it still verify after a restart."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def kept_secret(path: Path, make: Callable[[], str]) -> tuple[str, Path | None]:
    """The secret in ``path``, made with ``make`` and written there (mode 0600) when the
    file does not exist yet; the path is returned second only when it was just made."""
    created = None
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(make() + "\n")
        created = path
    return path.read_text(encoding="utf-8").strip(), created
