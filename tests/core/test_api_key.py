"""What an application's key allows: its use cases, its scopes, as ``app:NAME``; and
nothing at all once revoked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from signoff.core.models import ApiKeyGrant, ApiScope

T0 = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def grant(**fields: Any) -> ApiKeyGrant:
    defaults: dict[str, Any] = {
        "key_id": "0123456789ab",
        "app": "refund-app",
        "use_cases": ["refunds"],
        "scopes": [ApiScope.SUBMIT, ApiScope.READ],
        "created_at": T0,
    }
    return ApiKeyGrant(**(defaults | fields))


def test_a_key_allows_its_use_cases_and_scopes_and_nothing_else() -> None:
    key = grant(use_cases=["refunds", "returns"])

    assert [u for u in ("refunds", "returns", "loans", "*", "") if key.allows_use_case(u)] == [
        "refunds",
        "returns",
    ]
    assert [s for s in ApiScope if key.allows(s)] == [ApiScope.SUBMIT, ApiScope.READ]


def test_a_star_allows_every_use_case() -> None:
    key = grant(use_cases=["*"])

    assert all(key.allows_use_case(u) for u in ("refunds", "loans", "anything at all"))


def test_a_revoked_key_allows_nothing() -> None:
    key = grant(use_cases=["*"], scopes=list(ApiScope), revoked_at=T0)

    assert not key.allows_use_case("refunds")
    assert not any(key.allows(s) for s in ApiScope)


def test_the_app_acts_as_app_and_its_name() -> None:
    assert grant(app="Refund_App.v2").principal == "app:Refund_App.v2"


def test_a_use_case_or_scope_named_twice_is_kept_once() -> None:
    key = grant(use_cases=["refunds", "loans", "refunds"], scopes=["read", "read", "submit"])

    assert (key.use_cases, key.scopes) == (["refunds", "loans"], [ApiScope.READ, ApiScope.SUBMIT])


@pytest.mark.parametrize("app", ["", "refund app", "refund/app", "app:x", "é", "r" * 101, "a\n"])
def test_an_app_name_is_letters_digits_dashes_underscores_and_dots(app: str) -> None:
    with pytest.raises(ValidationError, match="an app's name may hold only letters, digits"):
        grant(app=app)


@pytest.mark.parametrize(
    "fields", [{"use_cases": []}, {"use_cases": [""]}, {"scopes": []}, {"scopes": ["admin"]}]
)
def test_a_key_needs_a_use_case_and_a_known_scope(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        grant(**fields)
