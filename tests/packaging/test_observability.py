"""The compose stack's operators' view: Prometheus scrapes what Signoff serves, and the
committed Grafana dashboard asks only for series Signoff exports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from signoff.core.metrics import ALL_SERIES

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "docker" / "grafana" / "signoff-dashboard.json"
SERVER_SERIES = {
    "signoff_http_requests_total",
    "signoff_http_request_duration_seconds",
    "signoff_decisions_pending",
}
SUFFIXES = re.compile(r"_(bucket|count|sum)$")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_the_dashboard_asks_only_for_series_signoff_exports() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    asked = {SUFFIXES.sub("", name) for e in exprs for name in re.findall(r"signoff_\w+", e)}
    known = {s.name for s in ALL_SERIES} | SERVER_SERIES
    assert asked and asked <= known, asked - known
    # Decisions, latency, SLA breaches and backlog, as operators asked.
    for wanted in ("decided", "time_to_decision", "sla_breaches", "backlog"):
        assert any(wanted in name for name in asked), wanted


def test_prometheus_scrapes_the_worker_and_the_api_where_compose_serves_them() -> None:
    services = compose()["services"]
    config = yaml.safe_load((ROOT / "docker" / "prometheus.yml").read_text())
    targets = {
        t for job in config["scrape_configs"] for s in job["static_configs"] for t in s["targets"]
    }
    worker_port = services["worker"]["environment"]["SIGNOFF_METRICS_ADDRESS"].rsplit(":", 1)[1]
    api_port = services["api"]["command"][services["api"]["command"].index("--port") + 1]
    assert targets == {f"worker:{worker_port}", f"api:{api_port}"}
    for name in ("prometheus", "grafana", "otel-collector"):
        assert name in services
    for signoff in ("worker", "api"):
        endpoint = services[signoff]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
        assert endpoint == "http://otel-collector:4318"
