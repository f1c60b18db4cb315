"""``signoff eval report``: a terminal summary and one self-contained HTML file."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from signoff.core.models import RiskTier
from tests.app.cli.conftest import Cli
from tests.conftest import Harness, make_request


async def _three_decisions(live: Harness, use_case: str) -> None:
    """One approved automatically, one approved and one rejected by people."""
    for name, fields in {
        "auto": {"confidence": 0.95, "risk_tier": RiskTier.LOW},
        "approved": {"confidence": 0.6},
        "rejected": {"confidence": 0.5},
    }.items():
        request = make_request("eval-loop", id=f"{use_case}-{name}", use_case=use_case, **fields)
        await live.signoff.submit(request)
    await live.signoff.perform(f"{use_case}-approved", "approve", "alice")
    await live.signoff.perform(f"{use_case}-rejected", "reject", "bob", reason="No photo")


async def test_a_report_prints_the_summary_and_writes_one_html_file_with_its_plots(
    cli: Cli, live: Harness, tmp_path: Path
) -> None:
    use_case = f"eval-cli-{uuid.uuid4().hex[:8]}"
    await _three_decisions(live, use_case)
    html = tmp_path / "report.html"

    for _ in range(100):  # the store catches up with the workflows on its own time
        result = await cli("eval", "report", "--use-case", use_case, "--html", str(html))
        if "33.3% (1/3)" in result.stdout and "1/2" in result.stdout:
            break

    assert result.exit_code == 0, result.output
    assert "automation rate" in result.stdout and "33.3% (1/3)" in result.stdout
    assert "rejection rate" in result.stdout and "50.0% (1/2)" in result.stdout
    assert "not enough data" in result.stdout  # no ground truth yet: no accuracy
    page = html.read_text(encoding="utf-8")
    assert page.count("<svg") == 4  # reliability, risk-coverage, over time, segment gaps
    assert use_case in page
    # Only references inside the page (clip paths, markers: url(#...), href="#...").
    outside = r"https?://|\bsrc=|<link|<script|url\((?!#)|href=\"(?!#)"
    assert not re.search(outside, page), "an outside reference"


async def test_a_report_of_no_decisions_says_there_is_not_enough_data(
    cli: Cli, tmp_path: Path
) -> None:
    html = tmp_path / "empty.html"
    result = await cli("eval", "report", "--use-case", "no-such-use-case", "--html", str(html))

    assert result.exit_code == 0, result.output
    assert "not enough data" in result.stdout
    assert "not enough data" in html.read_text(encoding="utf-8")


async def test_a_bad_window_or_time_is_one_sentence_and_writes_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    html = tmp_path / "never.html"
    answers = [
        await cli("eval", "report", "--window", "0d", "--html", str(html)),
        await cli("eval", "report", "--window", "soon", "--html", str(html)),
        await cli("eval", "report", "--since", "yesterday", "--html", str(html)),
        await cli(
            "eval", "report", "--since", "2026-02-01", "--until", "2026-01-01", "--html", str(html)
        ),
    ]

    assert [a.exit_code for a in answers] == [2, 2, 2, 2]
    assert "--window must be a positive duration such as 1d or 12h, not '0d'." in answers[0].output
    assert "--window must be a positive duration" in answers[1].output
    assert "--since must be an ISO date or time, not 'yesterday'." in answers[2].output
    assert "--since must be before --until." in answers[3].output
    assert all("Traceback" not in a.output for a in answers)
    assert not html.exists()
