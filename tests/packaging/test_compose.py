"""The compose stack and the worker image, checked without a Docker engine (none runs
here): the compose file against the Compose Specification's JSON schema and against
itself, and the image's entrypoint run as the image's own user, with the app folder
read-only to it and only the data folder and the keys volume writable, as in the
container. What this does not cover (pulling the images, Docker's volume copy-up, the
Temporal server image itself) is said in the README, "Production"."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from temporalio.testing import WorkflowEnvironment

from signoff import SignoffClient
from signoff.core.models import DecisionRequest, Status
from signoff.core.settings import EXAMPLE_REQUEST
from tests.conftest import FIXTURES
from tests.helpers.container import (
    Image,
    read_compose,
    read_image,
    resolved,
    service_environment,
)
from tests.helpers.layers import ROOT

SCHEMA = FIXTURES / "compose-spec.json"  # provenance: compose-spec.README.md beside it


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return read_compose()


@pytest.fixture(scope="module")
def image() -> Image:
    return read_image()


def test_the_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)

    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(compose)]

    assert errors == []


def test_every_service_names_only_what_the_stack_has(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        for other in depends:
            assert other in services, f"{name} depends on an unknown service {other}"
            if isinstance(depends, dict) and depends[other]["condition"] == "service_healthy":
                assert "healthcheck" in services[other], f"{name} waits on {other}'s health"
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).is_file(), f"{name} mounts {source}, which is missing"
            elif not source.startswith("/"):
                assert source in compose["volumes"], f"{name} mounts undeclared {source}"


def test_temporal_runs_from_current_images_with_a_health_check_its_image_can_run(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    images = {name: s.get("image", "") for name, s in services.items()}
    checks = {
        name: " ".join(s["healthcheck"]["test"])
        for name, s in services.items()
        if "healthcheck" in s
    }

    assert not [i for i in images.values() if "auto-setup" in i], "auto-setup is deprecated"
    assert not [c for c in checks.values() if "tctl" in c], "tctl is deprecated"
    assert images["temporal"].startswith("temporalio/server:")
    # `temporalio/server` ships only the server: the CLI is in admin-tools.
    [checker] = [n for n, c in checks.items() if "temporal operator cluster health" in c]
    assert images[checker].startswith("temporalio/admin-tools:")
    for name in ("worker", "temporal-ui"):
        assert services[name]["depends_on"][checker] == {"condition": "service_healthy"}


def test_the_image_user_owns_only_a_data_volume(compose: dict[str, Any], image: Image) -> None:
    uid, gid = image.uid_gid
    data_dir = image.env.get("SIGNOFF_DATA_DIR")

    assert uid != 0 and uid != 65534, "a user of its own, not root or the shared nobody"
    assert data_dir in image.volumes
    worker_mounts = [v.split(":") for v in compose["services"]["worker"]["volumes"]]
    assert [source for source, target in worker_mounts if target == data_dir] == ["signoff-data"]
    assert f"chown -R {uid}:{gid} /keys" in compose["services"]["keys"]["command"][0]


@pytest.fixture
def container_root() -> Iterator[Path]:
    """Stand-ins for the container's folders, in a folder every user may enter."""
    root = Path(tempfile.mkdtemp(prefix="signoff-container-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _as_container(path_map: dict[str, Path], env: dict[str, str]) -> dict[str, str]:
    """The environment with the container's paths pointing at their stand-ins."""
    mapped = {}
    for name, value in env.items():
        for container_path, host_path in path_map.items():
            if value == container_path or value.startswith(container_path + "/"):
                value = str(host_path) + value[len(container_path) :]
        mapped[name] = value
    return mapped


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="becomes the image's user with setpriv, which needs root (as CI runs)",
)
async def test_the_worker_runs_as_the_image_user_beside_a_read_only_app_folder(
    compose: dict[str, Any],
    image: Image,
    venv: Path,
    dev_env: WorkflowEnvironment,
    postgresql_url: str,
    container_root: Path,
) -> None:
    uid, gid = image.uid_gid
    app, data, keys = (container_root / name for name in ("app", "data", "keys"))
    app.mkdir(mode=0o755)  # root's, as the image's COPY leaves /app
    shutil.copy(ROOT / "pyproject.toml", app)
    data.mkdir(mode=0o750)  # the image makes its data folder the user's
    os.chown(data, uid, gid)
    paths = {image.workdir: app, "/keys": keys}
    if "SIGNOFF_DATA_DIR" in image.env:
        paths[image.env["SIGNOFF_DATA_DIR"]] = data
    queue = f"container-{uuid.uuid4().hex[:8]}"
    overrides = {
        "SIGNOFF_DATABASE_URL": postgresql_url,  # compose's PostgreSQL, on this machine
        "SIGNOFF_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "SIGNOFF_TASK_QUEUE": queue,
    }
    base = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(data), "COLUMNS": "200"}

    # The one-shot `keys` service: root, its shell command, the volume handed over.
    keys_service = compose["services"]["keys"]
    keys_command = resolved(keys_service["command"][0]).replace("/keys", str(keys))
    made = await asyncio.to_thread(
        subprocess.run,
        [*keys_service["entrypoint"], keys_command],
        env=base | _as_container(paths, service_environment(keys_service)) | overrides,
        cwd=app,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stdout + made.stderr

    # The worker: the image's entrypoint and command, as its user, in its workdir.
    env = base | _as_container(
        paths, image.env | service_environment(compose["services"]["worker"])
    )
    command = [*image.entrypoint, *compose["services"]["worker"].get("command", image.cmd)]
    user = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"]
    worker = subprocess.Popen(
        [*user, *command],
        env=env | overrides,
        cwd=app,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = await asyncio.wait_for(asyncio.to_thread(_until_polling, worker), 90)
        assert await _submit_example(dev_env, queue) is Status.PENDING
        worker.send_signal(signal.SIGTERM)
        rest, _ = await asyncio.to_thread(worker.communicate, timeout=30)
        assert worker.returncode == 0, output + rest
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert [p.name for p in app.iterdir()] == ["pyproject.toml"]  # nothing written there
    assert {p.stat().st_uid for p in [*data.rglob("*"), *keys.rglob("*")]} == {uid}


def _until_polling(worker: subprocess.Popen[str]) -> str:
    """The worker's output up to its ready line; fails with the output if it exits."""
    assert worker.stdout is not None
    lines: list[str] = []
    for line in worker.stdout:
        lines.append(line)
        if line.startswith("Worker polling"):
            return "".join(lines)
    worker.wait(timeout=10)
    raise AssertionError(f"the worker exited with {worker.returncode}:\n{''.join(lines)}")


async def _submit_example(dev_env: WorkflowEnvironment, queue: str) -> Status:
    request = DecisionRequest.model_validate_json(EXAMPLE_REQUEST.read_text(encoding="utf-8"))
    client = SignoffClient(dev_env.client, task_queue=queue)
    return (await client.submit(request.model_copy(update={"id": f"{request.id}-{queue}"}))).status
