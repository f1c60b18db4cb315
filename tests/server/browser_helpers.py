"""Driving the console in Debian's Chromium with Playwright: signing a person in
through the provider's real flow, waiting for a card, and screenshots under
``test-output/console/`` (git-ignored)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page

from tests.helpers.layers import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NO_CHROMIUM = "Debian's Chromium is not installed: apt-get install chromium"
SCREENSHOTS = ROOT / "test-output" / "console"


def needs_chromium() -> pytest.MarkDecorator:
    """A browser module's mark: it runs with Chromium, and skips without it unless CI
    requires it (.ci/run installs it, as it requires PostgreSQL)."""
    if CHROMIUM.exists():
        return pytest.mark.skipif(False, reason="Chromium is installed")
    if os.environ.get("SIGNOFF_REQUIRE_CHROMIUM") == "1":
        raise RuntimeError(f"Chromium is required but missing at {CHROMIUM}")
    return pytest.mark.skip(reason=NO_CHROMIUM)


async def signed_in(
    browser: Browser, base_url: str, email: str, *, javascript: bool = True
) -> tuple[BrowserContext, Page]:
    """A browser of its own for the person, through the provider's sign-in."""
    context = await browser.new_context(java_script_enabled=javascript, accept_downloads=True)
    page = await context.new_page()
    await page.goto(f"{base_url}/console/login?login_hint={email}")
    assert page.url == f"{base_url}/console/"
    return context, page


async def showing(page: Page, decision_id: str) -> None:
    """Reload the page until the decision is in it (search catches up in a moment)."""
    card = page.locator(f'article[data-decision="{decision_id}"]')
    for _ in range(50):
        if await card.count():
            return
        await asyncio.sleep(0.2)
        await page.reload()
    raise AssertionError(f"{decision_id} never reached the page")


async def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
