"""What ``signoff dev`` and ``signoff worker`` run: a worker drawing cards in this
terminal, beside the embedded dev server or against any Temporal, until Ctrl-C.

Shutdown runs in order — worker first, then the server — because a server that goes
first leaves the worker polling a dead address and logging errors on the way out.
"""

from __future__ import annotations

import asyncio
import signal

from rich.table import Table
from rich.text import Text
from temporalio.client import Client

from signoff.adapters.channels import build_channels
from signoff.adapters.notary import AuditKeyring, Notary, create_surface, load_voucher
from signoff.adapters.slack import make_client, slack_settings
from signoff.adapters.store import Store
from signoff.adapters.store.migrate import upgrade
from signoff.adapters.teams import teams_settings
from signoff.app.cli.bots import BotAddresses, running_bots
from signoff.app.cli.devserver import (
    HOST,
    DevServer,
    port_in_use,
    temporal_binary,
    wait_until_ready,
)
from signoff.app.cli.failures import USAGE, CliError, explain, unreachable
from signoff.app.cli.render import status_text, stdout_console
from signoff.app.cli.samples import DemoResult, run_samples
from signoff.app.cli.serve import running_api
from signoff.app.cli.stores import shown_url
from signoff.app.console_secret import dev_console_secret
from signoff.app.logs import configure_logging
from signoff.app.webhook_secret import check_webhook_secret, dev_webhook_secret
from signoff.app.worker import connect, ensure_search_attributes, run_worker
from signoff.client.signoff_client import SignoffClient
from signoff.core import messages
from signoff.core.catalog import Catalog, ConfigError, load_directory
from signoff.core.channel_protocol import Channel
from signoff.core.settings import EXAMPLE_REQUEST, Settings

WORKER_STOP_TIMEOUT = 15.0


def stop_on_signals() -> asyncio.Event:
    """An event set by Ctrl-C or SIGTERM, so shutdown runs in order instead of as an
    exception thrown somewhere inside the worker."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def prepare(settings: Settings, *, dev: bool = False) -> None:
    """Refuse bad policy files, a worker that could send webhooks without a secret to
    sign them, and an unusable store before anything starts."""
    configure_logging()
    catalog = Catalog.load(settings, dev=dev)
    # `signoff dev` makes a secret of its own later, unless one is set: that one is checked.
    if not dev or settings.webhook_secret is not None:
        try:
            check_webhook_secret(settings, catalog)
        except ConfigError as err:
            raise CliError(str(err), USAGE) from None
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(upgrade, settings.store_url)


DEV_SURFACES = ("slack", "teams", "cli", "web")


async def local_keys(settings: Settings) -> None:
    """``signoff dev`` signs and vouches as production does: the first time, it makes a
    local audit key (and signs the heads of chains written before it), and keys for the
    Slack bot, the Teams bot and this shell's CLI, each trusted to speak for anyone."""
    console = stdout_console()
    if not settings.surfaces_path.exists():
        for surface in DEV_SURFACES:
            create_surface(settings.keys_path, settings.surfaces_path, surface, "anyone")
        console.print(
            f"Created local keys for the surfaces {', '.join(DEV_SURFACES)} in"
            f" {settings.keys_path}, each trusted to act for anyone (dev only: in"
            " production a CLI key names its operator, `signoff keys surface`).",
            soft_wrap=True,
        )
    if settings.accept_unvouched_actions:
        console.print(
            "WARNING: SIGNOFF_ACCEPT_UNVOUCHED_ACTIONS is on: anyone who can reach this"
            " Temporal server can act as anyone. Development only.",
            style="bold red",
            soft_wrap=True,
        )
    keys = AuditKeyring(settings.keys_path)
    if keys.exists():
        return
    key_id = keys.create()
    async with await Store.open(settings.store_url, notary=Notary.for_settings(settings)) as store:
        signed, _ = await store.sign_existing()
    stdout_console().print(
        f"Created a local audit key {key_id} in {keys.path} (signed {signed} existing chain"
        " heads). In production, create it with `signoff keys create` on a host the"
        " database's administrators cannot reach.",
        soft_wrap=True,
    )


