"""The CLI serves the chat bots: ``signoff slack`` and ``signoff teams`` refuse to start
without their settings, and ``signoff dev`` serves every configured bot beside its worker,
reached as Teams and Slack would reach it (the Bot Framework over HTTP, Slack over a
Socket Mode WebSocket), each against its local stand-in."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from signoff.bots.teams.server import MESSAGES_PATH
from signoff.core import messages as shared
from signoff.core.catalog import load_directory
from signoff.core.models import Principal
from signoff.core.settings import EXAMPLES
from tests.helpers.bot_connector import BotConnector, ConnectorCall
from tests.helpers.signoff_process import SignoffProcess, clean_env, free_ports
from tests.helpers.slack_api import APP_TOKEN, TOKEN, SlackApi
from tests.helpers.slack_requests import slash_command
from tests.helpers.waiting import eventually


def shipped(person_id: str) -> Principal:
    """A person in the example directory, which `signoff dev` loads when no SIGNOFF_*
    setting names another; the demo's refunds wait for Alice."""
    person = load_directory(EXAMPLES / "directory.yaml").get(person_id)
    assert person is not None, f"{person_id} is not in the shipped directory"
    return person


ALICE = shipped("alice")
DEMO_DONE = "Demo: submitted"
# Starting Temporal, the worker and the demo can be slow on a loaded machine.
STARTUP = 180.0
# How often to look again: a look may send the running `signoff` a message to answer.
EVERY = 0.2


@pytest.fixture
async def started() -> AsyncIterator[list[SignoffProcess]]:
    """Every process a test starts, stopped at the end if it is still running."""
    processes: list[SignoffProcess] = []
    yield processes
    for process in processes:
        await process.stop()


@dataclass(frozen=True)
class Ports:
    temporal: int
    ui: int
    slack: int
    teams: int

    @classmethod
    def free(cls) -> Ports:
        return cls(*free_ports(4))

    def args(self) -> list[str]:
        pairs = {"--port": self.temporal, "--ui-port": self.ui}
        pairs |= {"--slack-port": self.slack, "--teams-port": self.teams, "--api-port": 0}
        return [str(part) for pair in pairs.items() for part in pair]


async def dev(
    started: list[SignoffProcess], tmp_path: Path, ports: Ports, **settings: str
) -> SignoffProcess:
    """``signoff dev --demo`` on ``ports``, with its own data directory and ``settings``."""
    env = clean_env(SIGNOFF_DATA_DIR=str(tmp_path / "data"), **settings)
    process = await SignoffProcess.start("dev", "--demo", *ports.args(), env=env, cwd=tmp_path)
    started.append(process)
    return process


@pytest.mark.parametrize(
    ("command", "setting"),
    [("teams", "SIGNOFF_TEAMS_APP_ID"), ("slack", "SIGNOFF_SLACK_BOT_TOKEN")],
)
def test_a_bot_without_its_settings_refuses_to_start_in_one_sentence(
    tmp_path: Path, command: str, setting: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "signoff.app.cli", command],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=tmp_path,  # no .env file to read settings from
        timeout=60,
    )

    assert result.returncode != 0
    (sentence,) = result.stderr.strip().splitlines()
    assert setting in sentence
    assert sentence.endswith(".")
    assert "Traceback" not in result.stdout + result.stderr


def teams_message(connector: BotConnector, text: str) -> dict[str, Any]:
    """A message Alice writes to the bot in her personal chat, as Teams posts it."""
    aad = ALICE.identities["teams"]
    return {
        "type": "message",
        "id": f"m-{uuid.uuid4().hex}",
        "text": text,
        "channelId": "msteams",
        "serviceUrl": connector.service_url,
        "from": {"id": f"29:{aad}", "aadObjectId": aad, "name": ALICE.name},
        "recipient": {"id": "28:signoff-bot", "name": "Signoff"},
        "conversation": {
            "id": f"a:personal-{aad}",
            "conversationType": "personal",
            "tenantId": "t-1",
        },
        "channelData": {"tenant": {"id": "t-1"}},
    }


