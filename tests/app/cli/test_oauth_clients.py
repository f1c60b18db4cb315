"""`signoff serve` reads the OAuth clients registered as applications before it connects
to anything, and refuses to start on a registration that could never work."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from signoff.app.cli import app
from signoff.app.cli.failures import USAGE
from tests.conftest import FIXTURES

SIGN_IN = {
    "SIGNOFF_OIDC_ISSUER": "https://id.example.com",
    "SIGNOFF_OIDC_AUDIENCE": "signoff-console",
    "SIGNOFF_CONSOLE_SECRET": "x" * 40,
    "SIGNOFF_DIRECTORY_FILE": str(FIXTURES / "directory.yaml"),
    # Nothing listens here: the refusal must come before any connection is tried.
    "SIGNOFF_TEMPORAL_ADDRESS": "127.0.0.1:9",
    "COLUMNS": "200",
}


def serve_with(tmp_path: Path, registrations: str) -> tuple[int, str]:
    clients = tmp_path / "oauth-clients.yaml"
    clients.write_text(registrations, encoding="utf-8")
    env = SIGN_IN | {"SIGNOFF_OAUTH_CLIENTS_FILE": str(clients), "SIGNOFF_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(app, ["serve", "--port", "1"], env=env)
    return result.exit_code, result.output


def test_serve_refuses_a_client_registered_as_an_application_the_directory_lacks(
    tmp_path: Path,
) -> None:
    code, said = serve_with(
        tmp_path,
        "clients:\n  - {client_id: svc-7, app: ghost-bot, use_cases: [refunds], scopes: [read]}\n",
    )
    assert code == USAGE, said
    assert "OAuth client 'svc-7' acts as app:ghost-bot" in said
    assert "Traceback" not in said


def test_serve_refuses_a_clients_file_it_cannot_read_naming_the_line(tmp_path: Path) -> None:
    code, said = serve_with(tmp_path, "clients:\n  - {client_id: svc-7, app: refunds-bot}\n")
    assert code == USAGE, said
    assert "use_cases" in said and "oauth-clients.yaml" in said
