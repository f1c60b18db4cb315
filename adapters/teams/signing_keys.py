"""The Bot Framework's token signing keys, fetched without blocking and kept.

Why not botbuilder's own fetch: its ``_OpenIdMetadata`` calls ``requests.get`` inside the
event loop (every request waits while the keys come, with no timeout) and, while the
keys cannot be fetched, fetches again on every request. Why not PyJWT's
``PyJWKClient``: it blocks too (urllib; a thread per waiting request), it fetches again
on every unknown key id (a forger picks the key ids), and it knows neither the OpenID
metadata document in front of the key set nor the Bot Framework's ``endorsements``.
So the fetch is aiohttp's (already the bots' HTTP stack) and the keys are parsed and
checked by PyJWT (:class:`jwt.PyJWK`).

Bounds: one fetch at a time (callers who need it meanwhile share it), at most one per
``min_interval`` seconds however many unknown key ids arrive, each giving up after
``timeout`` seconds. Keys are kept for ``max_age`` seconds, and past that while the
endpoint cannot be reached: a key the Bot Framework stopped using is not trusted for
long, and an outage of the key endpoint does not lock Teams out.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt

__all__ = ["BOT_FRAMEWORK_OPENID_METADATA", "SigningKey", "SigningKeys"]

log = logging.getLogger(__name__)

BOT_FRAMEWORK_OPENID_METADATA = "https://login.botframework.com/v1/.well-known/openidconfiguration"


@dataclass(frozen=True)
class SigningKey:
    """One published key: what it verifies, and which channels it vouches for."""

    key: jwt.PyJWK
    endorsements: frozenset[str]


class SigningKeys:
    """The keys behind an OpenID metadata document, by key id.

    Args:
        metadata_url: The OpenID metadata; its ``jwks_uri`` names the key set.
        min_interval: Seconds between two fetches, at least.
        max_age: Seconds after which kept keys are fetched again before use.
        timeout: Seconds one fetch (metadata and key set) may take.
        clock: Monotonic seconds; tests pass their own.
    """

    def __init__(
        self,
        metadata_url: str = BOT_FRAMEWORK_OPENID_METADATA,
        *,
        min_interval: float = 60.0,
        max_age: float = 24 * 3600.0,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = metadata_url
        self._min_interval = min_interval
        self._max_age = max_age
        self._timeout = timeout
        self._clock = clock
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: float | None = None
        self._tried_at: float | None = None
        self._fetching: asyncio.Future[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def get(self, kid: str) -> SigningKey | None:
        """The key with id ``kid``, fetching the key set first when it is old or lacks
        it (and a fetch is due); None when there is no such key, or none can be had."""
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at >= self._max_age
        if stale or kid not in self._keys:
            await self._refresh()
        return self._keys.get(kid)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _refresh(self) -> None:
        if self._fetching is None:
            now = self._clock()
            if self._tried_at is not None and now - self._tried_at < self._min_interval:
                return
            self._tried_at = now
            self._fetching = asyncio.ensure_future(self._fetch())
            self._fetching.add_done_callback(self._fetched)
        # A caller that gives up (its request cancelled) must not cancel the others' fetch.
        await asyncio.shield(self._fetching)

    def _fetched(self, _: asyncio.Future[None]) -> None:
        self._fetching = None

    async def _fetch(self) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                metadata = await self._json(self._url)
                key_set = await self._json(str(metadata["jwks_uri"]))
            keys = _parse(key_set)
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as err:
            log.warning(
                "the Bot Framework signing keys could not be fetched from %s: %r", self._url, err
            )
            return
        self._keys = keys
        self._fetched_at = self._clock()

    async def _json(self, url: str) -> Mapping[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.get(url) as response:
            response.raise_for_status()
            data = await response.json(content_type=None)
        if not isinstance(data, Mapping):
            raise ValueError(f"{url} answered {type(data).__name__}, not a JSON object")
        return data


def _parse(key_set: Mapping[str, Any]) -> dict[str, SigningKey]:
    """The usable keys of a JWK set; one that PyJWT cannot read is left out, not fatal."""
    keys: dict[str, SigningKey] = {}
    for entry in key_set["keys"]:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("kid"), str):
            continue
        try:
            key = jwt.PyJWK(dict(entry))
        except jwt.PyJWTError:
            log.info("left out the signing key %s, which PyJWT cannot read", entry["kid"])
            continue
        endorsements = entry.get("endorsements") or []
        named = frozenset(e for e in endorsements if isinstance(e, str))
        keys[entry["kid"]] = SigningKey(key=key, endorsements=named)
    return keys
