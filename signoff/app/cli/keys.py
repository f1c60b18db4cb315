"""``signoff keys``: the audit key that signs each chain head, kept outside the database.

Creating the first key also signs the heads of chains written before it (each only once
its chain verifies), so an existing store is anchored from then on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.table import Table
from rich.text import Text

from signoff.app.cli.common import run
from signoff.app.cli.render import stdout_console
from signoff.app.cli.stores import missing_sqlite_file, open_store
from signoff.core.settings import Settings

if TYPE_CHECKING:
    from signoff.adapters.notary import AuditKeyring

keys_app = typer.Typer(help="Create, rotate and list the audit signing keys.", no_args_is_help=True)


def _keyring(settings: Settings) -> AuditKeyring:
    from signoff.adapters.notary import AuditKeyring

    return AuditKeyring(settings.keys_path)


async def _sign_existing(settings: Settings) -> tuple[int, list[str]]:
    from signoff.adapters.notary import Notary

    if missing_sqlite_file(settings) is not None:
        return 0, []  # no store yet: nothing written before the key
    async with await open_store(settings, notary=Notary.for_settings(settings)) as store:
        return await store.sign_existing()


@keys_app.command()
def create(ctx: typer.Context) -> None:
    """Create the audit keyring (SIGNOFF_KEYS_DIR) and sign existing chain heads."""

    async def work(settings: Settings) -> tuple[str, str, int, list[str]]:
        keyring = _keyring(settings)
        key_id = keyring.create()
        signed, broken = await _sign_existing(settings)
        return key_id, str(keyring.path), signed, broken

    key_id, where, signed, broken = run(ctx, work)
    console = stdout_console()
    console.print(Text(f"Created audit key {key_id} in {where}."))
    console.print(Text(f"Signed the heads of {signed} existing decisions."))
    if broken:
        console.print(
            Text(f"Left unsigned, their chains do not verify: {', '.join(broken)}."),
            soft_wrap=True,
        )
        raise typer.Exit(1)


@keys_app.command()
def rotate(ctx: typer.Context) -> None:
    """Make a new active audit key; the old one's public half stays to verify what it
    signed, its private half is deleted."""

    async def work(settings: Settings) -> tuple[str, str | None]:
        return _keyring(settings).rotate()

    new, retired = run(ctx, work)
    said = f"Audit key {new} is now active"
    said += f"; {retired} is retired and can no longer sign." if retired else "."
    stdout_console().print(Text(said))


@keys_app.command("list")
def list_keys(ctx: typer.Context) -> None:
    """Every audit key ever used, with when it was made and retired."""

    async def work(settings: Settings) -> Table:
        content = _keyring(settings).entries()
        table = Table("key id", "created", "retired", "active")
        for entry in content.keys:
            table.add_row(
                entry.key_id,
                entry.created_at.isoformat(timespec="seconds"),
                entry.retired_at.isoformat(timespec="seconds") if entry.retired_at else "",
                "yes" if entry.key_id == content.active else "",
            )
        return table

    stdout_console().print(run(ctx, work))


@keys_app.command()
def surface(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="slack, teams, or cli-<operator>, say.")],
    vouches_for: Annotated[
        str,
        typer.Option(
            help="Whom it may speak for: 'anyone' (a bot that authenticates people itself;"
            " for a CLI key, an explicit admin grant) or comma-separated people."
        ),
    ] = "anyone",
) -> None:
    """Create a surface's key: the private half in SIGNOFF_KEYS_DIR (for that surface's
    host only), the public half in SIGNOFF_SURFACES_FILE, which workers trust. A CLI
    key names its operator (--vouches-for alice) and then acts as alice alone."""

    async def work(settings: Settings) -> tuple[str, str, str]:
        from signoff.adapters.notary import create_surface

        people = vouches_for.strip()
        whom: list[str] | Literal["anyone"] = (
            "anyone" if people == "anyone" else [p.strip() for p in people.split(",") if p.strip()]
        )
        key_id = create_surface(settings.keys_path, settings.surfaces_path, name, whom)
        return key_id, str(settings.keys_path), str(settings.surfaces_path)

    key_id, keys, surfaces = run(ctx, work)
    stdout_console().print(
        Text(
            f"Created the key of surface '{name}' ({key_id}) in {keys}, and trusted it in"
            f" {surfaces}. Workers read the surfaces file when they start."
        ),
        soft_wrap=True,
    )


@keys_app.command("webhook-secret")
def webhook_secret() -> None:
    """Print a new webhook secret (whsec_ and 32 random bytes, as Standard Webhooks
    writes them): set it as SIGNOFF_WEBHOOK_SECRET on workers and give it to receivers."""
    from signoff.adapters.webhook_signing import new_secret

    print(new_secret())