def with_dev_console_secret(settings: Settings) -> Settings:
    """``signoff dev`` signs the console's cookies with a secret of its own kept under the
    data directory, unless SIGNOFF_CONSOLE_SECRET names one."""
    settings, created = dev_console_secret(settings)
    if created is not None:
        stdout_console().print(
            f"Created a local console secret in {created} (dev only: in production set"
            " SIGNOFF_CONSOLE_SECRET).",
            soft_wrap=True,
        )
    return settings


def with_dev_webhook_secret(settings: Settings) -> Settings:
    """``signoff dev`` signs webhooks as production does, with a secret of its own kept
    beside its other local keys unless SIGNOFF_WEBHOOK_SECRET names one."""
    settings, created = dev_webhook_secret(settings)
    if created is not None:
        stdout_console().print(
            f"Created a local webhook secret in {created}: receivers verify Signoff's"
            " webhooks with it (dev only: in production set SIGNOFF_WEBHOOK_SECRET).",
            soft_wrap=True,
        )
    return settings


async def worker_client(settings: Settings, *, dev: bool = False) -> Client:
    """A client whose workers draw cards in this terminal, as signed webhooks when
    ``SIGNOFF_WEBHOOK_SECRET`` is set, in Slack when ``SIGNOFF_SLACK_BOT_TOKEN`` is, and
    in Teams when ``SIGNOFF_TEAMS_APP_ID`` (or anonymous mode) is."""
    channels: dict[str, Channel] = build_channels(settings, stdout_console())
    directory = load_directory(settings.directory_file)
    slack = slack_settings()
    if slack is not None:
        from signoff.bots.slack import SlackChannel

        channels["slack"] = SlackChannel(make_client(slack), directory)
    teams = teams_settings()
    if teams is not None:
        from signoff.bots.teams import TeamsChannel

        channels["teams"] = TeamsChannel.open(teams, directory, settings.store_url)
    return await connect(settings, channels=channels, dev=dev)


