"""``signoff policy`` over decisions driven through real workflows, with labels known by
construction, so Learn-then-Test's threshold, each gate and a simulation's counts can be
worked out by hand.

The population (policy ``ladder-ltt``: automatic from 0.9 for low risk, every automatic
approval sampled for QA, so nothing is thinned away):
- 40 at confidence 0.95, approved automatically and given a thumb up by their QA
  reviewer: all right; 20 in region north, 20 in south;
- 20 at confidence 0.75, reviewed: 10 (north) approved, 10 (south) rejected.

With alpha = delta = 0.1 the walk from 0.95 down sees 40 right decisions at every tau
from 0.95 to 0.80 (the Hoeffding-Bentkus bound passes: 0.9^40 * e < 0.1) and at 0.75 adds
ten errors in twenty (error 1/6 > alpha): tau = 0.80. Accuracy from 0.80 up is 40/40,
whose 95% Wilson lower bound is 91.2% >= 90%.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from signoff.adapters.store import Store
from signoff.app.ladder import advise, open_drift_alarms
from signoff.core.catalog import load_policies
from signoff.core.models import ModelInfo, RiskTier
from signoff.core.models.drift_monitor import CusumState, MonitorRun, Shift
from signoff.core.settings import Settings
from tests.app.cli.conftest import Cli, env_for, runner_for
from tests.conftest import FIXTURES, Harness, make_request
from tests.helpers.waiting import eventually

POLICY = "ladder-ltt"


@dataclass(frozen=True)
class Population:
    use_case: str
    model: ModelInfo


@pytest.fixture(scope="module")
async def population(dev_env: WorkflowEnvironment, settings: Settings) -> Population:
    use_case = f"ladder-{uuid.uuid4().hex[:8]}"
    model = ModelInfo(name="triage-llm", version=f"v-{use_case}")
    harness = Harness(dev_env.client, settings)

    def request(i: int, confidence: float, region: str):  # type: ignore[no-untyped-def]
        return make_request(
            POLICY,
            id=f"{use_case}-{i}",
            use_case=use_case,
            model=model,
            confidence=confidence,
            risk_tier=RiskTier.LOW,
            segment={"region": region},
        )

    async def confident(i: int) -> None:
        await harness.signoff.submit(request(i, 0.95, "north" if i % 2 else "south"))
        await harness.signoff.perform(f"{use_case}-{i}", "thumb", "alice", thumb="up")

    async def reviewed(i: int) -> None:
        approve = i % 2 == 1
        await harness.signoff.submit(request(i, 0.75, "north" if approve else "south"))
        if approve:
            await harness.signoff.perform(f"{use_case}-{i}", "approve", "alice")
        else:
            await harness.signoff.perform(f"{use_case}-{i}", "reject", "bob", reason="Wrong.")

    async with harness.worker():
        await asyncio.gather(*(confident(i) for i in range(40)))
        await asyncio.gather(*(reviewed(i) for i in range(40, 60)))
        async with await Store.open(settings.store_url) as store:

            async def labelled() -> bool:
                samples = await store.ladder_samples(POLICY)
                return len([s for s in samples if s.use_case == use_case]) == 60

            await eventually(labelled, timeout=60)
    return Population(use_case=use_case, model=model)


@pytest.fixture
async def opened(store_url: str) -> AsyncIterator[Store]:
    async with await Store.open(store_url) as store:
        yield store


async def test_recommend_gives_the_threshold_worked_out_by_hand_and_every_gate_passes(
    cli: Cli, population: Population
) -> None:
    result = await cli(
        "policy", "recommend", POLICY, "--alpha", "0.1", "--delta", "0.1", "--min-labels", "60"
    )

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Advice: auto-approve from 0.80" in out
    assert "over 60 labelled decisions" in out
    assert "human_decision 20" in out and "thumbs 40" in out, "the labels are named"
    assert "FAIL" not in out
    assert "accuracy from 0.80 up 40/40 = 100.0%, 95% Wilson lower bound 91.2% >= 90.0%" in out
    assert "60 labelled decisions in the pool (of 60); at least 60 needed" in out
    assert "no open drift alarm" in out


async def test_propose_under_passing_gates_asks_the_owners(
    cli: Cli, live: Harness, population: Population
) -> None:
    result = await cli(
        "policy", "recommend", POLICY, "--alpha", "0.1", "--delta", "0.1",
        "--min-labels", "60", "--propose", "--as", "rita",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    decision_id = f"policy-change-{POLICY}-ltt-r0-t80"
    assert f"Proposed as decision {decision_id}" in result.stdout
    state = await eventually(lambda: _state(live, decision_id))
    assert state.stage is not None and state.stage.asked == ["dave"]
    assert state.request.proposal.payload == {
        "policy": POLICY,
        "change": {"min_confidence": 0.8},
        "expected_version": 0,
    }
    assert "Learn-then-Test over 60 labelled decisions" in (state.request.rationale or "")
    await live.signoff.perform(decision_id, "reject", "dave", seen_stage=0, reason="Not yet.")


async def test_too_few_labels_fails_its_gate_and_propose_starts_nothing(
    cli: Cli, live: Harness, population: Population, opened: Store
) -> None:
    result = await cli(
        "policy", "recommend", POLICY, "--alpha", "0.1", "--delta", "0.1",
        "--autonomy", "autonomous", "--min-labels", "61", "--propose", "--as", "rita",
    )  # fmt: skip

    assert result.exit_code == 1
    assert (
        "Not proposed: the labelled sample gate fails (60 labelled decisions in the pool"
        " (of 60); at least 61 needed)." in result.output
    )
    with pytest.raises(RPCError) as missing:
        await live.client.get_workflow_handle(
            f"signoff/ladder-proposal/{POLICY}/rung-r0-autonomous"
        ).describe()
    assert missing.value.status is RPCStatusCode.NOT_FOUND
    assert await opened.routing_history(POLICY) == []


async def test_a_segment_treated_worse_fails_the_fairness_gate(
    cli: Cli, population: Population
) -> None:
    # Autonomous approves everything: north is right 30/30, south 20/30 (ratio 0.67).
    result = await cli(
        "policy", "recommend", POLICY, "--alpha", "0.1", "--delta", "0.1",
        "--autonomy", "autonomous", "--min-labels", "60",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert (
        "accuracy of automatic approvals flagged for region (north 100.0%, south 66.7%;"
        " ratio 0.67 < 0.80)" in result.stdout
    )


async def test_an_open_drift_alarm_fails_its_gate_and_only_it(
    opened: Store, settings: Settings, population: Population
) -> None:
    policy = load_policies(FIXTURES / "policies.yaml")[POLICY]

    async def alarmed(store: Store, use_cases: object) -> list[str]:
        assert list(use_cases) == [population.use_case]  # type: ignore[call-overload]
        return [f"{population.use_case}:psi"]

    advice = await advise(
        opened, policy, alpha=0.1, delta=0.1, since=None, minimum_labels=60,
        minimum_group=30, alarms=alarmed,
    )  # fmt: skip

    assert [g.name for g in advice.gates if not g.passed] == ["no drift alarm"]
    assert advice.failed is not None
    assert advice.failed.figures == f"open drift alarms: {population.use_case}:psi"


async def test_the_drift_gate_reads_the_latest_monitor_run_of_the_use_case(opened: Store) -> None:
    """An alarm is open while the latest run raised it, and closes when a later run of
    the monitor no longer does."""
    use_case = f"gate-{uuid.uuid4().hex[:8]}"
    at = datetime.now(UTC) - timedelta(hours=2)

    def run(hours: int, psi: float) -> MonitorRun:
        return MonitorRun(
            use_case=use_case,
            as_of=at + timedelta(hours=hours),
            reference_n=100,
            current_n=100,
            readings=[Shift(test="psi", value=psi, alarm=psi > 0.25)],
            cusum=CusumState(),
        )

    assert await open_drift_alarms(opened, [use_case]) == []
    await opened.add_monitor_run(run(0, 0.4))
    assert await open_drift_alarms(opened, [use_case]) == [f"{use_case}:psi"]
    await opened.add_monitor_run(run(1, 0.05))
    assert await open_drift_alarms(opened, [use_case]) == []


async def test_simulate_counts_what_a_candidate_would_have_approved(
    cli: Cli, population: Population, tmp_path: Path
) -> None:
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(
        f"""policies:
  - name: {POLICY}
    autonomy: auto_low_risk
    auto_approve: {{min_confidence: 0.7, max_risk: low}}
    qa_sample_rate: 1.0
    stages:
      - {{name: leads, approvers: [group:leads]}}
