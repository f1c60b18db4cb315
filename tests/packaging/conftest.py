"""Signoff as a user installs it: a wheel of this checkout, in a virtual environment of
its own (as the Docker image's `pip install .` makes one), readable by any user so a
spec can also run it as the image's unprivileged one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.layers import ROOT


@pytest.fixture(scope="session")
def installed_root() -> Iterator[Path]:
    """A folder every user may enter (pytest's own temporary folders are root's alone)."""
    root = Path(tempfile.mkdtemp(prefix="signoff-installed-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def wheel(installed_root: Path) -> Path:
    out = installed_root / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", out, ROOT],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("signoff-*.whl")
    return built


def _dependencies(installed_root: Path) -> Path:
    """This run's packages, linked (or copied) under ``installed_root``: the checkout may
    sit in a folder only its owner can enter (a fresh clone in ``mktemp -d``), where the
    image's user could not read them."""
    linked = installed_root / "dependencies"

    def link(source: str, target: str) -> None:
        try:
            os.link(source, target)
        except OSError:  # another file system, or links not allowed: a copy will do
            shutil.copy2(source, target)

    shutil.copytree(sysconfig.get_paths()["purelib"], linked, copy_function=link, symlinks=True)
    for folder in [linked, *(p for p in linked.rglob("*") if p.is_dir())]:
        folder.chmod(0o755)
    return linked


@pytest.fixture(scope="session")
def venv(wheel: Path, installed_root: Path) -> Path:
    """A fresh virtual environment holding only the wheel; Signoff's dependencies come
    from this test run's environment through a path file (its own path files, such as
    the editable install's finder, are not read from there)."""
    home = installed_root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", home], check=True)
    python = home / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(purelib) / "dependencies.pth").write_text(f"{_dependencies(installed_root)}\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", wheel],
        check=True,
        capture_output=True,
    )
    return home
