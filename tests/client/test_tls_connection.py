"""Real connections over TLS: ``connect_client`` through a tls_proxy that terminates TLS the
way a Temporal Cloud or self-hosted TLS endpoint does, in front of the dev server."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from signoff.client import connect_client
from signoff.core.errors import TemporalConnectionError
from signoff.core.settings import Settings
from tests.helpers.tls import Certificates, TlsProxy, over_tls


async def refusal(settings: Settings) -> str:
    with pytest.raises(TemporalConnectionError) as raised:
        await connect_client(settings)
    return str(raised.value)


async def test_with_the_right_client_certificate_connect_client_reaches_temporal(
    tls_proxy: TlsProxy, tls_certificates: Certificates, settings: Settings
) -> None:
    client = await connect_client(
        over_tls(settings, tls_proxy.address, tls_certificates, tls_certificates.client)
    )

    assert await client.pending("nobody-at-all") == []


async def test_without_a_client_certificate_the_refusal_is_one_sentence(
    tls_proxy: TlsProxy, tls_certificates: Certificates, settings: Settings
) -> None:
    said = await refusal(over_tls(settings, tls_proxy.address, tls_certificates, None))

    assert said == (
        f"Temporal at {tls_proxy.address} ended the TLS handshake: it may require a client"
        " certificate (SIGNOFF_TEMPORAL_TLS_CLIENT_CERT_PATH and"
        " SIGNOFF_TEMPORAL_TLS_CLIENT_KEY_PATH)."
    )


async def test_a_client_certificate_from_another_ca_is_refused_in_one_sentence(
    tls_proxy: TlsProxy, tls_certificates: Certificates, settings: Settings
) -> None:
    said = await refusal(
        over_tls(settings, tls_proxy.address, tls_certificates, tls_certificates.stranger)
    )

    assert said == (
        f"Temporal at {tls_proxy.address} ended the TLS handshake:"
        " it may not accept the client certificate Signoff sent."
    )


async def test_a_server_certificate_for_another_name_says_which_setting_fixes_it(
    tls_proxy: TlsProxy, tls_certificates: Certificates, settings: Settings
) -> None:
    wrong_name = over_tls(
        settings, tls_proxy.address, tls_certificates, tls_certificates.client, tls_server_name=None
    )

    said = await refusal(wrong_name)

    assert said == (
        f"Temporal at {tls_proxy.address} presented a certificate made out to another name;"
        " set SIGNOFF_TEMPORAL_TLS_SERVER_NAME to the name in its certificate."
    )


async def test_a_server_certificate_from_an_unknown_ca_says_which_setting_fixes_it(
    tls_proxy: TlsProxy, tls_certificates: Certificates, settings: Settings
) -> None:
    untrusted = over_tls(
        settings,
        tls_proxy.address,
        tls_certificates,
        tls_certificates.client,
        tls_server_ca_cert_path=None,
    )

    said = await refusal(untrusted)

    assert said == (
        f"Temporal at {tls_proxy.address} presented a certificate that no CA Signoff trusts"
        " has signed; set SIGNOFF_TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA that signed it."
    )


async def test_tls_to_a_plaintext_server_says_so(
    dev_env: WorkflowEnvironment, tls_certificates: Certificates, settings: Settings
) -> None:
    plaintext = dev_env.client.service_client.config.target_host

    said = await refusal(over_tls(settings, plaintext, tls_certificates, tls_certificates.client))

    assert said == (
        f"Temporal at {plaintext} does not speak TLS;"
        " set SIGNOFF_TEMPORAL_TLS=false if it is a plaintext server."
    )


async def test_the_api_key_reaches_the_server_as_a_bearer_authorization_header(
    dev_env: WorkflowEnvironment, tls_certificates: Certificates, settings: Settings, tmp_path: Path
) -> None:
    target = dev_env.client.service_client.config.target_host
    key = "test1secret0coast2"  # spelled from characters tests.helpers.tls can Huffman-code
    async with TlsProxy(target, tls_certificates, client_cert_required=False) as keyed:
        with_key = over_tls(settings, keyed.address, tls_certificates, None, api_key=key)

        client = await connect_client(with_key)
        await client.pending("nobody-at-all")

    assert keyed.received_header_value(f"Bearer {key}")
    assert not keyed.received_header_value("Bearer test1secret0coast0")  # the check can fail
