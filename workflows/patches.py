"""Which of the workflow's changes a decision runs with, so decisions in flight replay.

Every change to what a decision writes into its history is gated by a patch. Each patch a
new decision meets costs it a marker event and an upsert of Temporal's own
``TemporalChangeVersion`` search attribute, so the changes made so far are gathered under
one patch asked for when a run begins: a run begun on this code has them all at the cost
of one marker, and a run begun before asks for each change's own patch at the point it
always did.

A later change calls :meth:`Patches.has` with a patch id of its own, outside
``GATHERED_CHANGES``: runs begun under ``GATHERED`` did not have it either, so it is
recorded on its own. Once no run older than it is left, it may join a new gathering patch.
"""

from __future__ import annotations

from temporalio import workflow

GATHERED = "behaviours-2026-11"
"""The patch that stands for every change in ``GATHERED_CHANGES`` at once."""

GATHERED_CHANGES = frozenset(
    {
        "cards-from-store",
        "deliver-only-where-heard",
        "search-attributes-on-action",
        "timeout-keeps-edit",
    }
)


class Patches:
    """Create it in the workflow's ``__init__``, before any handler can ask."""

    def __init__(self) -> None:
        self._gathered = workflow.patched(GATHERED)

    def has(self, change: str) -> bool:
        """Whether this run behaves as changed; asks (and, the first time on a new run,
        records) the change's own patch unless the gathering patch covers it."""
        return (self._gathered and change in GATHERED_CHANGES) or workflow.patched(change)
