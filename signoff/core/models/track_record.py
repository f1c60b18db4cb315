"""A model's track record at one confidence, as a card shows it beside the confidence.

Resolved when a decision is planned (the planning activity reads the store), so it rides
in the plan and the workflow never reads anything; a card is still a function of the
state alone.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from signoff.core.models.label_source import LabelSource


class TrackRecord(BaseModel):
    """How often this use case's model version was right when it said about ``said``."""

    model_config = ConfigDict(frozen=True)

    said: float = Field(ge=0.0, le=1.0)
    """The centre of the confidence bin (0.7 covers [0.65, 0.75))."""
    right: int = Field(ge=0)
    n: int = Field(ge=1)
    sources: list[LabelSource] = Field(default_factory=list)
    """Which labels the figures rest on (settled truth, people's verdicts, QA)."""

    @property
    def rate(self) -> float:
        return self.right / self.n


BIN = 0.1


def confidence_bin(confidence: float) -> tuple[float, float, float]:
    """(centre, low, high): 0.72 is "about 70%", the bin [0.65, 0.75); a bound belongs
    to the bin above it (0.75 is "about 80%"), whatever floats make of it."""
    index = math.floor(confidence / BIN + 0.5 + 1e-9)
    return round(index * BIN, 2), round((index - 0.5) * BIN, 3), round((index + 0.5) * BIN, 3)
