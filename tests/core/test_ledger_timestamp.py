"""Trusted timestamps (PAdES B-T) from an office's timestamp authority.

The authority is a small RFC 3161 responder on 127.0.0.1 (pyHanko's DummyTimeStamper behind
http.server), so signing goes through the real HTTP client (``--tsa URL``). With the authority's
root trusted, verification takes the signing time from the timestamp — also when it decides
whether a signature came before or after a revocation.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fieldapp.cli.main import main
from fieldapp.core.ledger.render import verify_ledger
from fieldapp.core.trust.certificates import fingerprint
from fieldapp.core.trust.revocation import Revocation, RevocationList
from tests.core.pki import Pki, make_ca, make_pki, signed_ledgers
from tests.core.test_sync import HQ_PASS, LI_PASS, make_world, new_household

STAMP_AGE = timedelta(minutes=2)  # the authority's clock runs behind the signer's


def _tsa_certificate(
    root: tuple[object, x509.Certificate],
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    root_key, root_cert = root
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "测试时间戳服务")]))
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(root_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return key, cert


@pytest.fixture(scope="module")
def tsa() -> Iterator[tuple[str, x509.Certificate]]:
    """(URL, root certificate) of a timestamp authority listening on 127.0.0.1 only."""
    from asn1crypto import keys, tsp
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps import DummyTimeStamper

    root = make_ca("测试时间戳机构")
    key, cert = _tsa_certificate(root)
    der = serialization.Encoding.DER
    pkcs8 = serialization.PrivateFormat.PKCS8
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(der)),
        tsa_key=keys.PrivateKeyInfo.load(
            key.private_bytes(der, pkcs8, serialization.NoEncryption())
        ),
        fixed_dt=datetime.now(UTC) - STAMP_AGE,
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", root[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


def test_the_timestamp_is_the_signing_time_when_its_authority_is_trusted(
    tmp_path: Path, pki: Pki, tsa: tuple[str, x509.Certificate]
) -> None:
    url, tsa_root = tsa
    _one, both, _info = signed_ledgers(tmp_path, pki, tsa_url=url)
    report = verify_ledger(both, [pki.ca], timestamp_trust=[tsa_root])
    assert report.ok, report.to_dict()
    for sig in report.signatures:
        assert sig.time_source == "timestamp" and sig.signed_at is not None
        assert datetime.now(UTC) - sig.signed_at >= STAMP_AGE - timedelta(seconds=5)

    # revoked between the authority's time and the signer's clock: the timestamp decides
    cert = pki.cadre.certificate
    entry = Revocation(
        fingerprint(cert), "s", "李干事", "", datetime.now(UTC) - STAMP_AGE / 2, "离职"
    )
    listing = RevocationList({entry.cert_fingerprint: entry})
    report = verify_ledger(both, [pki.ca], revocations=listing, timestamp_trust=[tsa_root])
    first = report.signatures[0]
    assert first.ok and "签名早于吊销" in first.notes[0] and "无法排除" not in first.notes[0]
    # without trusting the authority the signer's clock counts: after the revocation
    report = verify_ledger(both, [pki.ca], revocations=listing)
    first = report.signatures[0]
    assert not first.ok and first.time_source == "signer"
    assert "时间戳机构的证书不受信任" in first.notes[0]
    assert any("签名时间在吊销之后" in p for p in first.problems)


def test_cli_signs_and_countersigns_with_a_timestamp(
    tmp_path: Path, tsa: tuple[str, x509.Certificate], capsys: pytest.CaptureFixture[str]
) -> None:
    url, tsa_root = tsa
    world = make_world(tmp_path)
    new_household(world.li)
    li_db, hq_db = str(tmp_path / "li" / "laptop.db"), str(tmp_path / "hq" / "hq.db")
    li_pass, hq_pass = tmp_path / "li.pass", tmp_path / "hq.pass"
    li_pass.write_bytes(LI_PASS)
    hq_pass.write_bytes(HQ_PASS)
    tsa_pem = tmp_path / "tsa.pem"
    tsa_pem.write_bytes(tsa_root.public_bytes(serialization.Encoding.PEM))
    one, both = tmp_path / "one.pdf", tmp_path / "both.pdf"
    ledger = ["--db", li_db, "ledger", "YN-530102-2020-000001", "--sign"]
    assert main([*ledger, "--out", str(one), "--passphrase-file", str(li_pass), "--tsa", url]) == 0
    countersign = ["--db", hq_db, "ledger", "countersign", str(one), "--out", str(both)]
    assert main([*countersign, "--passphrase-file", str(hq_pass), "--tsa", url]) == 0
    capsys.readouterr()
    verify = ["--db", hq_db, "--passphrase-file", str(hq_pass), "verify", str(both)]
    assert main([*verify, "--tsa-trust", str(tsa_pem)]) == 0
    assert capsys.readouterr().out.count("（可信时间戳）") == 2

    refused = tmp_path / "refused.pdf"
    unreachable = "http://127.0.0.1:9/"  # the discard port: nothing answers there
    code = main(
        [*ledger, "--out", str(refused), "--passphrase-file", str(li_pass), "--tsa", unreachable]
    )
    assert code == 1 and not refused.exists()
    assert "无法从时间戳服务器" in capsys.readouterr().err
    assert (
        main(
            [
                *("--db", li_db, "--passphrase-file", str(li_pass), "ledger"),
                *("YN-530102-2020-000001", "--out", str(refused), "--tsa", url),
            ]
        )
        == 1
    )
    assert "--tsa 只用于签章" in capsys.readouterr().err
