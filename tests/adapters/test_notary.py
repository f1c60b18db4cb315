"""The audit key and the checkpoint log: signed chain heads that the database cannot
recompute, and a record of them it cannot reach."""

from __future__ import annotations

import json
import stat
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from signoff.adapters.notary import Anchor, AuditKeyring, CheckpointLog, KeyringError, Notary
from signoff.adapters.store import Store
from signoff.core.models import AuditEvent, SignedHead

MakeEvent = Callable[..., AuditEvent]


@pytest.fixture
def keyring(tmp_path: Path) -> AuditKeyring:
    keys = AuditKeyring(tmp_path / "keys")
    keys.create()
    return keys


@pytest.fixture
def log(tmp_path: Path) -> CheckpointLog:
    return CheckpointLog(tmp_path / "checkpoints.jsonl")


@pytest.fixture
async def signing(
    store: Store, database_url: str, keyring: AuditKeyring, log: CheckpointLog
) -> AsyncIterator[Store]:
    """A second store on the test's database that signs its heads, as a worker does."""
    async with await Store.open(database_url, notary=Notary(keyring.signer(), log)) as opened:
        yield opened


def head(seq: int = 3, **changes: object) -> SignedHead:
    fields = {
        "decision_id": "refund-1042",
        "seq": seq,
        "hash": "ab" * 32,
        "signed_at": datetime(2026, 12, 3, tzinfo=UTC),
        "key_id": "",
    }
    return SignedHead.model_validate(fields | changes)


def test_a_signed_head_verifies_and_any_change_to_it_does_not(keyring: AuditKeyring) -> None:
    signed = keyring.signer().sign(head())
    keys = keyring.public_keys()

    assert keys.verifies(signed)
    for change in ({"seq": 4}, {"hash": "cd" * 32}, {"decision_id": "refund-1043"}):
        assert not keys.verifies(signed.model_copy(update=change)), change
    assert not keys.verifies(signed.model_copy(update={"key_id": "0" * 16}))


def test_the_private_key_is_readable_by_its_owner_only_and_never_created_twice(
    keyring: AuditKeyring,
) -> None:
    (private,) = keyring.path.glob("audit-signing-*.pem")

    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    with pytest.raises(KeyringError, match="use `signoff keys rotate`"):
        keyring.create()


def test_rotation_keeps_every_old_public_key_and_deletes_the_old_private_key(
    keyring: AuditKeyring,
) -> None:
    old = keyring.signer()
    signed_before = old.sign(head())

    new_id, retired = keyring.rotate()

    assert retired == old.key_id
    assert keyring.signer().key_id == new_id != old.key_id
    assert keyring.public_keys().verifies(signed_before)
    assert [p.name for p in keyring.path.glob("audit-signing-*.pem")] == [
        f"audit-signing-{new_id}.pem"
    ]


def test_a_public_key_swapped_in_the_key_file_is_refused(
    keyring: AuditKeyring, tmp_path: Path
) -> None:
    other = AuditKeyring(tmp_path / "other")
    other.create()
    content = json.loads(keyring.public_file.read_text())
    content["keys"][0]["public_key"] = json.loads(other.public_file.read_text())["keys"][0][
        "public_key"
    ]
    keyring.public_file.write_text(json.dumps(content))

    with pytest.raises(KeyringError, match="does not match its public key"):
        keyring.public_keys()


def test_a_host_without_the_private_key_cannot_sign_and_says_so(keyring: AuditKeyring) -> None:
    for private in keyring.path.glob("audit-signing-*.pem"):
        private.unlink()

    with pytest.raises(KeyringError, match="this host cannot sign"):
        keyring.signer()


def test_many_writers_appending_at_once_leave_every_line_whole(
    keyring: AuditKeyring, log: CheckpointLog
) -> None:
    signer = keyring.signer()

    def write(worker: int) -> None:
        for n in range(1, 101):
            log.append([signer.sign(head(n, decision_id=f"d{worker}"))])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(8)))

    contents = log.read()
    assert contents.unreadable == []
    assert len(contents.heads) == 800
    assert all(keyring.public_keys().verifies(h) for h in contents.heads)


async def test_each_write_signs_the_new_head_in_the_store_and_in_the_log(
    signing: Store, keyring: AuditKeyring, log: CheckpointLog, make_event: MakeEvent
) -> None:
    await signing.record([make_event("refund-1042", n) for n in range(1, 4)])
    await signing.record([make_event("refund-1042", 4)])

    logged = log.read().heads
    assert [(h.decision_id, h.seq) for h in logged] == [("refund-1042", 3), ("refund-1042", 4)]
    events = await signing.events("refund-1042")
    assert [h.hash for h in logged] == [events[2].hash, events[3].hash]
    report = await signing.verify(anchor=Anchor(keyring.public_keys(), [log]))
    assert report.ok and report.anchored
    assert report.signed_heads_checked == 4  # two in the store, two in the log


async def test_a_write_retried_after_its_worker_died_before_publishing_publishes_the_head(
    signing: Store, keyring: AuditKeyring, log: CheckpointLog, make_event: MakeEvent
) -> None:
    events = [make_event("refund-1042", n) for n in range(1, 4)]
    assert signing.notary is not None
    signing.notary.log = None  # the first attempt commits, then dies before the log
    await signing.record(events)
    assert log.read().heads == []
    anchor = Anchor(keyring.public_keys(), [log])

    signing.notary.log = log
    retried = await signing.record(events)

    assert retried == 0
    assert [h.seq for h in log.read().heads] == [3]
    assert (await signing.verify(anchor=anchor)).ok


async def test_events_written_without_the_key_are_reported_as_unsigned(
    store: Store, signing: Store, keyring: AuditKeyring, log: CheckpointLog, make_event: MakeEvent
) -> None:
    await signing.record([make_event("refund-1042", n) for n in range(1, 3)])
    await store.record([make_event("refund-1042", 3)])  # a writer without the key

    report = await store.verify(anchor=Anchor(keyring.public_keys(), [log]))

    (found,) = report.breaks
    assert found.seq == 3
    assert "events 3 to 3 carry no signature by the audit key" in found.problem


async def test_a_line_in_the_log_that_is_not_a_signed_head_fails_verification(
    signing: Store, keyring: AuditKeyring, log: CheckpointLog, make_event: MakeEvent
) -> None:
    await signing.record([make_event("refund-1042", 1)])
    with log.path.open("a") as handle:
        handle.write('{"decision_id": "refund-1042"}\n')

    report = await signing.verify(anchor=Anchor(keyring.public_keys(), [log]))

    assert not report.ok
    assert report.log_problems == [f"line 2 of {log.path} is not a signed chain head"]
