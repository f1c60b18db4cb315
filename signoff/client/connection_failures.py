"""The sentence for a connection to Temporal that TLS or the credentials stopped.

The SDK reports a failed connect as a ``RuntimeError`` carrying the Rust transport's debug
text. The few failures a person fixes by changing a setting are recognised here and named
with that setting; anything else (nothing listening, a wrong port) is left to the caller,
whose message says the server cannot be reached.
"""

from __future__ import annotations

import re

from temporalio.envconfig import ClientConnectConfig
from temporalio.service import TLSConfig

from signoff.core.errors import TemporalConnectionError

_REFUSED_CREDENTIALS = re.compile(r'code: (?:Unauthenticated|PermissionDenied), message: "([^"]*)"')
# rustls and hyper words for a connection the server ended during or right after the
# handshake, or answered with an alert, as servers do for a missing or untrusted client
# certificate. Which one the SDK reports depends on timing (TLS 1.3 clients finish their
# side of the handshake before the server has checked their certificate).
_HANDSHAKE_ENDED = (
    "close_notify",
    "AlertReceived",
    "BrokenPipe",
    "ConnectionReset",
    '"connection closed"',
)
_CLIENT_CERT_SETTINGS = (
    "SIGNOFF_TEMPORAL_TLS_CLIENT_CERT_PATH and SIGNOFF_TEMPORAL_TLS_CLIENT_KEY_PATH"
)


def refused(err: RuntimeError, config: ClientConnectConfig) -> TemporalConnectionError | None:
    """The error to raise instead of ``err``, or None when ``err`` is not about TLS or
    credentials."""
    text = str(err)
    at = f"Temporal at {config['target_host']}"
    if match := _REFUSED_CREDENTIALS.search(text):
        detail = match.group(1).rstrip(".") or "no reason given"
        return TemporalConnectionError(
            f"{at} refused Signoff's credentials ({detail}); check SIGNOFF_TEMPORAL_API_KEY"
            " or the client certificate."
        )
    tls = config.get("tls", False)
    if tls is False:
        return None
    sends_cert = isinstance(tls, TLSConfig) and tls.client_cert is not None
    if "NotValidForName" in text:
        return TemporalConnectionError(
            f"{at} presented a certificate made out to another name; set"
            " SIGNOFF_TEMPORAL_TLS_SERVER_NAME to the name in its certificate."
        )
    if "UnknownIssuer" in text or "BadSignature" in text:
        return TemporalConnectionError(
            f"{at} presented a certificate that no CA Signoff trusts has signed; set"
            " SIGNOFF_TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA that signed it."
        )
    if "Expired" in text:
        return TemporalConnectionError(f"{at} presented an expired certificate.")
    if "InvalidContentType" in text:
        return TemporalConnectionError(
            f"{at} does not speak TLS; set SIGNOFF_TEMPORAL_TLS=false if it is a plaintext server."
        )
    if any(word in text for word in _HANDSHAKE_ENDED):
        reason = (
            "it may not accept the client certificate Signoff sent"
            if sends_cert
            else f"it may require a client certificate ({_CLIENT_CERT_SETTINGS})"
        )
        return TemporalConnectionError(f"{at} ended the TLS handshake: {reason}.")
    return None
