"""``signoff export``'s work: stream a store's decisions into TRL-ready JSON Lines, a
row at a time, and count what went where for the dataset card.

Standard rows (a text input) and conversational rows (chat messages) go to separate
files: one JSON Lines file of both would give its columns two types, which
``datasets`` cannot load.
"""

from __future__ import annotations

import json
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from signoff.adapters.store import Store
from signoff.adapters.store.training import TrainingFilters
from signoff.core.training.rows import Format, Pseudonym, rows_of


@dataclass
class ExportSummary:
    """What an export read and wrote; the dataset card is written from it."""

    fmt: Format
    sources: tuple[str, ...]
    filters: TrainingFilters
    pseudonymised: bool
    decisions_read: int = 0
    skipped_without_input: int = 0
    """Final decisions that matched but carried no model input: nothing to train on."""
    files: dict[str, int] = field(default_factory=dict)
    """Each file written (its name in the output directory) and its rows."""
    by_source: Counter[str] = field(default_factory=Counter)
    by_label: Counter[str] = field(default_factory=Counter)
    """KTO only: rows labelled true and false."""

    @property
    def rows(self) -> int:
        return sum(self.files.values())


def file_name(fmt: Format, conversational: bool) -> str:
    return f"{fmt.value}.conversational.jsonl" if conversational else f"{fmt.value}.jsonl"


async def export_rows(
    store: Store,
    out_dir: Path,
    *,
    fmt: Format,
    sources: tuple[str, ...],
    filters: TrainingFilters,
    pseudonym: Pseudonym | None = None,
) -> ExportSummary:
    """Write ``fmt``'s rows for the matching decisions under ``out_dir``.

    Args:
        sources: The label sources rows may come from.
        pseudonym: Maps each reviewer id to what the rows show (None: the ids as they are).
    """
    summary = ExportSummary(fmt, sources, filters, pseudonymised=pseudonym is not None)
    out_dir.mkdir(parents=True, exist_ok=True)
    shown = pseudonym or (lambda person: person)
    with ExitStack() as files:
        opened: dict[str, TextIO] = {}
        records = store.stream_training_records(sources=frozenset(sources), **filters)
        async for record in records:
            summary.decisions_read += 1
            given = record.state.request.model_input
            if given is None:
                summary.skipped_without_input += 1
                continue
            name = file_name(fmt, isinstance(given, list))
            for row in rows_of(record, fmt, frozenset(sources), shown):
                if name not in opened:
                    opened[name] = files.enter_context((out_dir / name).open("w", encoding="utf-8"))
                    summary.files[name] = 0
                opened[name].write(json.dumps(row, ensure_ascii=False) + "\n")
                summary.files[name] += 1
                summary.by_source[row["lineage"]["label_source"]] += 1
                if fmt is Format.KTO:
                    summary.by_label[str(row["label"]).lower()] += 1
    return summary
