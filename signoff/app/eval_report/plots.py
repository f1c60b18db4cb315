"""The report's plots as inline SVG, drawn by matplotlib's SVG backend.

A :class:`~matplotlib.figure.Figure` is made directly (never pyplot), so no global
backend or state is touched and nothing opens a window. The SVG's XML prolog, metadata
and namespace declarations are dropped: inside HTML an ``<svg>`` needs none of them, and
the report must name no outside URL.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from signoff.core.learning.results import CohortReport

WIDTH, HEIGHT = 5.2, 3.4


MARGINS = {"left": 0.13, "right": 0.97, "bottom": 0.15, "top": 0.9}


def _svg(draw: Callable[[object], None], **margins: float) -> str:
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "signoff"}):
        # Fixed margins, not a layout engine: constrained layout measured every tick
        # label again and took half of a report's time.
        figure = Figure(figsize=(WIDTH, HEIGHT))
        figure.subplots_adjust(**MARGINS | margins)
        draw(figure.add_subplot())
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    return re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg)


def _empty(ax, text: str) -> None:  # type: ignore[no-untyped-def]
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def reliability(cohort: CohortReport) -> str:
    """Accuracy per confidence bin against the diagonal of perfect calibration."""
    calibration = cohort.metrics.calibration

    def draw(ax) -> None:  # type: ignore[no-untyped-def]
        if calibration.note:
            return _empty(ax, f"Reliability: {calibration.note} (n = {calibration.count})")
        filled = [b for b in calibration.bins if b.count]
        ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
        ax.bar(
            [(b.lower + b.upper) / 2 for b in filled],
            [b.accuracy for b in filled],
            width=0.09,
            alpha=0.7,
            label="accuracy in bin",
        )
        ax.plot(
            [b.mean_confidence for b in filled],
            [b.accuracy for b in filled],
            "o-",
            label="mean confidence",
        )
        ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence", ylabel="accuracy")
        ax.set_title(f"Reliability (ECE {calibration.ece:.3f}, n = {calibration.count})")
        ax.legend(loc="upper left", fontsize="small")
        return None

    return _svg(draw)


def risk_coverage(cohort: CohortReport) -> str:
    """What each auto-approve threshold covers, and how often the AI was right there."""
    points = [p for p in cohort.risk_coverage if p.accuracy.value is not None]

    def draw(ax) -> None:  # type: ignore[no-untyped-def]
        if not points:
            return _empty(ax, "Risk-coverage: not enough data")
        ax.plot([p.coverage for p in points], [p.accuracy.value for p in points], "o-")
        ax.fill_between(
            [p.coverage for p in points],
            [p.accuracy.low for p in points],
            [p.accuracy.high for p in points],
            alpha=0.2,
        )
        for p in points[:: max(1, len(points) // 6)]:
            ax.annotate(f"τ={p.threshold:.2f}", (p.coverage, p.accuracy.value), fontsize="x-small")
        ax.set(xlim=(0, 1.05), ylim=(0, 1.05), xlabel="coverage", ylabel="accuracy (95% CI)")
        ax.set_title("Risk-coverage of auto-approval")
        return None

    return _svg(draw)


TRENDS = (
    ("automation", lambda m: m.routing.automation_rate),
    ("override", lambda m: m.people.override_rate),
    ("accuracy", lambda m: m.quality.accuracy),
)


def over_time(cohort: CohortReport) -> str:
    """The main rates per time window."""

    def draw(ax) -> None:  # type: ignore[no-untyped-def]
        if not cohort.windows:
            return _empty(ax, "Over time: not enough data")
        starts = [w.start for w in cohort.windows]
        for name, pick in TRENDS:
            values = [pick(w.metrics).value for w in cohort.windows]
            ax.plot(starts, [float("nan") if v is None else v for v in values], "o-", label=name)
        ax.set(ylim=(0, 1.05), ylabel="rate")
        ax.set_title("Rates per window")
        ax.legend(fontsize="small")
        ax.tick_params(axis="x", labelrotation=30, labelsize="x-small")
        return None

    return _svg(draw, bottom=0.2)


def segment_gaps(cohort: CohortReport, limit: int = 10) -> str:
    """The min/max ratio of the widest segment gaps, against the four-fifths line."""
    gaps = sorted(
        (g for g in cohort.fairness if g.min_max_ratio is not None),
        key=lambda g: g.min_max_ratio,  # type: ignore[arg-type, return-value]
    )[:limit]

    def draw(ax) -> None:  # type: ignore[no-untyped-def]
        if not gaps:
            return _empty(ax, "Segment gaps: not enough data")
        labels = [f"{g.attribute}: {g.metric}" for g in gaps]
        colours = ["tab:red" if g.flagged else "tab:blue" for g in gaps]
        ax.barh(labels, [g.min_max_ratio for g in gaps], color=colours)
        ax.axvline(0.8, linestyle="--", color="grey")
        ax.set(xlim=(0, 1.05), xlabel="min/max ratio (flag under 0.8)")
        ax.tick_params(axis="y", labelsize="x-small")
        ax.invert_yaxis()
        ax.set_title("Segment gaps")
        return None

    return _svg(draw, left=0.45)
