"""The dataset card written beside an export (``README.md``, as the Hugging Face Hub
reads one): what the files hold, which decisions and label sources they come from, how
many rows, and how they were made, so a dataset can be judged without its maker."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.metadata import version

from signoff.app.training_export import ExportSummary
from signoff.core.training.rows import Format

HOLDS: dict[Format, str] = {
    Format.SFT: (
        "Supervised fine-tuning pairs: `prompt` is the model's input, `completion` the output"
        " reviewers let go out (the AI's own when approved unchanged, their edit otherwise)."
    ),
    Format.DPO: (
        "Preference pairs: `prompt` is the model's input, `chosen` an output people wrote"
        " instead (an edit before approving, or a correction afterwards), `rejected` the AI's"
        " original output."
    ),
    Format.KTO: (
        "Unpaired preference rows: `prompt`, `completion` and `label` (true: the output was"
        " right) from reviewers' approvals and rejections and from thumbs up or down."
    ),
    Format.EVAL: (
        "An evaluation set: `prompt` is the model's input, `completion` the AI's original"
        " output, `ground_truth` the label experts settled for the decision."
    ),
}

SOURCES: dict[str, str] = {
    "human_decision": "the reviewers' outcome (approved, approved with edits, rejected, changes"
    " requested, overridden), backed by the event that finalized or last overrode it",
    "thumbs": "each person's thumb up or down after the outcome, on the output that went out",
    "correction": "corrections people wrote after the outcome",
    "expert": "ground truth the experts agreed on",
    "adjudicated": "ground truth an adjudicator settled when experts disagreed",
    "application_outcome": "what the application reported happened in the world, at any"
    " time after the decision, backed by the event that recorded the report",
}


def card(summary: ExportSummary, *, command: str) -> str:
    """The card's markdown for ``summary``; ``command`` is how the export was asked for."""
    fmt = summary.fmt
    filters = {k: v for k, v in summary.filters.items() if v is not None}
    shown_filters = (
        "\n".join(f"- {name}: `{_plain(value)}`" for name, value in filters.items())
        or "- none: every final decision in the store"
    )
    files = "\n".join(f"- `{name}`: {rows:,} rows" for name, rows in summary.files.items())
    sources = "\n".join(
        f"- `{name}` ({summary.by_source.get(name, 0):,} rows):"
        f" {SOURCES.get(name, 'a label source')}"
        for name in summary.sources
    )
    labels = ""
    if fmt is Format.KTO:
        labels = (
            f"\nLabels: {summary.by_label.get('true', 0):,} true,"
            f" {summary.by_label.get('false', 0):,} false.\n"
        )
    reviewers = (
        "pseudonyms (`reviewer-` and an HMAC-SHA-256 of the id under the operator's secret:"
        " the same person is the same pseudonym wherever that secret is used, and cannot be"
        " traced back without it)"
        if summary.pseudonymised
        else "the ids the directory knows them by (not pseudonymised)"
    )
    return f"""---
license: other  # TODO(operator): the licence this data may be shared under
task_categories:
- text-generation
tags:
- signoff
- human-feedback
- {fmt.value}
---

# Signoff export: {fmt.value.upper()}

{HOLDS[fmt]}

Rows whose input was chat messages are in TRL's conversational form (lists of
`{{"role", "content"}}` messages, the answer one assistant message) and are kept in
their own `*.conversational.jsonl` file; rows whose input was text are standard
(strings). Load either with `datasets.load_dataset("json", data_files=...)`.

## Files

{files or "- none: no decision matched with a label of these sources"}

## Which decisions

Filters:
{shown_filters}

{summary.decisions_read:,} final decisions matched; {summary.skipped_without_input:,}
of them carried no model input and were skipped (a row needs the input).

## Label sources

{sources}
{labels}
## Lineage

Every row's `lineage` names its `decision_id`, the `audit_event_hash` of the audit
event that backs its label or output (find it with `signoff audit events`, and check it
with `signoff audit verify`), the `model_name`, `model_version` and `prompt_version`,
the `policy_name` and `policy_version` as the decision recorded them, its
`label_source`, and its `reviewers`: {reviewers}.

## Licence

TODO(operator): state the licence, who may use this data and for what, and the
retention and consent terms that cover the people in it.

## How it was made

`{command}`, by Signoff {version("signoff")}, on {datetime.now(UTC).isoformat(timespec="seconds")},
from the decisions store, after the operator's redaction hook (if any) had run on each
request at submission.
"""


def _plain(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)
