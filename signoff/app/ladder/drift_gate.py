"""The "no drift alarm" gate's one reader: the open drift alarms of some use cases.

The drift monitors record a run per use case and time (``monitor_runs``), each with the
readings it took. An alarm is open when the latest run of the use case raised it; it
closes when a later run no longer does. A use case no monitor watches has none: the
gate cannot see drift it was never asked to look for, which ``signoff policy
recommend`` says beside the gate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from signoff.adapters.store import Store

AlarmReader = Callable[[Store, Collection[str]], Awaitable[list[str]]]
"""Reads the open drift alarms of the use cases named (the store's)."""


async def open_drift_alarms(store: Store, use_cases: Collection[str]) -> list[str]:
    """The open drift alarms of ``use_cases``, each named ``use_case:test``."""
    alarms: list[str] = []
    for use_case in sorted(use_cases):
        latest = await store.monitor_runs(use_case, limit=1)
        if latest:
            alarms += [f"{use_case}:{shift.test}" for shift in latest[0].alarms]
    return alarms
