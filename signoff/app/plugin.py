"""SignoffPlugin: one object that adds Signoff to a Temporal client and worker."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager

from temporalio.common import MetricMeter
from temporalio.contrib.pydantic import PydanticPayloadConverter, pydantic_data_converter
from temporalio.converter import DataConverter, DefaultPayloadConverter
from temporalio.plugin import SimplePlugin
from temporalio.runtime import Runtime
from temporalio.worker import WorkerConfig, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from signoff.activities import (
    AuditActivities,
    CardActivities,
    DeliveryActivities,
    LadderActivities,
    MonitorActivities,
    OutcomeActivities,
    PlanningActivities,
)
from signoff.activities.track_records import TrackRecords
from signoff.adapters.channels import build_channels, close_channels
from signoff.adapters.notary import Notary
from signoff.adapters.store import Store
from signoff.adapters.store.engine import make_async_engine
from signoff.adapters.store.migrate import upgrade
from signoff.adapters.webhooks import WebhookSender
from signoff.app.card_outbox_loop import CardOutboxLoop
from signoff.app.webhook_secret import check_webhook_secret
from signoff.core.catalog import Catalog
from signoff.core.channel_protocol import Channel
from signoff.core.settings import Settings
from signoff.workflows import (
    CircuitBreakerWorkflow,
    DecisionWorkflow,
    MonitorWorkflow,
    OutcomeReportWorkflow,
    PolicyChangeWorkflow,
    RefusalAuditWorkflow,
)


def _with_pydantic(converter: DataConverter | None) -> DataConverter:
    """Switch the payload converter to pydantic only where the default is in place, and
    keep everything else the user chose: a payload codec (say, one that encrypts what
    Temporal stores) and a failure converter survive the switch."""
    if converter is None:
        return pydantic_data_converter
    if converter.payload_converter_class is DefaultPayloadConverter:
        return dataclasses.replace(converter, payload_converter_class=PydanticPayloadConverter)
    return converter


logger = logging.getLogger(__name__)


def with_crypto_passed_through(runner: WorkflowRunner | None) -> WorkflowRunner:
    """The worker's sandbox, with ``cryptography`` passed through: decisions verify the
    surfaces' Ed25519 signatures, and cryptography's Rust core aborts the whole process
    when the sandbox imports its modules afresh (as it does on the first signature that
    fails to verify). Any other runner is left as the worker has it."""
    if runner is None:
        return SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules("cryptography")
        )
    if isinstance(runner, SandboxedWorkflowRunner):
        restrictions = runner.restrictions.with_passthrough_modules("cryptography")
        return dataclasses.replace(runner, restrictions=restrictions)
    return runner


class SignoffPlugin(SimplePlugin):
    """Adds Signoff's workflows, activities and pydantic data converter.

    Pass it to ``Client.connect(..., plugins=[SignoffPlugin()])``; every worker made from
    that client then runs decisions. A ``data_converter`` given beside it keeps its
    payload codec, so what Temporal stores can stay encrypted. Nothing is opened until a
    worker starts: the store is migrated on worker start and closed, with the channels'
    HTTP sessions, on shutdown.

    Args:
        settings: Where the store, policies and directory are; from the environment
            (``SIGNOFF_*``) when omitted.
        channels: Channels by kind; by default the console, and signed webhooks when
            ``settings.webhook_secret`` is set. Slack and Teams add theirs here.
        catalog: Policies and people; loaded from the settings' files when omitted.
    """

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        channels: Mapping[str, Channel] | None = None,
        catalog: Catalog | None = None,
        dev: bool = False,
    ) -> None:
        self.settings = settings or Settings()
        self._dev = dev
        self._channels = dict(channels) if channels is not None else None
        self._catalog = catalog
        self._store: Store | None = None
        self._outbox: CardOutboxLoop | None = None
        self._task_queue: str | None = None
        self._sender: WebhookSender | None = None
        self._meter: MetricMeter | None = None
        super().__init__(
            "signoff.SignoffPlugin",
            data_converter=_with_pydantic,
            activities=self._add_activities,
            workflows=[
                DecisionWorkflow,
                OutcomeReportWorkflow,
                RefusalAuditWorkflow,
                PolicyChangeWorkflow,
                CircuitBreakerWorkflow,
                MonitorWorkflow,
            ],
            workflow_runner=with_crypto_passed_through,
            run_context=self._run_context,
        )

    def _add_activities(self, existing: Sequence[Callable] | None) -> list[Callable]:
        settings = self.settings
        catalog = self._catalog or Catalog.load(settings, dev=self._dev)
        check_webhook_secret(settings, catalog)
        notary = Notary.for_settings(settings)
        if notary is None:
            logger.warning(
                "No audit keyring at %s: chain heads are not signed, so a database"
                " administrator could rewrite the audit trail unseen. Create one with"
                " `signoff keys create`.",
                settings.keys_path,
            )
        self._store = Store(make_async_engine(settings.store_url), notary=notary)
        if self._channels is None:
            self._channels = build_channels(settings)
        if settings.outcome_webhook_url and settings.webhook_secret:
            self._sender = WebhookSender(settings.webhook_secret)
        cards = CardActivities(self._store, self._channels, meter=self._meter)
        self._outbox = CardOutboxLoop(self._store, cards, meter=self._meter)
        audit = AuditActivities(self._store, self._outbox.poke)
        outcomes = OutcomeActivities(self._store)
        delivery = DeliveryActivities(self._sender, settings.outcome_webhook_url)
        planning = PlanningActivities(
            catalog,
            search_salt=settings.search_salt,
            outcome_webhook=bool(settings.outcome_webhook_url),
            routing=self._store.routing,
            track_record=TrackRecords(
                self._store.track_record, minimum=settings.track_record_minimum
            ),
        )
        ladder = LadderActivities(catalog, self._store)
        monitors = MonitorActivities(catalog, self._store)
        return [
            *(existing or []),
            audit.record_audit,
            outcomes.record_outcome,
            cards.publish_cards,
            delivery.deliver_outcome,
            planning.resolve_plan,
            planning.unknown_people,
            planning.check_previous_run,
            ladder.change_routing,
            ladder.check_change,
            ladder.demote,
            monitors.run_monitors,
        ]

    def configure_worker(self, config: WorkerConfig) -> WorkerConfig:
        """Also notes the worker's task queue: its card outbox draws that queue's cards,
        those still owed from before a restart included; and the meter of the client's
        runtime, where the card outbox counts (the exporter the SDK's metrics use)."""
        client = config.get("client")
        runtime = client.service_client.config.runtime if client is not None else None
        self._meter = (runtime or Runtime.default()).metric_meter
        config = super().configure_worker(config)
        self._task_queue = config.get("task_queue")
        if self.settings.workflow_sandbox:
            # Decisions are defined unsandboxed (DecisionWorkflow); this runs them in the
            # sandbox anyway, so a non-deterministic call in workflow code fails loudly.
            config["unsandboxed_workflow_runner"] = with_crypto_passed_through(None)
        return config

    @asynccontextmanager
    async def _run_context(self) -> AsyncIterator[None]:
        await asyncio.to_thread(upgrade, self.settings.store_url)
        outbox, drawing = self._outbox, None
        if outbox is not None:
            drawing = asyncio.create_task(outbox.run(self._task_queue))
        try:
            yield
        finally:
            if outbox is not None and drawing is not None:
                # The cards in hand are drawn first: a lease left held would keep them
                # from the other workers until it ran out.
                await outbox.stop(drawing)
            if self._store is not None:
                await self._store.close()
            if self._channels is not None:
                await close_channels(self._channels)
            if self._sender is not None:
                await self._sender.close()
