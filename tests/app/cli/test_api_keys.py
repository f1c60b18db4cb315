"""``signoff api-keys``: an operator makes a key for an application and sees its token
once, lists the keys without their secrets, and revokes one; a mistake is one sentence
and changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from temporalio.testing import WorkflowEnvironment

from signoff.adapters.store import Store
from signoff.app.cli.api_keys import operator
from signoff.core.models import ApiScope, AuditKind
from tests.app.cli.conftest import Cli, runner_for
from tests.conftest import Harness
from tests.helpers.waiting import eventually

TOKEN = re.compile(r"^sok_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$", re.MULTILINE)


@pytest.fixture
async def own_url(tmp_path: Path) -> str:
    """A migrated SQLite store of the test's own, as a worker would have left it."""
    url = f"sqlite:///{tmp_path / 'signoff.db'}"
    async with await Store.open(url):
        return url


APPS = ("refund-app", "labeller", "a-rather-long-application-name")


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    """A directory naming the specs' applications (`app:NAME`, role requester)."""
    path = tmp_path / "directory.yaml"
    people = [{"id": f"app:{a}", "name": a, "roles": ["requester"]} for a in APPS]
    path.write_text(yaml.safe_dump({"people": people}))
    return path


@pytest.fixture
def temporal(dev_env: WorkflowEnvironment, live: Harness) -> dict[str, str]:
    """The dev server and a worker's queue: every change of a key is audited through them
    (into the worker's store, the session's)."""
    return {
        "SIGNOFF_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "SIGNOFF_TASK_QUEUE": live.task_queue,
    }


def env(
    own_url: str,
    tmp_path: Path,
    directory: Path,
    temporal: dict[str, str],
    columns: int = 200,
) -> dict[str, str]:
    return temporal | {
        "SIGNOFF_DATABASE_URL": own_url,
        "SIGNOFF_DATA_DIR": str(tmp_path),
        "SIGNOFF_DIRECTORY_FILE": str(directory),
        "COLUMNS": str(columns),
    }


@pytest.fixture
def cli(own_url: str, tmp_path: Path, directory: Path, temporal: dict[str, str]) -> Cli:
    return runner_for(env(own_url, tmp_path, directory, temporal))


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text and "Usage:" not in text
    return lines[0]


async def test_a_created_key_shows_its_token_once_and_the_list_never_shows_it(
    cli: Cli, own_url: str
) -> None:
    created = await cli(
        "api-keys", "create", "--app", "refund-app", "--use-case", "refunds", "--use-case", "r[/]"
    )

    assert created.exit_code == 0, created.output
    (token,) = TOKEN.findall(created.stdout)
    key_id = token[4:16]
    assert f"Created API key {key_id} for app:refund-app" in created.stdout
    assert "it is not shown again" in created.stdout
    async with await Store.open(own_url) as store:
        grant = await store.api_key(token)
    assert grant is not None
    assert (grant.app, grant.use_cases) == ("refund-app", ["refunds", "r[/]"])
    assert grant.scopes == [ApiScope.SUBMIT, ApiScope.READ]
    listed = await cli("api-keys", "list")
    assert listed.exit_code == 0, listed.output
    assert key_id in listed.stdout and "refunds, r[/]" in listed.stdout  # not markup
    assert "submit, read" in listed.stdout
    assert token[17:] not in listed.stdout


async def test_scopes_are_the_ones_asked_for(cli: Cli, own_url: str) -> None:
    created = await cli(
        "api-keys", "create", "--app", "labeller", "--use-case", "*", "--scope", "feedback"
    )

    assert created.exit_code == 0, created.output
    (token,) = TOKEN.findall(created.stdout)
    async with await Store.open(own_url) as store:
        grant = await store.api_key(token)
    assert grant is not None and grant.scopes == [ApiScope.FEEDBACK]
    assert grant.allows_use_case("loans")


async def test_a_revoked_key_stops_working_and_the_list_says_when(cli: Cli, own_url: str) -> None:
    created = await cli("api-keys", "create", "--app", "refund-app", "--use-case", "refunds")
    (token,) = TOKEN.findall(created.stdout)
    key_id = token[4:16]

    revoked = await cli("api-keys", "revoke", key_id)
    again = await cli("api-keys", "revoke", key_id)

    assert revoked.exit_code == 0, revoked.output
    assert one_line(revoked.stdout).startswith(f"API key {key_id} of app:refund-app is revoked")
    assert again.stdout == revoked.stdout  # the first revocation's time is kept
    async with await Store.open(own_url) as store:
        assert await store.api_key(token) is None
        (grant,) = await store.api_keys()
    assert grant.revoked_at is not None
    listed = await cli("api-keys", "list")
    assert grant.revoked_at.strftime("%H:%M:%S UTC") in listed.stdout


