"""Reviewer ids in an export, pseudonymised with a keyed hash: the same person is the
same pseudonym wherever the same secret is used, so agreement between reviewers can
still be studied, and without the secret a pseudonym cannot be traced back (a plain
hash of an id could: ids are few and guessable, so anyone could hash them all)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

MIN_SECRET_CHARS = 32


def pseudonymiser(secret: str) -> Callable[[str], str]:
    """A function from a reviewer id to its pseudonym under ``secret``.

    Raises:
        ValueError: the secret is too short to resist guessing.
    """
    if len(secret) < MIN_SECRET_CHARS:
        raise ValueError(
            f"The pseudonym secret has {len(secret)} characters; use at least"
            f" {MIN_SECRET_CHARS} random ones, so pseudonyms cannot be reversed by guessing it."
        )
    key = secret.encode()

    def pseudonym(person: str) -> str:
        digest = hmac.new(key, person.encode(), hashlib.sha256).hexdigest()
        return f"reviewer-{digest[:20]}"

    return pseudonym
