"""A Signoff worker in a process of its own, for ``bench/scale.py`` to measure.

    SIGNOFF_TEMPORAL_ADDRESS=... SIGNOFF_DATABASE_URL=... python bench/scale_worker.py

Reads its settings from the environment (``SIGNOFF_*``, as ``signoff worker`` does) and
runs one worker with the real plugin and a no-op chat channel (the console channel
would spend the worker's CPU drawing 10,000 cards in a terminal). Prints ``ready`` once
it polls; on SIGTERM or SIGINT it stops, prints how many workflow tasks the SDK found
slow, and leaves through ``os._exit`` (the SDK can crash at interpreter exit).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from temporalio.worker import Worker

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # for ``bench`` when run as a script

from bench.lifecycle import CoreLogs, NoopChannel  # noqa: E402
from signoff.app.plugin import SignoffPlugin  # noqa: E402
from signoff.app.worker import ensure_search_attributes  # noqa: E402
from signoff.client.connection import connect_temporal  # noqa: E402
from signoff.core.settings import Settings  # noqa: E402


async def main() -> None:
    settings = Settings()
    core_logs = CoreLogs()
    plugin = SignoffPlugin(settings=settings, channels={"console": NoopChannel()})
    client = await connect_temporal(settings, plugins=[plugin], runtime=core_logs.runtime())
    await ensure_search_attributes(client)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with Worker(client, task_queue=settings.task_queue):
        print("ready", flush=True)
        await stop.wait()
    print(f"slow workflow tasks: {core_logs.slow_tasks}", flush=True)


if __name__ == "__main__":
    status = 0
    try:
        asyncio.run(main())
    except BaseException as err:
        print(f"worker failed: {err!r}", file=sys.stderr)
        status = 1
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(status)
