"""``signoff api-keys``: the keys applications call ``signoff serve`` with.

A key is shown once, when it is made: the store keeps only a hash of its secret, so a
lost token is replaced (create another, revoke the old one), never recovered. Making or
revoking one is an event of the operations trail (``ops/DAY``), written through
Temporal as the server writes its own, naming the operator (``operator:`` and the
shell's user) and the key, never its secret; the event is recorded before the change is
made (:mod:`signoff.client.api_key_changes`), so Temporal must answer before anything
changes.
"""

from __future__ import annotations

import getpass
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Column, Table
from rich.text import Text

from signoff.app.cli.common import known_people, run, signoff_client
from signoff.app.cli.failures import CliError
from signoff.app.cli.render import stdout_console
from signoff.app.cli.stores import open_store
from signoff.client import api_key_changes
from signoff.core.models import ApiKeyGrant, ApiScope, AuditKind
from signoff.core.settings import Settings

if TYPE_CHECKING:
    from signoff.client.signoff_client import SignoffClient

api_keys_app = typer.Typer(
    help="Create, list and revoke the API keys applications use with `signoff serve`.",
    no_args_is_help=True,
)

DEFAULT_SCOPES = [ApiScope.SUBMIT, ApiScope.READ]
VIA = "cli"


@api_keys_app.command()
def create(
    ctx: typer.Context,
    app: Annotated[
        str,
        typer.Option(
            help="The application's name (letters, digits, '-', '_', '.'); it acts as app:NAME.",
            show_default=False,
        ),
    ],
    use_case: Annotated[
        list[str],
        typer.Option(
            help="A use case the key may touch; repeat for more, '*' for every one.",
            show_default=False,
        ),
    ],
    scope: Annotated[
        list[ApiScope] | None,
        typer.Option(help="What the key may do; repeat for more. [default: submit, read]"),
    ] = None,
) -> None:
    """Make a key for an application and print its token, which is not shown again."""

    async def work(settings: Settings) -> tuple[ApiKeyGrant, str]:
        scopes = scope or DEFAULT_SCOPES
        # Checked as the store will check it, before the directory: a bad name is a bad
        # name, whoever the directory holds.
        ApiKeyGrant(
            key_id="-", app=app, use_cases=use_case, scopes=scopes, created_at=datetime.now(UTC)
        )
        # The application submits as this principal: without it in the directory, every
        # decision it submitted would be refused for an unknown requester.
        known_people(settings, f"app:{app}")
        client = await signoff_client(settings)
        async with await open_store(settings) as store:
            return await api_key_changes.create_key(
                store, audited_by(client), app=app, use_cases=use_case, scopes=scopes
            )

    grant, token = run(ctx, work)
    console = stdout_console()
    console.print(
        Text(
            f"Created API key {grant.key_id} for {grant.principal}: use cases"
            f" {', '.join(grant.use_cases)}; scopes {', '.join(grant.scopes)}."
        ),
        soft_wrap=True,
    )
    console.print(Text(token), soft_wrap=True)
    console.print(
        Text("Copy the token now: it is not shown again (Signoff keeps only a hash of it)."),
        soft_wrap=True,
    )


@api_keys_app.command("list")
def list_keys(ctx: typer.Context) -> None:
    """Every API key, newest first, revoked ones included."""

    async def work(settings: Settings) -> list[ApiKeyGrant]:
        async with await open_store(settings) as store:
            return await store.api_keys()

    grants = run(ctx, work)
    console = stdout_console()
    if not grants:
        console.print("No API keys yet: `signoff api-keys create` makes one.")
        return
    # Nothing is cut short with an ellipsis on a narrow terminal: the key id, which an
    # operator copies, and the dates (day above time) keep their width; the rest wraps.
    table = Table(
        Column("key id", no_wrap=True),
        *(Column(name, overflow="fold") for name in ("app", "use cases", "scopes")),
        *(Column(name, no_wrap=True) for name in ("created", "revoked")),
    )
    for grant in grants:
        # Text, not markup: a use case is anyone's string, "[red]" included.
        table.add_row(
            *map(
                Text,
                (
                    grant.key_id,
                    grant.app,
                    ", ".join(grant.use_cases),
                    ", ".join(grant.scopes),
                    _when(grant.created_at, "\n"),
                    _when(grant.revoked_at, "\n"),
                ),
            )
        )
    console.print(table)


@api_keys_app.command()
def revoke(
    ctx: typer.Context,
    key_id: Annotated[
        str, typer.Argument(metavar="KEY_ID", help="As `signoff api-keys list` shows it.")
    ],
) -> None:
    """Revoke a key: from now on its token authenticates nothing."""

    async def work(settings: Settings) -> ApiKeyGrant:
        client = await signoff_client(settings)
        async with await open_store(settings) as store:
            grant = await api_key_changes.revoke_key(store, audited_by(client), key_id)
        if grant is None:
            shown = key_id if key_id.isprintable() else repr(key_id)
            raise CliError(f"No API key '{shown}' — `signoff api-keys list` shows them.")
        return grant

    grant = run(ctx, work)
    since = f" (since {_when(grant.revoked_at)})" if grant.revoked_at else ""
    stdout_console().print(
        Text(f"API key {grant.key_id} of {grant.principal} is revoked{since}."), soft_wrap=True
    )


def operator() -> str:
    """Who runs the command, as the shell knows them: what the CLI can vouch for."""
    try:
        return f"operator:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name and no passwd entry (a bare container)
        return "operator:unknown"


def audited_by(client: SignoffClient) -> api_key_changes.Audit:
    """Records a key change as the operator's, through ``client``."""

    async def audit(kind: AuditKind, grant: ApiKeyGrant) -> None:
        await client.audit_operation(
            kind,
            actor=operator(),
            attempt_id=f"{VIA}-{uuid.uuid4().hex}",
            data=grant.model_dump(mode="json") | {"via": VIA},
        )

    return audit


def _when(at: datetime | None, between: str = " ") -> str:
    return at.astimezone(UTC).strftime(f"%Y-%m-%d{between}%H:%M:%S UTC") if at else ""