""",
        encoding="utf-8",
    )
    result = await cli("policy", "simulate", "--policy", str(candidate), "--since", "30d")

    assert result.exit_code == 0, result.output
    # From 0.7 all 60 would have been automatic; 10 of the 60 labelled were wrong.
    assert _cells(result.stdout, "all")[:3] == ["60", "60", "0"]
    assert _cells(result.stdout, "all")[3].startswith("10/60 = 16.7%")
    assert _cells(result.stdout, "all")[4].startswith("10.0 [")
    north = _cells(result.stdout, "region=north")
    assert north[:4] == ["30", "30", "0", "0/30 = 0.0% [0.0%, 11.4%]"]
    assert _cells(result.stdout, "region=south")[3].startswith("10/30 = 33.3%")


async def test_a_proposal_above_the_operators_floor_is_refused_before_anyone_is_asked(
    dev_env: WorkflowEnvironment, live: Harness, opened: Store, tmp_path: Path
) -> None:
    catalog = yaml.safe_load((FIXTURES / "policies.yaml").read_text())
    catalog["floor"] = {"max_autonomy": {"critical": "auto_low_risk"}}
    floored = tmp_path / "policies.yaml"
    floored.write_text(yaml.safe_dump(catalog))
    cli = runner_for(env_for(dev_env, live) | {"SIGNOFF_POLICIES_FILE": str(floored)})
    before = await opened.routing_history()

    answer = await cli(
        "policy", "propose", "ladder-operator", "--autonomy", "autonomous",
        "--reason", "It has been right for months.", "--as", "rita",
    )  # fmt: skip

    assert answer.exit_code == 2
    assert answer.output.strip() == (
        "Not proposed: the floor allows at most auto_low_risk for critical-risk decisions;"
        " 'ladder-operator' cannot be moved to autonomous."
    )
    assert await opened.routing_history() == before


async def test_bad_input_is_one_sentence_and_changes_nothing(cli: Cli, opened: Store) -> None:
    before = await opened.routing_history()
    answers = [
        await cli("policy", "recommend", "no-such-policy"),
        await cli("policy", "recommend", POLICY, "--alpha", "1.5"),
        await cli("policy", "recommend", POLICY, "--since", "soon"),
        await cli("policy", "recommend", POLICY, "--autonomy", "total"),
        await cli("policy", "recommend", POLICY, "--autonomy", "suggest"),
        await cli("policy", "recommend", POLICY, "--propose"),
        await cli("policy", "propose", POLICY, "--reason", "More.", "--as", "rita"),
        await cli("policy", "demote", "ladder-operator", "--reason", "Spike.", "--as", "nobody"),
    ]

    assert [a.exit_code for a in answers] == [2] * 8
    said = [a.output.strip() for a in answers]
    assert said[0].startswith("No policy called 'no-such-policy' in the catalog (")
    assert said[1] == "--alpha must lie strictly between 0 and 1, not 1.5."
    assert said[2] == "--since must be a positive duration such as 90d or 12h, not 'soon'."
    assert said[3].startswith("--autonomy must be one of shadow, suggest,")
    assert said[4] == "'ladder-ltt' is at auto_low_risk already; --autonomy must be a higher rung."
    assert said[5] == "--propose needs --as: the person the proposal is from."
    assert said[6] == "Say what to change: --autonomy, --threshold, or both."
    assert said[7].startswith("Nobody called 'nobody' is in the directory")
    assert all("\n" not in s for s in said)
    assert await opened.routing_history() == before


def _cells(output: str, group: str) -> list[str]:
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) > 2 and cells[1] == group:
            return cells[2:-1]
    raise AssertionError(f"no row {group!r} in:\n{output}")


async def _state(live: Harness, decision_id: str):  # type: ignore[no-untyped-def]
    from signoff import DecisionNotFound

    try:
        return await live.signoff.state(decision_id)
    except DecisionNotFound:
        return None


async def test_an_operator_demotes_at_once_and_history_lists_it_with_the_owners_asked(
    cli: Cli, live: Harness, opened: Store
) -> None:
    result = await cli(
        "policy", "demote", POLICY_TRIP, "--reason", "Chargebacks doubled.", "--as", "rita"
    )

    assert result.exit_code == 0, result.output
    demoted = await opened.routing(POLICY_TRIP)
    assert demoted is not None and demoted.change.autonomy is not None
    assert demoted.change.autonomy.value == "suggest"
    assert (demoted.origin.value, demoted.decided_by) == (
        "operator",
        f"operator-r{demoted.version - 1}",
    )
    assert f"{POLICY_TRIP} demoted to suggest (routing version {demoted.version})" in result.stdout
    restore = f"policy-change-{POLICY_TRIP}-restore-operator-r{demoted.version - 1}"
    state = await eventually(lambda: _state(live, restore))
    assert state.stage is not None and state.stage.asked == ["dave"]

    listed = await cli("policy", "history", POLICY_TRIP)
    assert listed.exit_code == 0, listed.output
    assert "operator" in listed.stdout and "Chargebacks doubled." in listed.stdout
    again = await cli("policy", "demote", POLICY_TRIP, "--reason", "Again.", "--as", "rita")
    assert again.exit_code == 1
    assert again.output.strip() == f"{POLICY_TRIP} is at suggest already: people decide."
    await live.signoff.perform(restore, "reject", "dave", seen_stage=0, reason="Keep it down.")


async def test_an_operator_proposal_is_put_to_the_owners(cli: Cli, live: Harness) -> None:
    result = await cli(
        "policy", "propose", "ladder-operator-proposes", "--threshold", "0.97",
        "--reason", "Stricter after the audit.", "--as", "rita",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    decision_id = "policy-change-ladder-operator-proposes-operator-r0-t0.97"
    assert f"Proposed as decision {decision_id}" in result.stdout
    state = await eventually(lambda: _state(live, decision_id))
    assert state.request.rationale == "Stricter after the audit."
    assert state.stage is not None and state.stage.asked == ["dave"]
    await live.signoff.perform(decision_id, "reject", "dave", seen_stage=0, reason="No.")


POLICY_TRIP = "ladder-operator"


@pytest.mark.parametrize(("minimum", "shown"), [(20, True), (21, False)])
async def test_cards_show_the_models_track_record_beside_its_confidence_once_enough_labels_exist(
    dev_env: WorkflowEnvironment,
    settings: Settings,
    population: Population,
    minimum: int,
    shown: bool,
) -> None:
    """The population's twenty reviewed decisions at 0.75 (about 80%) were right ten
    times: a new decision at 0.78 by the same model shows it, unless the minimum is 21."""
    from signoff.adapters.channels.console import render_card
    from signoff.bots.slack.blocks import approval_blocks
    from signoff.bots.teams.adaptive_card import approval_card
    from signoff.core.card_view import card_view

    harness = Harness(dev_env.client, settings.model_copy(update={"track_record_minimum": minimum}))
    async with harness.worker():
        state = await harness.signoff.submit(
            make_request(
                "first-lead",
                use_case=population.use_case,
                model=population.model,
                confidence=0.78,
            )
        )

    words = "When this model said about 80%, it was right 50% of the time (n = 20)"
    view = card_view(state)
    slack = str(approval_blocks(view))
    teams = str(approval_card(view))
    console = "\n".join(render_card(state))
    if shown:
        record = state.plan.track_record
        assert record is not None and (record.said, record.right, record.n) == (0.8, 10, 20)
        assert view.track_record == words
        assert words in slack and words in teams and words in console
    else:
        assert state.plan.track_record is None and view.track_record is None
        assert "When this model said" not in slack + teams + console
