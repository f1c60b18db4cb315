"""Every patch a decision's history depends on, by name, so decisions in flight replay.

The changes made so far are gathered under one patch, asked for when a run begins; why,
and the plan for retiring them with ``workflow.deprecate_patch``: ``docs/design-notes.md``,
"Patching".
"""

from __future__ import annotations

from temporalio import workflow

GATHERED = "behaviours-2026-11"
"""The patch that stands for every change in ``GATHERED_CHANGES`` at once."""

CARDS_FROM_STORE = "cards-from-store"
"""The audit write queues the decision's cards in the store's card outbox, which the
worker draws; before it, each redraw was a ``signoff.publish_cards`` activity."""
DELIVER_ONLY_WHERE_HEARD = "deliver-only-where-heard"
"""An outcome is delivered (and audited as delivered) only when a webhook or a calling
workflow listens; before it, every outcome ran the delivery activity and redrew cards."""
SEARCH_ATTRIBUTES_ON_ACTION = "search-attributes-on-action"
"""Search attributes are upserted after every applied action, so they stay true after
the outcome too (a later override); before it, only while the decision was pending."""
TIMEOUT_KEEPS_EDIT = "timeout-keeps-edit"
"""A stage approved by its SLA approves the reviewer's edit; before it, the original."""

GATHERED_CHANGES = frozenset(
    {CARDS_FROM_STORE, DELIVER_ONLY_WHERE_HEARD, SEARCH_ATTRIBUTES_ON_ACTION, TIMEOUT_KEEPS_EDIT}
)


class Patches:
    """Create it in the workflow's ``__init__``, before any handler can ask."""

    def __init__(self) -> None:
        self._gathered = workflow.patched(GATHERED)

    def has(self, change: str) -> bool:
        """Whether this run behaves as changed; asks (and, the first time on a new run,
        records) the change's own patch unless the gathering patch covers it."""
        return (self._gathered and change in GATHERED_CHANGES) or workflow.patched(change)
