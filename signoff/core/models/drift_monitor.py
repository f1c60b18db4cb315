"""The drift monitors' records: what a use case's monitor watches, what one run read, and
the alarm it raised.

Free of numpy and SciPy (the monitors' statistics live in
:mod:`signoff.core.learning.drift`, loaded only where a run computes), so workflow code
and the CLI can hold these models.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from signoff.core.models._types import Duration
from signoff.core.models.policy import AutonomyLevel

MONITOR_SCHEDULE_PREFIX = "signoff/monitor/"
"""Schedules of monitors are named ``signoff/monitor/USE_CASE``: a ``/``, which no
decision id holds, so neither the schedule nor its runs' workflow ids name a decision."""

DRIFT_ALARM_USE_CASE = "drift-alarm"
"""The use case of the decision that tells a policy's owners of an alarm when the
policy is already at suggest or below (nothing to demote, someone must still know)."""


class Shift(BaseModel):
    """One test's reading and whether it alarms."""

    test: str
    value: float
    p_value: float | None = None
    alarm: bool


class MonitorSettings(BaseModel):
    """What one use case's monitor compares, set by ``signoff monitors enable``.

    Each run compares the ``window`` before its time with the ``reference`` before that;
    the override-rate CUSUM looks for the rate rising ``cusum_rise`` times over the
    reference's and alarms past ``cusum_limit`` (a higher limit: later alarms, fewer
    false ones).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    use_case: str = Field(min_length=1, max_length=200)
    reference: Duration = timedelta(days=30)
    window: Duration = timedelta(days=1)
    requester: str = Field(min_length=1, max_length=200)
    """Who the alarms' decisions are from (a directory principal, never asked)."""
    cusum_rise: float = Field(default=2.0, gt=1.0, le=20.0)
    cusum_limit: float = Field(default=5.0, gt=0.0, le=100.0)
    minimum: int = Field(default=30, ge=1)
    """Fewer decisions than this in either window: that comparison is not made."""

    @field_validator("reference", "window")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be a positive duration")
        return value

    @property
    def schedule_id(self) -> str:
        return monitor_schedule_id(self.use_case)


def monitor_schedule_id(use_case: str) -> str:
    return f"{MONITOR_SCHEDULE_PREFIX}{use_case}"


class MonitorRunInput(BaseModel):
    """A monitor run's input: the schedule's settings; ``as_of`` only when started by
    hand (a scheduled run takes its scheduled time)."""

    settings: MonitorSettings
    as_of: datetime | None = None


class CusumState(BaseModel):
    """The override-rate CUSUM as one run leaves it for the next: its sum, and the time
    up to which decisions were counted (each decision counts in one run only)."""

    total: float = 0.0
    through: datetime | None = None
    counted: int = 0
    """Decisions with a person's verdict counted since the last alarm (or ever)."""


class AlarmTarget(BaseModel):
    """A catalog policy the alarmed use case's decisions were routed by, and its
    autonomy in force when the run read it: above suggest trips the breaker."""

    policy: str
    autonomy: AutonomyLevel

    @property
    def trips(self) -> bool:
        return self.autonomy.rank > AutonomyLevel.SUGGEST.rank


class MonitorRun(BaseModel):
    """What one run read. The first run for a use case and time is kept: a retried run
    finds it and acts on the same readings, so it alarms (and trips) once."""

    use_case: str
    as_of: datetime
    reference_n: int
    current_n: int
    readings: list[Shift]
    cusum: CusumState
    targets: list[AlarmTarget] = Field(default_factory=list)
    """Filled only when the run alarms."""

    @property
    def alarms(self) -> list[Shift]:
        return [r for r in self.readings if r.alarm]

    @property
    def alarm_id(self) -> str:
        """The same for every retry of this run (use case and time), within the
        breaker's alarm pattern."""
        digest = hashlib.sha256(self.use_case.encode()).hexdigest()[:12]
        return f"drift-{digest}-{self.as_of.astimezone(UTC):%Y%m%dT%H%M%S}"

    @property
    def reason(self) -> str:
        said = ", ".join(_said(s) for s in self.alarms)
        return (
            f"Drift in {self.use_case!r} over the window to"
            f" {self.as_of.astimezone(UTC):%Y-%m-%d %H:%M} UTC: {said}."
        )


def _said(shift: Shift) -> str:
    p = f" (p = {shift.p_value:.2g})" if shift.p_value is not None else ""
    return f"{shift.test} {shift.value:.3g}{p}"
