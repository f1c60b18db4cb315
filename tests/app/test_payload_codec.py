"""An application that encrypts what Temporal stores keeps doing so with Signoff's plugin:
the server holds ciphertext only, and decisions still run, decide and audit end to end."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.converter import DataConverter, PayloadCodec
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from signoff import SignoffClient, SignoffPlugin, Status
from signoff.adapters.notary import load_voucher
from signoff.adapters.store import Store
from signoff.client.history_audit import compare_with_temporal
from signoff.core.contract import workflow_id_for
from signoff.core.settings import Settings
from tests.conftest import TEST_SURFACE, make_request
from tests.helpers.agreement import disagreements
from tests.helpers.recording_channel import RecordingChannel

ENCRYPTED = b"binary/encrypted"
SDK_MARKER_DETAILS = {"patch-data", "data"}


class AesGcmCodec(PayloadCodec):
    """What an application would plug in: every payload sealed with AES-256-GCM."""

    def __init__(self) -> None:
        self._aead = AESGCM(AESGCM.generate_key(bit_length=256))

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        sealed = []
        for payload in payloads:
            nonce = os.urandom(12)
            data = nonce + self._aead.encrypt(nonce, payload.SerializeToString(), None)
            sealed.append(Payload(metadata={"encoding": ENCRYPTED}, data=data))
        return sealed

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        opened = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCRYPTED:
                opened.append(payload)
                continue
            nonce, sealed = payload.data[:12], payload.data[12:]
            opened.append(Payload.FromString(self._aead.decrypt(nonce, sealed, None)))
        return opened


def payloads_in(message: Message) -> Iterator[Payload]:
    """Every payload an event holds (inputs, results, update arguments, failure details)
    but the two kinds no codec ever sees: search attributes, which Temporal indexes, and
    the SDK's own bookkeeping in markers (which patch, which local activity)."""
    if isinstance(message, Payload):
        yield message
        return
    for field, value in message.ListFields():
        if field.name == "search_attributes" or field.type != field.TYPE_MESSAGE:
            continue
        if field.message_type.GetOptions().map_entry:
            values = [v for k, v in value.items() if k not in SDK_MARKER_DETAILS]
        elif isinstance(value, Message):
            values = [value]
        else:
            values = list(value)
        for item in values:
            yield from payloads_in(item)


@pytest.fixture
async def encrypting(
    dev_env: WorkflowEnvironment, settings: Settings
) -> AsyncIterator[tuple[Client, SignoffClient]]:
    """A client built as the docstring of SignoffPlugin promises it may be: the user's
    codec in a DataConverter, the plugin beside it; and a worker made from that client."""
    task_queue = f"signoff-codec-{uuid.uuid4().hex[:8]}"
    worker_settings = settings.model_copy(update={"task_queue": task_queue})
    plugin = SignoffPlugin(settings=worker_settings, channels={"console": RecordingChannel()})
    client = await Client.connect(
        dev_env.client.service_client.config.target_host,
        namespace=dev_env.client.namespace,
        data_converter=DataConverter(payload_codec=AesGcmCodec()),
        plugins=[plugin],
    )
    signoff = SignoffClient(
        client, task_queue=task_queue, voucher=load_voucher(settings.keys_path, TEST_SURFACE)
    )
    async with Worker(client, task_queue=task_queue):
        yield client, signoff


async def test_payloads_in_temporal_are_encrypted_and_signoff_still_decides_and_audits(
    encrypting: tuple[Client, SignoffClient], dev_env: WorkflowEnvironment, store: Store
) -> None:
    client, signoff = encrypting
    request = make_request("first-lead", title="Refund for Ms Quintessa Marlowe-Byrd")

    await signoff.submit(request)
    await signoff.perform(request.id, "approve", "alice", reason="Photo shows the damage")
    outcome = await signoff.wait_outcome(request.id)

    assert outcome.status is Status.APPROVED and outcome.decided_by == ["alice"]
    # Read as someone with access to Temporal but not to the key would: no codec.
    raw = await Client.connect(
        dev_env.client.service_client.config.target_host, namespace=dev_env.client.namespace
    )
    history = await raw.get_workflow_handle(workflow_id_for(request.id)).fetch_history()
    payloads = [p for event in history.events for p in payloads_in(event)]
    assert len(payloads) >= 5
    assert {p.metadata["encoding"] for p in payloads} == {ENCRYPTED}
    stored = b"".join(event.SerializeToString() for event in history.events)
    for secret in (b"Quintessa", b"Photo shows the damage", b"Refund $120"):
        assert secret not in stored
    # The audit trail is whole, agrees with the workflow and with Temporal's history.
    kinds = [e.kind.value for e in await store.events(request.id)]
    assert kinds[0] == "submitted" and "voted" in kinds and "finalized" in kinds
    assert await disagreements(signoff, store, request.id) == []
    assert (await store.verify(request.id)).ok
    report = await compare_with_temporal(
        client, store, task_queue=signoff.task_queue, decision_id=request.id
    )
    assert report.ok and report.decisions_compared == 1
