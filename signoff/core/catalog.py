"""Policies and the people directory, loaded from YAML and checked against each other.

People edit these files by hand, so every mistake is reported as one :class:`ConfigError`
naming the file, the field (``policies[refunds].stages[0].quorum``) and, where the YAML
says, the line: a worker should refuse to start on a typo rather than fail a decision
hours later when a stage turns out to have nobody to ask.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from signoff.core import messages
from signoff.core.models import (
    AutonomyLevel,
    DecisionPlan,
    DecisionRequest,
    Directory,
    OAuthClientGrant,
    PlannedStage,
    PolicyFloor,
    ReviewPolicy,
    Role,
    Stage,
    TrustedSurface,
    Vouch,
)
from signoff.core.models.directory import Principal
from signoff.core.models.routing import RoutingVersion
from signoff.core.policy.webhook_hosts import unallowed_webhook_host
from signoff.core.settings import Settings
from signoff.core.signing import key_id_of, public_key
from signoff.core.vouching import submission_refusal

__all__ = [
    "CHANGE_POLICY_PREFIX",
    "CHANGE_USE_CASE",
    "Catalog",
    "ConfigError",
    "UnknownPolicyError",
    "check_policies_against",
    "load_directory",
    "load_oauth_clients",
    "load_policies",
]

_SIMPLE_NAME = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:@")
_M = TypeVar("_M", bound=BaseModel)
_Loc = tuple[str | int, ...]


class _Problem(NamedTuple):
    field: str
    message: str
    loc: _Loc = ()  # where in the raw YAML, to find the line


class ConfigError(Exception):
    """A policy or directory file that cannot be used, with where and why.

    Attributes:
        path: The file at fault, when there is one.
        field: The dotted path of the first field at fault, e.g. ``people[2].id``.
    """

    def __init__(self, message: str, *, path: Path | None = None, field: str | None = None):
        super().__init__(message)
        self.path = path
        self.field = field


class UnknownPolicyError(ConfigError):
    """A request named a policy the catalog does not have."""

    def __init__(self, name: str, known: list[str]):
        listed = ", ".join(repr(k) for k in sorted(known)) or "none"
        super().__init__(f"unknown policy {name!r}; known policies: {listed}", field="policy")
        self.name = name
        self.known = sorted(known)


def load_policies(path: Path) -> dict[str, ReviewPolicy]:
    """Read a ``policies:`` file into policies by name.

    Raises:
        ConfigError: the file is missing, not YAML, or a policy is invalid or repeated.
    """
    policies = _load_entries(path, "policies", ReviewPolicy, "name", "policy name", ("floor",))
    return {policy.name: policy for policy in policies}


def load_floor(path: Path) -> PolicyFloor:
    """Read the ``floor:`` beside the policies (none: separation of duties only).

    Raises:
        ConfigError: the floor is not a valid :class:`PolicyFloor`.
    """
    _read_list(path, "policies", ("floor",))  # the file's own problems, reported as ever
    raw = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("floor") or {}
    problems: list[_Problem] = []
    floor = _validate(PolicyFloor, raw, "floor", ("floor",), problems)
    _raise(path, problems, {})
    assert floor is not None
    return floor


def load_directory(path: Path) -> Directory:
    """Read a ``people:`` file into a :class:`Directory`.

    Raises:
        ConfigError: the file is missing, not YAML, or a person is invalid or repeated.
    """
    return Directory(people=_load_entries(path, "people", Principal, "id", "principal id"))


def load_oauth_clients(path: Path) -> dict[str, OAuthClientGrant]:
    """Read a ``clients:`` file into the registered OAuth clients by client id (none
    without the file: applications then use API keys alone).

    Raises:
        ConfigError: the file is not YAML, or an entry is invalid or repeated.
    """
    if not path.exists():
        return {}
    clients = _load_entries(path, "clients", OAuthClientGrant, "client_id", "OAuth client id")
    return {client.client_id: client for client in clients}


class _SurfaceEntry(BaseModel):
    name: str
    public_key: str
    vouches_for: list[str] | Literal["anyone"] = "anyone"


def load_surfaces(path: Path) -> list[TrustedSurface]:
    """Read a ``surfaces:`` file (none yet: no surface is trusted, and every action not
    vouched for is refused).

    Raises:
        ConfigError: the file is not YAML, or an entry is invalid or its key unreadable.
    """
    if not path.exists():
        return []
    entries = _load_entries(path, "surfaces", _SurfaceEntry, "name", "surface name")
    trusted = []
    for index, entry in enumerate(entries):
        try:
            key_id = key_id_of(public_key(entry.public_key))
        except ValueError as exc:
            raise ConfigError(
                f"{path}: surfaces[{index}].public_key is not an Ed25519 public key ({exc})",
                path=path,
                field=f"surfaces[{index}].public_key",
            ) from exc
        trusted.append(TrustedSurface(key_id=key_id, **entry.model_dump()))
    return trusted


def check_policies_against(
    directory: Directory, policies: dict[str, ReviewPolicy], *, source: Path | None = None
) -> None:
    """Refuse policies that name people the directory does not have.

    A stage whose approvers resolve to nobody (or to fewer people than its quorum needs)
    could never be answered, so it is caught when the files are loaded.

    Raises:
        ConfigError: naming the policy, the stage and the reference that matches nobody.
    """
    problems = [p for policy in policies.values() for p in _unresolved(directory, policy)]
    _raise(source, problems, {})


class Catalog(BaseModel):
    """The policies, people and trusted surfaces a worker plans decisions with."""

    policies: dict[str, ReviewPolicy]
    directory: Directory
    floor: PolicyFloor = PolicyFloor()
    inline_policies_from_anyone: bool = False
    """``signoff dev``: any requester may submit an inline policy (within the floor)."""
    surfaces: list[TrustedSurface] = []
    webhook_allowed_hosts: list[str] = []
    """Hosts an inline policy's webhook channels may post to (the catalog's may name any)."""
    vouch_fresh_for: timedelta | None = timedelta(minutes=10)
    accept_unvouched: bool = False

    @classmethod
    def load(cls, settings: Settings, *, dev: bool = False) -> Catalog:
        """Load and cross-check ``settings.policies_file``, ``settings.directory_file`` and
        the surfaces file. ``dev`` (``signoff dev`` alone sets it; no setting can) is what
        allows ``accept_unvouched_actions``."""
        if settings.accept_unvouched_actions and not dev:
            raise ConfigError(
                "SIGNOFF_ACCEPT_UNVOUCHED_ACTIONS lets anyone with access to Temporal act as"
                " anyone; only `signoff dev` accepts it. Give each surface a key instead"
                " (`signoff keys surface`).",
                field="accept_unvouched_actions",
            )
        policies = load_policies(settings.policies_file)
        directory = load_directory(settings.directory_file)
        check_policies_against(directory, policies, source=settings.policies_file)
        floor = load_floor(settings.policies_file)
        for policy in policies.values():
            below = floor.standing_violation(policy)
            if below is not None:
                raise ConfigError(f"{settings.policies_file}: {below}", path=settings.policies_file)
        return cls(
            policies=policies,
            directory=directory,
            floor=floor,
            inline_policies_from_anyone=dev,
            surfaces=load_surfaces(settings.surfaces_path),
            webhook_allowed_hosts=settings.webhook_allowed_hosts,
            vouch_fresh_for=settings.vouch_fresh_for,
            accept_unvouched=settings.accept_unvouched_actions,
        )

    def policy(self, name: str) -> ReviewPolicy:
        """The catalog's policy ``name``, or the review of a change to one of them
        (``policy-change.<name>``, see :func:`change_policy`)."""
        try:
            return self.policies[name]
        except KeyError:
            target = name.removeprefix(CHANGE_POLICY_PREFIX)
            if target != name and target in self.policies:
                return change_policy(self.policies[target])
            raise UnknownPolicyError(name, list(self.policies)) from None

    def plan(
        self,
        request: DecisionRequest,
        *,
        submission: Vouch | None = None,
        routing: RoutingVersion | None = None,
    ) -> DecisionPlan:
        """Fix the policy and the people it names for one decision.

        Resolution happens once, when the decision starts, so a later directory edit
        does not change who is asked about a decision already in flight. ``routing``,
        the catalog policy's routing version in force, sets its autonomy and threshold
        (:mod:`signoff.core.models.routing`); the plan's ``policy_version`` names it.

        Raises:
            UnknownPolicyError: the request names a policy the catalog does not have.
            ConfigError: the policy names people the directory does not have.
        """
        requester = request.requester
        if self.directory.get(requester) is None:
            raise ConfigError(
                f"the requester {requester!r} is not in the directory", field="requester"
            )
        if isinstance(request.policy, ReviewPolicy):
            self._allow_inline(request, submission)
            policy, source = request.policy, "inline"
            host = unallowed_webhook_host(policy, self.webhook_allowed_hosts)
            if host is not None:
                message = messages.WEBHOOK_HOST_NOT_ALLOWED.format(host=host)
                raise ConfigError(message, field="policy")
        else:
            policy, source = self.policy(request.policy), "catalog"
            if routing is not None and routing.policy == policy.name:
                policy = routing.change.applied_to(policy)
                source = f"catalog+{routing.label}"
        below = self.floor.violation(policy, request.risk_tier)
        if below is not None:
            raise ConfigError(f"{below}; the operator's floor cannot be lowered", field="policy")
        check_policies_against(self.directory, {policy.name: policy})
        digest = hashlib.sha256(policy.model_dump_json().encode("utf-8")).hexdigest()[:12]
        resolve = self.directory.resolve
        return DecisionPlan(
            policy=policy,
            stages=[self._stage(s, requester) for s in policy.stages],
            overriders=resolve(policy.overriders),
            experts=resolve(policy.ground_truth.experts),
            adjudicators=resolve(policy.ground_truth.adjudicators),
            policy_version=f"{source}:{digest}",
            surfaces=self.surfaces,
            vouch_fresh_for=self.vouch_fresh_for,
            unvouched_accepted=self.accept_unvouched,
        )

    def _allow_inline(self, request: DecisionRequest, submission: Vouch | None) -> None:
        """Policies are the operator's: a request may bring its own only from a policy
        author whose submission a trusted surface vouched for (or in ``signoff dev``)."""
        if self.inline_policies_from_anyone:
            return
        author = self.directory.get(request.requester)
        named = ", ".join(repr(name) for name in sorted(self.policies)) or "none"
        if author is None or Role.POLICY_AUTHOR not in author.roles:
            raise ConfigError(
                f"an inline policy needs a requester with the policy_author role, which"
                f" {request.requester!r} does not have; name a policy from the catalog"
                f" ({named})",
                field="policy",
            )
        refusal = submission_refusal(
            self.surfaces, request, submission, datetime.now(UTC), self.vouch_fresh_for
        )
        if refusal is not None:
            raise ConfigError(
                f"an inline policy needs its submission vouched for by a trusted surface:"
                f" {refusal.message}",
                field="policy",
            )

    def _stage(self, stage: Stage, requester: str) -> PlannedStage:
        """The stage's people, the requester left out: they are never asked about their
        own decision, so they can neither be waited for nor count toward a quorum."""
        people = [p for p in self.directory.resolve(stage.approvers) if p != requester]
        needed = (stage.quorum.n or 1) if stage.quorum.kind == "n_of_m" else 1
        if len(people) < needed:
            raise ConfigError(
                f"stage {stage.name!r} needs {needed} approver(s) besides the requester"
                f" {requester!r}, but asks only {', '.join(people) or 'the requester'}",
                field="policy",
            )
        return PlannedStage(name=stage.name, approvers=people, quorum=stage.quorum)


CHANGE_POLICY_PREFIX = "policy-change."
CHANGE_USE_CASE = "policy-change"


def change_policy(target: ReviewPolicy) -> ReviewPolicy:
    """How a change of ``target``'s autonomy or threshold is reviewed: by its owners
    (its overriders when it names none), in its channels, one of them enough; always by
    people (a change to how much the AI may decide is never decided by an AI)."""
    return ReviewPolicy(
        name=f"{CHANGE_POLICY_PREFIX}{target.name}",
        description=f"A change of how far the AI may decide alone in {target.name!r}.",
        autonomy=AutonomyLevel.SUGGEST,
        stages=[Stage(name="owners", approvers=target.owners or target.overriders)],
        overriders=target.owners or target.overriders,
        channels=target.channels,
        allow_edits=False,
        feedback_window=timedelta(hours=1),
    )


def _unresolved(directory: Directory, policy: ReviewPolicy) -> Iterator[_Problem]:
    base = f"policies[{policy.name}]"
    truth = policy.ground_truth
    references = [
        *(
            (f"{base}.stages[{i}].approvers", s.approvers, f" (stage {s.name!r})")
            for i, s in enumerate(policy.stages)
        ),
        (f"{base}.overriders", policy.overriders, ""),
        (f"{base}.ground_truth.experts", truth.experts, ""),
        (f"{base}.ground_truth.adjudicators", truth.adjudicators, ""),
    ]
    for where, refs, stage in references:
        for ref in refs:
            try:
                directory.resolve([ref])
            except ValueError as exc:
                yield _Problem(where, f"{exc}{stage}")
    for index, stage in enumerate(policy.stages):
        try:
            people = directory.resolve(stage.approvers)
        except ValueError:
            continue  # already reported above
        if stage.quorum.kind == "n_of_m" and (stage.quorum.n or 0) > len(people):
            yield _Problem(
                f"{base}.stages[{index}].quorum",
                f"stage {stage.name!r} needs {stage.quorum.n} approvals but its approvers "
                f"resolve to {len(people)} ({', '.join(people)})",
            )


def _load_entries(
    path: Path, key: str, model: type[_M], name_field: str, noun: str, others: tuple[str, ...] = ()
) -> list[_M]:
    """Validate each entry on its own, so every bad entry is reported, named if possible."""
    entries, lines = _read_list(path, key, others)
    loaded: list[_M] = []
    seen: set[str] = set()
    problems: list[_Problem] = []
    for index, entry in enumerate(entries):
        name = entry.get(name_field) if isinstance(entry, dict) else None
        if isinstance(name, str) and name in seen:
            where = (key, index, name_field)
            message = f"{noun} {name!r} appears twice"
            problems.append(_Problem(f"{key}[{index}].{name_field}", message, where))
            continue
        if isinstance(name, str):
            seen.add(name)
        label = f"{key}[{_label(name, index)}]"
        item = _validate(model, entry, label, (key, index), problems)
        if item is not None:
            loaded.append(item)
    _raise(path, problems, lines)
    return loaded


def _read_list(
    path: Path, key: str, others: tuple[str, ...] = ()
) -> tuple[list[Any], dict[_Loc, int]]:
    """Parse the file, insisting on ``{key: [...]}`` (beside the top-level ``others``);
    also map each node to its line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found", path=path) from None
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start]
        message = f"{path}: not UTF-8 text (byte {exc.start + 1} is 0x{bad:02x})"
        raise ConfigError(message, path=path) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}", path=path) from None
    try:
        data = yaml.safe_load(text)
        lines = dict(_node_lines(yaml.compose(text), ())) if data is not None else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        # PyYAML's messages go on with where, as PyYAML sees it, on lines of their own.
        problem = (getattr(exc, "problem", None) or str(exc) or "unreadable").splitlines()[0]
        raise ConfigError(f"{path}:{where} invalid YAML: {problem}", path=path) from None
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        message = f"{path}: top level: expected a mapping with a {key!r} list, got {got}"
        raise ConfigError(message, path=path)
    extra = [k for k in data if k != key and k not in others]
    if extra:
        message = (
            f"unknown top-level key; the file holds only {', '.join(map(repr, (key, *others)))}"
        )
        _raise(path, [_Problem(_key(extra[0]), message, (str(extra[0]),))], lines)
    if not isinstance(data.get(key), list):
        got = "nothing" if data.get(key) is None else f"a {type(data[key]).__name__}"
        _raise(path, [_Problem(key, f"expected a list, got {got}", (key,))], lines)
    return data[key], lines


