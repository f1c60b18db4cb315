"""Signing in to the console: the OpenID Connect flow against ``SIGNOFF_OIDC_ISSUER``
(``/console/login`` → the provider → ``/console/callback``), signing out, and under
``signoff dev`` without a provider a dev sign-in that picks a directory person.

The ID token is checked by the same :class:`OidcVerifier` as the API's bearer tokens,
its ``nonce`` must be the one this browser's sign-in started with, and the person is
whoever the directory says its claim names (:func:`person_for`), as for the API.
"""

from __future__ import annotations

import hmac
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from signoff.server.console.provider import PendingSignIn, authorization_url, exchange_code
from signoff.server.console.rendering import page
from signoff.server.console.session import (
    SIGNIN_COOKIE,
    Cookies,
    Session,
    cookies_for,
    end,
    read_form,
    signed_in,
)
from signoff.server.context import ServerContext, context
from signoff.server.oidc import InvalidToken, ProviderUnavailable, person_for

router = APIRouter()
Ctx = Annotated[ServerContext, Depends(context)]

HOME = "/console/"
NO_SECRET = (
    "The console cannot keep anyone signed in: SIGNOFF_CONSOLE_SECRET is not set on this server."
)
NO_PROVIDER = (
    "Nobody can sign in to the console here: no sign-in provider is configured"
    " (SIGNOFF_OIDC_ISSUER)."
)
SIGNIN_LOST = "This sign-in has expired or was started in another browser; please sign in again."
UNKNOWN_PERSON = (
    "Your sign-in ({claim}) names nobody in Signoff's directory; ask an administrator to add you."
)


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a console page of this server, never elsewhere."""
    if value and value.startswith(HOME) and not value.startswith("//") and "\\" not in value:
        return value
    return HOME


def dev_sign_in_offered(ctx: ServerContext) -> bool:
    return ctx.dev and ctx.people is None


def _sorry(request: Request, sentence: str, status_code: int) -> HTMLResponse:
    return page(request, "failure.html", status_code=status_code, sentence=sentence)


@router.get("/login", name="console_login")
async def login(request: Request, ctx: Ctx) -> Response:
    """A sign-in starts afresh even in a browser already signed in: the person is whoever
    the provider says now, never a session the browser carried in (one another site
    could have planted); finishing it ends the session it replaces."""
    next_page = safe_next(request.query_params.get("next"))
    cookies = cookies_for(ctx)
    if cookies is None:
        return _sorry(request, NO_SECRET, 503)
    if ctx.people is None:
        if dev_sign_in_offered(ctx):
            return page(request, "dev_login.html", people=ctx.directory.people, next=next_page)
        return _sorry(request, NO_PROVIDER, 503)
    pending = PendingSignIn.new(next_page)
    try:
        url = await authorization_url(
            ctx.people,
            pending,
            redirect_uri=str(request.url_for("console_callback")),
            login_hint=request.query_params.get("login_hint"),
        )
    except ProviderUnavailable as down:
        return _sorry(request, str(down), 503)
    response = RedirectResponse(url, status_code=303)
    cookies.keep_signin(response, request, asdict(pending))
    return response


@router.get("/callback", name="console_callback")
async def callback(request: Request, ctx: Ctx) -> Response:
    cookies = cookies_for(ctx)
    if cookies is None or ctx.people is None:
        return _sorry(request, NO_SECRET if cookies is None else NO_PROVIDER, 503)
    query = request.query_params
    kept = cookies.signin(request)
    try:
        pending = PendingSignIn(**kept) if kept else None
    except TypeError:
        pending = None
    if pending is None or not hmac.compare_digest(pending.state, query.get("state", "")):
        return _sorry(request, SIGNIN_LOST, 400)
    if "error" in query or not query.get("code"):
        error = query.get("error", "no code")
        return _sorry(request, f"The sign-in provider did not sign you in ({error}).", 401)
    redirect_uri = str(request.url_for("console_callback"))
    try:
        token = await exchange_code(
            ctx.people, pending, code=query["code"], redirect_uri=redirect_uri
        )
        claims = await ctx.people.verify(token)
    except InvalidToken as invalid:
        return _sorry(request, str(invalid), 401)
    except ProviderUnavailable as down:
        return _sorry(request, str(down), 503)
    if not hmac.compare_digest(str(claims.get("nonce", "")), pending.nonce):
        return _sorry(request, "The sign-in token is not the one this sign-in asked for.", 401)
    settings = ctx.settings
    person = person_for(claims, ctx.directory, claim=settings.oidc_claim, match=settings.oidc_match)
    if person is None:
        return _sorry(request, UNKNOWN_PERSON.format(claim=settings.oidc_claim), 403)
    return await _signed_in_as(request, ctx, cookies, person.id, pending.next)


@router.post("/dev-login")
async def dev_login(request: Request, ctx: Ctx) -> Response:
    """``signoff dev`` only: sign in as any directory person, with no provider."""
    cookies = cookies_for(ctx)
    if not dev_sign_in_offered(ctx) or cookies is None:
        return _sorry(request, "The dev sign-in is offered only by `signoff dev`.", 404)
    fields = await read_form(request)
    person = ctx.directory.get(fields.get("person", ""))
    if person is None:
        return _sorry(request, "Pick a person of the directory.", 422)
    return await _signed_in_as(request, ctx, cookies, person.id, safe_next(fields.get("next")))


@router.post("/logout")
async def logout(request: Request, ctx: Ctx) -> Response:
    who = await signed_in(request, ctx)
    fields = await read_form(request)
    if who is not None and not who[1].csrf_matches(fields.get("csrf")):
        return _sorry(request, "This form has expired; reload the page and try again.", 403)
    if who is not None:
        await end(ctx, who[1])
    response = RedirectResponse("/console/signed-out", status_code=303)
    Cookies.forget(response)
    return response


@router.get("/signed-out")
async def signed_out(request: Request) -> HTMLResponse:
    return page(request, "signed_out.html")


async def _signed_in_as(
    request: Request, ctx: ServerContext, cookies: Cookies, person_id: str, next_page: str
) -> Response:
    """A new session (new id, new CSRF token) for the person; the one the browser held
    before, if any, is ended, so no copy of it outlives the sign-in."""
    replaced = cookies.session(request)
    if replaced is not None:
        await end(ctx, replaced)
    response = RedirectResponse(next_page, status_code=303)
    cookies.keep_session(response, request, Session.new(person_id))
    Cookies.forget(response, SIGNIN_COOKIE)
    return response
