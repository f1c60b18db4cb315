"""What ``signoff policy`` prints: advice with its gates, the risk-coverage table, the
routing history and a simulation, as rich renderables."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from signoff.app.cli.render import when
from signoff.app.ladder import PolicyAdvice
from signoff.core.learning.routing_replay import Replay
from signoff.core.models.routing import RoutingVersion


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def advice_view(advice: PolicyAdvice) -> RenderableType:
    t = advice.threshold
    current = advice.in_force
    head = [
        Text(
            f"Policy {advice.policy}: {current.autonomy.value}, auto-approve from"
            f" {current.auto_approve.min_confidence:.2f} (routing version {advice.expected})."
        ),
        Text(
            f"Learn-then-Test (alpha {t.alpha}, delta {t.delta}) over {t.pool} labelled"
            f" decisions ({t.labelled} before thinning; labels: "
            + (", ".join(f"{k} {v}" for k, v in sorted(advice.label_sources.items())) or "none")
            + ")."
        ),
    ]
    if t.threshold is None:
        head.append(Text("Advice: no threshold keeps the error within alpha; keep people in."))
    else:
        head.append(
            Text(
                f"Advice: auto-approve from {t.threshold:.2f}: error <= {t.alpha:.0%} among"
                f" automatic approvals with probability {1 - t.delta:.0%}, covering"
                f" {t.coverage:.1%} of labelled traffic."
            )
        )
    curve = Table(title="Risk-coverage", title_justify="left")
    for name in ("tau", "coverage", "approved", "errors", "error rate", "p-value", "passed"):
        curve.add_column(name, justify="right")
    for point in t.curve:
        curve.add_row(
            f"{point.threshold:.2f}",
            _pct(point.coverage),
            str(point.approved),
            str(point.errors),
            _pct(point.error_rate),
            f"{point.p_value:.3g}",
            "yes" if point.passed else "no",
        )
    gates = Table(title="Gates", title_justify="left")
    gates.add_column("gate", no_wrap=True)
    gates.add_column("verdict", no_wrap=True)
    gates.add_column("figures")
    for gate in advice.gates:
        verdict = Text("pass", style="green") if gate.passed else Text("FAIL", style="red")
        gates.add_row(gate.name, verdict, gate.figures)
    return Group(*head, curve, gates)


def history_table(versions: list[RoutingVersion]) -> RenderableType:
    if not versions:
        return Text("No routing versions: every policy routes as its file says.")
    table = Table(title=f"{len(versions)} routing version(s)", title_justify="left")
    for name in ("policy", "version", "autonomy", "threshold", "origin", "by", "at", "reason"):
        table.add_column(name, no_wrap=name not in ("reason",))
    for v in versions:
        table.add_row(
            v.policy,
            v.label,
            v.change.autonomy.value if v.change.autonomy else "-",
            f"{v.change.min_confidence:.2f}" if v.change.min_confidence is not None else "-",
            v.origin.value,
            v.decided_by or "-",
            when(v.at),
            v.reason,
        )
    return table


def replay_table(replay: Replay) -> RenderableType:
    hours = replay.handling_seconds
    measured = (
        f"mean handling time {hours / 60:.1f} min" if hours is not None else "no handling time"
    )
    table = Table(
        title=f"Policy {replay.policy} replayed ({measured} measured)", title_justify="left"
    )
    for name in (
        "group",
        "decisions",
        "automatic",
        "reviewed",
        "error (labelled automatic)",
        "escaped errors",
        "reviewer hours",
    ):
        table.add_column(name, justify="left" if name == "group" else "right")
    for g in replay.groups:
        e = g.error
        error = (
            f"{e.successes}/{e.total} = {_pct(e.value)} [{_pct(e.low)}, {_pct(e.high)}]"
            if e.value is not None
            else "no labels"
        )
        escaped = (
            f"{g.escaped:.1f} [{g.escaped_low:.1f}, {g.escaped_high:.1f}]"
            if g.escaped is not None and g.escaped_low is not None and g.escaped_high is not None
            else "-"
        )
        table.add_row(
            g.group,
            str(g.decisions),
            str(g.automatic),
            str(g.reviewed),
            error,
            escaped,
            "-" if g.reviewer_hours is None else f"{g.reviewer_hours:.1f}",
        )
    return table
