"""Errors as RFC 9457 problem details, with the sentences the CLI prints.

Every failure a caller can cause or meet answers ``application/problem+json`` with one
sentence in ``detail``; the HTTP status carries the kind, and a refusal its stable
``code``, so programs branch on those and people read the sentence.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from signoff.client.failure_sentences import Failure, FailureKind, describe, validation_sentence

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str | None = None
    """A refusal's stable code, or the problem's own short name."""


class ApiProblem(Exception):
    """A failure this server phrased itself (authentication, scope, a bad header)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code: str,
        headers: dict[str, str] | None = None,
        audited: bool = False,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.headers = headers or {}
        self.audited = audited
        """The refusal is in a decision's audit trail already (a 403 otherwise goes into
        the operations trail: :mod:`signoff.server.denials`)."""


STATUS_OF: dict[FailureKind, int] = {
    FailureKind.INVALID: 422,
    FailureKind.POLICY: 422,
    FailureKind.REFUSED: 409,
    FailureKind.NOT_FOUND: 404,
    FailureKind.CONFLICT: 409,
    FailureKind.TOO_LARGE: 413,
    FailureKind.FAILED: 409,
    FailureKind.PENDING: 503,
    FailureKind.SETUP: 500,
    FailureKind.UNAVAILABLE: 503,
    FailureKind.UPSTREAM: 502,
    FailureKind.UNEXPECTED: 500,
}
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid request",
    500: "Internal error",
    502: "Temporal refused the request",
    503: "Unavailable",
}
RETRY_AFTER_S = "1"


CODES = {
    400: "invalid",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}
"""The code of a refusal the framework makes itself (an unknown path, a method not
allowed, a body too large), which names no code of its own."""


def problem_response(
    status: int, detail: str, *, code: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = Problem(
        title=TITLES.get(status, "Error"),
        status=status,
        detail=_sentence(detail),
        code=code or CODES.get(status),
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


FORBIDDEN_REFUSALS = frozenset(
    {
        "not_allowed",
        "not_asked",
        "not_overrider",
        "not_expert",
        "not_involved",
        "separation_of_duties",
        "unknown_person",
        "not_vouched",
        "not_vouched_for",
        "unknown_surface",
        "forged_vouch",
        "stale_vouch",
    }
)
"""Refusals for who the person is (403); the others are for where the decision stands
(409: already final, a stale card, already voted, ...)."""


def failure_response(failure: Failure) -> JSONResponse:
    status = STATUS_OF[failure.kind]
    if failure.kind is FailureKind.REFUSED and failure.code in FORBIDDEN_REFUSALS:
        status = 403
    headers = {"Retry-After": RETRY_AFTER_S} if status == 503 else None
    return problem_response(
        status, failure.sentence, code=failure.code or failure.kind.value, headers=headers
    )


def install(
    app: FastAPI,
    *,
    address: str,
    task_queue: str,
    on_problem_raised: Callable[[Request, ApiProblem], Awaitable[None]] | None = None,
) -> None:
    """Answer every error raised in ``app`` with a problem document; ``on_problem_raised``
    sees each :class:`ApiProblem` first (to audit a refusal)."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiProblem)
        if on_problem_raised is not None:
            await on_problem_raised(request, exc)
        return problem_response(exc.status, exc.detail, code=exc.code, headers=exc.headers)

    async def on_invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        sentence = validation_sentence("request", [_located(e) for e in exc.errors()])
        return problem_response(422, sentence, code=FailureKind.INVALID.value)

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "")
        return problem_response(
            exc.status_code, _sentence(detail), headers=dict(exc.headers or {}) or None
        )

    async def on_failure(_: Request, exc: Exception) -> JSONResponse:
        failure = describe(exc, address=address, task_queue=task_queue)
        if failure.kind is FailureKind.UNEXPECTED:
            log.exception("unexpected failure answering a request", exc_info=exc)
        return failure_response(failure)

    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError
    from temporalio.service import RPCError

    from signoff.core.errors import SignoffError

    app.add_exception_handler(ApiProblem, on_problem)
    app.add_exception_handler(RequestValidationError, on_invalid)
    app.add_exception_handler(StarletteHTTPException, on_http)
    # Known failures are answered where they happen; anything else last of all, by the
    # server-error middleware (which also logs it).
    for known in (SignoffError, ValidationError, RPCError, SQLAlchemyError, Exception):
        app.add_exception_handler(known, on_failure)


def as_problem_documents(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with every 4xx and 5xx answer typed ``application/problem+json``, as
    the handlers above send them (FastAPI types every answer with a model as JSON)."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                if status[:1] in ("4", "5") and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    return document


def _located(error: Any) -> dict[str, Any]:
    """FastAPI's error with its location as a person names it: a body field by its path,
    a header or query parameter as such."""
    where, *path = error.get("loc", ()) or ("",)
    if where == "body":
        loc: tuple[Any, ...] = tuple(path)
    elif where in ("header", "query", "path"):
        loc = (f"{where} {'.'.join(str(p) for p in path)}",)
    else:
        loc = (where, *path)
    return {**error, "loc": loc}


def _sentence(text: str) -> str:
    """``text`` as one sentence: on one line, ending in a full stop, and encodable (a
    detail may quote what a caller sent, and JSON can spell lone surrogates)."""
    text = " ".join(line.strip() for line in text.splitlines() if line.strip()) or "Error"
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if text.endswith((".", "?", "!")) else f"{text}."
