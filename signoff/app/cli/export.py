"""``signoff export``: training and evaluation data from what people did with the AI's
decisions, as TRL-ready JSON Lines with a dataset card beside them."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from signoff.app.cli.audit_options import SinceOpt, UntilOpt, UseCaseOpt, parse_time
from signoff.app.cli.common import run
from signoff.app.cli.failures import USAGE, CliError
from signoff.app.cli.render import stderr_console
from signoff.app.cli.stores import open_store
from signoff.core.settings import Settings
from signoff.core.training.rows import Format

CARD = "README.md"


def export(
    ctx: typer.Context,
    fmt: Annotated[
        Format,
        typer.Option("--format", help="sft, dpo, kto, or eval (an evaluation set)."),
    ],
    out: Annotated[
        Path, typer.Option(help="The directory to write the JSONL files and README.md to.")
    ],
    use_case: UseCaseOpt = None,
    model: Annotated[str | None, typer.Option(help="Decisions by this model (its name).")] = None,
    model_version: Annotated[
        str | None, typer.Option(help="Decisions by this model version.")
    ] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    label_source: Annotated[
        list[str] | None,
        typer.Option(
            "--label-source",
            help="Rows only from this label source (human_decision, thumbs, correction,"
            " expert, adjudicated, application_outcome); repeatable. [default: every source]",
        ),
    ] = None,
    pseudonymise: Annotated[
        bool,
        typer.Option(
            "--pseudonymise",
            help="Show reviewers as keyed-hash pseudonyms (the secret in"
            " SIGNOFF_EXPORT_PSEUDONYM_SECRET), never their ids.",
        ),
    ] = False,
) -> None:
    """Export training or evaluation data: SFT, DPO or KTO rows, or an evaluation set,
    each with its lineage (decision, audit event hash, model, prompt and policy versions,
    label source, reviewers), and a dataset card. Decisions without a model input are
    skipped and counted."""
    from signoff.adapters.store.training import JUDGEMENT_SOURCES

    known = list(JUDGEMENT_SOURCES)
    sources = tuple(dict.fromkeys(label_source or known))
    if unknown := [s for s in sources if s not in JUDGEMENT_SOURCES]:
        raise typer.BadParameter(
            f"unknown label source {unknown[0]!r}; known sources: {', '.join(known)}",
            param_hint="--label-source",
        )

    async def work(settings: Settings) -> str:
        from signoff.app.dataset_card import card
        from signoff.app.training_export import export_rows
        from signoff.core.training.pseudonyms import pseudonymiser

        pseudonym = None
        if pseudonymise:
            secret = settings.export_pseudonym_secret
            if secret is None:
                raise CliError(
                    "--pseudonymise needs the secret in SIGNOFF_EXPORT_PSEUDONYM_SECRET (at"
                    " least 32 random characters; keep it to make the same pseudonyms again).",
                    USAGE,
                )
            try:
                pseudonym = pseudonymiser(secret.get_secret_value())
            except ValueError as err:
                raise CliError(str(err), USAGE) from None
        filters = {
            "use_case": use_case,
            "model_name": model,
            "model_version": model_version,
            "since": parse_time(since, "--since"),
            "until": parse_time(until, "--until"),
        }
        async with await open_store(settings) as store:
            summary = await export_rows(
                store, out, fmt=fmt, sources=sources, filters=filters, pseudonym=pseudonym
            )
        command = shlex.join(["signoff", *sys.argv[1:]])
        (out / CARD).write_text(card(summary, command=command), encoding="utf-8")
        files = ", ".join(f"{name} ({rows})" for name, rows in summary.files.items())
        return (
            f"Exported {summary.rows} {fmt.value} rows from {summary.decisions_read} decisions"
            f" to {out}: {files or 'no rows'}; {summary.skipped_without_input} decisions"
            f" without a model input skipped; card in {out / CARD}."
        )

    stderr_console().print(Text(run(ctx, work)), soft_wrap=True)
