"""What ``Client.connect`` is given for each way of configuring the connection: plain,
TLS, mutual TLS, an API key, a Temporal profile, and ``SIGNOFF_*`` over a profile."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.service import TLSConfig

from signoff.client.connection import connect_config
from signoff.core.errors import TemporalConnectionError
from signoff.core.settings import Settings
from tests.helpers.tls import Certificates, make_certificates


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No connection settings from the machine running the specs, nor a default
    Temporal config file from its home directory."""
    for name in os.environ:
        if name.startswith(("TEMPORAL_", "SIGNOFF_TEMPORAL_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # and no .env file
    yield


@pytest.fixture
def certs(tmp_path: Path) -> Certificates:
    return make_certificates(tmp_path)


def config_from(monkeypatch: pytest.MonkeyPatch, **variables: str | Path) -> dict[str, object]:
    for name, value in variables.items():
        monkeypatch.setenv(f"SIGNOFF_{name}", str(value))
    return dict(connect_config(Settings()))


def test_without_tls_settings_the_connection_is_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    assert config_from(monkeypatch) == {
        "target_host": "localhost:7233",
        "namespace": "default",
        "tls": False,
    }


def test_a_server_ca_and_name_give_tls_that_trusts_only_that_ca(
    monkeypatch: pytest.MonkeyPatch, certs: Certificates
) -> None:
    config = config_from(
        monkeypatch,
        TEMPORAL_ADDRESS="temporal.internal:7233",
        TEMPORAL_TLS_SERVER_CA_CERT_PATH=certs.ca.cert,
        TEMPORAL_TLS_SERVER_NAME="temporal.signoff.test",
    )

    assert config["target_host"] == "temporal.internal:7233"
    assert config["tls"] == TLSConfig(
        server_root_ca_cert=certs.ca.cert.read_bytes(), domain="temporal.signoff.test"
    )
    assert "api_key" not in config


def test_a_client_certificate_and_key_give_mutual_tls(
    monkeypatch: pytest.MonkeyPatch, certs: Certificates
) -> None:
    config = config_from(
        monkeypatch,
        TEMPORAL_TLS_CLIENT_CERT_PATH=certs.client.cert,
        TEMPORAL_TLS_CLIENT_KEY_PATH=certs.client.key,
    )

    assert config["tls"] == TLSConfig(
        client_cert=certs.client.cert.read_bytes(),
        client_private_key=certs.client.key.read_bytes(),
    )


def test_an_api_key_turns_tls_on_with_the_systems_trusted_cas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = config_from(
        monkeypatch,
        TEMPORAL_ADDRESS="eu-west-1.aws.api.temporal.io:7233",
        TEMPORAL_NAMESPACE="signoff.a1b2c",
        TEMPORAL_API_KEY="secret-key",
    )

    assert config == {
        "target_host": "eu-west-1.aws.api.temporal.io:7233",
        "namespace": "signoff.a1b2c",
        "api_key": "secret-key",
        "tls": True,
    }


def test_tls_turned_off_explicitly_stays_off_even_with_an_api_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = config_from(monkeypatch, TEMPORAL_API_KEY="secret-key", TEMPORAL_TLS="false")

    assert config["tls"] is False
    assert config["api_key"] == "secret-key"


def test_the_api_key_is_not_shown_in_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNOFF_TEMPORAL_API_KEY", "secret-key")

    assert "secret-key" not in repr(Settings())


CLOUD_PROFILE = """
[profile.cloud]
address = "eu-west-1.aws.api.temporal.io:7233"
namespace = "signoff.a1b2c"
api_key = "profile-key"

[profile.cloud.tls]
server_name = "eu-west-1.aws.api.temporal.io"
client_cert_path = "{cert}"
client_key_path = "{key}"

[profile.cloud.grpc_meta]
x-team = "risk"
"""


@pytest.fixture
def cloud_profile(tmp_path: Path, certs: Certificates) -> Path:
    path = tmp_path / "temporal.toml"
    path.write_text(CLOUD_PROFILE.format(cert=certs.client.cert, key=certs.client.key))
    return path


def test_a_profile_from_a_toml_file_gives_address_namespace_credentials_and_metadata(
    monkeypatch: pytest.MonkeyPatch, cloud_profile: Path, certs: Certificates
) -> None:
    config = config_from(monkeypatch, TEMPORAL_PROFILE="cloud", TEMPORAL_CONFIG_FILE=cloud_profile)

    assert config == {
        "target_host": "eu-west-1.aws.api.temporal.io:7233",
        "namespace": "signoff.a1b2c",
        "api_key": "profile-key",
        "tls": TLSConfig(
            domain="eu-west-1.aws.api.temporal.io",
            client_cert=certs.client.cert.read_bytes(),
            client_private_key=certs.client.key.read_bytes(),
        ),
        "rpc_metadata": {"x-team": "risk"},
    }


def test_signoff_settings_win_over_the_profile_one_by_one(
    monkeypatch: pytest.MonkeyPatch, cloud_profile: Path, certs: Certificates
) -> None:
    config = config_from(
        monkeypatch,
        TEMPORAL_PROFILE="cloud",
        TEMPORAL_CONFIG_FILE=cloud_profile,
        TEMPORAL_NAMESPACE="signoff-staging.a1b2c",
        TEMPORAL_API_KEY="signoff-key",
        TEMPORAL_TLS_SERVER_CA_CERT_PATH=certs.ca.cert,
    )

    assert config["target_host"] == "eu-west-1.aws.api.temporal.io:7233"  # the profile's
    assert config["namespace"] == "signoff-staging.a1b2c"
    assert config["api_key"] == "signoff-key"
    assert config["tls"] == TLSConfig(
        server_root_ca_cert=certs.ca.cert.read_bytes(),
        domain="eu-west-1.aws.api.temporal.io",
        client_cert=certs.client.cert.read_bytes(),
        client_private_key=certs.client.key.read_bytes(),
    )


def test_temporal_variables_apply_to_the_named_profile_as_temporals_tools_do(
    monkeypatch: pytest.MonkeyPatch, cloud_profile: Path
) -> None:
    monkeypatch.setenv("TEMPORAL_NAMESPACE", "from-temporal-namespace")

    config = config_from(monkeypatch, TEMPORAL_PROFILE="cloud", TEMPORAL_CONFIG_FILE=cloud_profile)

    assert config["namespace"] == "from-temporal-namespace"


def test_temporal_variables_alone_make_the_default_profile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal.internal:7233")
    monkeypatch.setenv("TEMPORAL_API_KEY", "temporal-key")

    config = config_from(monkeypatch, TEMPORAL_PROFILE="default")

    assert config["target_host"] == "temporal.internal:7233"
    assert config["api_key"] == "temporal-key"
    assert config["tls"] is True


def test_no_profile_is_read_unless_one_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "left-over-from-the-temporal-cli:7233")

    assert config_from(monkeypatch)["target_host"] == "localhost:7233"


def test_a_missing_certificate_file_is_one_sentence_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, certs: Certificates, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere" / "client.pem"

    with pytest.raises(TemporalConnectionError) as raised:
        config_from(
            monkeypatch,
            TEMPORAL_TLS_CLIENT_CERT_PATH=missing,
            TEMPORAL_TLS_CLIENT_KEY_PATH=certs.client.key,
        )

    assert str(raised.value) == (
        f"Cannot read the client certificate {missing}"
        " (SIGNOFF_TEMPORAL_TLS_CLIENT_CERT_PATH): No such file or directory."
    )


def test_a_missing_file_named_by_the_profile_names_the_profile(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    profile = tmp_path / "temporal.toml"
    profile.write_text(CLOUD_PROFILE.format(cert="/gone/cert.pem", key="/gone/key.pem"))

    with pytest.raises(TemporalConnectionError) as raised:
        config_from(monkeypatch, TEMPORAL_PROFILE="cloud", TEMPORAL_CONFIG_FILE=profile)

    assert str(raised.value) == (
        "Cannot read the client certificate /gone/cert.pem"
        " (from the Temporal profile 'cloud'): No such file or directory."
    )


def test_a_file_that_is_not_pem_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    der = tmp_path / "ca.der"
    der.write_bytes(b"\x30\x82\x01\x0a")

    with pytest.raises(TemporalConnectionError) as raised:
        config_from(monkeypatch, TEMPORAL_TLS_SERVER_CA_CERT_PATH=der)

    assert str(raised.value) == (
        f"The server CA certificate {der} (SIGNOFF_TEMPORAL_TLS_SERVER_CA_CERT_PATH)"
        " is not in PEM format."
    )


def test_a_client_certificate_without_its_key_is_refused(
    monkeypatch: pytest.MonkeyPatch, certs: Certificates
) -> None:
    with pytest.raises(TemporalConnectionError, match="needs its key"):
        config_from(monkeypatch, TEMPORAL_TLS_CLIENT_CERT_PATH=certs.client.cert)


def test_an_unknown_profile_is_one_sentence(
    monkeypatch: pytest.MonkeyPatch, cloud_profile: Path
) -> None:
    with pytest.raises(TemporalConnectionError) as raised:
        config_from(monkeypatch, TEMPORAL_PROFILE="prod", TEMPORAL_CONFIG_FILE=cloud_profile)

    assert str(raised.value) == (
        f"Cannot load the Temporal profile 'prod' from {cloud_profile}: Profile 'prod' not found."
    )


def test_a_missing_config_file_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(TemporalConnectionError) as raised:
        config_from(monkeypatch, TEMPORAL_CONFIG_FILE=tmp_path / "temporal.toml")

    assert str(raised.value) == (
        f"Cannot read the Temporal config file {tmp_path / 'temporal.toml'}"
        " (SIGNOFF_TEMPORAL_CONFIG_FILE): No such file or directory."
    )
