"""Which of the workflow's changes a decision runs with, so decisions in flight replay.

Every change to what a decision writes into its history is gated by a patch. Each patch a
new decision meets costs it a marker event and an upsert of Temporal's own
``TemporalChangeVersion`` search attribute, so the changes made so far are gathered under
one patch asked for when a run begins: a run begun on this code has them all at the cost
of one marker, and a run begun before asks for each change's own patch at the point it
always did. A later change adds its own patch id to ``Change`` and, once no run older
than it is left, joins the next gathering patch.
"""

from __future__ import annotations

from typing import Literal

from temporalio import workflow

GATHERED = "behaviours-2026-11"
"""The patch that stands for every ``Change`` at once."""

Change = Literal[
    "cards-from-store",
    "deliver-only-where-heard",
    "search-attributes-on-action",
    "timeout-keeps-edit",
]


class Behaviours:
    """Create it in the workflow's ``__init__``, before any handler can ask."""

    def __init__(self) -> None:
        self._all = workflow.patched(GATHERED)

    def has(self, change: Change) -> bool:
        """Whether this run behaves as changed; asks (and, the first time on a new run,
        records) the change's own patch only for runs begun before the gathering."""
        return self._all or workflow.patched(change)
