"""How deep a JSON body nests, measured on its bytes as they arrive, before anything
parses it.

Python's JSON parser recurses once per level, so a body nested a few thousand deep makes
it raise RecursionError in the middle of a request. Counting brackets as the body
arrives keeps that recursion out of the server altogether. A request needs at most
``MAX_JSON_DEPTH`` levels in its free-form fields: a little over that is left to the
request's own validation, which names the field; far over is refused here.
"""

from __future__ import annotations

import re

from signoff.core.models._types import MAX_JSON_DEPTH

REFUSED_DEPTH = 4 * MAX_JSON_DEPTH
"""The depth at which a body is refused unparsed (the envelope adds a few levels)."""
_MARKS = re.compile(rb'["\\\[\]{}]')
"""The only bytes that change the depth or whether we are inside a string."""


class DepthGauge:
    """Fed a body chunk by chunk; says when it has nested deeper than ``limit``. Only
    quotes, backslashes and brackets are looked at, so an ordinary body costs little."""

    def __init__(self, limit: int = REFUSED_DEPTH) -> None:
        self.limit = limit
        self.depth = 0
        self._in_string = False
        self._escaped_at = -1
        """The offset (in the next chunk, when negative) of a byte a backslash escaped."""

    def too_deep(self, chunk: bytes) -> bool:
        for mark in _MARKS.finditer(chunk):
            at, byte = mark.start(), chunk[mark.start()]
            if self._in_string:
                if at == self._escaped_at:
                    continue
                if byte == 0x5C:  # backslash: the next byte is taken as it is
                    self._escaped_at = at + 1
                elif byte == 0x22:
                    self._in_string = False
            elif byte == 0x22:
                self._in_string = True
            elif byte in (0x5B, 0x7B):
                self.depth += 1
                if self.depth > self.limit:
                    return True
            elif byte in (0x5D, 0x7D):
                self.depth -= 1
        # A backslash ending the chunk escapes the first byte of the next one.
        self._escaped_at = 0 if self._escaped_at == len(chunk) else -1
        return False
