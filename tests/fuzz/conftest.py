"""Fuzz specs run bounded in `make test`; `SIGNOFF_FUZZ=deep` runs each with far more
examples (and no deadline) when someone wants to search harder."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SLOW_FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

settings.register_profile(
    "bounded", max_examples=150, deadline=None, suppress_health_check=_SLOW_FIXTURES
)
settings.register_profile(
    "deep", max_examples=5000, deadline=None, suppress_health_check=_SLOW_FIXTURES
)
settings.load_profile("deep" if os.environ.get("SIGNOFF_FUZZ") == "deep" else "bounded")
