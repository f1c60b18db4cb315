"""DecisionWorkflow: one durable workflow per AI decision, from submission through human
review to the outcome and the feedback window after it.

State changes happen synchronously inside Update handlers and timer wake-ups (see
``lifecycle``); ``outboxes`` carries their side effects out through activities, and an
Update returns only once its audit events are durably recorded.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from temporalio import workflow
from temporalio.common import RawValue
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from signoff.activities import (
        PeopleInput,
        PlanningActivities,
        PlanResolveInput,
        PreviousRunInput,
    )
    from signoff.core import messages, temporal_ui
    from signoff.core.contract import (
        DECISION_WORKFLOW,
        STARTED_UPDATE,
        STATE_QUERY,
        DecisionCarry,
        DecisionWorkflowInput,
        ErrorType,
        RefusalCode,
        workflow_id_for,
    )
    from signoff.core.models import (
        Action,
        ActionKind,
        ActionResult,
        DecisionState,
        Outcome,
        Status,
    )
    from signoff.core.policy import (
        Refusal,
        check,
        check_arrival,
        is_repeat_vote,
        people_outside_plan,
        route,
        unknown_people_refusal,
    )
    from signoff.core.vouching import UNVOUCHED, vouch_record, vouch_refusal
    from signoff.workflows.effects import LOCAL, Effects
    from signoff.workflows.human_actions import apply
    from signoff.workflows.lifecycle import Lifecycle
    from signoff.workflows.patches import (
        AUTOMATIC_ANSWERED_AT_ONCE,
        CARRY_CHECKED,
        PEOPLE_FROM_DIRECTORY,
        SEARCH_ATTRIBUTES_ON_ACTION,
        TIMEOUT_KEEPS_EDIT,
        Patches,
    )
    from signoff.workflows.search_upserts import search_updates
    from signoff.workflows.timers import fire_due_timers, next_timer

REFUSED = ErrorType.REFUSED


def _taken_by_another(earlier: ActionResult, action: Action) -> Refusal | None:
    """An action id names one person's action: someone else reusing it is refused rather
    than told the first person's result (results kept before ``actor`` was recorded
    cannot tell, and are answered as before)."""
    if earlier.actor is None or earlier.actor == action.actor:
        return None
    return Refusal(code="action_id_taken", message=messages.ACTION_ID_TAKEN)


def _continued_as_new(info: workflow.Info) -> bool:
    """Whether this run was started by continue-as-new: a previous run, and neither a
    retry of one (``attempt`` > 1) nor a cron schedule's next run, which also name it."""
    return bool(info.continued_run_id) and info.attempt == 1 and not info.cron_schedule


def _decision_input(raw: RawValue) -> DecisionWorkflowInput:
    """The start input, decoded here rather than by the SDK: an input the SDK cannot
    decode fails the workflow *task*, which Temporal retries forever, so a raw start with
    ``confidence: 1.5`` would sit RUNNING and broken. Decoded here, it fails the workflow
    at once, non-retryably, with the reason. A request naming another decision than the
    workflow id does would write into that decision's audit chain, and fails alike. (No
    patch: an undecodable start never completed a workflow task, and Signoff's clients
    always name the workflow by its request, so no recorded history replays differently.)"""
    try:
        decoded = workflow.payload_converter().from_payload(raw.payload, DecisionWorkflowInput)
        if not isinstance(decoded, DecisionWorkflowInput):  # JSON null, another encoding
            shown = f"a decision's input is an object, not {type(decoded).__name__}."
        elif workflow.info().workflow_id != workflow_id_for(decoded.request.id):
            # Its audit would be written into the chain of the decision the request names.
            shown = f"the request's id '{decoded.request.id}' does not match the workflow id."
        else:
            return decoded
    except ValidationError as err:
        problems = [
            ".".join(str(part) for part in item["loc"]) + ": " + item["msg"]
            for item in err.errors(include_url=False)[:3]
        ]
        shown = "; ".join(problems) + "."
    except Exception as err:  # not JSON, an unknown encoding: nothing to name in it
        shown = f"{type(err).__name__}: {err}"
    raise ApplicationError(
        messages.INVALID_INPUT.format(problem=shown),
        type=ErrorType.INVALID_INPUT,
        non_retryable=True,
    )


