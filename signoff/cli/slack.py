"""``signoff slack``: serve the Slack bot (HTTP mode) that turns clicks into decisions."""

from __future__ import annotations

from typing import Annotated

import typer

from signoff.cli.common import run, signoff_client
from signoff.settings import Settings


def slack(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port Slack's requests arrive on.")] = 3000,
) -> None:
    """Serve the Slack bot at /slack/events until Ctrl-C (settings SIGNOFF_SLACK_*).

    Workers post the cards (`signoff worker` or `signoff dev` with SIGNOFF_SLACK_BOT_TOKEN
    set); this serves the clicks, modals and /signoff. Create the app from
    bots/slack/manifest.yaml.
    """

    async def work(settings: Settings) -> None:
        from aiohttp import web

        from adapters.slack import slack_settings
        from bots.slack.app import build_app
        from bots.slack.server import web_app
        from signoff.cli.errors import CliError
        from signoff.cli.serving import stop_on_signals
        from signoff.config import Catalog

        slack_config = slack_settings()
        if slack_config is None:
            raise CliError("Set SIGNOFF_SLACK_BOT_TOKEN and SIGNOFF_SLACK_SIGNING_SECRET first.")
        stop = stop_on_signals()
        client = await signoff_client(settings)
        bolt = build_app(
            client=client, directory=Catalog.load(settings).directory, settings=slack_config
        )
        runner = web.AppRunner(web_app(bolt))
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        typer.echo(f"Slack bot listening on http://{host}:{port}/slack/events; Ctrl-C stops it.")
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    run(ctx, work)
