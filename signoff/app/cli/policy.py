"""``signoff policy``: the autonomy ladder from the operator's terminal.

``recommend`` reads the evidence (labelled decisions in the store), prints Learn-then-
Test's advice, the risk-coverage table and every gate, and with ``--propose`` puts the
move to the policy's owners only when every gate holds. ``propose`` and ``demote`` are
the operator's own moves (a proposal still reviewed by the owners; a demotion at once),
``history`` lists routing versions, and ``simulate`` replays a candidate policy file
over past decisions before anyone is asked to approve it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from signoff.app.cli.common import Actor, answered, known_people, run, signoff_client
from signoff.app.cli.evaluation import parse_window
from signoff.app.cli.failures import USAGE, CliError, reported
from signoff.app.cli.render import stdout_console
from signoff.app.cli.stores import open_store
from signoff.core.models import AutonomyLevel, ReviewPolicy
from signoff.core.settings import Settings

if TYPE_CHECKING:
    from signoff.adapters.store import Store
    from signoff.app.ladder import PolicyAdvice

policy_app = typer.Typer(
    help="Move policies along the autonomy ladder, on evidence.", no_args_is_help=True
)

PolicyName = Annotated[str, typer.Argument(metavar="NAME", help="The catalog policy's name.")]
Since = Annotated[
    str, typer.Option(help="Decisions submitted within this long (90d, 12h).", show_default=True)
]
Reason = Annotated[str, typer.Option(help="Why: the owners read it on the card.")]


def parse_since(value: str) -> datetime:
    """``--since`` as the moment that long ago."""
    return datetime.now(UTC) - parse_window(value, "--since", "90d or 12h")


def _between(name: str, value: float) -> None:
    if not 0 < value < 1:
        raise CliError(f"{name} must lie strictly between 0 and 1, not {value}.", USAGE)


def catalog_policy(settings: Settings, name: str) -> ReviewPolicy:
    """The catalog's policy ``name``, or one sentence naming the catalog."""
    from signoff.core.catalog import load_policies

    policies = load_policies(settings.policies_file)
    if name not in policies:
        raise CliError(
            f"No policy called '{name}' in the catalog ({settings.policies_file}).", USAGE
        )
    return policies[name]


def _autonomy(value: str | None) -> AutonomyLevel | None:
    if value is None:
        return None
    try:
        return AutonomyLevel(value)
    except ValueError:
        known = ", ".join(a.value for a in AutonomyLevel)
        raise CliError(f"--autonomy must be one of {known}, not '{value}'.", USAGE) from None


@policy_app.command()
def recommend(
    ctx: typer.Context,
    name: PolicyName,
    alpha: Annotated[float, typer.Option(help="The error rate to stay within.")] = 0.05,
    delta: Annotated[float, typer.Option(help="The chance the guarantee may fail.")] = 0.1,
    since: Since = "90d",
    autonomy: Annotated[
        str | None,
        typer.Option(help="Judge a move up to this rung (auto_low_risk, autonomous) instead."),
    ] = None,
    min_labels: Annotated[
        int, typer.Option(min=1, help="The labelled sample size gate's minimum.")
    ] = 200,
    min_group: Annotated[
        int, typer.Option(min=1, help="Segments smaller than this are not compared.")
    ] = 30,
    propose: Annotated[
        bool, typer.Option("--propose", help="Put the move to the owners if every gate holds.")
    ] = False,
    requester: Annotated[
        str | None, typer.Option("--as", help="Who proposes (with --propose): a person's id.")
    ] = None,
) -> None:
    """Recommend an auto-approve threshold with Learn-then-Test's guarantee (or judge a
    move up the ladder), print the risk-coverage table and each gate, and with
    --propose start the policy-change decision when every gate holds."""
    with reported():
        _between("--alpha", alpha)
        _between("--delta", delta)
        start = parse_since(since)
        rung = _autonomy(autonomy)
        if propose and requester is None:
            raise CliError("--propose needs --as: the person the proposal is from.", USAGE)

    async def work(settings: Settings) -> None:
        from signoff.app.cli.policy_tables import advice_view
        from signoff.app.ladder import advise

        policy = catalog_policy(settings, name)
        known_people(settings, requester)
        async with await open_store(settings) as store:
            try:
                advice = await advise(
                    store,
                    policy,
                    alpha=alpha,
                    delta=delta,
                    since=start,
                    autonomy=rung,
                    minimum_labels=min_labels,
                    minimum_group=min_group,
                )
            except ValueError as err:
                raise CliError(f"{str(err)[0].upper()}{str(err)[1:]}.", USAGE) from None
        console = stdout_console()
        console.print(advice_view(advice))
        if propose:
            assert requester is not None
            await _propose_advice(settings, advice, requester, since)

    run(ctx, work)


async def _propose_advice(
    settings: Settings, advice: PolicyAdvice, requester: str, since: str
) -> None:
    failed = advice.failed
    if failed is not None:
        raise CliError(
            f"Not proposed: the {failed.name} gate fails ({failed.figures}).", exit_code=1
        )
    if advice.change is None:
        raise CliError(
            f"Not proposed: {advice.policy} already auto-approves from {advice.tau:.2f}.", 1
        )
    from signoff.core.models.routing import PolicyChangeProposal

    t = advice.threshold
    gates = "; ".join(f"{g.name}: {g.figures}" for g in advice.gates)
    proposal = PolicyChangeProposal(
        policy=advice.policy,
        change=advice.change,
        reason=f"Learn-then-Test over {t.pool} labelled decisions of the last {since}"
        f" (alpha {t.alpha}, delta {t.delta}). Gates: {gates}.",
        requester=requester,
        expected=advice.expected,
        confidence=1 - t.delta,
        key=advice.key,
    )
    await _start_proposal(settings, proposal)