def _human_action(kind: ActionKind) -> Any:
    """The Update named for ``kind``: validated before anything reaches history, then
    applied by :meth:`DecisionWorkflow._act`."""

    # ``self`` stays unannotated: the SDK leaves only an unannotated ``self`` out of
    # the Update's argument types.
    async def update(self, action: Action) -> ActionResult:
        return await self._act(action)

    def validate(self, action: Action) -> None:
        self._validate(action)

    update.__name__ = update.__qualname__ = kind.value
    handler = workflow.update(name=kind.value)(update)
    handler.validator(validate)
    return handler


@workflow.defn(name=DECISION_WORKFLOW, sandboxed=False)
class DecisionWorkflow:
    """One decision. Its interface: the ``run`` input, the ``started`` Update, the
    ``state`` query, and one Update per :class:`ActionKind` below.

    Not sandboxed: the sandbox re-imports this module for every decision and runs each
    payload's serialization context through it, a third of the worker's CPU per
    decision (bench/README.md). It keeps no module state, and the test suite runs it in
    the sandbox (``Settings.workflow_sandbox``) so a non-deterministic call still fails
    there; recorded histories replay in the sandbox too (tests/replay)."""

    approve = _human_action(ActionKind.APPROVE)
    reject = _human_action(ActionKind.REJECT)
    edit = _human_action(ActionKind.EDIT)
    request_changes = _human_action(ActionKind.REQUEST_CHANGES)
    escalate = _human_action(ActionKind.ESCALATE)
    delegate = _human_action(ActionKind.DELEGATE)
    comment = _human_action(ActionKind.COMMENT)
    override = _human_action(ActionKind.OVERRIDE)
    cancel = _human_action(ActionKind.CANCEL)
    thumb = _human_action(ActionKind.THUMB)
    correction = _human_action(ActionKind.CORRECTION)
    ground_truth = _human_action(ActionKind.GROUND_TRUTH)

    @workflow.init
    def __init__(self, raw_input: RawValue) -> None:
        input = self._input = _decision_input(raw_input)
        carry = input.carry
        # A carried state is this decision's own past, handed over by continue-as-new;
        # anyone can put one in a start request, so only a continued run may use it. A
        # retry or a cron run also names the run before it, with the starter's input.
        self._forged_carry = carry is not None and not _continued_as_new(workflow.info())
        if self._forged_carry:
            carry = None
        # A new run's behaviours come with its plan; a continued or replaying one asks
        # for its gathering patch (a new run's replay finds none, then reads its plan).
        self._patches = Patches(fresh=input.carry is None and not workflow.unsafe.is_replaying())
        # Even a continued run may have been continued by someone else's workflow: its
        # carry is taken up only once run() has checked the run before it (patch
        # carry-checked); until then, actions are asked to try again in a moment.
        self._unchecked_carry: DecisionCarry | None = None
        if carry is not None and self._patches.has(CARRY_CHECKED):
            self._unchecked_carry, carry = carry, None
        self._life: Lifecycle | None = None
        self._applied: dict[str, ActionResult] = {}
        self._effects: Effects | None = None
        if carry is not None:
            self._take_up(carry)
        self._startup_error: str | None = None
        self._closing = False
        self._handing_over = False
        self._search: dict[str, object] = {}

    # -- run ---------------------------------------------------------------------------

    @workflow.run
    async def run(self, raw_input: RawValue) -> Outcome:
        input = self._input
        if self._unchecked_carry is not None:
            problem = await workflow.execute_local_activity_method(
                PlanningActivities.check_previous_run,
                PreviousRunInput(
                    workflow_id=workflow.info().workflow_id,
                    run_id=workflow.info().continued_run_id or "",
                ),
                start_to_close_timeout=LOCAL,
            )
            self._forged_carry = problem is not None
            if problem is None:
                self._take_up(self._unchecked_carry)
            self._unchecked_carry = None
        if self._forged_carry:
            raise ApplicationError(
                messages.FORGED_CARRY, type=ErrorType.FORGED_CARRY, non_retryable=True
            )
        if self._life is None:
            self._life = await self._begin(input)
        if self._effects is None:
            self._effects = Effects(self._life, self._patches, audited=0)
        self._effects.start()
        await self._review()
        hand_over = await self._learn(input)
        self._closing = True
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._effects.close()
        if hand_over:
            # Taken only now: a handler that was still looking someone up in the
            # directory has since applied its action and moved the audit's seq on.
            carry = DecisionCarry(
                state=self._life.state, next_seq=self._life.next_seq, applied=self._applied
            )
            workflow.continue_as_new(input.model_copy(update={"carry": carry}))
        assert self._life.state.outcome is not None
        return self._life.state.outcome

    async def _begin(self, input: DecisionWorkflowInput) -> Lifecycle:
        try:
            plan = await workflow.execute_local_activity_method(
                PlanningActivities.resolve_plan,
                PlanResolveInput(
                    request=input.request,
                    submission=input.submission,
                    behaviours=self._patches.offered,
                ),
                start_to_close_timeout=LOCAL,
            )
        except ActivityError as err:
            # Let a waiting `started` Update report why before the workflow fails.
            self._startup_error = str(err.cause or err)
            await workflow.wait_condition(workflow.all_handlers_finished)
            raise ApplicationError(self._startup_error, type=ErrorType.INVALID_POLICY) from err
        self._patches.adopt(plan.behaviours)
        return Lifecycle.begin(
            input.request, plan, route(input.request, plan.policy), workflow.now()
        )

    async def _review(self) -> None:
        life = self._require_life()
        while not life.state.status.is_final:
            self._upsert_search()
            seen, due = life.state.version, next_timer(life)
            now = workflow.now()
            if due is None or due > now:
                try:
                    await workflow.wait_condition(
                        lambda seen=seen: life.state.version != seen,
                        timeout=(due - now).total_seconds() if due else None,
                    )
                    continue
                except TimeoutError:
                    pass
            if life.state.edit is not None and not life.timeout_keeps_edit:
                life.timeout_keeps_edit = self._patches.has(TIMEOUT_KEEPS_EDIT)
            fire_due_timers(life, max(workflow.now(), due or now))
        self._upsert_search()

    async def _learn(self, input: DecisionWorkflowInput) -> bool:
        """Accept feedback until the window closes; True when the history grew long
        enough to hand over to a fresh run (carrying the applied action ids)."""
        life = self._require_life()
        until = life.state.feedback_until
        assert until is not None
        info = workflow.info()

        def too_long() -> bool:
            return (
                info.is_continue_as_new_suggested()
                or info.get_current_history_length() > input.continue_as_new_after_events
            )

        if workflow.now() >= until:
            return False
        try:
            await workflow.wait_condition(
                too_long, timeout=(until - workflow.now()).total_seconds()
            )
        except TimeoutError:
            return False
        self._handing_over = True
        return True

    def _take_up(self, carry: DecisionCarry) -> None:
        self._life = Lifecycle(carry.state, carry.next_seq)
        self._applied = dict(carry.applied)
        self._effects = Effects(self._life, self._patches, audited=carry.next_seq)

    # -- human actions -----------------------------------------------------------------

    def _validate(self, action: Action) -> None:
        """Refuse before anything is written to history; the client audits the refusal."""
        if workflow.current_update_info().name != action.kind.value:  # type: ignore[union-attr]
            raise ApplicationError("the action's kind does not match the update", type=REFUSED)
        if action.action_id in self._applied:
            taken = _taken_by_another(self._applied[action.action_id], action)
            if taken is not None:
                raise ApplicationError(taken.message, taken.code, type=REFUSED)
            return
        if self._life is None:
            raise ApplicationError(messages.STILL_STARTING, RefusalCode.STARTING, type=REFUSED)
        if self._handing_over:
            raise ApplicationError(messages.HANDING_OVER, RefusalCode.RETRY, type=REFUSED)
        if self._closing:
            raise ApplicationError(messages.FEEDBACK_CLOSED, RefusalCode.CLOSED, type=REFUSED)
        refusal = check(self._life.state, action) or check_arrival(self._life.state, action)
        if refusal is not None:
            raise ApplicationError(refusal.message, refusal.code, type=REFUSED)

    async def _act(self, action: Action) -> ActionResult:
        life = self._require_life()
        refusal = self._vouch_refusal(action)
        if refusal is None and action.action_id not in self._applied:
            refusal = await self._unknown_people(action)
        if refusal is None and action.action_id in self._applied:  # also one applied meanwhile
            earlier = self._applied[action.action_id]
            refusal = _taken_by_another(earlier, action)
            if refusal is None:
                return earlier.model_copy(update={"duplicate": True})
        now = workflow.now()
        refusal = refusal or check(life.state, action)
        if refusal is not None:
            # Not vouched for, someone the directory does not know, an action id that is
            # someone else's, or another update changed the decision since validation.
            life.refused(action, refusal, now)
            await self._require_effects().audited_through(life.next_seq)
            raise ApplicationError(refusal.message, refusal.code, RefusalCode.AUDITED, type=REFUSED)
        record = None
        if life.state.plan.surfaces is not None:
            # The action as signed is kept with its events (signoff dev accepting unvouched
            # ones says so instead); the surface that vouched is where it came from,
            # whatever it said.
            record = vouch_record(action) if action.vouch is not None else UNVOUCHED
            if action.vouch is not None:
                action = action.model_copy(update={"via": action.vouch.surface})
        if is_repeat_vote(life.state, action):
            result = self._result(action, applied=False, message=messages.ALREADY_VOTED)
        else:
            with life.vouched(action.actor, record):
                result = self._result(action, applied=True, message=apply(life, action, now))
            if self._patches.has(SEARCH_ATTRIBUTES_ON_ACTION):
                self._upsert_search()
        self._applied[action.action_id] = result
        await self._require_effects().audited_through(life.next_seq)
        return result

    def _vouch_refusal(self, action: Action) -> Refusal | None:
        """Refuses an action no trusted surface vouched for. Decisions planned before
        vouching (no ``surfaces`` in their plan, which history holds) accept any action
        as they did, so decisions in flight replay unchanged without a patch."""
        state = self._require_life().state
        plan = state.plan
        if plan.surfaces is None or (action.vouch is None and plan.unvouched_accepted):
            return None
        return vouch_refusal(
            plan.surfaces, state.decision_id, action, workflow.now(), plan.vouch_fresh_for
        )

    async def _unknown_people(self, action: Action) -> Refusal | None:
        """Refuses an actor or delegate the directory does not have (asking the worker's
        directory only about people the plan does not already name)."""
        if not self._patches.has(PEOPLE_FROM_DIRECTORY):
            return None
        outside = people_outside_plan(self._require_life().state, action)
        if not outside:
            return None
        unknown = await workflow.execute_local_activity_method(
            PlanningActivities.unknown_people,
            PeopleInput(ids=outside),
            start_to_close_timeout=LOCAL,
        )
        return unknown_people_refusal(unknown) if unknown else None

    def _result(self, action: Action, *, applied: bool, message: str) -> ActionResult:
        state = self._require_life().state
        return ActionResult(
            decision_id=state.decision_id,
            action_id=action.action_id,
            applied=applied,
            duplicate=not applied,
            status=state.status.value,
            message=message,
            actor=action.actor,
        )

    @workflow.update(
        name=STARTED_UPDATE, unfinished_policy=workflow.HandlerUnfinishedPolicy.ABANDON
    )
    async def started(self) -> DecisionState:
        """Waits until the policy is resolved and routed; fails when it cannot be. When
        the workflow fails first, the caller reads the failure from the workflow."""
        await workflow.wait_condition(
            lambda: (
                (self._effects is not None and self._effects.running)
                or self._startup_error is not None
            )
        )
        if self._life is None:
            raise ApplicationError(self._startup_error or "", type=ErrorType.INVALID_POLICY)
        effects = self._require_effects()
        if effects.audits_from_history and not self._answered_from_history():
            # The submitter may read the audit next: answer once the first events are in.
            await effects.audited_through(self._life.next_seq)
        return self._life.state

    def _answered_from_history(self) -> bool:
        """An automatic decision is what an agent asks before every action, so it is
        answered in the workflow task that routed it: that task's commands put its audit
        events in history as the audit activity's input, which the store then receives
        (patch automatic-answered-at-once). A person's decision still answers once the
        store has them, as the card and the reviewer read from there."""
        automatic = self._require_life().state.status is Status.AUTO_APPROVED
        return automatic and self._patches.has(AUTOMATIC_ANSWERED_AT_ONCE)

    @workflow.query(name=STATE_QUERY)
    def state(self) -> DecisionState:
        return self._require_life().state

    # -- helpers -----------------------------------------------------------------------

    def _upsert_search(self) -> None:
        state = self._require_life().state
        updates, self._search = search_updates(state, self._search)
        if updates:
            workflow.upsert_search_attributes(updates)
        # Not in history: the Web UI reads it through a query, so replay is unchanged.
        workflow.set_current_details(temporal_ui.current_details(state))

    def _require_effects(self) -> Effects:
        assert self._effects is not None, "the decision has not started"
        return self._effects

    def _require_life(self) -> Lifecycle:
        assert self._life is not None, "the decision has not started"
        return self._life
