"""The console in a real browser: Debian's Chromium, driven by Playwright, signs people
in through the provider's real authorization-code flow. Screenshots of each page are
written under ``test-output/console/`` (git-ignored)."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.server.browser_helpers import needs_chromium, shot, showing, signed_in
from tests.server.conftest import Api
from tests.server.console_helpers import submitted

pytestmark = needs_chromium()


async def test_an_approver_approves_from_the_inbox_while_another_page_sees_it_live(
    api: Api, browser: Browser, base_url: str
) -> None:
    decision_id = await submitted(
        api,
        rationale="The carrier confirmed the damage in writing.",
        sources=[{"title": "Carrier report", "url": "https://example.com/r/1"}],
        known_limitations=["Photos were not checked."],
        action_fingerprint="refund:order-1042:12000",
    )
    alice_context, alice = await signed_in(browser, base_url, "alice@example.com")
    bob_context, bob = await signed_in(browser, base_url, "bob@example.com")
    await showing(alice, decision_id)
    await showing(bob, decision_id)
    await expect(bob.locator("[data-live-state=open]")).to_have_count(1)
    await bob.evaluate("window.notReloaded = true")
    await shot(bob, "inbox-before")

    card = alice.locator(f'article[data-decision="{decision_id}"]')
    await expect(card.locator(".ai")).to_have_text("AI suggests")
    await expect(card).to_contain_text("medium (0.72)")
    await expect(card).to_contain_text("refund:order-1042:12000")
    # By keyboard: focus the button and press Enter, as someone without a mouse does.
    await card.get_by_role("button", name="Approve").focus()
    await alice.keyboard.press("Enter")
    await expect(alice.locator(".notice")).to_have_text("Decision approved.")
    await shot(alice, "inbox-after-approving")

    bobs_card = bob.locator(f'article[data-decision="{decision_id}"]')
    await expect(bobs_card.locator(".outcome")).to_contain_text("Approved by alice", timeout=15_000)
    await expect(bobs_card.get_by_role("button", name="Approve")).to_have_count(0)
    assert await bob.evaluate("window.notReloaded") is True
    await shot(bob, "inbox-seen-live")
    await alice_context.close()
    await bob_context.close()


async def test_a_new_decision_appears_in_an_open_inbox(
    api: Api, browser: Browser, base_url: str
) -> None:
    context, bob = await signed_in(browser, base_url, "bob@example.com")
    await expect(bob.locator("[data-live-state=open]")).to_have_count(1)
    await bob.evaluate("window.notReloaded = true")
    decision_id = await submitted(api, title="Refund $80 for a late parcel")
    card = bob.locator(f'article[data-decision="{decision_id}"]')
    await expect(card.locator(".title")).to_have_text(
        "Refund $80 for a late parcel", timeout=20_000
    )
    await expect(card.get_by_role("button", name="Approve")).to_have_count(1)
    assert await bob.evaluate("window.notReloaded") is True
    await shot(bob, "inbox-new-arrival")
    await context.close()


async def test_an_approver_gets_the_not_found_page_on_another_s_decision(
    api: Api, browser: Browser, base_url: str
) -> None:
    decision_id = await submitted(api)  # asks the leads, Alice and Bob
    context, carol = await signed_in(browser, base_url, "carol@example.com")
    answer = await carol.goto(f"{base_url}/console/decisions/{decision_id}")
    assert answer is not None and answer.status == 404
    await expect(carol.get_by_role("heading", level=1)).to_have_text("Not found")
    await expect(carol.locator("main")).not_to_contain_text("Refund $120")
    await shot(carol, "not-found")
    await context.close()


async def test_reading_and_acting_work_without_javascript(
    api: Api, browser: Browser, base_url: str
) -> None:
    decision_id = await submitted(api, rationale="The carrier confirmed the damage.")
    context, bob = await signed_in(browser, base_url, "bob@example.com", javascript=False)
    await showing(bob, decision_id)
    card = bob.locator(f'article[data-decision="{decision_id}"]')
    await card.get_by_label("Why are you rejecting it?").fill("Outside the return window.")
    await card.get_by_role("button", name="Reject").click()
    await expect(bob.locator(".notice")).to_have_text("Decision rejected.")

    await bob.goto(f"{base_url}/console/decisions/{decision_id}")
    await expect(bob.get_by_role("heading", level=1)).to_have_text(
        "Refund $120 for a damaged parcel"
    )
    await expect(bob.locator(".outcome")).to_contain_text("Rejected by bob")
    await expect(bob.locator(".chain")).to_contain_text("Chain verified")
    timeline = bob.locator("table.timeline")
    await expect(timeline).to_contain_text("submitted")
    await expect(timeline).to_contain_text("Outside the return window.")
    await shot(bob, "decision-without-javascript")
    await context.close()
