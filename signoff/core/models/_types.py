"""Shared field types: human-friendly durations and ordered risk tiers.

Policies are written by people in YAML, so durations accept ``90s``, ``30m``, ``4h``,
``2d``, ``1w`` as well as ISO 8601 (``PT4H``) and plain seconds.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SHORT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


def _parse_duration(value: Any) -> Any:
    if isinstance(value, str):
        match = _SHORT.match(value)
        if match:
            try:
                return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
            except OverflowError:
                raise ValueError(f"{value.strip()} is longer than any clock can count") from None
    return value


Duration = Annotated[timedelta, BeforeValidator(_parse_duration), Field(ge=timedelta(0))]
"""A positive-or-zero time span, written ``4h`` or ``PT4H`` or seconds."""

NonEmptyStr = Annotated[str, Field(min_length=1, max_length=500)]
MAX_DECISION_ID = 200
DecisionId = Annotated[
    str, Field(min_length=1, max_length=MAX_DECISION_ID, pattern=r"^[A-Za-z0-9._:\-]+$")
]
"""A decision's id, the idempotency key its workflow id is made from; also what a chat
payload must carry to name a decision."""
_INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp", "Zs"})
"""Unicode categories a person cannot see or type on purpose in an id: controls, format
characters (zero-width spaces and joiners, bidi marks), unassigned code points, spaces."""


def _principal_id(value: Any) -> Any:
    """One spelling per person: NFKC-normalised (full-width and compatibility forms fold
    to plain ones), and refused when it holds anything invisible. Without this,
    ``rita`` followed by a zero-width space is someone else than ``rita`` to every
    comparison, separation of duties included."""
    if not isinstance(value, str):
        return value
    folded = unicodedata.normalize("NFKC", value)
    hidden = sorted({f"U+{ord(c):04X}" for c in folded if unicodedata.category(c) in _INVISIBLE})
    if hidden:
        raise ValueError(
            f"a person's id may not contain invisible or space characters ({', '.join(hidden)})"
        )
    return folded


PrincipalId = Annotated[
    str,
    BeforeValidator(_principal_id),
    Field(min_length=1, max_length=200, pattern=r"^[^\s]+$"),
]
"""A person's id as the directory knows it (see :func:`_principal_id`)."""


def _finite(value: Any, where: str = "") -> Any:
    """``value``, refused if a NaN or an infinity is anywhere inside: JSON has neither,
    so Temporal would carry it as null and hand back a different request."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where or 'a value'} is {value}, not a finite number")
    if isinstance(value, dict | list):
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            shown = str(key) if str(key).isprintable() else repr(str(key))
            _finite(item, f"{where}.{shown}" if where else shown)
    return value


MAX_JSON_DEPTH = 64
"""How deeply free-form JSON may nest objects and arrays. pydantic stops serialising at a
few hundred levels (and Python's JSON reader at about a thousand); a request nesting
deeper than any needs is refused where it arrives instead."""


def _shallow(value: Any) -> Any:
    """``value``, refused if it nests objects or arrays more than ``MAX_JSON_DEPTH``
    deep. Walked without recursion: the input may be deeper than the stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"nests objects and arrays more than {MAX_JSON_DEPTH} deep")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return value


def lone_surrogate(value: Any) -> str | None:
    """Where in ``value`` (dicts, lists, strings, models' fields) a string holds a lone
    surrogate, as ``path (U+D800)``; None when every string is Unicode text. JSON can
    spell one (``"\ud800"``) and Python keeps it, but no UTF-8 carries it: serialising
    fails, and in a key it comes back as U+FFFD, a request other than the one sent."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, BaseModel):
            item = dict(item)
        if isinstance(item, str):
            if (bad := _surrogate_in(item)) is not None:
                return f"{where or 'a value'} (U+{ord(bad):04X})"
        elif isinstance(item, dict):
            for key, child in item.items():
                shown = str(key) if str(key).isprintable() else repr(str(key))
                named = f"{where}.{shown}" if where else shown
                if isinstance(key, str) and (bad := _surrogate_in(key)) is not None:
                    return f"a key in {where or 'the request'} (U+{ord(bad):04X})"
                stack.append((child, named))
        elif isinstance(item, list | tuple):
            for index, child in enumerate(item):
                stack.append((child, f"{where}.{index}" if where else str(index)))
    return None


def _surrogate_in(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        return text[err.start]
    return None


JsonObject = Annotated[dict[str, Any], AfterValidator(_shallow), AfterValidator(_finite)]
"""Free-form JSON an application sends (a payload, metadata): any shape up to
``MAX_JSON_DEPTH`` deep, finite numbers."""


class RiskTier(StrEnum):
    """How much harm a wrong decision can do; ordered from least to most."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(RiskTier).index(self)
