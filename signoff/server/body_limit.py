"""A cap on how much of a request body the server reads: a body declared too large is
refused from its headers, before a byte of it is read, and a body sent without a length
(chunked) is cut off as soon as it passes the cap, so no caller makes the server hold
megabytes it will refuse anyway. A body nested far deeper than any request needs is cut
off as it arrives too, before a parser recurses into it (:mod:`.json_depth`)."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from signoff.core.models._types import MAX_JSON_DEPTH
from signoff.core.models.request import MAX_REQUEST_BYTES
from signoff.server.json_depth import REFUSED_DEPTH, DepthGauge
from signoff.server.problems import problem_response

MAX_BODY_BYTES = 4 * MAX_REQUEST_BYTES
"""The most a body may hold. A request is measured as Signoff writes it (at most
``MAX_REQUEST_BYTES``); what a client sends may be longer for the same request (spaces,
``\\u`` escapes), so the transport allows some room and the request's own measure
decides within it."""
TOO_LARGE = (
    f"The request body is over {MAX_BODY_BYTES // 1024:,} KB; a decision's request may be"
    f" at most {MAX_REQUEST_BYTES // 1024} KB — store large inputs elsewhere and link them"
    " as sources."
)


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a body passes the cap: FastAPI lets an HTTPException
    out of its body parsing as it is, so the problem handlers answer it."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail=TOO_LARGE)


class BodyTooDeep(HTTPException):
    """Raised from ``receive`` once a body nests past what any request needs
    (:mod:`signoff.server.json_depth`), before a parser recurses into it."""

    def __init__(self) -> None:
        super().__init__(
            status_code=422,
            detail=f"Invalid request: the body nests objects and arrays more than"
            f" {REFUSED_DEPTH} deep; a request needs at most {MAX_JSON_DEPTH}.",
        )


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            # Answered from the headers; the server closes the connection rather than
            # read a body nobody asked for.
            await problem_response(413, TOO_LARGE)(scope, receive, send)
            return
        received = 0
        gauge = DepthGauge()

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > self.max_bytes:
                    raise BodyTooLarge
                if gauge.too_deep(chunk):
                    raise BodyTooDeep
            return message

        await self.app(scope, limited, send)
