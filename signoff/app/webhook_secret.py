"""Whether a worker has what it needs to sign webhooks, before it starts.

A worker with no secret used to sign with a public placeholder, so anyone could forge
its outcomes. Now a worker that may send webhooks refuses to start without a real
``whsec_`` secret; ``signoff dev`` keeps one of its own beside its other local keys.
"""

from __future__ import annotations

from pathlib import Path

from signoff.adapters.webhook_signing import new_secret, secret_key
from signoff.app.kept_secret import kept_secret
from signoff.core import messages
from signoff.core.catalog import Catalog, ConfigError
from signoff.core.settings import Settings

__all__ = ["check_webhook_secret", "dev_webhook_secret", "webhook_uses"]

DEV_SECRET_FILE = "webhook-secret"


def webhook_uses(settings: Settings, catalog: Catalog) -> list[str]:
    """What may make this worker send webhooks, in the words of its settings."""
    uses = []
    if settings.outcome_webhook_url:
        uses.append("SIGNOFF_OUTCOME_WEBHOOK_URL is set")
    if settings.webhook_allowed_hosts:
        uses.append("SIGNOFF_WEBHOOK_ALLOWED_HOSTS is set")
    named = sorted(
        name
        for name, policy in catalog.policies.items()
        if any(channel.kind == "webhook" for channel in policy.channels)
    )
    if named:
        uses.append(f"the policies {', '.join(named)} have webhook channels")
    return uses


def check_webhook_secret(settings: Settings, catalog: Catalog) -> None:
    """Refuse a secret that is set but unusable, and a missing one where webhooks may
    be sent; a worker that never sends any needs none.

    Raises:
        ConfigError: with the one sentence to show the operator.
    """
    if settings.webhook_secret is None:
        uses = webhook_uses(settings, catalog)
        if uses:
            raise ConfigError(
                messages.WEBHOOK_SECRET_MISSING.format(why="; ".join(uses)),
                field="webhook_secret",
            )
        return
    try:
        secret_key(settings.webhook_secret)
    except ValueError as err:
        raise ConfigError(
            messages.WEBHOOK_SECRET_UNUSABLE.format(problem=err), field="webhook_secret"
        ) from None


def dev_webhook_secret(settings: Settings) -> tuple[Settings, Path | None]:
    """``signoff dev``'s settings with a webhook secret: the one set, else the one kept
    in the keys folder (made there the first time; returned as the second item then)."""
    if settings.webhook_secret is not None:
        return settings, None
    secret, created = kept_secret(settings.keys_path / DEV_SECRET_FILE, new_secret)
    return settings.model_copy(update={"webhook_secret": secret}), created
