"""The Slack Web API client, with retries for what a later attempt can fix.

slack_sdk retries only connection errors by default; this client also retries rate
limits (429, sleeping for Slack's ``Retry-After``) and server errors (500, 503). When
the retries run out the error propagates, so the calling activity fails and Temporal
tries again later: a Slack outage delays cards but loses none.
"""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from signoff.adapters.slack.slack_settings import SlackSettings

__all__ = ["make_client", "retry_handlers"]


def retry_handlers(
    *,
    max_retries: int = 3,
    interval_calculator: RetryIntervalCalculator | None = None,
) -> list[AsyncRetryHandler]:
    """Handlers for connection errors, 429 (honouring ``Retry-After``) and 500/503.

    Args:
        max_retries: Retries per kind of failure, on top of the first attempt.
        interval_calculator: The wait between retries of connection and server errors
            (slack_sdk's exponential backoff with jitter when None); rate limits always
            wait as long as Slack's ``Retry-After`` says.
    """
    backoff = {"interval_calculator": interval_calculator} if interval_calculator else {}
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=max_retries, **backoff),
        AsyncRateLimitErrorRetryHandler(max_retry_count=max_retries),
        AsyncServerErrorRetryHandler(max_retry_count=max_retries, **backoff),
    ]


def make_client(
    settings: SlackSettings,
    *,
    max_retries: int = 3,
    interval_calculator: RetryIntervalCalculator | None = None,
    timeout: int = 30,
    with_token: bool = True,
) -> AsyncWebClient:
    """An ``AsyncWebClient`` for the bot token and API base URL in ``settings``.

    ``with_token=False`` leaves the token out, for a Bolt app whose ``authorize``
    supplies it per request (Bolt warns that a client's own token would be ignored).
    """
    base_url = settings.api_base_url
    if not base_url.endswith("/"):
        base_url += "/"
    return AsyncWebClient(
        token=settings.bot_token.get_secret_value() if with_token else None,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=retry_handlers(
            max_retries=max_retries, interval_calculator=interval_calculator
        ),
    )