async def test_dev_serves_the_teams_bot_which_answers_a_message_then_stops_on_ctrl_c(
    tmp_path: Path, started: list[SignoffProcess]
) -> None:
    ports = Ports.free()
    async with BotConnector() as connector, aiohttp.ClientSession() as session:
        signoff = await dev(
            started,
            tmp_path,
            ports,
            SIGNOFF_TEAMS_ANONYMOUS="1",
            SIGNOFF_TEAMS_SERVICE_URL=connector.service_url,
        )
        listening = await signoff.wait_for("Teams bot listening on", STARTUP)
        assert f":{ports.teams}{MESSAGES_PATH}" in listening
        await signoff.wait_for(DEMO_DONE, STARTUP)
        url = f"http://127.0.0.1:{ports.teams}{MESSAGES_PATH}"

        async def reply_listing_the_waiting_refund() -> str | None:
            message = teams_message(connector, "pending")
            async with session.post(url, json=message) as response:
                assert response.status < 300, await response.text()
            (reply,) = await eventually(
                lambda: _replies_to(connector, message["id"]), 30, every=EVERY
            )
            text = str(reply.body.get("text"))
            # The demo's decisions reach the visibility store a moment after they start.
            return text if "refund-pending" in text else None

        text = await eventually(reply_listing_the_waiting_refund, 60, every=EVERY)

        assert text.startswith(shared.PENDING_HEADING)
        assert await signoff.interrupt() == 0, signoff.output[-3000:]
    assert "Temporal dev server stopped." in signoff.output


async def _replies_to(connector: BotConnector, activity_id: str) -> list[ConnectorCall]:
    return [
        call
        for call in connector.accepted("POST")
        if call.activity_id == activity_id and call.body.get("type") == "message"
    ]


async def test_dev_connects_the_slack_bot_over_socket_mode_and_it_answers_a_slash_command(
    tmp_path: Path, started: list[SignoffProcess]
) -> None:
    async with SlackApi() as api:
        signoff = await dev(
            started,
            tmp_path,
            Ports.free(),
            SIGNOFF_SLACK_BOT_TOKEN=TOKEN,
            SIGNOFF_SLACK_APP_TOKEN=APP_TOKEN,
            SIGNOFF_SLACK_API_BASE_URL=api.base_url,
        )
        await signoff.wait_for("Slack bot connected over Socket Mode", STARTUP)
        await signoff.wait_for(DEMO_DONE, STARTUP)

        async def answer_listing_the_waiting_refund() -> str | None:
            name = uuid.uuid4().hex
            command = slash_command(
                "pending",
                user=ALICE.identities["slack"],
                response_url=api.response_url(name),
                trigger_id=f"t-{name}",
            )
            ack = await api.socket_send(
                "slash_commands", command, accepts_response_payload=True, timeout=30
            )
            assert set(ack) == {"envelope_id"}  # acked at once; the answer follows
            (answer,) = await eventually(lambda: _responses(api, name), 30, every=EVERY)
            assert answer["response_type"] == "ephemeral"
            # The demo's decisions reach the visibility store a moment after they start.
            return answer["text"] if "refund-pending" in answer["text"] else None

        text = await eventually(answer_listing_the_waiting_refund, 60, every=EVERY)

        assert text.startswith(shared.PENDING_HEADING)
        assert await signoff.interrupt() == 0, signoff.output[-3000:]
        assert await eventually(lambda: _all_closed(api), 30, every=EVERY)
    assert "Temporal dev server stopped." in signoff.output
    # Bolt takes the token from authorize (a warning would be text on a terminal, JSON here).
    assert "WARNING slack_bolt" not in signoff.output
    assert '"logger": "slack_bolt' not in signoff.output


async def _responses(api: SlackApi, name: str) -> list[dict[str, Any]]:
    return api.responses.get(name, [])


async def _all_closed(api: SlackApi) -> bool:
    return api.open_sockets == 0
