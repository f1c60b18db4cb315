"""A side-by-side diff of an edit against the proposal it replaces: rows of the two
texts line by line, and in a changed line the words that differ, for the console's edit
preview and the decision page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import zip_longest

__all__ = ["DiffRow", "Piece", "side_by_side"]

_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Piece:
    text: str
    changed: bool


@dataclass(frozen=True)
class DiffRow:
    """One row: the proposal's line on the left, the edit's on the right (None where a
    side has no line), each as pieces whose ``changed`` ones differ."""

    kind: str  # "same", "changed", "removed" or "added"
    before_no: int | None
    before: list[Piece] | None
    after_no: int | None
    after: list[Piece] | None


def side_by_side(before: str, after: str) -> list[DiffRow]:
    old, new = before.splitlines() or [""], after.splitlines() or [""]
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                line = [Piece(old[i1 + k], False)]
                rows.append(DiffRow("same", i1 + k + 1, line, j1 + k + 1, line))
            continue
        pairs = zip_longest(range(i1, i2), range(j1, j2))
        for i, j in pairs:
            if i is not None and j is not None:
                left, right = _words(old[i], new[j])
                rows.append(DiffRow("changed", i + 1, left, j + 1, right))
            elif i is not None:
                rows.append(DiffRow("removed", i + 1, [Piece(old[i], True)], None, None))
            elif j is not None:
                rows.append(DiffRow("added", None, None, j + 1, [Piece(new[j], True)]))
    return rows


def _words(old: str, new: str) -> tuple[list[Piece], list[Piece]]:
    """The two lines as pieces, the words that differ marked."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    left: list[Piece] = []
    right: list[Piece] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if i2 > i1:
            left.append(Piece("".join(a[i1:i2]), tag != "equal"))
        if j2 > j1:
            right.append(Piece("".join(b[j1:j2]), tag != "equal"))
    return left, right
