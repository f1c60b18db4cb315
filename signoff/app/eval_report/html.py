"""The evaluation as one self-contained HTML file: styles inline, plots as inline SVG,
no script and no outside URL, so it can be mailed, archived or opened offline."""

from __future__ import annotations

from importlib.resources import files

from jinja2 import Environment

from signoff.app.eval_report import plots
from signoff.app.eval_report.rows import metric_rows
from signoff.core.learning.results import Evaluation

_TEMPLATE = files(__package__).joinpath("report.html")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _pct(rate) -> str:  # type: ignore[no-untyped-def]
    return rate.note or f"{rate.value:.1%} [{rate.low:.1%}, {rate.high:.1%}]"


def render_html(evaluation: Evaluation) -> str:
    """The whole report as one HTML document."""
    environment = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    template = environment.from_string(_TEMPLATE.read_text(encoding="utf-8"))
    cohorts = [
        {
            "report": cohort,
            "rows": metric_rows(cohort.metrics),
            "reliability": plots.reliability(cohort),
            "risk_coverage": plots.risk_coverage(cohort),
            "over_time": plots.over_time(cohort),
            "segment_gaps": plots.segment_gaps(cohort),
        }
        for cohort in evaluation.cohorts
    ]
    return template.render(e=evaluation, cohorts=cohorts, fmt=_fmt, pct=_pct)
