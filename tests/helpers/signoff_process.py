"""``signoff`` as a person runs it, in a real process started from an async test: its
output is collected line by line while the test's own servers (the chat API stand-ins)
keep answering on the same event loop."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from contextlib import ExitStack
from pathlib import Path

__all__ = ["SignoffProcess", "clean_env", "free_ports"]


def free_ports(count: int) -> list[int]:
    """``count`` different ports free on 127.0.0.1 now."""
    with ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]


def clean_env(**settings: str) -> dict[str, str]:
    """The caller's environment without any ``SIGNOFF_*`` setting (Slack and Teams
    included), plus ``settings``; output wide enough that no sentence is wrapped."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNOFF_")}
    return env | {"COLUMNS": "200", "PYTHONUNBUFFERED": "1"} | settings


class SignoffProcess:
    """``python -m signoff.app.cli ...`` in the background; stdout and stderr in ``lines``."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, *args: str, env: dict[str, str], cwd: Path) -> SignoffProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "signoff.app.cli",
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
            cwd=cwd,
        )
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            self.lines.append(line.decode(errors="replace").rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    async def wait_for(self, text: str, timeout: float = 120.0) -> str:
        """The first line holding ``text``, once printed; fails if the process ends first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = next((line for line in self.lines if text in line), None)
            if found is not None:
                return found
            if self.process.returncode is not None or loop.time() > deadline:
                raise AssertionError(f"never saw {text!r}; output:\n{self.output[-3000:]}")
            await asyncio.sleep(0.1)

    async def interrupt(self, timeout: float = 60.0) -> int:
        """Ctrl-C, and the exit code once the process has stopped."""
        self.process.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await asyncio.wait_for(self._reader, 10)
        return code

    async def stop(self) -> None:
        """Make sure the process is gone: Ctrl-C first, so ``signoff dev`` stops its
        Temporal server too, then a kill."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        self._reader.cancel()
