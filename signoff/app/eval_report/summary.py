"""The evaluation in the terminal: one rich table per cohort, and the flagged gaps."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from signoff.app.eval_report.rows import metric_rows
from signoff.core.learning.results import Evaluation


def print_summary(evaluation: Evaluation, console: Console) -> None:
    if not evaluation.cohorts:
        console.print("No decisions match these filters: not enough data to evaluate.")
        return
    for cohort in evaluation.cohorts:
        table = Table(title=cohort.key.label(), title_justify="left")
        for column in ("metric", "value", "95% interval", "n", "label source"):
            table.add_column(column)
        for row in metric_rows(cohort.metrics):
            table.add_row(f"{row.group}: {row.name}", row.value, row.interval, row.n, row.source)
        console.print(table)
        flagged = [g for g in cohort.fairness if g.flagged]
        for gap in flagged:
            console.print(
                f"[bold red]Flag:[/] {gap.attribute} — {gap.metric}: min/max"
                f" {gap.min_max_ratio:.2f} (under 0.8), largest gap {gap.largest_gap:.1%}"
            )
