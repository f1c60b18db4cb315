"""What the Teams card says beyond the shared words in :mod:`signoff.core.messages`, in one
place (bolt-python ``logger/messages.py`` style)."""

from __future__ import annotations

FALLBACK = "{title}: {status}"
CONTEXT = "{decision_id} · {use_case} · {subject} · requested by {requester}"
PROPOSAL = "Proposal"
PROPOSAL_CUT = "Shortened to fit the card: {shown} of {total} characters shown."
DETAILS = "Details"
WHY = "Why"
SOURCES = "Sources"
LIMITATIONS = "Known limitations"
VOTES = "Votes"
EDITED_BY = "Edited by {editor}"
FINAL_TEXT = "Final text"
OVERRIDDEN = "This decision was overridden."
DECIDED_BY = " by {people}"
FEEDBACK = "👍 {up} · 👎 {down} · corrections: {corrections}"
ASKED = "Asked: {asked} · waiting on: {waiting}"
NOBODY = "nobody"
VOTE_ICONS = {"approve": "✅", "reject": "❌"}

FACT_CONFIDENCE = "Confidence"
FACT_TRACK_RECORD = "Track record"
FACT_RISK = "Risk"
FACT_MODEL = "Model"
FACT_PROMPT = "Prompt"
FACT_STAGE = "Stage"
DEADLINE = "Deadline"
STAGE = "{number}/{total} {name}"

MANAGERS_ONLY = "{label} (managers)"
SUBMIT = {
    "approve": "Approve",
    "escalate": "Escalate",
    "reject": "Reject",
    "edit": "Approve with edits",
    "request_changes": "Request changes",
    "delegate": "Delegate",
    "correction": "Send correction",
    "override": "Override",
}
EDIT_CUT = (
    "This box holds the shortened proposal shown on the card; make sure the text is"
    " complete before you approve it."
)
DELEGATE_PLACEHOLDER = "Pick a person"
REQUIRED_CHOICE = "Please pick one."

# Why an Action.Execute invoke cannot be read; each names the field at fault.
BAD_VERB = "The card action's verb {verb!r} is not one Signoff knows."
BAD_TYPE = "The card action is a {type!r}, not an 'Action.Execute'."
NO_DATA = "The card action carries no 'data' object."
NOT_AN_ACTION = "The invoke's 'action' is not an object."
UNKNOWN_INVOKE = "This bot answers card actions and feedback; it does not answer {name} invokes."
NO_DECISION = "The card action does not name a decision: its data field 'd' is empty."
BAD_STAGE = "The card action's data field 's' must be a stage number or null, not {stage!r}."
MISSING_INPUT = "The '{verb}' action needs its '{field}' field ('{input_id}'), which is empty."
BAD_VERDICT = (
    "The 'override' action's 'verdict' field ('{input_id}') must be 'approve' or 'reject',"
    " not {value!r}."
)

# What the bot says to a person who clicked or wrote to it.
NOT_LINKED = "Your Teams account is not linked to a Signoff identity, so you cannot act here."
NOT_FOUND = "Signoff cannot find decision {decision_id}."
NO_DECISION_FOR_MESSAGE = "Signoff cannot tell which decision this message belongs to."
HELP = (
    "I post Signoff's approval cards here and record what you decide on them. "
    "Write **pending** to see what waits for you, or **show ID** for one decision."
)
PENDING_LINE = "- {decision_id} · {use_case} · {risk_tier} risk · stage {stage}"
FEEDBACK_THANKS = "Thanks: your feedback is recorded."
RECORDING = "Signoff is recording your click; the card will update once it is done."
