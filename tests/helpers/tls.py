"""Throwaway TLS for specs: a CA, a server certificate and client certificates made with
``cryptography``, and a proxy that terminates TLS (requiring a client certificate the CA
signed) in front of the plaintext dev server, as a Temporal Cloud endpoint would be."""

from __future__ import annotations

import datetime
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from signoff.core.settings import Settings
from signoff.core.temporal_connection import TemporalConnection
from tests.helpers.tcp_proxy import TcpProxy

SERVER_NAME = "temporal.signoff.test"  # the only name in the server's certificate


@dataclass(frozen=True)
class Pem:
    cert: Path
    key: Path


@dataclass(frozen=True)
class Certificates:
    ca: Pem
    server: Pem
    client: Pem
    stranger: Pem  # a client certificate from a CA the server does not trust


def make_certificates(folder: Path) -> Certificates:
    """Write a CA, a server and a client certificate it signed, and a stranger's."""
    ca_key, ca_cert = _authority("Signoff test CA")
    stranger_ca_key, stranger_ca_cert = _authority("Someone else's CA")
    return Certificates(
        ca=_write(folder, "ca", ca_key, ca_cert),
        server=_write(folder, "server", *_leaf(SERVER_NAME, ca_key, ca_cert, server=True)),
        client=_write(folder, "client", *_leaf("signoff-worker", ca_key, ca_cert)),
        stranger=_write(
            folder, "stranger", *_leaf("signoff-worker", stranger_ca_key, stranger_ca_cert)
        ),
    )


def over_tls(
    settings: Settings, address: str, certs: Certificates, client: Pem | None, **more: object
) -> Settings:
    """``settings`` pointed at a :class:`TlsProxy` at ``address``: trusting the test CA,
    expecting the server certificate's name, and presenting ``client``'s certificate."""
    fields: dict[str, object] = {
        "tls_server_ca_cert_path": certs.ca.cert,
        "tls_server_name": SERVER_NAME,
        "tls_client_cert_path": client.cert if client else None,
        "tls_client_key_path": client.key if client else None,
    }
    connection = TemporalConnection(**(fields | more))
    return settings.model_copy(
        update={"temporal_address": address, "temporal_connection": connection}
    )


def _authority(name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        _builder(subject, subject, key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _leaf(
    name: str, ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, server: bool = False
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    purpose = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        _builder(subject, ca_cert.subject, key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([purpose]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False
        )
    return key, builder.sign(ca_key, hashes.SHA256())


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _write(folder: Path, name: str, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> Pem:
    pem = Pem(cert=folder / f"{name}.pem", key=folder / f"{name}.key")
    pem.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return pem


class TlsProxy(TcpProxy):
    """Terminates TLS (HTTP/2 by ALPN, a client certificate required unless told) and
    relays the plaintext to ``target``; keeps what clients sent in ``received``."""

    def __init__(
        self, target: str, certificates: Certificates, *, client_cert_required: bool = True
    ) -> None:
        host, _, port = target.rpartition(":")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificates.server.cert, certificates.server.key)
        context.load_verify_locations(certificates.ca.cert)
        if client_cert_required:
            context.verify_mode = ssl.CERT_REQUIRED
        context.set_alpn_protocols(["h2"])
        self.received = bytearray()
        super().__init__(host, int(port), ssl_context=context, tap=self.received)

    def received_header_value(self, value: str) -> bool:
        """Whether a client sent an HTTP/2 header with this value, as HPACK writes it:
        Huffman-coded when that is shorter (it always is for :data:`HUFFMAN_CODES`' text),
        else as it is."""
        return hpack_huffman(value) in self.received or value.encode() in self.received


# RFC 7541 Appendix B: the HPACK Huffman code (code, length in bits) of the few characters
# the specs' header values use ("Bearer " and keys spelled from the 5-bit ones).
HUFFMAN_CODES = {
    "0": (0x0, 5), "1": (0x1, 5), "2": (0x2, 5), "a": (0x3, 5), "c": (0x4, 5),
    "e": (0x5, 5), "i": (0x6, 5), "o": (0x7, 5), "s": (0x8, 5), "t": (0x9, 5),
    " ": (0x14, 6), "r": (0x2C, 6), "B": (0x5D, 7),
}  # fmt: skip


def hpack_huffman(text: str) -> bytes:
    """``text`` as an HPACK string literal's Huffman-coded octets (padded with 1s, RFC
    7541 section 5.2)."""
    value = bits = 0
    for char in text:
        code, length = HUFFMAN_CODES[char]
        value, bits = value << length | code, bits + length
    pad = -bits % 8
    return (value << pad | (1 << pad) - 1).to_bytes((bits + pad) // 8, "big")