async def _start_proposal(settings: Settings, proposal: object) -> None:
    from signoff.client.ladder import propose_change
    from signoff.core.models.routing import PolicyChangeProposal

    assert isinstance(proposal, PolicyChangeProposal)
    client = await signoff_client(settings)
    await answered(propose_change(client, proposal), settings)
    stdout_console().print(
        Text(
            f"Proposed as decision {proposal.decision_id}: the owners of {proposal.policy}"
            " are asked to approve it."
        ),
        soft_wrap=True,
    )


@policy_app.command()
def history(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(metavar="[NAME]", help="One policy.")] = None,
) -> None:
    """List routing versions: every promotion the owners signed off and every demotion."""

    async def work(settings: Settings) -> None:
        from signoff.app.cli.policy_tables import history_table

        async with await open_store(settings) as store:
            versions = await store.routing_history(name)
        stdout_console().print(history_table(versions))

    run(ctx, work)


@policy_app.command("propose")
def propose_command(
    ctx: typer.Context,
    name: PolicyName,
    reason: Reason,
    requester: Actor,
    autonomy: Annotated[str | None, typer.Option(help="The rung to move to.")] = None,
    threshold: Annotated[
        float | None, typer.Option(help="The auto-approve confidence to move to.")
    ] = None,
) -> None:
    """Propose a routing change yourself; the policy's owners still sign it off."""
    with reported():
        rung = _autonomy(autonomy)
        if rung is None and threshold is None:
            raise CliError("Say what to change: --autonomy, --threshold, or both.", USAGE)
        if threshold is not None and not 0 <= threshold <= 1:
            raise CliError(f"--threshold must lie between 0 and 1, not {threshold}.", USAGE)

    async def work(settings: Settings) -> None:
        from signoff.app.ladder import in_force
        from signoff.core.catalog import load_floor
        from signoff.core.models.routing import PolicyChangeProposal, RoutingChange

        policy = catalog_policy(settings, name)
        known_people(settings, requester)
        if rung is not None:
            problem = load_floor(settings.policies_file).ceiling_violation(name, rung)
            if problem is not None:
                raise CliError(f"Not proposed: {problem}.", USAGE)
        async with await open_store(settings) as store:
            _, expected = await in_force(store, policy)
        what = "-".join(
            p for p in (rung.value if rung else "", f"t{threshold:g}" if threshold else "") if p
        )
        proposal = PolicyChangeProposal(
            policy=name,
            change=RoutingChange(autonomy=rung, min_confidence=threshold),
            reason=reason,
            requester=requester,
            expected=expected,
            key=f"operator-r{expected}-{what}",
        )
        await _start_proposal(settings, proposal)

    run(ctx, work)


@policy_app.command()
def demote(ctx: typer.Context, name: PolicyName, reason: Reason, requester: Actor) -> None:
    """Pull the breaker: route every decision of the policy to people at once (suggest);
    its owners are asked whether to restore it."""

    async def work(settings: Settings) -> None:
        from signoff.app.ladder import in_force
        from signoff.client.ladder import trip_breaker
        from signoff.core.models.routing import BreakerTrip, RoutingOrigin

        policy = catalog_policy(settings, name)
        known_people(settings, requester)
        async with await open_store(settings) as store:
            current, expected = await in_force(store, policy)
            if current.autonomy.rank <= AutonomyLevel.SUGGEST.rank:
                raise CliError(f"{name} is at {current.autonomy.value} already: people decide.")
            trip = BreakerTrip(
                policy=name,
                origin=RoutingOrigin.OPERATOR,
                reason=reason,
                alarm=f"operator-r{expected}",
                requester=requester,
            )
            client = await signoff_client(settings)
            await trip_breaker(client, trip)
            version = await answered(_moved_past(store, name, expected), settings)
        stdout_console().print(
            Text(
                f"{name} demoted to suggest (routing version {version}); its owners are asked"
                " whether to restore it."
            ),
            soft_wrap=True,
        )

    run(ctx, work)


async def _moved_past(store: Store, name: str, expected: int) -> int:
    import asyncio

    while True:
        routing = await store.routing(name)
        if routing is not None and routing.version > expected:
            return routing.version
        await asyncio.sleep(0.2)


@policy_app.command()
def simulate(
    ctx: typer.Context,
    policy_file: Annotated[
        Path, typer.Option("--policy", help="A policies file holding the candidate(s).")
    ],
    since: Since = "30d",
) -> None:
    """Replay routing of past decisions under a candidate policy: how many would have
    been automatic, the errors that would have escaped (with an interval) and the
    reviewer hours, per segment."""
    with reported():
        start = parse_since(since)

    async def work(settings: Settings) -> None:
        from signoff.app.cli.policy_tables import replay_table
        from signoff.core.catalog import load_policies

        candidates = load_policies(policy_file)
        console = stdout_console()
        async with await open_store(settings) as store:
            for candidate in candidates.values():
                console.print(replay_table(await store.replay_routing(candidate, since=start)))

    run(ctx, work)
