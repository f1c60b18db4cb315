"""The surfaces' keys: each authenticating front end (the Slack bot, the Teams bot, an
operator's CLI) signs the actions of the people it authenticated with its own Ed25519
key, and the operator lists the public halves, with whom each may speak for, in the
surfaces file that workers read (:mod:`signoff.core.vouching` says why).

A surface's private key is ``surface-<name>.pem`` in the host's keys folder; only that
surface's host needs it. The surfaces file (YAML) is the operator's, like the policies.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from signoff.adapters.notary.keyring import KeyringError
from signoff.core.signing import b64, raw_public
from signoff.core.vouching import Voucher

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def private_key_file(keys_dir: Path, surface: str) -> Path:
    return keys_dir / f"surface-{surface}.pem"


def load_voucher(keys_dir: Path, surface: str) -> Voucher | None:
    """The surface's voucher, or None when this host holds no key for it."""
    path = private_key_file(keys_dir, surface)
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        return None
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyringError(f"{path} is not an Ed25519 private key.")
    return Voucher(surface, private)


def create_surface(
    keys_dir: Path,
    surfaces_file: Path,
    surface: str,
    vouches_for: list[str] | Literal["anyone"],
) -> str:
    """Make ``surface``'s key pair: the private key into ``keys_dir`` (0600), the public
    key into ``surfaces_file`` (replacing an older entry of the same name). Returns the
    key id."""
    if not _NAME.match(surface):
        raise KeyringError(
            f"A surface name is letters, digits, '.', '_' and '-' (at most 100); not {surface!r}."
        )
    keys_dir.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    path = private_key_file(keys_dir, surface)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    document = {"surfaces": []}
    if surfaces_file.exists():
        document = yaml.safe_load(surfaces_file.read_text(encoding="utf-8")) or document
    kept = [s for s in document.get("surfaces", []) if s.get("name") != surface]
    kept.append(
        {
            "name": surface,
            "public_key": b64(raw_public(private.public_key())),
            "vouches_for": vouches_for,
        }
    )
    surfaces_file.parent.mkdir(parents=True, exist_ok=True)
    surfaces_file.write_text(yaml.safe_dump({"surfaces": kept}, sort_keys=False), encoding="utf-8")
    return Voucher(surface, private).key_id
