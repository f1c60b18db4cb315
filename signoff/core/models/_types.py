"""Shared field types: human-friendly durations and ordered risk tiers.

Policies are written by people in YAML, so durations accept ``90s``, ``30m``, ``4h``,
``2d``, ``1w`` as well as ISO 8601 (``PT4H``) and plain seconds.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SHORT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


def _parse_duration(value: Any) -> Any:
    if isinstance(value, str):
        match = _SHORT.match(value)
        if match:
            return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
    return value


Duration = Annotated[timedelta, BeforeValidator(_parse_duration), Field(ge=timedelta(0))]
"""A positive-or-zero time span, written ``4h`` or ``PT4H`` or seconds."""

NonEmptyStr = Annotated[str, Field(min_length=1, max_length=500)]
PrincipalId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\s]+$")]


class RiskTier(StrEnum):
    """How much harm a wrong decision can do; ordered from least to most."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(RiskTier).index(self)
