"""The checkpoint log: every signed chain head, appended to a file outside the database.

Signatures alone cannot show that a whole decision was deleted, or that a chain was cut
back to an older head whose signed checkpoint was kept: both leave only valid signatures
behind. The log remembers every head ever signed, so the verifier can demand that the
store still holds each one. It is only as good as its storage: put it where database
administrators cannot rewrite it (an append-only mount, a WORM bucket synced from it,
``chattr +a``).

Each line is one :class:`~signoff.core.models.SignedHead` as JSON. Lines are appended
under an exclusive ``flock`` in one ``write`` each, so workers on one host may share the
file; workers on several hosts each keep their own and the verifier reads them all.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from signoff.core.models import SignedHead


@dataclass
class LogContents:
    heads: list[SignedHead] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    """One sentence for each line that is not a signed head."""


class CheckpointLog:
    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, heads: Sequence[SignedHead]) -> None:
        """Append ``heads``, one line each, flushed to the operating system before
        returning (a crashed worker loses nothing; a crashed machine may lose the last
        lines, which the next write of the same decision replaces)."""
        if not heads:
            return
        data = "".join(head.model_dump_json() + "\n" for head in heads).encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, data)
        finally:
            os.close(fd)

    def read(self) -> LogContents:
        """Every head in the log; a missing file is an empty log."""
        contents = LogContents()
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return contents
        with handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    contents.heads.append(SignedHead.model_validate_json(line))
                except ValidationError:
                    contents.unreadable.append(
                        f"line {number} of {self.path} is not a signed chain head"
                    )
        return contents
