"""A metric set as rows of (name, value, interval, n, label source), so the terminal
summary and the HTML report show the same numbers in the same words."""

from __future__ import annotations

from typing import NamedTuple

from pydantic import BaseModel

from signoff.core.learning import Calibration, Percentiles, Rate
from signoff.core.learning.results import MetricSet


class Row(NamedTuple):
    group: str
    name: str
    value: str
    interval: str
    n: str
    source: str


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _seconds(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.1f} s" if x < 120 else f"{x / 60:.1f} min" if x < 7200 else f"{x / 3600:.1f} h"


def _row(group: str, name: str, value: BaseModel) -> Row | None:
    label = name.replace("_", " ")
    if isinstance(value, Rate):
        interval = "" if value.low is None else f"{_pct(value.low)} - {_pct(value.high)}"
        shown = value.note or f"{_pct(value.value)} ({value.successes}/{value.total})"
        return Row(group, label, shown, interval, str(value.total), value.label_source or "")
    if isinstance(value, Percentiles):
        shown = value.note or (
            f"p50 {_seconds(value.p50)} · p90 {_seconds(value.p90)} · p99 {_seconds(value.p99)}"
        )
        if name == "edit_size":
            shown = value.note or f"p50 {value.p50:.3f} · p90 {value.p90:.3f} · p99 {value.p99:.3f}"
        return Row(group, label, shown, "", str(value.count), "")
    if isinstance(value, Calibration):
        shown = value.note or f"ECE {value.ece:.3f} · MCE {value.mce:.3f} · Brier {value.brier:.3f}"
        return Row(group, "calibration", shown, "", str(value.count), value.label_source or "")
    return None


def metric_rows(metrics: MetricSet) -> list[Row]:
    """Every reported number of ``metrics``, group by group."""
    rows: list[Row] = []
    for group in ("routing", "people", "quality", "feedback", "timing"):
        for name, value in getattr(metrics, group):
            row = _row(group, name, value) if isinstance(value, BaseModel) else None
            if row is not None:
                rows.append(row)
    calibration = _row("calibration", "calibration", metrics.calibration)
    assert calibration is not None
    rows.insert(next(i for i, r in enumerate(rows) if r.group == "feedback"), calibration)
    return rows
