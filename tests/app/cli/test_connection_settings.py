"""The CLI's connection to Temporal as configured by ``SIGNOFF_TEMPORAL_*``: over mutual
TLS through a TLS-terminating tls_proxy, and one sentence when the settings are wrong."""

from __future__ import annotations

from pathlib import Path

from tests.app.cli.conftest import runner_for
from tests.helpers.tls import Certificates, TlsProxy


def tls_env(tls_proxy: TlsProxy, tls_certificates: Certificates) -> dict[str, str]:
    return {
        "SIGNOFF_TEMPORAL_ADDRESS": tls_proxy.address,
        "SIGNOFF_TEMPORAL_TLS_SERVER_CA_CERT_PATH": str(tls_certificates.ca.cert),
        "SIGNOFF_TEMPORAL_TLS_SERVER_NAME": "temporal.signoff.test",
        "COLUMNS": "200",
    }


async def test_pending_over_mutual_tls_answers(
    tls_proxy: TlsProxy, tls_certificates: Certificates
) -> None:
    cli = runner_for(
        tls_env(tls_proxy, tls_certificates)
        | {
            "SIGNOFF_TEMPORAL_TLS_CLIENT_CERT_PATH": str(tls_certificates.client.cert),
            "SIGNOFF_TEMPORAL_TLS_CLIENT_KEY_PATH": str(tls_certificates.client.key),
        }
    )

    listed = await cli("pending", "--for", "refund-bot")

    assert listed.exit_code == 0, listed.output
    assert listed.stdout.strip() == "No pending decisions for refund-bot."


async def test_pending_without_the_client_certificate_says_what_is_missing(
    tls_proxy: TlsProxy, tls_certificates: Certificates
) -> None:
    refused = await runner_for(tls_env(tls_proxy, tls_certificates))("pending")

    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        f"Temporal at {tls_proxy.address} ended the TLS handshake: it may require a client"
        " certificate (SIGNOFF_TEMPORAL_TLS_CLIENT_CERT_PATH and"
        " SIGNOFF_TEMPORAL_TLS_CLIENT_KEY_PATH)."
    )


async def test_a_missing_certificate_file_is_one_sentence_not_a_traceback(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "client.pem"
    cli = runner_for(
        {
            "SIGNOFF_TEMPORAL_TLS_CLIENT_CERT_PATH": str(missing),
            "SIGNOFF_TEMPORAL_TLS_CLIENT_KEY_PATH": str(tmp_path / "client.key"),
            "COLUMNS": "200",
        }
    )

    refused = await cli("pending")

    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        f"Cannot read the client certificate {missing}"
        " (SIGNOFF_TEMPORAL_TLS_CLIENT_CERT_PATH): No such file or directory."
    )


async def test_a_mistyped_tls_switch_names_the_variable() -> None:
    refused = await runner_for({"SIGNOFF_TEMPORAL_TLS": "maybe", "COLUMNS": "200"})("pending")

    assert refused.exit_code == 2
    assert refused.stderr.strip() == (
        "Invalid setting: SIGNOFF_TEMPORAL_TLS: Input should be a valid boolean,"
        " unable to interpret input."
    )


async def test_an_unreachable_server_from_a_profile_is_named_by_its_own_address(
    tmp_path: Path,
) -> None:
    profile = tmp_path / "temporal.toml"
    profile.write_text('[profile.ops]\naddress = "127.0.0.1:1"\n')
    cli = runner_for(
        {
            "SIGNOFF_TEMPORAL_PROFILE": "ops",
            "SIGNOFF_TEMPORAL_CONFIG_FILE": str(profile),
            "COLUMNS": "200",
        }
    )

    refused = await cli("pending")

    assert refused.exit_code == 1
    assert refused.stderr.strip().startswith("Cannot reach Temporal at 127.0.0.1:1 ")
