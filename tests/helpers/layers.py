"""Check the import contracts in ``pyproject.toml`` against Signoff as it is installed.

The repository keeps ``workflows/``, ``activities/``, ``adapters/`` and ``bots/`` beside
``signoff/``, and setuptools installs them as ``signoff.workflows`` and so on; grimp (the
import graph under import-linter) reads packages from disk, so it is shown the installed
layout rather than the repository's. ``python -m tests.helpers.layers`` is what
``make test`` runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"


def install_layout(dest: Path) -> Path:
    """Install the project (no dependencies) into ``dest``; returns ``dest/signoff``."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", dest, ROOT],
        check=True,
        capture_output=True,
    )
    return dest / "signoff"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter with the project's contracts over the ``signoff`` in ``tree``."""
    script = "import sys; from importlinter.cli import lint_imports_command as c; c()"
    return subprocess.run(
        [sys.executable, "-c", script, "--no-cache", str(PYPROJECT)],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
    )


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        install_layout(Path(tmp))
        result = lint_imports(Path(tmp))
    print(result.stdout[result.stdout.find("Contracts") :] or result.stdout, end="")
    print(result.stderr, end="", file=sys.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
