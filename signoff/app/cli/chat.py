"""``signoff slack`` and ``signoff teams``: serve one chat bot that turns clicks into
decisions (``signoff dev`` serves every configured bot itself)."""

from __future__ import annotations

from typing import Annotated

import typer

from signoff.app.cli.common import MetricsPort, run, signoff_client, with_metrics_port
from signoff.core.settings import Settings

Host = Annotated[str, typer.Option(help="Interface to listen on.")]


def slack(
    ctx: typer.Context,
    host: Host = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port Slack's requests arrive on (HTTP mode).")] = 3000,
    metrics_port: MetricsPort = None,
) -> None:
    """Serve the Slack bot until Ctrl-C (settings SIGNOFF_SLACK_*).

    With SIGNOFF_SLACK_APP_TOKEN it connects over Socket Mode (no public URL needed);
    otherwise it serves /slack/events over HTTP, verified with
    SIGNOFF_SLACK_SIGNING_SECRET. Workers post the cards (`signoff worker` or
    `signoff dev` with SIGNOFF_SLACK_BOT_TOKEN set). Create the app from
    bots/slack/manifest.yaml.
    """
    _serve(ctx, "slack", host, port, metrics_port)


def teams(
    ctx: typer.Context,
    host: Host = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port the Bot Framework posts to.")] = 3978,
    metrics_port: MetricsPort = None,
) -> None:
    """Serve the Teams bot at /api/messages until Ctrl-C (settings SIGNOFF_TEAMS_*).

    Workers post the cards (`signoff worker` or `signoff dev` with SIGNOFF_TEAMS_APP_ID
    set). Package bots/teams/manifest.json to install the app.
    """
    _serve(ctx, "teams", host, port, metrics_port)


def _serve(ctx: typer.Context, which: str, host: str, port: int, metrics_port: int | None) -> None:
    async def work(settings: Settings) -> None:
        from signoff.adapters.slack import slack_settings
        from signoff.adapters.teams import teams_settings
        from signoff.app.cli.bots import BotAddresses, running_bots
        from signoff.app.cli.failures import CliError
        from signoff.app.cli.serving import stop_on_signals
        from signoff.app.logs import configure_logging

        configure_logging()
        addresses = BotAddresses(host=host, **{f"{which}_port": port})
        if which == "slack":
            slack = slack_settings()
            if slack is None or not (slack.app_token or slack.signing_secret):
                raise CliError(MISSING[which])
        elif teams_settings() is None:
            raise CliError(MISSING[which])
        stop = stop_on_signals()
        client = await signoff_client(with_metrics_port(settings, metrics_port))
        async with running_bots(
            settings, client, addresses, slack=which == "slack", teams=which == "teams"
        ) as lines:
            for line in lines:
                typer.echo(f"{line} Ctrl-C stops it.")
            await stop.wait()

    run(ctx, work)


MISSING = {
    "slack": "Set SIGNOFF_SLACK_BOT_TOKEN, and SIGNOFF_SLACK_APP_TOKEN (Socket Mode) or"
    " SIGNOFF_SLACK_SIGNING_SECRET (HTTP), first.",
    "teams": "Set SIGNOFF_TEAMS_APP_ID and SIGNOFF_TEAMS_APP_PASSWORD (or"
    " SIGNOFF_TEAMS_ANONYMOUS=1 for local development) first.",
}
