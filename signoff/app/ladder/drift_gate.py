"""The "no drift alarm" gate's one reader: the open drift alarms of some use cases.

The drift monitors (branch ``drift-monitors``) record a run per use case and time in
``monitor_runs``, each with the alarms it raised. Until they are merged there is nothing
to read, so this answers none. Once they are, this is the one place to change: an alarm
is open when the latest run of the use case raised it, i.e.

    runs = await store.monitor_runs(use_case, limit=1)
    alarms += [a.name for a in runs[0].alarms] if runs and runs[0].alarms else []

(an alarm closes when a later run of the monitor no longer raises it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from signoff.adapters.store import Store

AlarmReader = Callable[[Store, Collection[str]], Awaitable[list[str]]]
"""Reads the open drift alarms of the use cases named (the store's)."""


async def open_drift_alarms(store: Store, use_cases: Collection[str]) -> list[str]:
    """The open drift alarms of ``use_cases``, each named ``use_case:alarm``; none until
    the drift monitors record any (see the module's docstring)."""
    return []
