"""How much a reviewer changed the AI's output: a normalised edit distance.

Normalised Levenshtein (edits divided by the longer length) so that a one-word fix in a
paragraph and a rewrite of a sentence compare on one 0..1 scale. RapidFuzz computes it
in C; a structured payload is compared as canonical JSON (sorted keys), so reordering
keys is not an edit.
"""

from __future__ import annotations

import json
from typing import Any


def canonical(text: str | None, payload: dict[str, Any] | None) -> str:
    """The output as one string: its text, then its payload as sorted-key JSON."""
    parts = [text or ""]
    if payload is not None:
        parts.append(json.dumps(payload, sort_keys=True, separators=(",", ":")))
    return "\n".join(parts)


def normalised_edit_distance(before: str, after: str) -> float:
    """0.0 for identical strings, 1.0 when nothing of ``before`` survives in ``after``."""
    from rapidfuzz.distance import Levenshtein

    return float(Levenshtein.normalized_distance(before, after))
