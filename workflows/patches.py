"""Every patch a decision's history depends on, by name, so decisions in flight replay.

The changes made so far are gathered under one patch, asked for when a run begins; why,
and the plan for retiring them with ``workflow.deprecate_patch``: ``docs/design-notes.md``,
"Patching".
"""

from __future__ import annotations

from temporalio import workflow

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
AUDIT_FROM_HISTORY = "audit-from-history"
"""Audit events are written by a regular activity, whose input history holds before it
runs, so the store never keeps what a discarded workflow task wrote; before it, by a
local activity inside the workflow task (issue 10)."""

PEOPLE_FROM_DIRECTORY = "people-from-directory"
"""Whoever acts, and whoever is delegated to, must be a person in the worker's directory
(asked by a local activity when the plan does not already name them); before it, any
id was accepted for comments, feedback and delegation (issue 10)."""

CARRY_CHECKED = "carry-checked"
"""A continued run takes up its carried state only after a local activity has checked that
the run before it was this decision's own and continued as new; before it, any run whose
``continued_run_id`` was set took the carry (issue 10). Asked on its own, by continued
runs only."""

OUTCOME_REFUSAL_RECORDED = "outcome-refusal-recorded"
"""A receiver's lasting refusal of an outcome webhook (a 4xx other than 408 and 429) ends
that delivery: it is audited as ``outcome_refused`` and the decision closes; before it,
the delivery was retried for as long as the receiver refused, keeping the decision open
(issue 11)."""

AUTOMATIC_ANSWERED_AT_ONCE = "automatic-answered-at-once"
"""A decision no person reviews (automatic approval) answers its submitter in the workflow
task that routed it, once history holds its audit events as the audit activity's input;
before it, only once the activity had written them to the store (issue 12)."""

_NOVEMBER = frozenset(
    {CARDS_FROM_STORE, DELIVER_ONLY_WHERE_HEARD, SEARCH_ATTRIBUTES_ON_ACTION, TIMEOUT_KEEPS_EDIT}
)
_DECEMBER = _NOVEMBER | {AUDIT_FROM_HISTORY, PEOPLE_FROM_DIRECTORY}
GATHERINGS: tuple[tuple[str, frozenset[str]], ...] = (
    ("behaviours-2026-12d", _DECEMBER | {OUTCOME_REFUSAL_RECORDED, AUTOMATIC_ANSWERED_AT_ONCE}),
    ("behaviours-2026-12c", _DECEMBER | {OUTCOME_REFUSAL_RECORDED}),
    ("behaviours-2026-12b", _DECEMBER),
    ("behaviours-2026-12", _NOVEMBER | {AUDIT_FROM_HISTORY}),
    ("behaviours-2026-11", _NOVEMBER),
)
"""Gathering patches, newest first, each with the changes it stands for. A new run records
only the newest; a run begun under an older one keeps it and asks for later changes one
by one."""

GATHERED = GATHERINGS[0][0]
"""The gathering a run begun on this code runs with: named in its plan (or, for a run
continued as new, recorded as a patch)."""


class Patches:
    """Create it in the workflow's ``__init__``, before any handler can ask.

    Args:
        fresh: The run is new, begun live on this code with no carried state: it records
            no patch marker (each would cost it a marker event and an upsert of Temporal's
            ``TemporalChangeVersion``). Its gathering is instead named in its plan, which
            the plan's local activity puts in history: ask nothing until :meth:`adopt`.
    """

    def __init__(self, *, fresh: bool = False) -> None:
        # A new run records the newest gathering; a replaying run finds the one it began
        # under (or none), and an older gathering is never asked once a newer one holds.
        self._covered: frozenset[str] = frozenset()
        self._waiting_for_plan = fresh
        if fresh:
            return
        for patch_id, changes in GATHERINGS:
            if workflow.patched(patch_id):
                self._covered = changes
                break

    @property
    def offered(self) -> str:
        """The gathering a run begun on this code runs with, for its plan to name."""
        return GATHERED

    def adopt(self, gathering: str | None) -> None:
        """Run with the changes of ``gathering``, as the decision's plan names it (None:
        a plan resolved before plans named one, whose run asked for patches instead)."""
        if gathering is not None:
            found = dict(GATHERINGS).get(gathering)
            if found is None:  # a newer worker planned it: leave it to one of those
                raise RuntimeError(f"this worker does not know the behaviours {gathering!r}")
            self._covered = found
        self._waiting_for_plan = False

    def has(self, change: str) -> bool:
        """Whether this run behaves as changed; asks (and, the first time on a new run,
        records) the change's own patch unless its gathering covers it."""
        assert not self._waiting_for_plan, "a fresh run's changes come with its plan"
        return change in self._covered or workflow.patched(change)