def print_demo(results: list[DemoResult], ui_url: str) -> None:
    console = stdout_console()
    table = Table(title="Demo decisions", title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("status")
    table.add_column("what it shows")
    for r in results:
        table.add_row(Text(r.decision_id), status_text(r.status), r.story)
    console.print(table)
    console.print(f"Demo: submitted {len(results)} decisions.", soft_wrap=True)
    console.print(f"Look at one: signoff show {results[1].decision_id}", soft_wrap=True)
    console.print(f"Or in the Temporal Web UI: {ui_url}/namespaces/default/workflows")


async def _demo_in_background(client: SignoffClient, ui_url: str, settings: Settings) -> None:
    try:
        print_demo(await run_samples(client), ui_url)
    except Exception as exc:  # the server keeps running; the sentence says what went wrong
        message = f"Demo failed: {explain(exc, settings)[0]}"
        stdout_console().print(Text(message), soft_wrap=True)


def reuse_server(port: int, ui_port: int, *, use_existing: bool) -> bool:
    """Whether a server already on ``port`` is to be used; refuses taken ports before
    anything is started, so the sentence comes at once."""
    if port_in_use(port):
        if not use_existing:
            raise CliError(
                f"Something already listens on {HOST}:{port} (another `signoff dev`?) — stop"
                " it, choose --port, or pass --use-existing to connect to it."
            )
        return True
    if port_in_use(ui_port):
        raise CliError(f"Port {ui_port} is already in use — choose the Web UI's with --ui-port.")
    return False


async def serve_dev(
    settings: Settings,
    *,
    port: int,
    ui_port: int,
    demo: bool,
    use_existing: bool,
    bots: BotAddresses | None = None,
) -> None:
    """Start (or reuse) the dev server, run a worker until stopped, stop the server."""
    console = stdout_console()
    reuse = reuse_server(port, ui_port, use_existing=use_existing)
    binary = None if reuse else temporal_binary()  # refused before keys and stores are made
    await prepare(settings, dev=True)
    await local_keys(settings)
    settings = with_dev_webhook_secret(settings)
    settings = with_dev_console_secret(settings)
    stop = stop_on_signals()
    server: DevServer | None = None
    if binary is None:
        console.print(f"Using the Temporal server already listening on {HOST}:{port}.")
    else:
        server = await DevServer.start(
            binary=binary, port=port, ui_port=ui_port, data_dir=settings.data_dir
        )
        console.print(
            f"Started the Temporal dev server (pid {server.pid}) on {server.address};"
            f" log: {server.log_path}",
            soft_wrap=True,
        )
    try:
        ui_url = f"http://{HOST}:{ui_port}"
        # The console links each decision to its workflow in this UI.
        settings = settings.model_copy(
            update={"temporal_ui_url": settings.temporal_ui_url or ui_url}
        )
        await _serve_until_stopped(settings, server, stop, ui_url, demo, bots or BotAddresses())
    finally:
        if server is not None:
            await server.stop()
            console.print("Temporal dev server stopped.")


async def _serve_until_stopped(
    settings: Settings,
    server: DevServer | None,
    stop: asyncio.Event,
    ui_url: str,
    demo: bool,
    addresses: BotAddresses,
) -> None:
    async def ready_client() -> Client:
        client = await worker_client(settings, dev=True)
        await ensure_search_attributes(client)
        return client

    address = settings.temporal_address
    client = await wait_until_ready(ready_client, address=address, server=server, stop=stop)
    if client is None:
        return
    signoff = SignoffClient(
        client,
        task_queue=settings.task_queue,
        search_salt=settings.search_salt,
        voucher=load_voucher(settings.keys_path, settings.surface),
    )
    async with (
        running_bots(settings, signoff, addresses) as bots,
        running_api(settings, signoff, host=HOST, port=addresses.api_port, dev=True) as api,
    ):
        await _run_until_stopped(
            settings, server, stop, client, signoff, ui_url, demo, [api, *bots]
        )


async def _run_until_stopped(
    settings: Settings,
    server: DevServer | None,
    stop: asyncio.Event,
    client: Client,
    signoff: SignoffClient,
    ui_url: str,
    demo: bool,
    bots: list[str],
) -> None:
    worker = asyncio.create_task(run_worker(settings, client=client, stop=stop))
    _print_ready(settings, ui_url)
    for line in bots:
        stdout_console().print(line, soft_wrap=True)
    # Ends the wait below: Ctrl-C, or the server dying under us (the worker's own
    # failure ends it as well).
    endings: list[asyncio.Future[object]] = [asyncio.ensure_future(stop.wait())]
    if server is not None:
        endings.append(asyncio.ensure_future(server.process.wait()))
    helpers: list[asyncio.Future[None]] = []
    if demo:
        helpers.append(asyncio.ensure_future(_demo_in_background(signoff, ui_url, settings)))
    await asyncio.wait([worker, *endings], return_when=asyncio.FIRST_COMPLETED)
    died = server is not None and server.process.returncode is not None and not stop.is_set()
    stop.set()
    stdout_console().print("Stopping…")
    for task in [*endings, *helpers]:
        task.cancel()
    await _stopped(worker)
    if died and server is not None:
        raise server.failed(f"The Temporal dev server exited with code {server.process.returncode}")


def _print_ready(settings: Settings, ui_url: str) -> None:
    console = stdout_console()
    console.print(
        f"Signoff dev is ready: Temporal at {settings.temporal_address}, Web UI at {ui_url},"
        f" store {shown_url(settings.store_url)}, task queue '{settings.task_queue}'.",
        soft_wrap=True,
    )
    console.print(messages.DEV_READY_HINT.format(example=EXAMPLE_REQUEST), soft_wrap=True)


async def _stopped(worker: asyncio.Task[None]) -> None:
    """Wait for the worker to finish its shutdown; a hung one does not keep us here."""
    try:
        await asyncio.wait_for(worker, WORKER_STOP_TIMEOUT)
    except TimeoutError:
        stdout_console().print(
            f"The worker did not stop within {WORKER_STOP_TIMEOUT:.0f} s; leaving anyway."
        )


async def serve_worker(settings: Settings) -> None:
    """Run one worker against ``settings.temporal_address`` until Ctrl-C."""
    await prepare(settings)
    stop = stop_on_signals()
    try:
        client = await asyncio.wait_for(worker_client(settings), 10)
    except (RuntimeError, TimeoutError) as exc:
        raise unreachable(settings.temporal_address) from exc
    task = asyncio.create_task(run_worker(settings, client=client, stop=stop))
    stdout_console().print(
        f"Worker polling task queue '{settings.task_queue}' at {settings.temporal_address};"
        f" store {shown_url(settings.store_url)}. Ctrl-C stops it.",
        soft_wrap=True,
    )
    await task
