"""The ``signoff`` command line: run Signoff locally, submit and act on decisions, and
audit them.

Settings come from ``SIGNOFF_*`` environment variables; the global options override
the ones most often changed per call.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Annotated

import typer

from signoff.app.cli import actions, chat, decisions, dev, export, outcomes, serve, simulate
from signoff.app.cli.api_keys import api_keys_app
from signoff.app.cli.audit_commands import audit_app
from signoff.app.cli.common import Overrides
from signoff.app.cli.evaluation import eval_app
from signoff.app.cli.keys import keys_app
from signoff.app.cli.monitors import monitors_app
from signoff.app.cli.policy import policy_app
from signoff.app.cli.usage import OneSentenceUsage

__all__ = ["app", "main"]

app = typer.Typer(
    name="signoff",
    help="Keep humans in control of AI decisions, on Temporal.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    cls=OneSentenceUsage,
)


@app.callback()
def global_options(
    ctx: typer.Context,
    address: Annotated[
        str | None, typer.Option(help="Temporal host:port (env SIGNOFF_TEMPORAL_ADDRESS).")
    ] = None,
    namespace: Annotated[
        str | None, typer.Option(help="Temporal namespace (env SIGNOFF_TEMPORAL_NAMESPACE).")
    ] = None,
    task_queue: Annotated[
        str | None, typer.Option(help="Signoff's task queue (env SIGNOFF_TASK_QUEUE).")
    ] = None,
    database_url: Annotated[
        str | None, typer.Option(help="The audit store's URL (env SIGNOFF_DATABASE_URL).")
    ] = None,
) -> None:
    """Keep humans in control of AI decisions, on Temporal."""
    ctx.obj = Overrides(address, namespace, task_queue, database_url)


app.command()(decisions.submit)
app.command()(decisions.show)
app.command()(decisions.pending)
app.command()(outcomes.outcome)
for _name, _command in actions.COMMANDS.items():
    app.command(_name)(_command)
app.command()(dev.dev)
app.command()(dev.worker)
app.command()(dev.demo)
app.command()(chat.slack)
app.command()(chat.teams)
app.command()(serve.serve)
app.command()(export.export)
app.command()(simulate.simulate)
app.add_typer(audit_app, name="audit")
app.add_typer(eval_app, name="eval")
app.add_typer(keys_app, name="keys")
app.add_typer(policy_app, name="policy")
app.add_typer(api_keys_app, name="api-keys")
app.add_typer(monitors_app, name="monitors")


def main() -> None:
    """Entry point of the ``signoff`` script.

    Leaves through ``os._exit`` once output is flushed: the Temporal SDK's native threads
    can crash the interpreter at exit (sdk-python #300), which would turn a clean exit
    into status 134 for scripts that check it.
    """
    try:
        app()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except KeyboardInterrupt:
        code = 130
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # a closed pipe has nothing left to flush to
            stream.flush()
    os._exit(code)
