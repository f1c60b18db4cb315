"""Twenty people click Approve on the same decision at the same moment, ten in Teams and
ten in Slack, each through the real bot's HTTP endpoint; and again, for twenty decisions.

Why: a `first` quorum is decided by whichever click the workflow applies first, and the
nineteen others are refused. Each of the three records of that race — the audit store,
the cards in both chats, the workflow's own state — is written by a different process
at a different time, so under load they can drift apart: a vote stored twice, a refusal
lost or audited twice, a card redrawn from a stale state that names the wrong person, a
bot that times out or fails instead of answering. People see all three records and
trust none of them once two disagree. Every click must also be answered within its
chat's budget (Slack drops an interaction not acked in 3 s; Teams shows an error for an
invoke not answered in about 15 s, and the bot promises an answer within 8 s).

The whole run is collected before anything is asserted, so one failure message tells
which decisions disagree and how.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from signoff.adapters.store import Store
from signoff.core.messages import STATUS_WORDS, VERDICT_WORDS
from signoff.core.models import AuditKind, Status
from signoff.core.settings import Settings
from tests.conftest import Harness, make_request
from tests.helpers.agreement import disagreements
from tests.helpers.bot_connector import BotConnector
from tests.helpers.both_chats import both_chats
from tests.helpers.decisions import final_state
from tests.helpers.slack_api import SlackApi
from tests.helpers.slack_requests import click
from tests.helpers.teams_requests import forget_conversations
from tests.helpers.waiting import eventually

POLICY = "crowd-first-chat"  # p01..p20, the first approval decides; cards in C1 and Teams
DECISIONS = 20
PEOPLE = [f"p{n:02d}" for n in range(1, 21)]
IN_TEAMS = PEOPLE[:10]  # identities aad-p01 .. aad-p10
IN_SLACK = PEOPLE[10:]  # identities UP11 .. UP20
SLACK_BUDGET = 3.0  # Slack's ack deadline
TEAMS_BUDGET = 10.0  # the bot answers within 8 s; Teams itself gives up at about 15 s
GIVE_UP = 30.0  # a request not answered by then is reported as unanswered
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"

_STATUS = "|".join(re.escape(w) for w in sorted(STATUS_WORDS.values(), key=len, reverse=True))
DECIDED_BY = re.compile(rf"^\*?(?P<status>{_STATUS})\*? by (?P<who>.+?)(?: · .*)?$")
VOTED = re.compile(rf"^\S+\s+(?P<who>\S+) (?:{'|'.join(VERDICT_WORDS.values())})\b")


@dataclass
class Answer:
    """One click's HTTP round trip."""

    person: str
    chat: str  # "slack" or "teams"
    status: int | None  # None: no answer within GIVE_UP, or the request failed
    seconds: float
    body: Any = None
    error: str | None = None

    def __str__(self) -> str:
        shown = self.error or (json.dumps(self.body)[:200] if self.body is not None else "")
        return f"{self.person}@{self.chat}: {self.status} in {self.seconds:.2f}s {shown}".strip()


async def timed(person: str, chat: str, send: Callable[[], Awaitable[Any]]) -> Answer:
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        async with asyncio.timeout(GIVE_UP):
            status, body = await send()
    except Exception as err:  # what failed is the finding
        return Answer(person, chat, None, loop.time() - start, error=repr(err))
    return Answer(person, chat, status, loop.time() - start, body=body)


# -- what a card says -------------------------------------------------------------------


def lines_of(node: Any) -> list[str]:
    """Every line of text on a Slack message's blocks or an Adaptive Card, a Teams rich
    text block's runs joined as the reader sees them."""
    if isinstance(node, list):
        return [line for item in node for line in lines_of(item)]
    if not isinstance(node, dict):
        return []
    if node.get("type") == "RichTextBlock":
        runs = node.get("inlines") or []
        return ["".join(r.get("text", "") for r in runs if isinstance(r, dict))]
    lines: list[str] = []
    for key, value in node.items():
        if key == "text" and isinstance(value, str):
            lines += value.split("\n")
        else:
            lines += lines_of(value)
    return lines