def _node_lines(
    node: yaml.Node, loc: _Loc, within: frozenset[int] = frozenset()
) -> Iterator[tuple[_Loc, int]]:
    """Each node's line; an alias of a node it is inside (``&a [*a]``) is not followed,
    so the walk ends (the model then refuses the cycle, naming the field)."""
    if id(node) in within:
        return
    yield loc, node.start_mark.line + 1
    within = within | {id(node)}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _node_lines(value, (*loc, str(key.value)), within)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _node_lines(item, (*loc, index), within)


def _label(name: Any, index: int) -> str:
    """Name an entry by its own name when that is readable, else by its position."""
    if isinstance(name, str) and name and len(name) <= 80 and set(name) <= _SIMPLE_NAME:
        return name
    return str(index)


def _key(key: Any) -> str:
    """A key as a field's path shows it: quoted when it cannot be printed as written (a
    line break in it), so each problem keeps to its line."""
    text = str(key)
    return text if text.isprintable() else repr(text)


def _validate(
    model: type[_M], entry: Any, label: str, loc: _Loc, problems: list[_Problem]
) -> _M | None:
    if not isinstance(entry, dict):
        problems.append(_Problem(label, f"expected a mapping, got {type(entry).__name__}", loc))
        return None
    try:
        return model.model_validate(entry)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            inner = error["loc"]
            field = label + "".join(
                f"[{p}]" if isinstance(p, int) else f".{_key(p)}" for p in inner
            )
            message = error["msg"].removeprefix("Value error, ")
            problems.append(_Problem(field, message, (*loc, *inner)))
        return None


def _raise(path: Path | None, problems: list[_Problem], lines: dict[_Loc, int]) -> None:
    """Raise one error listing every problem, one per line, the first one's field kept."""
    if not problems:
        return
    prefix = f"{path}: " if path else ""
    rendered = [f"{prefix}{p.field}: {p.message}{_line_of(p.loc, lines)}" for p in problems]
    raise ConfigError("\n".join(rendered), path=path, field=problems[0].field)


def _line_of(loc: _Loc, lines: dict[_Loc, int]) -> str:
    """The line of the deepest YAML node on the path (a missing field: its parent's)."""
    for depth in range(len(loc), 0, -1):
        if loc[:depth] in lines:
            return f" (line {lines[loc[:depth]]})"
    return ""
