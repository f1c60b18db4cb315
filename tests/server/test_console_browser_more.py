"""The console's second slice in a real browser (Debian's Chromium, Playwright): an
approver edits with the diff shown before sending; a manager overrides an escalated
decision; an auditor searches, exports, and sees a tampered event flagged in place.
Screenshots go under ``test-output/console/`` (git-ignored)."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.async_api import Browser, expect

from signoff.adapters.store import Store
from signoff.core.models import AuditKind
from tests.helpers import tamper
from tests.helpers.oidc_provider import OidcProvider
from tests.helpers.waiting import eventually
from tests.server.browser_helpers import needs_chromium, shot, showing, signed_in
from tests.server.conftest import Api, key
from tests.server.console_helpers import escalated, submitted

pytestmark = needs_chromium()


async def test_an_approver_edits_seeing_the_diff_before_sending_and_after(
    api: Api, browser: Browser, base_url: str
) -> None:
    decision_id = await submitted(api)
    context, alice = await signed_in(browser, base_url, "alice@example.com")
    await showing(alice, decision_id)
    card = alice.locator(f'article[data-decision="{decision_id}"]')
    more = card.locator("details.more-actions > summary")
    await expect(more).to_have_text("Edit, Request changes, Delegate, Comment")
    await more.focus()  # by keyboard: the folded actions open with Enter
    await alice.keyboard.press("Enter")
    await shot(alice, "inbox-card-every-action")
    edited = card.get_by_label("The proposal as it should be")
    await expect(edited).to_have_value("Refund $120 to the customer's card.")
    await edited.fill("Refund $100 to the customer's card.\nShipping is not refunded.")
    await (
        card.locator("form.act-edit").get_by_label("Why the edit?").fill("Policy caps it at $100.")
    )
    await card.get_by_role("button", name="Preview the edit").click()

    await expect(alice.get_by_role("heading", level=1)).to_have_text("Your edit, before it is sent")
    diff = alice.locator("table.diff")
    await expect(diff.locator("del mark")).to_have_text("$120")
    await expect(diff.locator("ins mark").first).to_have_text("$100")
    await expect(diff.locator("tr.diff-added")).to_contain_text("Shipping is not refunded.")
    await shot(alice, "edit-preview")
    # By keyboard, as the first slice's approval.
    await alice.get_by_role("button", name="Send the edit").focus()
    await alice.keyboard.press("Enter")
    await expect(alice.locator(".notice")).to_contain_text("approved with edits")

    outcome = await api.get(f"/api/v1/decisions/{decision_id}/outcome", params={"wait": 10})
    assert outcome.json()["status"] == "approved_with_edits"
    await alice.goto(f"{base_url}/console/decisions/{decision_id}")
    await expect(alice.locator(".outcome")).to_contain_text("Approved with edits")
    await expect(alice.locator("#edit-diff + table.diff del mark")).to_have_text("$120")
    await shot(alice, "decision-after-edit")
    await context.close()


async def test_a_manager_overrides_an_escalated_decision(
    api: Api, browser: Browser, base_url: str
) -> None:
    decision_id = await escalated(api)  # the leads' two seconds ran out
    context, dave = await signed_in(browser, base_url, "dave@example.com")
    await dave.get_by_role("link", name="Escalations").click()
    await showing(dave, decision_id)
    card = dave.locator(f'article[data-decision="{decision_id}"]')
    await expect(card.locator(".reasons")).to_contain_text("escalated")
    await expect(card).to_contain_text("committee")
    await shot(dave, "escalations")

    await card.get_by_label("Reject").check()
    await card.get_by_label("Why are you overriding the decision?").fill(
        "The customer already has a voucher."
    )
    await card.get_by_role("button", name="Override").click()
    await expect(dave.locator(".notice")).to_have_text("Override recorded: reject.")
    await expect(dave.locator(f'article[data-decision="{decision_id}"]')).to_have_count(0)
    await shot(dave, "escalations-after-override")

    await dave.goto(f"{base_url}/console/decisions/{decision_id}")
    await expect(dave.locator(".outcome")).to_contain_text("Overridden by dave")
    await expect(dave.locator("table.timeline")).to_contain_text(
        "The customer already has a voucher."
    )
    state = (await api.get(f"/api/v1/decisions/{decision_id}")).json()
    assert state["status"] == "overridden"
    await context.close()


async def test_an_auditor_searches_exports_and_sees_a_tampered_event_flagged(
    api: Api, browser: Browser, base_url: str, store: Store, store_url: str, tmp_path: Path
) -> None:
    decision_id = await submitted(api)
    alice_context, alice = await signed_in(browser, base_url, "alice@example.com")
    await showing(alice, decision_id)
    await (
        alice.locator(f'article[data-decision="{decision_id}"]')
        .get_by_role("button", name="Approve")
        .click()
    )
    await expect(alice.locator(".notice")).to_have_text("Decision approved.")
    forbidden = await alice.goto(f"{base_url}/console/audit")
    assert forbidden is not None and forbidden.status == 403
    await alice_context.close()

    async def finalized() -> bool:
        return AuditKind.FINALIZED in [e.kind for e in await store.events(decision_id)]

    await eventually(finalized)
    context, audrey = await signed_in(browser, base_url, "audrey@example.com")
    await audrey.get_by_role("link", name="Audit").click()
    await audrey.get_by_label("Decision id").fill(decision_id)
    await audrey.get_by_label("Actor").fill("alice")
    await audrey.get_by_label("Kinds").select_option(["voted"])
    await audrey.get_by_role("button", name="Search").click()
    events = audrey.locator("table.events tbody tr")
    await expect(events).to_have_count(1)
    await expect(events).to_contain_text("voted")
    await shot(audrey, "audit-search")

    async with audrey.expect_download() as waiting:
        await audrey.get_by_role("link", name="JSON Lines").click()
    download = await waiting.value
    saved = tmp_path / "export.jsonl"
    await download.save_as(saved)
    lines = [json.loads(line) for line in saved.read_text().splitlines()]
    assert [(x["decision_id"], x["actor"], x["kind"]) for x in lines] == [
        (decision_id, "alice", "voted")
    ]

    tamper.rewrite(Path(store_url.removeprefix("sqlite:///")), decision_id, "voted", actor="bob")
    await audrey.get_by_label("Actor").fill("")
    await audrey.get_by_role("button", name="Search").click()
    await audrey.get_by_role("link", name="Verify this decision's chain").click()
    await expect(audrey.locator(".verify-report .chain.broken")).to_contain_text("Chain broken")
    flagged = audrey.locator(".verify-report tr.broken-event")
    await expect(flagged).to_have_count(1)
    await expect(flagged).to_contain_text("First broken event")
    await expect(flagged).to_contain_text("bob")  # what the administrator wrote
    await shot(audrey, "audit-verify-broken")

    await audrey.goto(f"{base_url}/console/decisions/{decision_id}")
    await expect(audrey.locator(".chain.broken")).to_contain_text("Chain broken")
    await expect(audrey.locator("table.timeline tr.broken-event")).to_have_count(1)
    await shot(audrey, "decision-broken-event")
    await context.close()


async def test_an_edit_being_typed_survives_a_live_redraw_in_its_own_fields(
    api: Api, browser: Browser, base_url: str, people_provider: OidcProvider
) -> None:
    decision_id = await submitted(api, policy="analysts-2-of-3")  # alice, bob, carol; two
    context, alice = await signed_in(browser, base_url, "alice@example.com")
    await showing(alice, decision_id)
    await expect(alice.locator("[data-live-state=open]")).to_have_count(1)
    card = alice.locator(f'article[data-decision="{decision_id}"]')
    version = await card.get_attribute("data-version")
    await card.locator("details.more-actions > summary").click()
    await card.get_by_label("The proposal as it should be").fill("Refund $90.")
    await card.locator("form.act-edit").get_by_label("Why the edit?").fill("Half the shipping.")

    bob = api.bearing(people_provider.token(sub="sub-bob", email="bob@example.com"))
    path = f"/api/v1/decisions/{decision_id}/actions"
    assert (await bob.post(path, {"kind": "approve"}, key())).status_code == 200
    redrawn = alice.locator(
        f'article[data-decision="{decision_id}"]:not([data-version="{version}"])'
    )
    await expect(redrawn.locator(".votes")).to_contain_text("bob approved", timeout=15_000)
    await expect(redrawn.get_by_label("The proposal as it should be")).to_have_value("Refund $90.")
    edit_reason = redrawn.locator("form.act-edit").get_by_label("Why the edit?")
    await expect(edit_reason).to_have_value("Half the shipping.")
    await context.close()