@dataclass
class Drawn:
    """One card as drawn in a chat, read as a person would."""

    where: str  # e.g. "slack chat.update #3", "teams PUT #7", "teams answer to p04"
    status_words: str | None  # the message's fallback / summary status
    decided: list[tuple[str, list[str]]]  # (status words, the people it says decided)
    voters: list[str]

    def named(self) -> set[str]:
        return {p for _, people in self.decided for p in people} | set(self.voters)

    def __str__(self) -> str:
        return (
            f"{self.where}: status {self.status_words!r}, decided {self.decided}, "
            f"votes {self.voters}"
        )


def read_card(where: str, content: Any, summary: str | None) -> Drawn:
    lines = [line.strip() for line in lines_of(content)]
    decided = [
        (m["status"], [p.strip() for p in m["who"].split(",")])
        for line in lines
        if (m := DECIDED_BY.match(line))
    ]
    voters = [m["who"] for line in lines if (m := VOTED.match(line))]
    status = summary.rsplit(" — ", 1)[-1] if summary else None
    return Drawn(where, status, decided, voters)


def slack_cards(api: SlackApi, decision_id: str) -> list[Drawn]:
    """The decision's cards posted or updated in Slack, in the order Slack took them."""
    return [
        read_card(f"slack {call.method} #{n}", call.args.get("blocks"), call.args.get("text"))
        for n, call in enumerate(api.calls)
        if call.status == 200
        and call.method in ("chat.postMessage", "chat.update")
        and call.args.get("blocks")
        and decision_id in json.dumps(call.args["blocks"])
    ]


def teams_cards(connector: BotConnector, decision_id: str) -> list[Drawn]:
    """The decision's cards posted or updated through the Bot Framework connector."""
    drawn = []
    for n, call in enumerate(connector.calls):
        cards = [
            a["content"]
            for a in call.body.get("attachments") or []
            if a.get("contentType") == ADAPTIVE_CARD
        ]
        if call.status < 300 and cards and decision_id in json.dumps(cards):
            where = f"teams {call.method} {call.conversation_id} #{n}"
            drawn.append(read_card(where, cards, call.body.get("summary")))
    return drawn


def answered_cards(answers: list[Answer]) -> list[Drawn]:
    """The personal cards the Teams bot answered clicks with."""
    return [
        read_card(f"teams answer to {a.person}", a.body["value"], None)
        for a in answers
        if isinstance(a.body, dict) and a.body.get("type") == ADAPTIVE_CARD
    ]


# -- the spec -------------------------------------------------------------------------------