async def test_revoking_a_key_that_does_not_exist_is_one_sentence(cli: Cli) -> None:
    refused = await cli("api-keys", "revoke", "0123456789ab")

    assert refused.exit_code == 1
    assert one_line(refused.stderr) == (
        "No API key '0123456789ab' — `signoff api-keys list` shows them."
    )


async def test_an_empty_store_lists_no_keys(cli: Cli) -> None:
    listed = await cli("api-keys", "list")

    assert listed.exit_code == 0, listed.output
    assert one_line(listed.stdout) == "No API keys yet: `signoff api-keys create` makes one."


async def test_an_application_the_directory_does_not_know_gets_no_key(
    cli: Cli, own_url: str
) -> None:
    refused = await cli("api-keys", "create", "--app", "stranger", "--use-case", "refunds")

    assert refused.exit_code == 2, refused.output
    assert "Nobody called 'app:stranger' is in the directory" in one_line(refused.stderr)
    async with await Store.open(own_url) as store:
        assert await store.api_keys() == []


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--app", "refund app", "--use-case", "refunds"],
            "Invalid API key: app: an app's name may hold only letters, digits, '-', '_' and"
            " '.', 1 to 100 of them.",
        ),
        (["--app", "refund-app"], "Missing option '--use-case'"),
        (["--app", "refund-app", "--use-case", ""], "Invalid API key: use_cases.0:"),
        (
            ["--app", "refund-app", "--use-case", "refunds", "--scope", "admin"],
            "Invalid value for '--scope': 'admin' is not one of",
        ),
        (["--use-case", "refunds"], "Missing option '--app'"),
    ],
)
async def test_bad_input_is_one_sentence_and_makes_no_key(
    cli: Cli, own_url: str, args: list[str], said: str
) -> None:
    refused = await cli("api-keys", "create", *args)

    assert refused.exit_code == 2, refused.output
    assert said in one_line(refused.stderr)
    async with await Store.open(own_url) as store:
        assert await store.api_keys() == []


async def test_the_list_keeps_key_ids_whole_on_a_narrow_terminal(
    own_url: str, tmp_path: Path, directory: Path, temporal: dict[str, str]
) -> None:
    narrow = runner_for(env(own_url, tmp_path, directory, temporal, columns=80))
    created = await narrow(
        "api-keys", "create", "--app", "a-rather-long-application-name", "--use-case", "refunds"
    )
    (token,) = TOKEN.findall(created.stdout)

    listed = await narrow("api-keys", "list")

    assert token[4:16] in listed.stdout
    assert all(len(line) <= 80 for line in listed.stdout.splitlines())


async def test_an_operators_key_changes_are_in_the_operations_trail_without_the_secret(
    cli: Cli, store: Store
) -> None:
    created = await cli("api-keys", "create", "--app", "labeller", "--use-case", "*")
    (token,) = TOKEN.findall(created.stdout)
    key_id = token[4:16]
    assert (await cli("api-keys", "revoke", key_id)).exit_code == 0

    async def both() -> list | None:
        kinds = [AuditKind.API_KEY_CREATED, AuditKind.API_KEY_REVOKED]
        found = await store.query_events(actor=operator(), kinds=kinds, limit=None)
        mine = [e for e in found if e.data["key_id"] == key_id]
        return mine if len(mine) == 2 else None

    events = await eventually(both)
    assert [e.kind for e in events] == [AuditKind.API_KEY_CREATED, AuditKind.API_KEY_REVOKED]
    assert {e.data["via"] for e in events} == {"cli"} and events[0].data["app"] == "labeller"
    assert token[17:] not in str([e.model_dump() for e in events])
    chains = {e.decision_id for e in events}
    assert all(c.startswith("ops/") for c in chains)
    assert (await store.verify(decision_ids=chains)).breaks == []


async def test_without_temporal_to_audit_it_no_key_is_made_or_revoked(
    own_url: str, tmp_path: Path, directory: Path
) -> None:
    offline = runner_for(
        env(own_url, tmp_path, directory, {"SIGNOFF_TEMPORAL_ADDRESS": "127.0.0.1:9"})
    )
    refused = await offline("api-keys", "create", "--app", "labeller", "--use-case", "*")

    assert refused.exit_code != 0 and "127.0.0.1:9" in one_line(refused.stderr)
    async with await Store.open(own_url) as store:
        assert await store.api_keys() == []
