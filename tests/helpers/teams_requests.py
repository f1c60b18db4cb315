"""What Teams sends the Signoff bot: activities from a person in the approvals channel,
``Action.Execute`` clicks among them; and what the bot answers and posts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
from sqlalchemy import delete

from signoff.adapters.store import Store
from signoff.adapters.store.tables import ConversationRow
from signoff.adapters.teams import TeamsSettings
from tests.conftest import Harness
from tests.helpers.adaptive_cards import assert_valid_card
from tests.helpers.bot_connector import BotConnector
from tests.helpers.waiting import eventually

__all__ = [
    "TEAM_CHANNEL",
    "Teams",
    "answered_card",
    "forget_conversations",
    "posted_cards",
    "teams_settings",
]

TEAM_CHANNEL = "19:approvals@thread.tacv2"
CARD = "application/vnd.microsoft.card.adaptive"


def teams_settings(connector: BotConnector) -> TeamsSettings:
    """An anonymous bot (no token to check) posting through the stand-in ``connector``."""
    return TeamsSettings(anonymous=True, service_url=connector.service_url, tenant_id="t-1")


@dataclass
class Teams:
    """A worker posting to Teams, the bot's endpoint, and what Teams would send it."""

    harness: Harness
    connector: BotConnector
    store: Store
    url: str
    session: aiohttp.ClientSession

    async def send(self, activity: dict[str, Any]) -> tuple[int, Any]:
        async with self.session.post(self.url, json=activity) as response:
            body = await response.json() if response.content_type == "application/json" else None
            return response.status, body

    def activity(self, aad: str, **fields: Any) -> dict[str, Any]:
        """An activity from ``aad`` in the approvals channel, as Teams posts it."""
        return {
            "id": f"f:{uuid.uuid4().hex}",
            "channelId": "msteams",
            "serviceUrl": self.connector.service_url,
            "from": {"id": self.connector.mri(aad), "aadObjectId": aad, "name": aad},
            "recipient": {"id": "28:signoff-bot", "name": "Signoff"},
            "conversation": {
                "id": f"{TEAM_CHANNEL};messageid=1",
                "conversationType": "channel",
                "tenantId": "t-1",
            },
            "channelData": {"channel": {"id": TEAM_CHANNEL}, "tenant": {"id": "t-1"}},
            **fields,
        }

    def execute(
        self,
        decision_id: str,
        verb: str,
        aad: str = "aad-alice",
        stage: int | None = 0,
        **inputs: str,
    ) -> dict[str, Any]:
        """An ``adaptiveCard/action`` invoke: a click on an ``Action.Execute``, with the
        card's inputs merged into its data as Teams does."""
        action = {
            "type": "Action.Execute",
            "verb": verb,
            "data": {"d": decision_id, "s": stage, **inputs},
        }
        trigger = "automatic" if verb == "refresh" else "manual"
        return self.activity(
            aad,
            type="invoke",
            name="adaptiveCard/action",
            value={"action": action, "trigger": trigger},
        )


async def forget_conversations(store: Store) -> None:
    """Each test's connector has its own address: references from earlier tests point
    at connectors that are gone."""
    async with store.engine.begin() as conn:
        await conn.execute(delete(ConversationRow))


async def posted_cards(teams: Teams, count: int) -> list[Any]:
    """The activities posted into conversations, once there are at least ``count``."""

    async def probe() -> list[Any]:
        posts = [c for c in teams.connector.accepted("POST") if c.conversation_id]
        return posts if len(posts) >= count else []

    return await eventually(probe)


def answered_card(body: Any) -> dict[str, Any]:
    """The valid Adaptive Card the bot answered an invoke with."""
    assert body["statusCode"] == 200 and body["type"] == CARD, body
    assert_valid_card(body["value"])
    return body["value"]
