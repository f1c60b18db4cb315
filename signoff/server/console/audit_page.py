"""``/console/audit``: for auditors, the audit trail searched on every field the API's
``/api/v1/audit/events`` takes (decision, actor, kinds, since, until) or overrides
alone; the same export as ``/api/v1/audit/export``, streamed to a signed-in auditor's
session; and the chains' check, the first broken event shown in place in its decision's
timeline. Anyone else gets the forbidden page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from starlette.datastructures import QueryParams

from signoff.adapters.notary import Anchor
from signoff.adapters.store.export import rendered
from signoff.core.contract import operations_chain
from signoff.core.models import AuditKind, ChainedEvent, Principal, Role, VerifyReport
from signoff.server.audit_api import MEDIA
from signoff.server.console.decision_page import event_details
from signoff.server.console.rendering import (
    failure_page,
    forbidden_page,
    page,
    sign_in_redirect,
)
from signoff.server.console.session import Session, signed_in
from signoff.server.context import ServerContext, context

router = APIRouter()
Ctx = Annotated[ServerContext, Depends(context)]

SHOWN = 200
NOT_AN_AUDITOR = "Only auditors read the audit trail here: the directory gives you no auditor role."
FILTER_NAMES = ("decision_id", "actor", "since", "until")


@dataclass(frozen=True)
class AuditSearch:
    """What the search form asked for, as the store's filters, and what it could not read."""

    fields: dict[str, str]
    kinds: list[str]
    overrides_only: bool
    problems: list[str]

    @classmethod
    def of(cls, query: QueryParams) -> AuditSearch:
        fields = {name: (query.get(name) or "").strip() for name in FILTER_NAMES}
        known = {k.value for k in AuditKind}
        kinds = [k for k in query.getlist("kind") if k]
        problems = [f"'{k}' is not an audit event kind." for k in kinds if k not in known]
        for name in ("since", "until"):
            if fields[name] and moment(fields[name]) is None:
                problems.append(f"{name.capitalize()}: '{fields[name]}' is not a date and time.")
        overrides = query.get("overrides") == "1"
        return cls(fields, [k for k in kinds if k in known], overrides, problems)

    @property
    def filters(self) -> dict[str, object]:
        kinds = [AuditKind.OVERRIDDEN.value] if self.overrides_only else self.kinds
        return {
            "decision_id": self.fields["decision_id"] or None,
            "actor": self.fields["actor"] or None,
            "kinds": kinds or None,
            "since": moment(self.fields["since"]),
            "until": moment(self.fields["until"]),
        }

    def query(self, **extra: str) -> list[tuple[str, str]]:
        """The search as query parameters (for the export's links)."""
        pairs = [(name, value) for name, value in self.fields.items() if value]
        pairs += [("kind", k) for k in self.kinds]
        if self.overrides_only:
            pairs.append(("overrides", "1"))
        return pairs + list(extra.items())


def moment(text: str) -> datetime | None:
    """A time as the form sends it (``datetime-local``, read as UTC) or ISO 8601 with a
    zone."""
    if not text:
        return None
    try:
        found = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


async def _auditor(request: Request, ctx: ServerContext) -> tuple[Principal, Session] | Response:
    who = await signed_in(request, ctx)
    if who is None:
        return sign_in_redirect(request)
    person, session = who
    if Role.AUDITOR not in person.roles:
        return await forbidden_page(
            request, ctx, person, session, NOT_AN_AUDITOR, code="not_auditor"
        )
    return who


@dataclass(frozen=True)
class BrokenChain:
    decision_id: str
    seq: int
    problem: str
    timeline: list[tuple[ChainedEvent, list[tuple[str, str]]]]


async def broken_chains(ctx: ServerContext, report: VerifyReport) -> list[BrokenChain]:
    """Each decision's first break, with its timeline to show it in place."""
    found: dict[str, BrokenChain] = {}
    for chain_break in report.breaks:
        if chain_break.decision_id in found:
            continue
        events = await ctx.store.events(chain_break.decision_id)
        found[chain_break.decision_id] = BrokenChain(
            chain_break.decision_id,
            chain_break.seq,
            chain_break.problem,
            [(event, event_details(event)) for event in events],
        )
    return list(found.values())


@router.get("/audit", name="console_audit")
async def audit(request: Request, ctx: Ctx) -> Response:
    who = await _auditor(request, ctx)
    if isinstance(who, Response):
        return who
    person, session = who
    search = AuditSearch.of(request.query_params)
    searched = any(search.fields.values()) or bool(search.kinds) or search.overrides_only
    events: list[ChainedEvent] = []
    report: VerifyReport | None = None
    broken: list[BrokenChain] = []
    try:
        if not search.problems:
            events = await ctx.store.query_events(**search.filters, limit=SHOWN + 1)  # type: ignore[arg-type]
        if request.query_params.get("verify") == "1":
            report = await ctx.store.verify(
                search.fields["decision_id"] or None, anchor=Anchor.for_settings(ctx.settings)
            )
            broken = await broken_chains(ctx, report)
    except Exception as exc:
        return failure_page(request, ctx, exc, person, session)
    return page(
        request,
        "audit.html",
        person=person,
        session=session,
        search=search,
        searched=searched,
        kinds=[k.value for k in AuditKind],
        events=[(event, event_details(event)) for event in events[:SHOWN]],
        more=len(events) > SHOWN,
        shown=SHOWN,
        report=report,
        broken=broken,
        export_query={fmt: search.query(format=fmt) for fmt in MEDIA},
        verify_query=search.query(verify="1"),
        operations_today=operations_chain(datetime.now(UTC)),
    )


@router.get("/audit/export")
async def export(request: Request, ctx: Ctx) -> Response:
    """``/api/v1/audit/export`` for a signed-in auditor's session: every matching event,
    streamed as JSON Lines or CSV."""
    who = await _auditor(request, ctx)
    if isinstance(who, Response):
        return who
    person, session = who
    search = AuditSearch.of(request.query_params)
    fmt = request.query_params.get("format", "jsonl")
    if fmt not in MEDIA or search.problems:
        return page(
            request,
            "failure.html",
            person=person,
            session=session,
            status_code=422,
            sentence=" ".join(search.problems) or f"'{fmt}' is not an export format (jsonl, csv).",
        )
    lines = rendered(
        ctx.store.stream_events(**search.filters, limit=None),  # type: ignore[arg-type]
        fmt=fmt,  # type: ignore[arg-type]
        model=ChainedEvent,
    )
    return StreamingResponse(
        lines,
        media_type=MEDIA[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="signoff-audit.{fmt}"',
            "Cache-Control": "no-store",
        },
    )
