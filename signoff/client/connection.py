"""Settings → ``Client.connect`` arguments: the one way Signoff connects to Temporal.

Every connection (the worker's, :func:`~signoff.client.connect_client`'s, the CLI's) is
made by :func:`connect_temporal`, from the keyword arguments :func:`connect_config` builds:
address, namespace, TLS (on, off, or a ``TLSConfig`` with the CA, client certificate and
key read from their files), the API key, and any gRPC metadata a profile adds.

Precedence, setting by setting: an explicit ``SIGNOFF_*`` setting (or a CLI option such
as ``--address``), then the Temporal environment-configuration profile named by
``SIGNOFF_TEMPORAL_PROFILE`` / ``SIGNOFF_TEMPORAL_CONFIG_FILE`` (its TOML file with
``TEMPORAL_*`` variables over it, as Temporal's own tools read it), then Signoff's
defaults. ``SIGNOFF_*`` wins because a profile is shared: the ``temporal`` CLI and other
programs on the machine read the same file and variables, while a ``SIGNOFF_*`` setting
was written for Signoff alone and so is the more specific statement. It also lets one
profile (say, the team's Temporal Cloud account) serve several Signoff deployments that
differ only in a namespace or a certificate.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.envconfig import (
    ClientConfigProfile,
    ClientConfigTLS,
    ClientConnectConfig,
    DataSource,
)
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import TLSConfig

from signoff.client.connection_failures import refused
from signoff.core import tracing
from signoff.core.errors import TemporalConnectionError
from signoff.core.metrics import BUCKETS
from signoff.core.settings import Settings
from signoff.core.temporal_connection import TemporalConnection

DEFAULT_CONFIG = "TEMPORAL_CONFIG_FILE or ~/.config/temporalio/temporal.toml"


async def connect_temporal(settings: Settings, **options: Any) -> Client:
    """``Client.connect`` with :func:`connect_config`'s arguments and ``options``
    (``plugins``, ``data_converter``, ...).

    Raises:
        TemporalConnectionError: a file or profile cannot be read, or the server refused
            the TLS handshake or the credentials; the message names the setting to fix.
        RuntimeError: the SDK's own error when the server cannot be reached at all.
    """
    config = connect_config(settings)
    if settings.metrics_address and "runtime" not in options:
        options["runtime"] = metrics_runtime(settings.metrics_address)
    if tracing.enabled():
        # Client calls, the workflows and activities of workers made from this client,
        # and what they call in turn join the caller's trace through Temporal's headers.
        from temporalio.contrib.opentelemetry import TracingInterceptor

        options["interceptors"] = [*options.get("interceptors", []), TracingInterceptor()]
    try:
        return await Client.connect(**config, **options)
    except RuntimeError as err:
        failure = refused(err, config)
        if failure is None:
            raise
        raise failure from err


_RUNTIMES: dict[str, Runtime] = {}


def metrics_runtime(address: str) -> Runtime:
    """A Temporal runtime serving Prometheus metrics on ``address``: one per address per
    process, since each binds its port (clients and workers made from it share it). The
    SDK's metrics and Signoff's (:mod:`signoff.core.metrics`) share its exporter."""
    if address not in _RUNTIMES:
        prometheus = PrometheusConfig(bind_address=address, histogram_bucket_overrides=BUCKETS)
        telemetry = TelemetryConfig(metrics=prometheus)
        try:
            _RUNTIMES[address] = Runtime(telemetry=telemetry)
        except ValueError as err:  # the exporter could not bind, or the address is no address
            reason = str(err).removeprefix("Failed starting Prometheus exporter: ")
            raise OSError(
                errno.EADDRINUSE,
                f"Cannot serve metrics on {address} (SIGNOFF_METRICS_ADDRESS, or"
                f" --metrics-port): {reason.rstrip('.')}.",
            ) from err
    return _RUNTIMES[address]


def connect_config(settings: Settings) -> ClientConnectConfig:
    """The keyword arguments for ``Client.connect`` that ``settings`` describe."""
    own = settings.temporal_connection
    profile = load_profile(own)
    settings = with_profile_endpoint(settings, profile)
    api_key = own.api_key.get_secret_value() if own.api_key else profile.api_key
    config = ClientConnectConfig(
        target_host=settings.temporal_address,
        namespace=settings.temporal_namespace,
        tls=_tls(own, profile, api_key),
    )
    if api_key:
        config["api_key"] = api_key
    if profile.grpc_meta:
        config["rpc_metadata"] = dict(profile.grpc_meta)
    return config


def with_profile_endpoint(
    settings: Settings, profile: ClientConfigProfile | None = None
) -> Settings:
    """``settings`` with the profile's address and namespace where no ``SIGNOFF_*``
    setting gave one, so that messages name the server actually used."""
    if profile is None:
        profile = load_profile(settings.temporal_connection)
    given = {"temporal_address": profile.address, "temporal_namespace": profile.namespace}
    update = {
        name: value
        for name, value in given.items()
        if value and name not in settings.model_fields_set
    }
    return settings.model_copy(update=update) if update else settings


def load_profile(own: TemporalConnection) -> ClientConfigProfile:
    """The named profile, with ``TEMPORAL_*`` variables applied; an empty one when no
    profile is named."""
    if not own.uses_profile:
        return ClientConfigProfile()
    name = own.profile or "default"
    source: bytes | None = None
    where = DEFAULT_CONFIG
    if own.config_file is not None:
        where = str(own.config_file)
        source = _read(own.config_file, "the Temporal config file", "SIGNOFF_TEMPORAL_CONFIG_FILE")
    try:
        # Unnamed, the SDK's own default profile may be absent (TEMPORAL_* variables alone
        # then make it); asked for by name, it must be in the file.
        return ClientConfigProfile.load(None if name == "default" else name, config_source=source)
    except RuntimeError as err:  # the SDK's envconfig ConfigError
        reason = str(err).splitlines()[0].rstrip(".")
        raise TemporalConnectionError(
            f"Cannot load the Temporal profile '{name}' from {where}: {reason}."
        ) from err


# Each PEM file: our setting (its variable is SIGNOFF_TEMPORAL_ + the name in capitals),
# the profile's field for it, and what it is, for messages.
_PEM_FILES = (
    ("tls_server_ca_cert_path", "server_root_ca_cert", "the server CA certificate"),
    ("tls_client_cert_path", "client_cert", "the client certificate"),
    ("tls_client_key_path", "client_private_key", "the client key"),
)


def _tls(
    own: TemporalConnection, profile: ClientConfigProfile, api_key: str | None
) -> bool | TLSConfig:
    if own.tls is not None:
        on = own.tls
    elif own.tls_server_name or own.api_key or any(getattr(own, f) for f, _, _ in _PEM_FILES):
        on = True
    elif profile.tls is not None:
        on = profile.tls.disabled is not True
    else:
        on = api_key is not None  # Temporal Cloud takes API keys over TLS only
    if not on:
        return False
    theirs = profile.tls or ClientConfigTLS()
    origin = f"from the Temporal profile '{own.profile or 'default'}'"
    ca, cert, key = (
        _pem(
            getattr(own, mine),
            getattr(theirs, its),
            what,
            f"SIGNOFF_TEMPORAL_{mine.upper()}",
            origin,
        )
        for mine, its, what in _PEM_FILES
    )
    if (cert is None) != (key is None):
        raise TemporalConnectionError(
            "A client certificate needs its key and a key its certificate: set both"
            " SIGNOFF_TEMPORAL_TLS_CLIENT_CERT_PATH and SIGNOFF_TEMPORAL_TLS_CLIENT_KEY_PATH."
        )
    server_name = own.tls_server_name or theirs.server_name
    if ca is None and cert is None and server_name is None:
        return True  # the system's trusted CAs, as for Temporal Cloud
    return TLSConfig(
        server_root_ca_cert=ca, domain=server_name, client_cert=cert, client_private_key=key
    )


def _pem(
    mine: Path | None, theirs: DataSource | None, what: str, setting: str, origin: str
) -> bytes | None:
    """PEM bytes from our setting, else from the profile (a path, or the data itself)."""
    if mine is not None:
        source, where = mine, setting
    elif theirs is not None:
        source, where = theirs, origin
    else:
        return None
    if isinstance(source, Path):
        data = _read(source, what, where)
        shown = f"{what} {source}"
    else:
        data = source.encode() if isinstance(source, str) else source
        shown = f"{what} given inline"
    if b"-----BEGIN " not in data:
        raise TemporalConnectionError(
            f"{shown[0].upper()}{shown[1:]} ({where}) is not in PEM format."
        )
    return data


def _read(path: Path, what: str, where: str) -> bytes:
    try:
        return path.expanduser().read_bytes()
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise TemporalConnectionError(f"Cannot read {what} {path} ({where}): {reason}.") from err
