"""What the Slack bot says to people, in one place (bolt-python ``logger/messages.py``
style); the card's own words live in :mod:`signoff.core.messages`."""

from __future__ import annotations

NOT_LINKED = "Your Slack account is not linked to a Signoff identity, so you cannot act here."
NOT_FOUND = "Signoff cannot find decision `{decision_id}`."
BAD_BUTTON = "This button does not belong to a Signoff decision."
UNKNOWN_FORM = "This form does not belong to Signoff."
UNREADABLE_FORM = "Slack sent this form in a shape Signoff cannot read, so nothing was done."
WHO_ARE_YOU = "Slack did not say who you are, so Signoff did nothing."
MODAL_NOT_OPENED = "Slack did not open the form in time; please click the button again."
DELEGATE_NOT_LINKED = "That person is not linked to a Signoff identity."
DELEGATE_SELF = "Pick someone other than yourself."
DELEGATE_SLOW = "Slack did not say in time who that is; please submit again."

NOTICE_TITLE = "Signoff"
MODAL_SUBMIT = "Submit"
MODAL_CLOSE = "Cancel"
MODAL_TITLES = {
    "approve": "Approve",
    "escalate": "Escalate",
    "reject": "Reject",
    "edit": "Edit and approve",
    "request_changes": "Request changes",
    "delegate": "Delegate",
    "correction": "Suggest a correction",
    "override": "Override",
    "view_full": "Full proposal",
}
NO_PROPOSAL_TEXT = "(This proposal has no text.)"

USAGE = "Usage: `/signoff pending` (what waits for you) or `/signoff show ID`."
PENDING_LINE = "• `{decision_id}` · {use_case} · {risk_tier} risk · stage {stage}"
SHOW = "*{title}* (`{decision_id}`)\n{status}{stage}{waiting}"
SHOW_STAGE = " · stage {index}/{total} {name}"
SHOW_WAITING = "\nWaiting on: {people}"