async def test_twenty_people_clicking_in_slack_and_teams_at_once_leave_store_cards_and_workflow_agreeing_on_twenty_decisions(  # noqa: E501
    dev_env: WorkflowEnvironment,
    each_store: tuple[Settings, Store],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    settings, store = each_store
    harness = Harness(dev_env.client, settings)
    await forget_conversations(store)
    problems: dict[str, list[str]] = {}
    answers: dict[str, list[Answer]] = {}
    winners: dict[str, str] = {}
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with both_chats(harness, store) as chats:
        api, connector = chats.api, chats.connector
        slack_bot, teams = chats.slack_bot, chats.teams

        async def slack_click(decision_id: str, person: str) -> tuple[int, Any]:
            response = await slack_bot.send(
                click(decision_id, "approve", user=f"U{person.upper()}")
            )
            return response.status, None

        async def teams_click(decision_id: str, person: str) -> tuple[int, Any]:
            return await teams.send(teams.execute(decision_id, "approve", aad=f"aad-{person}"))

        async def race(n: int) -> None:
            decision_id = (await harness.signoff.submit(make_request(POLICY))).decision_id
            found = problems.setdefault(decision_id, [])

            async def both_posted() -> bool:
                return bool(slack_cards(api, decision_id)) and bool(
                    teams_cards(connector, decision_id)
                )

            await eventually(both_posted)
            clicks = [
                *(timed(p, "teams", lambda p=p: teams_click(decision_id, p)) for p in IN_TEAMS),
                *(timed(p, "slack", lambda p=p: slack_click(decision_id, p)) for p in IN_SLACK),
            ]
            random.Random(n).shuffle(clicks)  # who is sent first differs per decision
            answered = answers[decision_id] = list(await asyncio.gather(*clicks))
            found += answer_problems(answered)

            state = await final_state(harness, decision_id)
            decided_by = state.outcome.decided_by if state.outcome else []
            if state.status is not Status.APPROVED or len(decided_by) != 1:
                found.append(f"workflow: {state.status.value}, decided by {decided_by}")
            if decided_by:
                winners[decision_id] = decided_by[0]
            found += await store_problems(decision_id, decided_by)
            found += await cards_settled(decision_id, state.status)

        def answer_problems(answered: list[Answer]) -> list[str]:
            found = []
            for a in answered:
                budget = SLACK_BUDGET if a.chat == "slack" else TEAMS_BUDGET
                if a.status != 200 or a.seconds > budget:
                    found.append(f"click not answered 200 within {budget:.0f}s: {a}")
                elif a.chat == "teams" and (
                    not isinstance(a.body, dict) or a.body.get("statusCode") != 200
                ):
                    found.append(f"Teams invoke answered with an error: {a}")
            return found

        async def store_problems(decision_id: str, decided_by: list[str]) -> list[str]:
            found = []

            async def agreeing() -> bool:
                return not await disagreements(harness.signoff, store, decision_id)

            try:
                await eventually(agreeing, timeout=10)
            except AssertionError:
                found += [
                    f"store vs workflow: {p}"
                    for p in await disagreements(harness.signoff, store, decision_id)
                ]
            losers = set(PEOPLE) - set(decided_by)

            async def refusals_in() -> bool:
                events = await store.events(decision_id)
                refused = {e.actor for e in events if e.kind is AuditKind.REFUSED}
                return refused >= losers

            with contextlib.suppress(AssertionError):  # reported below, with the counts
                await eventually(refusals_in, timeout=10)
            events = await store.events(decision_id)
            kinds = Counter(e.kind for e in events)
            if kinds[AuditKind.VOTED] != 1 or kinds[AuditKind.FINALIZED] != 1:
                found.append(
                    f"store: {kinds[AuditKind.VOTED]} voted and "
                    f"{kinds[AuditKind.FINALIZED]} finalized events (want 1 and 1)"
                )
            for event in events:
                if event.kind is AuditKind.FINALIZED:
                    stored = event.data.get("outcome", {}).get("decided_by")
                    if stored != decided_by:
                        found.append(f"store: finalized by {stored}, workflow says {decided_by}")
                if event.kind is AuditKind.VOTED and [event.actor] != decided_by:
                    found.append(f"store: a vote by {event.actor}, workflow says {decided_by}")
            refused = Counter(e.actor for e in events if e.kind is AuditKind.REFUSED)
            wrong = {p: refused[p] for p in PEOPLE if refused[p] != (0 if p in decided_by else 1)}
            if wrong:
                found.append(
                    f"store: refusals per person wrong (winner {decided_by}, each loser "
                    f"exactly once): {dict(sorted(wrong.items()))}"
                )
            strangers = set(refused) - set(PEOPLE)
            if strangers:
                found.append(f"store: refusals by people who did not click: {strangers}")
            return found

        async def cards_settled(decision_id: str, status: Status) -> list[str]:
            """Wait for both chats to show the outcome, then for the redraws to stop."""
            words = STATUS_WORDS[status]
            winner = winners.get(decision_id)

            def shows_outcome(card: Drawn) -> bool:
                return card.status_words == words and card.decided == [(words, [winner])]

            async def final_shown() -> bool:
                slack_now, teams_now = (
                    slack_cards(api, decision_id),
                    teams_cards(connector, decision_id),
                )
                return bool(slack_now and teams_now) and (
                    shows_outcome(slack_now[-1]) and shows_outcome(teams_now[-1])
                )

            try:
                await eventually(final_shown, timeout=10)
            except AssertionError:
                return []  # the last cards are checked, and reported, at the end

            async def quiet() -> bool:
                before = len(api.calls) + len(connector.calls)
                await asyncio.sleep(0.3)
                return len(api.calls) + len(connector.calls) == before

            try:
                await eventually(quiet, timeout=5, every=0)
            except AssertionError:
                return ["cards: the chats were still being redrawn 5 s after the outcome"]
            return []

        async with Worker(dev_env.client, task_queue=harness.task_queue, plugins=[chats.plugin]):
            for n in range(DECISIONS):
                await race(n)
            await asyncio.sleep(1.0)  # any late redraw lands before the cards are read
            for decision_id, found in problems.items():
                found += card_problems(
                    decision_id,
                    winners.get(decision_id),
                    slack_cards(api, decision_id),
                    teams_cards(connector, decision_id),
                    answered_cards(answers.get(decision_id, [])),
                )

    elapsed = loop.time() - started
    report = summary(answers, winners, elapsed)
    print(report)
    failing = {d: found for d, found in problems.items() if found}
    logged = [
        f"{r.levelname} {r.name}: {r.getMessage()[:300]}"
        + (f" [{r.exc_info[0].__name__}: {r.exc_info[1]}]" if r.exc_info and r.exc_info[1] else "")
        for r in caplog.records
        if r.levelno >= logging.WARNING
    ]
    message = [f"{len(failing)} of {len(problems)} decisions disagree or went unanswered:"]
    for decision_id, found in failing.items():
        message.append(f"- {decision_id} (winner {winners.get(decision_id)}):")
        message += [f"    {p}" for p in found]
    message += [report, f"{len(logged)} warnings/errors logged, first 20:", *logged[:20]]
    assert not failing, "\n".join(message)


def card_problems(
    decision_id: str,
    winner: str | None,
    slack: list[Drawn],
    teams: list[Drawn],
    answered: list[Drawn],
) -> list[str]:
    """The last card in each chat shows the outcome, its decider and their vote alone; no
    card the decision ever had named anyone else as having decided or voted."""
    found = []
    words = STATUS_WORDS[Status.APPROVED]
    for chat, drawn in (("slack", slack), ("teams", teams)):
        if not drawn:
            found.append(f"cards: no {chat} card for the decision")
            continue
        last = drawn[-1]
        shown = (last.status_words, last.decided, last.voters)
        if shown != (words, [(words, [winner])], [winner]):
            found.append(f"cards: the last {chat} card does not show '{words} by {winner}': {last}")
    for card in [*slack, *teams, *answered]:
        if card.named() - {winner}:
            found.append(f"cards: names {sorted(card.named() - {winner})} as deciding: {card}")
    return found


def summary(answers: dict[str, list[Answer]], winners: dict[str, str], elapsed: float) -> str:
    by_chat: dict[str, list[Answer]] = {"slack": [], "teams": []}
    for answered in answers.values():
        for a in answered:
            by_chat[a.chat].append(a)
    lines = [
        f"{len(answers)} decisions, {sum(map(len, by_chat.values()))} clicks in {elapsed:.1f}s"
    ]
    for chat, all_answers in by_chat.items():
        seconds = sorted(a.seconds for a in all_answers)
        if not seconds:
            continue
        statuses = Counter(a.status for a in all_answers)
        p50, p95 = seconds[len(seconds) // 2], seconds[int(len(seconds) * 0.95) - 1]
        lines.append(
            f"  {chat}: statuses {dict(statuses)}; latency p50 {p50:.2f}s "
            f"p95 {p95:.2f}s max {seconds[-1]:.2f}s"
        )
        kinds = Counter(answer_kind(a) for a in all_answers if a.body is not None)
        if kinds:
            lines.append(f"  {chat} answers: {dict(kinds)}")
    for n, (decision_id, answered) in enumerate(answers.items()):
        winner = winners.get(decision_id)
        slowest = {c: max(a.seconds for a in answered if a.chat == c) for c in by_chat}
        later = sum(answer_kind(a).startswith("message") for a in answered if a.chat == "teams")
        lines.append(
            f"  #{n:02d} {decision_id}: won by {winner} "
            f"({'teams' if winner in IN_TEAMS else 'slack'}); slowest answer slack "
            f"{slowest['slack']:.2f}s, teams {slowest['teams']:.2f}s; "
            f"{later} Teams clicks answered 'recording'"
        )
    return "\n".join(lines)


def answer_kind(answer: Answer) -> str:
    """What a Teams invoke was answered with: the person's card, a message (e.g. that the
    click is still being recorded, Temporal being slower than the bot waits), an error."""
    body = answer.body
    if not isinstance(body, dict):
        return "not an invoke answer"
    if body.get("type") == "application/vnd.microsoft.activity.message":
        return f"message {str(body.get('value'))[:60]!r}"
    return f"{body.get('statusCode')} {str(body.get('type')).rsplit('.', 1)[-1]}"
