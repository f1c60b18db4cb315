"""A Signoff worker in its own process, so a test can kill it with SIGKILL."""

from __future__ import annotations

import asyncio

from signoff.app.worker import run_worker
from signoff.core.settings import Settings

if __name__ == "__main__":
    asyncio.run(run_worker(Settings()))
