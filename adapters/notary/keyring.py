"""The audit keys: one active Ed25519 signing key, and every public key ever used.

A keyring is a directory the operator keeps away from the database (and, ideally, from
the database's administrators): ``audit-public-keys.json`` lists every audit key's public
half, with when it was made and retired, so heads signed before a rotation still verify;
``audit-signing-<key id>.pem`` holds the active private key (mode 0600). Only workers,
which sign, need the private key; an auditor who verifies needs only the public file.

Key ids are the first 16 hex digits of the SHA-256 of the raw public key, so a public
key file cannot quietly pair another key with an existing id.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from pydantic import BaseModel, ValidationError

from signoff.core.errors import SignoffError
from signoff.core.models import SignedHead
from signoff.core.signing import b64, key_id_of, public_key, raw_public, verifies

PUBLIC_FILE = "audit-public-keys.json"


class KeyringError(SignoffError):
    """The keyring is missing, unreadable or inconsistent; the message says which."""


class PublicKeyEntry(BaseModel):
    key_id: str
    public_key: str
    created_at: datetime
    retired_at: datetime | None = None


class PublicKeyFile(BaseModel):
    active: str | None
    keys: list[PublicKeyEntry]


@dataclass(frozen=True)
class PublicKeys:
    """The public audit keys a verifier trusts, by key id."""

    keys: dict[str, Ed25519PublicKey]

    def verifies(self, head: SignedHead) -> bool:
        """Whether ``head``'s signature is valid under the key it names."""
        key = self.keys.get(head.key_id)
        return key is not None and verifies(key, head.signature, head.statement())


@dataclass(frozen=True)
class AuditSigner:
    """The active audit key, able to sign."""

    key_id: str
    private: Ed25519PrivateKey

    def sign(self, head: SignedHead) -> SignedHead:
        if head.key_id != self.key_id:
            head = head.model_copy(update={"key_id": self.key_id})
        return head.model_copy(update={"signature": b64(self.private.sign(head.statement()))})


class AuditKeyring:
    """The keyring directory at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def public_file(self) -> Path:
        return self.path / PUBLIC_FILE

    def exists(self) -> bool:
        return self.public_file.exists()

    def _private_file(self, key_id: str) -> Path:
        return self.path / f"audit-signing-{key_id}.pem"

    def _read(self) -> PublicKeyFile:
        try:
            return PublicKeyFile.model_validate_json(self.public_file.read_bytes())
        except FileNotFoundError:
            raise KeyringError(
                f"No audit keyring at {self.path}: create one with `signoff keys create`."
            ) from None
        except (OSError, ValidationError) as exc:
            raise KeyringError(
                f"The audit key file {self.public_file} is unreadable: {exc}"
            ) from exc

    def _write(self, content: PublicKeyFile) -> None:
        scratch = self.public_file.with_suffix(".tmp")
        scratch.write_text(content.model_dump_json(indent=2) + "\n", encoding="utf-8")
        os.replace(scratch, self.public_file)

    def entries(self) -> PublicKeyFile:
        return self._read()

    def public_keys(self) -> PublicKeys:
        """Every public key the keyring has held, each checked against its id."""
        keys: dict[str, Ed25519PublicKey] = {}
        for entry in self._read().keys:
            public = public_key(entry.public_key)
            if key_id_of(public) != entry.key_id:
                raise KeyringError(
                    f"Audit key {entry.key_id} in {self.public_file} does not match its public"
                    " key: the file was edited."
                )
            keys[entry.key_id] = public
        return PublicKeys(keys)

    def signer(self) -> AuditSigner:
        """The active key, to sign with."""
        active = self._read().active
        if active is None:
            raise KeyringError(f"The audit keyring at {self.path} has no active key.")
        try:
            pem = self._private_file(active).read_bytes()
        except OSError as exc:
            raise KeyringError(
                f"The active audit key {active} has no private key at"
                f" {self._private_file(active)}: this host cannot sign."
            ) from exc
        private = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private, Ed25519PrivateKey) or key_id_of(private.public_key()) != active:
            raise KeyringError(f"{self._private_file(active)} is not audit key {active}.")
        return AuditSigner(active, private)

    def create(self) -> str:
        """Make the first key; refuses when a keyring is here already."""
        if self.exists():
            raise KeyringError(
                f"An audit keyring exists at {self.path}: use `signoff keys rotate` to replace"
                " its key."
            )
        self.path.mkdir(parents=True, exist_ok=True)
        entry = self._new_key()
        self._write(PublicKeyFile(active=entry.key_id, keys=[entry]))
        return entry.key_id

    def rotate(self) -> tuple[str, str | None]:
        """Make a new active key; the old one is retired (its public half kept, so what
        it signed still verifies; its private half deleted, so it signs nothing more).
        Returns (new key id, retired key id)."""
        content = self._read()
        fresh = self._new_key()
        now = datetime.now(UTC)
        for entry in content.keys:
            if entry.key_id == content.active:
                entry.retired_at = now
        retired = content.active
        content.keys.append(fresh)
        content.active = fresh.key_id
        self._write(content)
        if retired is not None:
            self._private_file(retired).unlink(missing_ok=True)
        return fresh.key_id, retired

    def _new_key(self) -> PublicKeyEntry:
        """A new key pair: the private half written (0600), the public half returned."""
        private = Ed25519PrivateKey.generate()
        public = private.public_key()
        key_id = key_id_of(public)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(self._private_file(key_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        return PublicKeyEntry(
            key_id=key_id, public_key=b64(raw_public(public)), created_at=datetime.now(UTC)
        )
