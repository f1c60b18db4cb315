"""The whole template of the route a request matched (``/console/decisions/{decision_id}``),
for the metrics' labels, the spans' names and the operations trail: never the path
itself, so ids in it never become labels or names.

FastAPI 0.165 dispatches an included router's request to the route as its own router
declared it, and that is what it leaves in ``scope["route"]``: the console's pages come
without their ``/console`` prefix (the inbox is ``/``). The application's own list of
routes knows each one's effective template, prefixes included
(:func:`fastapi.routing.iter_route_contexts`); this module maps the matched route back to
it, once per application.
"""

from __future__ import annotations

import re
from typing import Any
from weakref import WeakKeyDictionary

from fastapi.routing import iter_route_contexts
from starlette.types import Scope

__all__ = ["route_template"]

_Templates = dict[int, list[tuple[re.Pattern[str], str]]]
_BY_APP: WeakKeyDictionary[Any, _Templates] = WeakKeyDictionary()


def route_template(scope: Scope) -> str | None:
    """The matched route's whole template; None when no route matched (yet)."""
    route = scope.get("route")
    if route is None:
        return None
    declared: str | None = getattr(route, "path_format", None) or getattr(route, "path", None)
    app = scope.get("app")
    if app is None:
        return declared
    templates = _BY_APP.get(app)
    if templates is None:
        templates = _BY_APP[app] = _templates_of(app)
    candidates = templates.get(id(route), [])
    if len(candidates) == 1:
        return candidates[0][1]
    # One route included under several prefixes: the one whose pattern the path fits.
    path = scope.get("path", "")
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    for pattern, template in candidates:
        if pattern.match(path):
            return template
    return declared


def _templates_of(app: Any) -> _Templates:
    templates: _Templates = {}
    for context in iter_route_contexts(app.routes):
        template = context.path_format
        pattern = getattr(context, "path_regex", None)
        if template is None or pattern is None:
            continue
        templates.setdefault(id(context.original_route), []).append((pattern, template))
    return templates
