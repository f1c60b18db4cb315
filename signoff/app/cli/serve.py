"""``signoff serve``: the HTTP API on one port, until Ctrl-C; ``signoff dev`` runs it too.

It needs what a client needs (Temporal, the task queue's worker) and the store the
worker writes, where API keys are kept; it creates neither.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from signoff.app.cli.common import run, signoff_client
from signoff.app.cli.failures import USAGE, CliError
from signoff.app.cli.render import stdout_console
from signoff.app.cli.stores import open_store
from signoff.core.settings import Settings

if TYPE_CHECKING:
    from signoff.client.signoff_client import SignoffClient

DEFAULT_PORT = 8700
SURFACE = "web"
"""The surface whose key vouches for the people this server signs in
(`signoff keys surface web`)."""


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="The port.")] = DEFAULT_PORT,
) -> None:
    """Serve Signoff's HTTP API (/api/v1, its OpenAPI document, /healthz, /readyz,
    /metrics) and the web console (/console)."""

    async def work(settings: Settings) -> None:
        from signoff.app.cli.serving import stop_on_signals
        from signoff.app.console_secret import check_console_secret
        from signoff.app.logs import configure_logging
        from signoff.core.catalog import ConfigError
        from signoff.server.oauth_apps import registered_clients

        configure_logging()
        try:
            check_console_secret(settings)
            registered_clients(settings)  # again when serving; here before connecting
        except ConfigError as err:
            raise CliError(str(err), USAGE) from None
        stop = stop_on_signals()
        client = await signoff_client(settings)
        async with running_api(settings, client, host=host, port=port) as line:
            stdout_console().print(f"{line} Ctrl-C stops it.", soft_wrap=True)
            await stop.wait()

    run(ctx, work)


@asynccontextmanager
async def running_api(
    settings: Settings, client: SignoffClient, *, host: str, port: int, dev: bool = False
) -> AsyncIterator[str]:
    """Serve the API and the console for the duration of the block; yields the line
    saying where. ``dev``: run by ``signoff dev``, whose console offers a dev sign-in
    when no provider is configured."""
    from signoff.adapters.notary import load_voucher
    from signoff.core.catalog import load_directory
    from signoff.core.redaction import load_redactor
    from signoff.server.app import create_app
    from signoff.server.context import ServerContext
    from signoff.server.oauth_apps import registered_clients
    from signoff.server.oidc import OidcVerifier
    from signoff.server.serving import serving

    people = None
    if settings.oidc_issuer is not None:
        assert settings.oidc_audience is not None  # Settings refuses an issuer without one
        people = OidcVerifier(settings.oidc_issuer, settings.oidc_audience)
    # People who sign in act through this server's own surface key, never another's;
    # applications' submissions pass through the operator's redaction hook.
    client = client.vouching_as(load_voucher(settings.keys_path, SURFACE))
    if settings.redact_request:
        client = client.redacting_with(load_redactor(settings.redact_request))
    oauth_clients = registered_clients(settings)
    async with await open_store(settings) as store:
        ctx = ServerContext(
            settings=settings,
            client=client,
            store=store,
            directory=load_directory(settings.directory_file),
            people=people,
            oauth_clients=oauth_clients,
            dev=dev,
        )
        app = create_app(ctx)
        async with serving(app, host=host, port=port) as bound:
            yield (
                f"Signoff API at http://{host}:{bound}/api/v1"
                f" (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs);"
                f" console at http://{host}:{bound}/console/."
            )
