"""The committed OpenAPI document is the API: an accidental change fails the build."""

from __future__ import annotations

import json
from pathlib import Path

from signoff.server.openapi import document, rendered

COMMITTED = Path(__file__).resolve().parents[2] / "openapi.json"
REWRITE = "python -m signoff.server.openapi > openapi.json"


def test_the_committed_openapi_document_is_the_one_the_app_generates() -> None:
    assert COMMITTED.read_text() == rendered(), (
        f"the API changed: if that was meant, run `{REWRITE}` and commit openapi.json"
    )


def test_the_document_is_openapi_3_1_and_describes_every_route() -> None:
    doc = document()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) >= {
        "/healthz",
        "/readyz",
        "/api/v1/decisions",
        "/api/v1/decisions/{decision_id}",
        "/api/v1/decisions/{decision_id}/outcome",
        "/api/v1/decisions/{decision_id}/actions",
        "/api/v1/me",
    }
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    # Every failure an operation names is a problem document.
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert "application/problem+json" in answer.get("content", {}), (
                        f"{method.upper()} {path} {status}"
                    )


def test_the_running_server_serves_the_committed_document(served_openapi: dict) -> None:  # type: ignore[type-arg]
    assert served_openapi == json.loads(COMMITTED.read_text())
