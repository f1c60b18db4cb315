"""What every request handler needs: the settings, a client and the store, opened once
when the server starts and closed when it stops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request

if TYPE_CHECKING:
    from signoff.adapters.store import Store
    from signoff.client.signoff_client import SignoffClient
    from signoff.core.settings import Settings


@dataclass(frozen=True)
class ServerContext:
    settings: Settings
    client: SignoffClient
    store: Store


def context(request: Request) -> ServerContext:
    found: ServerContext = request.app.state.signoff
    return found
