"""``signoff dev`` as a person runs it: a real process with its own Temporal server."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from signoff.adapters.webhook_signing import secret_key
from signoff.app.cli.devserver import port_in_use
from signoff.app.cli.samples import SAMPLES

READY = "Signoff dev is ready"
DEMO_DONE = f"Demo: submitted {len(SAMPLES)} decisions."


def _demo_ids(output: str) -> list[str]:
    """The decision ids the demo's table printed, in its order."""
    return re.findall(r"^│ (demo-\S+)", output, flags=re.MULTILINE)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(data_dir: Path | None = None) -> dict[str, str]:
    """The caller's environment without its SIGNOFF_* settings: the shipped examples,
    the given data directory, and output wide enough that ids are never wrapped."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNOFF_")}
    env |= {"COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    return env | ({"SIGNOFF_DATA_DIR": str(data_dir)} if data_dir else {})


class DevProcess:
    """``signoff dev`` in the background, its output collected line by line."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            # The HTTP API on a free port: specs may run beside a `signoff dev` on 8700.
            [sys.executable, "-m", "signoff.app.cli", "dev", "--api-port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=cwd,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"never saw {text!r}; output:\n{self.output[-3000:]}")
            time.sleep(0.1)

    @property
    def server_pid(self) -> int:
        found = re.search(r"Temporal dev server \(pid (\d+)\)", self.output)
        assert found, self.output
        return int(found.group(1))

    def interrupt(self, timeout: float = 20.0) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _signoff(
    port: int, *args: str, data_dir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """A command in another terminal; with ``data_dir``, beside that dev's store and keys."""
    return subprocess.run(
        [sys.executable, "-m", "signoff.app.cli", "--address", f"127.0.0.1:{port}", *args],
        capture_output=True,
        text=True,
        env=_env(data_dir),
        timeout=60,
    )


def _gone(pid: int) -> bool:
    """Exited: no such process, or a zombie nobody has reaped yet."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False
    return state in {"Z", "X"}


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not _gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture
def running() -> Iterator[list[DevProcess]]:
    """Every dev process a test starts, killed at the end if it is still alive."""
    started: list[DevProcess] = []
    yield started
    for dev in started:
        dev.kill()


def test_dev_serves_the_demo_stops_on_ctrl_c_and_keeps_decisions_across_restarts(
    tmp_path: Path, running: list[DevProcess]
) -> None:
    port = _free_port()
    ui_port = next(p for p in iter(_free_port, None) if p != port)
    args = ["--port", str(port), "--ui-port", str(ui_port)]
    env = _env(tmp_path / "data")

    first = DevProcess([*args, "--demo"], env, tmp_path)
    running.append(first)
    first.wait_for(DEMO_DONE)
    assert f"Web UI at http://127.0.0.1:{ui_port}" in first.output
    approved = re.search(r"(demo-\S*refund-approved)", first.output)
    assert approved, first.output
    for _ in range(20):  # the visibility store may lag a moment behind the demo
        pending = _signoff(port, "pending")
        if "refund-pending" in pending.stdout and "loan-pending" in pending.stdout:
            break
        time.sleep(0.5)
    assert pending.returncode == 0 and "refund-pending" in pending.stdout, pending

    server_pid = first.server_pid
    assert first.interrupt() == 0, first.output[-3000:]
    assert _gone(server_pid)
    assert "Temporal dev server stopped." in first.output

    # A restart with --demo submits the same seven again: found, not added.
    second = DevProcess([*args, "--demo"], env, tmp_path)
    running.append(second)
    second.wait_for(DEMO_DONE)
    assert _demo_ids(second.output) == _demo_ids(first.output)
    decisions = _signoff(port, "audit", "export", "--what", "decisions", data_dir=tmp_path / "data")
    assert decisions.returncode == 0, decisions.stderr
    ids = [json.loads(line)["decision_id"] for line in decisions.stdout.splitlines()]
    assert sorted(ids) == sorted(_demo_ids(first.output))
    shown = _signoff(port, "show", approved.group(1))
    assert shown.returncode == 0, shown.stderr
    assert "approved by alice" in shown.stdout
    # The banner's example request exists, and the shipped policies accept it.
    example = re.search(r"signoff submit (\S+)`", second.output)
    assert example, second.output
    submitted = _signoff(port, "submit", example.group(1), data_dir=tmp_path / "data")
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    # The README's tour: a person approves from another terminal, vouched for by the
    # local CLI key dev made, and the audit verifies against its key, log and Temporal.
    waiting = re.search(r"(demo-\S*refund-pending)", first.output)
    assert waiting, first.output
    tour = _signoff(port, "approve", waiting.group(1), "--as", "bob", data_dir=tmp_path / "data")
    assert tour.returncode == 0, tour.stderr
    verified = _signoff(port, "audit", "verify", "--against-temporal", data_dir=tmp_path / "data")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "WARNING" not in verified.stdout
    assert "Created local keys for the surfaces slack, teams, cli, web" in first.output
    assert second.interrupt() == 0, second.output[-3000:]
    assert _gone(second.server_pid)


def test_dev_signs_webhooks_with_a_secret_of_its_own(
    tmp_path: Path, running: list[DevProcess]
) -> None:
    port = _free_port()
    ui_port = next(p for p in iter(_free_port, None) if p != port)
    dev = DevProcess(["--port", str(port), "--ui-port", str(ui_port)], _env(tmp_path), tmp_path)
    running.append(dev)
    dev.wait_for(READY)

    kept = tmp_path / "keys" / "webhook-secret"
    assert f"Created a local webhook secret in {kept}" in dev.output
    assert secret_key(kept.read_text().strip())  # a whsec_ secret of 24 bytes or more
    assert kept.stat().st_mode & 0o077 == 0
    assert dev.interrupt() == 0, dev.output[-3000:]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="asks the Linux kernel")
def test_a_killed_dev_takes_its_temporal_server_with_it(
    tmp_path: Path, running: list[DevProcess]
) -> None:
    port = _free_port()
    ui_port = next(p for p in iter(_free_port, None) if p != port)
    dev = DevProcess(
        ["--port", str(port), "--ui-port", str(ui_port)], env=_env(tmp_path), cwd=tmp_path
    )
    running.append(dev)
    dev.wait_for(READY)
    server_pid = dev.server_pid

    dev.kill()  # SIGKILL: no chance to stop the server itself

    try:
        assert _gone_within(server_pid, 20), "the Temporal dev server outlived signoff dev"
        assert not port_in_use(port)
    finally:
        if not _gone(server_pid):
            os.kill(server_pid, signal.SIGKILL)


def test_dev_refuses_a_port_that_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "signoff.app.cli", "dev", "--port", str(port)],
            capture_output=True,
            text=True,
            env=_env(tmp_path / "data"),
            timeout=60,
        )
    assert result.returncode == 1
    assert f"Something already listens on 127.0.0.1:{port}" in result.stderr
    assert "--use-existing" in result.stderr


def test_a_worker_outside_dev_refuses_to_accept_unvouched_actions(tmp_path: Path) -> None:
    env = _env(tmp_path / "data") | {"SIGNOFF_ACCEPT_UNVOUCHED_ACTIONS": "true"}

    result = subprocess.run(
        [sys.executable, "-m", "signoff.app.cli", "worker"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )

    assert result.returncode == 1
    assert "SIGNOFF_ACCEPT_UNVOUCHED_ACTIONS lets anyone with access to Temporal act as" in (
        result.stderr
    )


def test_dev_offers_a_labelled_dev_sign_in_to_its_console(
    tmp_path: Path, running: list[DevProcess]
) -> None:
    port = _free_port()
    ui_port = next(p for p in iter(_free_port, None) if p != port)
    dev = DevProcess(["--port", str(port), "--ui-port", str(ui_port)], _env(tmp_path), tmp_path)
    running.append(dev)
    dev.wait_for(READY)
    dev.wait_for("/console/.")  # its line comes after the ready line

    kept = tmp_path / "console-secret"
    assert f"Created a local console secret in {kept}" in dev.output
    assert kept.stat().st_mode & 0o077 == 0
    found = re.search(r"console at (http://\S+/console/)\.", dev.output)
    assert found, dev.output
    with httpx.Client(base_url=found.group(1), follow_redirects=True, timeout=30) as browser:
        offered = browser.get("login")
        assert "Development only." in offered.text
        landed = browser.post("dev-login", data={"person": "alice"})
    assert landed.url.path == "/console/"
    assert "Signed in as <strong>Alice Chen</strong> (alice)" in landed.text
    assert dev.interrupt() == 0, dev.output[-3000:]
