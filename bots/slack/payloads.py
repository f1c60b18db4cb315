"""What Slack posts to the bot, read into small models before anything acts on it.

Two checks, at two depths:

- :func:`readable` is the envelope: the fields slack-bolt itself reads to route a request
  and build its context (``team``, ``user``, ``channel``, ``event``, ``view``, ``actions``
  ...). Bolt indexes into them unguarded, so a signed body of another shape would make it
  throw, and the server answers such a body 400 before Bolt sees it.
- :meth:`Click.of` and :meth:`Submission.of` are what the listeners need (the button's
  value, who clicked, the modal's ``private_metadata`` and answers). They run before
  ``ack()``, and raise :class:`PayloadError` with the sentence to show the person: a
  listener that raises after ``ack()`` makes Bolt drop the ack and Slack show an error.

Idempotency keys: a click's is its ``action_ts`` (or ``trigger_id``), a submission's its
view id, so a request Slack delivers twice carries the same key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator

from signoff.bots.slack import slack_messages as messages
from signoff.bots.slack.modals import DELEGATE, REASON, TEXT, VERDICT, ModalContext
from signoff.core.models import DecisionId

__all__ = [
    "Click",
    "PayloadError",
    "Submission",
    "channel_of",
    "readable",
    "user_of",
    "who",
]

PREFIX = "signoff:"


class PayloadError(ValueError):
    """A payload the bot cannot act on; ``str(error)`` is the sentence for the person."""


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Named(_Open):
    """A team, user, channel or enterprise as an object (Bolt reads its ``id``)."""

    id: str | None = None


_Ref = str | _Named | None
_NESTED = ("event", "message", "previous_message", "item", "assistant_thread")


class _Context(_Open):
    """Where Bolt looks for who and where: at the top and, recursively, in the nested
    objects of events (``event``, ``message``, ``item``, ``authorizations[0]``...)."""

    type: str | None = None
    team: _Ref = None
    user: _Ref = None
    channel: _Ref = None
    enterprise: _Ref = None
    team_id: str | None = None
    user_id: str | None = None
    channel_id: str | None = None
    enterprise_id: str | None = None
    user_team: str | None = None
    thread_ts: str | None = None
    is_enterprise_install: bool | str | None = None
    is_ext_shared_channel: bool | None = None
    authorizations: list[_Context] | None = None
    event: _Context | None = None
    message: _Context | None = None
    previous_message: _Context | None = None
    item: _Context | None = None
    assistant_thread: _Context | None = None

    @model_validator(mode="before")
    @classmethod
    def _objects_where_slack_sends_objects(cls, data: Any) -> Any:
        # Bolt reads some of these as ``payload.get("event", {}).get(...)``: null breaks it.
        if isinstance(data, dict) and any(
            key in data and not isinstance(data[key], dict) for key in _NESTED
        ):
            raise ValueError(f"{', '.join(_NESTED)} are objects when present")
        return data


class _Action(_Open):
    action_id: str
    block_id: str | None = None


class _View(_Open):
    type: str
    callback_id: str
    team_id: str | None = None
    app_installed_team_id: str | None = None


class _ResponseUrl(_Open):
    response_url: str | None = None


class _Envelope(_Context):
    """Every payload Slack posts: interactivity, slash commands, the Events API."""

    actions: list[_Action] | None = None
    view: _View | None = None
    callback_id: str | None = None
    command: str | None = None
    response_url: str | None = None
    response_urls: list[_ResponseUrl] | None = None

    @model_validator(mode="before")
    @classmethod
    def _view_and_actions_when_present(cls, data: Any) -> Any:
        # Bolt's log of an unhandled request reads ``view`` whenever the key is there.
        if isinstance(data, dict) and (
            ("view" in data and not isinstance(data["view"], dict))
            or ("actions" in data and not isinstance(data["actions"], list))
        ):
            raise ValueError("view is an object and actions a list when present")
        return data

    @model_validator(mode="after")
    def _what_its_type_needs(self) -> _Envelope:
        needed = _NEEDS.get(self.type or "")
        if needed is not None and not getattr(self, needed):
            raise ValueError(f"a {self.type} payload needs {needed}")
        if self.type == "event_callback" and (self.event is None or self.event.type is None):
            raise ValueError("an event callback needs its event's type")
        return self


_NEEDS = {
    "block_actions": "actions",
    "view_submission": "view",
    "view_closed": "view",
    "shortcut": "callback_id",
    "message_action": "callback_id",
    "event_callback": "event",
}


def readable(body: object) -> bool:
    """Whether a parsed body has the documented shape Bolt needs to route it."""
    try:
        _Envelope.model_validate(body)
    except ValidationError:
        return False
    return True


# -- what the listeners need ----------------------------------------------------------


class _User(_Open):
    id: str = Field(min_length=1)


class _ButtonValue(BaseModel):
    """What :func:`signoff.bots.slack.blocks.button_value` puts in a button's value."""

    d: DecisionId
    s: StrictInt | None = None


