"""The layers are import contracts, checked against Signoff as installed: the contracts
hold today, and a forbidden import breaks them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.layers import install_layout, lint_imports


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("installed")
    install_layout(tree)
    return tree


@pytest.fixture
def copy(installed: Path, tmp_path: Path) -> Iterator[Path]:
    tree = tmp_path / "tree"
    shutil.copytree(installed, tree)
    yield tree


def add_import(tree: Path, module: str, imported: str) -> None:
    path = tree.joinpath(*module.split(".")).with_suffix(".py")
    path.write_text(path.read_text() + f"\nimport {imported}  # noqa\n")


def test_every_contract_is_kept(installed: Path) -> None:
    result = lint_imports(installed)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def test_a_core_module_that_imports_a_workflow_breaks_the_layers(copy: Path) -> None:
    add_import(copy, "signoff.core.card_view", "signoff.workflows.decision")

    result = lint_imports(copy)

    assert result.returncode != 0
    assert "Each layer imports only the layers below it BROKEN" in result.stdout
    assert "signoff.core.card_view -> signoff.workflows.decision" in result.stdout


def test_a_bot_that_imports_a_workflow_is_refused(copy: Path) -> None:
    add_import(copy, "signoff.bots.apply_actions", "signoff.workflows.decision")

    result = lint_imports(copy)

    assert result.returncode != 0
    assert "Bots import no workflows BROKEN" in result.stdout


def test_a_workflow_that_reaches_an_adapter_through_an_activity_is_refused(copy: Path) -> None:
    add_import(copy, "signoff.activities.record_audit", "signoff.adapters.store")

    result = lint_imports(copy)

    assert "Workflows import no adapters or bots BROKEN" in result.stdout
