"""The console's other actions over plain HTTP, as a browser without JavaScript sends
them: an edit shown side by side with the proposal before it is sent, request changes,
escalate, delegate to a directory person and comment, each as the person, vouched by
`web`; refusals read as chat's."""

from __future__ import annotations

import re
from html import unescape

from signoff.adapters.store import Store
from signoff.core.models import AuditKind
from tests.server.conftest import Api
from tests.server.console_helpers import (
    FORM,
    HIDDEN,
    browsing,
    form_fields,
    inbox_showing,
    notice,
    sign_in,
    submitted,
)


def preview_form(html: str) -> tuple[str, dict[str, str]]:
    """The preview page's form that sends the edit."""
    for action, kind, body in FORM.findall(html):
        if kind == "edit" and action.endswith("/actions"):
            return unescape(action), {n: unescape(v) for n, v in HIDDEN.findall(body)}
    raise AssertionError("the preview sends nothing")


async def test_an_edit_is_shown_against_the_proposal_before_it_is_sent_and_after(
    api: Api, store: Store
) -> None:
    decision_id = await submitted(api)
    async with browsing(api) as alice:
        await sign_in(alice, "alice@example.com")
        page = await inbox_showing(alice, decision_id)
        assert "Refund $120 to the customer&#39;s card.</textarea>" in page
        action, fields = form_fields(page, decision_id, "edit")
        assert action.endswith("/edit")
        edited = "Refund $100 to the customer's card.\nApologise for the delay."
        preview = await alice.post(
            action, data=fields | {"edited_text": edited, "reason": "Shipping is not refunded."}
        )
        assert preview.status_code == 200
        assert "Your edit, before it is sent" in preview.text
        assert "<mark>$120</mark>" in preview.text and "<mark>$100</mark>" in preview.text
        assert re.search(r"<ins><mark>Apologise for the delay.</mark></ins>", preview.text)
        assert not [e for e in await store.events(decision_id) if e.kind is AuditKind.EDITED]

        send, hidden = preview_form(preview.text)
        assert hidden["action_id"] == fields["action_id"]  # the form's own action, once
        sent = await alice.post(send, data=hidden)
        assert notice(sent.text).startswith("Decision approved")
        outcome = await api.get(f"/api/v1/decisions/{decision_id}/outcome", params={"wait": 10})
        assert outcome.json()["status"] == "approved_with_edits"
        assert outcome.json()["final_text"] == edited
        after = (await alice.get(f"/console/decisions/{decision_id}")).text
    assert 'id="edit-diff"' in after and "<mark>$100</mark>" in after
    edits = [e for e in await store.events(decision_id) if e.kind is AuditKind.EDITED]
    assert [(e.actor, e.data["vouch"]["surface"]) for e in edits] == [("alice", "web")]


async def test_request_changes_delegate_and_comment_are_the_person_s(
    api: Api, store: Store
) -> None:
    asked = await submitted(api)
    handed = await submitted(api)
    async with browsing(api) as alice, browsing(api) as bob:
        await sign_in(alice, "alice@example.com")
        await sign_in(bob, "bob@example.com")
        action, fields = form_fields(await inbox_showing(bob, asked), asked, "request_changes")
        answered = await bob.post(action, data=fields | {"reason": "Refund the shipping too."})
        assert notice(answered.text) == "Changes requested; the application has your instructions."

        page = await inbox_showing(alice, handed)
        assert '<option value="carol">Carol (carol)</option>' in page
        assert (
            'value="bob"' not in page.split(f'data-decision="{handed}"')[1].split("</article>")[0]
        )
        action, fields = form_fields(page, handed, "delegate")
        delegated = await alice.post(action, data=fields | {"delegate_to": "carol"})
        assert notice(delegated.text) == "Delegated to carol."

        # No longer asked, Alice still reads it and may comment, on its page.
        decision_page = (await alice.get(f"/console/decisions/{handed}")).text
        action, fields = form_fields(decision_page, handed, "comment")
        commented = await alice.post(action, data=fields | {"reason": "Carol knows this shop."})
        assert notice(commented.text) == "Comment added."
        empty = await alice.post(action, data=fields | {"action_id": "web-" + "0" * 32})
        assert "missing" in notice(empty.text)

    state = (await api.get(f"/api/v1/decisions/{asked}")).json()
    assert state["status"] == "changes_requested"
    kinds = {e.kind: e for e in await store.events(handed)}
    assert kinds[AuditKind.DELEGATED].actor == "alice"
    assert kinds[AuditKind.DELEGATED].data["to"] == "carol"
    assert kinds[AuditKind.COMMENTED].data["vouch"]["surface"] == "web"


async def test_escalating_moves_the_decision_on_and_a_refusal_reads_as_chat_s(api: Api) -> None:
    decision_id = await submitted(api, policy="three-stage")
    no_edits = await submitted(api, policy="no-edits")
    async with browsing(api) as alice:
        await sign_in(alice, "alice@example.com")
        action, fields = form_fields(
            await inbox_showing(alice, decision_id), decision_id, "escalate"
        )
        escalated = await alice.post(action, data=fields | {"reason": "Over my limit."})
        assert notice(escalated.text) == "Escalated to 'seniors'."
        page = await inbox_showing(alice, no_edits)
        action, fields = form_fields(page, no_edits, "approve")
        assert f"/console/decisions/{no_edits}/edit" not in unescape(page).replace("%3A", ":")
        edit = {"kind": "edit", "edited_text": "Refund $1.", "action_id": "web-" + "1" * 32}
        forced = await alice.post(action, data=fields | edit)
        assert notice(forced.text) == "This policy does not allow edits."
    state = (await api.get(f"/api/v1/decisions/{decision_id}")).json()
    assert state["stage"]["name"] == "seniors"