class _Clicked(_Open):
    type: Literal["block_actions"] = "block_actions"
    actions: list[_Action] = Field(min_length=1)


@dataclass(frozen=True)
class Click:
    """One click on a card's button."""

    name: str  # the button, e.g. "approve" for action id "signoff:approve"
    decision_id: str
    stage: int | None
    user: str  # the clicking Slack user
    channel: str | None
    action_id: str  # the idempotency key
    trigger_id: str | None = None  # opens a modal, for 3 s

    @classmethod
    def of(cls, body: dict[str, Any]) -> Click:
        """Raises PayloadError: the button is not one of Signoff's, or Slack did not say
        who clicked."""
        try:
            action = _Clicked.model_validate(body).actions[0]
            value = _ButtonValue.model_validate_json(_text(action, "value"))
        except ValidationError as err:
            raise PayloadError(messages.BAD_BUTTON) from err
        user = user_of(body)
        name = action.action_id.removeprefix(PREFIX)
        ts = _text(action, "action_ts") or _text(body, "trigger_id")
        return cls(
            name=name,
            decision_id=value.d,
            stage=value.s,
            user=user,
            channel=channel_of(body),
            action_id=f"slack:{user}:{name}:{ts}"[:200],
            trigger_id=_text(body, "trigger_id") or None,
        )


class _State(_Open):
    values: dict[str, dict[str, dict[str, Any]]] = Field(default_factory=dict)


class _Submitted(_Open):
    id: str = Field(min_length=1)
    private_metadata: str
    state: _State = Field(default_factory=_State)


@dataclass(frozen=True)
class Submission:
    """A submitted Signoff modal."""

    context: ModalContext
    user: str
    action_id: str
    values: dict[str, str | None]  # block id -> the value entered

    @classmethod
    def of(cls, body: dict[str, Any]) -> Submission:
        """Raises PayloadError: the form is not one of Signoff's, its answers cannot be
        read, or Slack did not say who submitted it."""
        try:
            view = _Submitted.model_validate(body.get("view"))
        except ValidationError as err:
            raise PayloadError(messages.UNREADABLE_FORM) from err
        try:
            context = ModalContext.load(view.private_metadata)
        except ValueError as err:
            raise PayloadError(messages.UNKNOWN_FORM) from err
        values: dict[str, str | None] = {}
        for block_id, action_id in (REASON, TEXT, DELEGATE, VERDICT):
            element = view.state.values.get(block_id, {}).get(action_id)
            if element is not None:
                values[block_id] = _input_value(element)
        return cls(
            context=context,
            user=user_of(body),
            action_id=f"slack:view:{view.id}"[:200],
            values=values,
        )


def user_of(body: dict[str, Any]) -> str:
    """The Slack user who clicked, submitted or typed a command.

    Raises:
        PayloadError: Slack did not say (no ``user`` object with an id, nor a command's
            ``user_id``).
    """
    user = who(body)
    if user is None:
        raise PayloadError(messages.WHO_ARE_YOU)
    return user


def who(body: dict[str, Any]) -> str | None:
    """:func:`user_of`, or None."""
    try:
        return _User.model_validate(body.get("user")).id
    except ValidationError:
        user_id = body.get("user_id")
        return user_id if isinstance(user_id, str) and user_id else None


def channel_of(body: dict[str, Any]) -> str | None:
    """The conversation clicked in, where an ephemeral answer can go (None in a modal)."""
    channel = body.get("channel")
    found = channel.get("id") if isinstance(channel, dict) else None
    return found if isinstance(found, str) and found else None


def _input_value(element: dict[str, Any]) -> str | None:
    """An input's answer: a picked user, a chosen option's value, or non-blank text."""
    if isinstance(element.get("selected_user"), str):
        return element["selected_user"]
    option = element.get("selected_option")
    if isinstance(option, dict):
        value = option.get("value")
        return value if isinstance(value, str) else None
    value = element.get("value")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _text(data: BaseModel | dict[str, Any], key: str) -> str:
    """A string field, or empty when missing or of another type."""
    value = data.get(key) if isinstance(data, dict) else getattr(data, key, None)
    return value if isinstance(value, str) else ""
