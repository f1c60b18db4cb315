"""The console's stylesheet and script, served from the package itself: nothing comes
from another site, so the pages work offline and under a strict Content-Security-Policy."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter()

ASSETS = {"console.css": "text/css; charset=utf-8", "live.js": "text/javascript; charset=utf-8"}


@router.get("/static/{name}")
async def asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        return Response(
            f"No console asset is named {name!r}.", status_code=404, media_type="text/plain"
        )
    body = (files("signoff.server.console") / "static" / name).read_bytes()
    return Response(body, media_type=media_type, headers={"Cache-Control": "public, max-age=300"})
