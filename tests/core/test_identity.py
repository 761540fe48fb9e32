"""Identities: the HQ certificate authority, enrollment of laptops, revocation, passphrases."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from fieldapp.cli.main import main
from fieldapp.core.store.store import Store
from fieldapp.core.trust import identity
from fieldapp.core.trust.identity import IdentityError
from tests.stores import open_test_store

HQ_PASS = b"hq-passphrase-1"
STAFF_PASS = b"staff-passphrase-1"


@pytest.fixture
def hq(tmp_path: Path) -> Store:
    store = open_test_store(tmp_path / "hq.db", passphrase=HQ_PASS)
    identity.hq_init(store, HQ_PASS, unit="昆明市总工会", author="总部管理员")
    return store


def enroll(hq: Store, tmp_path: Path, name: str = "李干事") -> tuple[Store, identity.StaffInfo]:
    data, info = identity.enroll_staff(
        hq, HQ_PASS, STAFF_PASS, name=name, unit="五华区总工会", author="总部管理员"
    )
    laptop = open_test_store(tmp_path / f"{info.staff_id}.db", passphrase=STAFF_PASS)
    identity.take_enrollment(laptop, data, STAFF_PASS, author=name)
    return laptop, info


def test_hq_init_makes_a_ca_a_receiving_key_and_an_office_identity(hq: Store) -> None:
    ca = identity.ca_certificate(hq)
    assert ca.subject == ca.issuer
    assert "户户清根证书" in ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert isinstance(ca.public_key(), ec.EllipticCurvePublicKey)
    assert ca.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]
    ca.verify_directly_issued_by(ca)
    office = identity.signing_identity(hq, HQ_PASS)
    assert office.unit == "昆明市总工会" and office.chain == [ca]
    office.certificate.verify_directly_issued_by(ca)
    assert identity.staff_info(office.certificate).role == "office"
    rows = identity.devices(hq)
    assert [r["role"] for r in rows] == ["office"]
    assert identity.hq_id(hq) and identity.identity_mode(hq) == "hq"
    identity.receiving_private_key(hq, HQ_PASS)


def test_private_keys_are_stored_encrypted(hq: Store) -> None:
    rows = list(hq.db.query("select purpose, kind, pem from keys"))
    private = [r for r in rows if r["kind"] == "private"]
    assert {r["purpose"] for r in private} >= {"ca.key", "hq.receive.key", "self.sign.key"}
    for row in private:  # sealed under the key file's key-protection key, not weak PKCS#8
        sealed = json.loads(row["pem"])
        assert sealed["format"] == "huhuqing-private-key" and sealed["alg"] == "kpk+A256GCM"
        assert "PRIVATE KEY" not in row["pem"]


def test_second_init_is_refused(hq: Store) -> None:
    with pytest.raises(IdentityError, match="不能重复初始化"):
        identity.hq_init(hq, HQ_PASS, unit="x", author="x")


def test_wrong_passphrase_is_a_clear_error(hq: Store) -> None:
    with pytest.raises(IdentityError, match="口令不正确"):
        identity.signing_identity(hq, b"wrong")
    with pytest.raises(IdentityError, match="口令不正确"):
        identity.enroll_staff(hq, b"wrong", STAFF_PASS, name="a", unit="b", author="x")
    assert [r["role"] for r in identity.devices(hq)] == ["office"]


def test_enrollment_gives_the_laptop_a_signing_identity(hq: Store, tmp_path: Path) -> None:
    laptop, info = enroll(hq, tmp_path)
    me = identity.signing_identity(laptop, STAFF_PASS)
    assert (me.name, me.unit) == ("李干事", "五华区总工会")
    me.certificate.verify_directly_issued_by(identity.ca_certificate(hq))
    assert me.chain[-1] == identity.ca_certificate(hq)
    assert identity.staff_info(me.certificate) == info
    sig = me.private_key.sign(b"ledger", ec.ECDSA(hashes.SHA256()))
    me.certificate.public_key().verify(sig, b"ledger", ec.ECDSA(hashes.SHA256()))  # type: ignore[call-arg, union-attr, arg-type]
    san = me.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert f"urn:uuid:{info.staff_id}" in san.value.get_values_for_type(
        x509.UniformResourceIdentifier
    )
    assert identity.hq_id(laptop) == identity.hq_id(hq)
    row = identity.device(hq, info.staff_id)
    assert row["cert_fingerprint"] == info.fingerprint and row["revoked_at"] is None
    with pytest.raises(IdentityError, match="口令不正确"):
        identity.signing_identity(laptop, HQ_PASS)


def test_enrollment_file_checks(hq: Store, tmp_path: Path) -> None:
    data, _ = identity.enroll_staff(
        hq, HQ_PASS, STAFF_PASS, name="王干事", unit="盘龙区总工会", author="x"
    )
    body = json.loads(data)
    assert "PRIVATE KEY" not in body["certificate"]
    sealed = json.loads(body["signing_key"])  # a file on a USB stick: Argon2id, not PBKDF2
    assert sealed["alg"] == "argon2id+A256GCM" and sealed["kdf"]["alg"] == "argon2id"
    tampered = json.dumps({**body, "name": "别人"}).encode()
    laptop = open_test_store(tmp_path / "lap.db", passphrase=STAFF_PASS)
    with pytest.raises(IdentityError, match="被改动"):
        identity.take_enrollment(laptop, tampered, STAFF_PASS, author="x")
    with pytest.raises(IdentityError, match="不是户户清登记文件"):
        identity.take_enrollment(laptop, b"\x00garbage", STAFF_PASS, author="x")
    with pytest.raises(IdentityError, match="口令不正确"):
        identity.take_enrollment(laptop, data, b"wrong", author="x")
    assert identity.identity_mode(laptop) is None
    with pytest.raises(IdentityError, match="总部数据库"):
        identity.take_enrollment(hq, data, STAFF_PASS, author="x")
    other = open_test_store(tmp_path / "hq2.db", passphrase=HQ_PASS)
    identity.hq_init(other, HQ_PASS, unit="曲靖市总工会", author="x")
    foreign, _ = identity.enroll_staff(other, HQ_PASS, STAFF_PASS, name="赵", unit="u", author="x")
    identity.take_enrollment(laptop, data, STAFF_PASS, author="x")
    with pytest.raises(IdentityError, match="另一个总部"):
        identity.take_enrollment(laptop, foreign, STAFF_PASS, author="x")


def test_revoke_is_recorded_once_and_kept(hq: Store, tmp_path: Path) -> None:
    _, info = enroll(hq, tmp_path)
    with pytest.raises(IdentityError, match="原因"):
        identity.revoke_device(hq, info.staff_id, reason=" ", author="x")
    identity.revoke_device(hq, info.staff_id[:8], reason="笔记本遗失", author="主任")
    row = identity.device(hq, info.staff_id)
    assert row["revoked_at"] and row["revoke_reason"] == "笔记本遗失"
    with pytest.raises(IdentityError, match="已于"):
        identity.revoke_device(hq, info.staff_id, reason="again", author="x")
    from fieldapp.core.store import driver

    with pytest.raises(driver.DatabaseError):
        hq.db.execute("update devices set revoked_at = null where device_id = ?", [info.staff_id])
    with pytest.raises(driver.DatabaseError):
        hq.db.execute("delete from devices")
    with pytest.raises(driver.DatabaseError):
        hq.db.execute("delete from keys")
    assert any(e["action"] == "revoke_device" for e in hq.audit_log())
    with pytest.raises(IdentityError, match="总部自身"):
        identity.revoke_device(hq, identity.staff_id(hq) or "", reason="x", author="x")


# -- the command line ----------------------------------------------------------------------------


def run(db: Path, *args: str) -> int:
    return main(["--db", str(db), "--user", "测试员", *args])


def test_cli_init_enroll_ca_cert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hq_db, lap_db = tmp_path / "hq.db", tmp_path / "lap.db"
    monkeypatch.delenv("FIELDAPP_PASSPHRASE", raising=False)
    monkeypatch.setattr("sys.stdin", None)
    assert run(hq_db, "hq", "init", "--unit", "昆明市总工会") == 1
    assert "需要口令" in capsys.readouterr().err
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", HQ_PASS.decode())
    assert run(hq_db, "hq", "init", "--unit", "昆明市总工会") == 0
    assert "根证书指纹" in capsys.readouterr().out
    staff_file = tmp_path / "staff.txt"
    staff_file.write_text(STAFF_PASS.decode() + "\n", encoding="utf-8")
    out = tmp_path / "li.hhqe"
    args = ("hq", "enroll", "--name", "李干事", "--unit", "五华区总工会", "--out", str(out))
    assert run(hq_db, *args) == 1
    assert "staff-passphrase-file" in capsys.readouterr().err
    assert run(hq_db, *args, "--staff-passphrase-file", str(staff_file)) == 0
    assert "已登记：李干事" in capsys.readouterr().out
    assert out.stat().st_mode & 0o077 == 0
    assert run(hq_db, *args, "--staff-passphrase-file", str(staff_file)) == 1
    assert "已存在" in capsys.readouterr().err
    assert run(hq_db, "hq", "ca-cert") == 0
    pem = capsys.readouterr().out
    ca = x509.load_pem_x509_certificate(pem.encode())
    assert ca == identity.ca_certificate(open_test_store(hq_db, passphrase=HQ_PASS))

    assert run(lap_db, "enroll", str(out)) == 1  # HQ passphrase is not the staff passphrase
    assert "口令不正确" in capsys.readouterr().err
    assert (
        run(lap_db, "--user", "李干事", "enroll", str(out), "--passphrase-file", str(staff_file))
        == 0
    )
    assert "本机已登记" in capsys.readouterr().out
    assert run(lap_db, "identity", "--json") == 1  # the laptop is the cadre's: their passphrase
    assert "口令不正确" in capsys.readouterr().err
    assert run(lap_db, "--passphrase-file", str(staff_file), "identity", "--json") == 0
    me = json.loads(capsys.readouterr().out)
    assert me["mode"] == "laptop" and me["staff"]["name"] == "李干事"

    assert run(hq_db, "hq", "devices", "--json") == 0
    devices = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in devices] == ["昆明市总工会办公室", "李干事"]
    assert run(hq_db, "hq", "revoke", "李干事", "--reason", "遗失") == 0
    assert "已吊销" in capsys.readouterr().out

    openssl = shutil.which("openssl")
    if openssl:
        (tmp_path / "ca.pem").write_text(pem, encoding="utf-8")
        leaf = identity.cert_pem(
            identity.own_certificate(open_test_store(lap_db, passphrase=STAFF_PASS))
        )
        (tmp_path / "leaf.pem").write_text(leaf, encoding="utf-8")
        done = subprocess.run(
            [openssl, "verify", "-CAfile", "ca.pem", "leaf.pem"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0 and "OK" in done.stdout, done.stderr


def test_a_certificate_with_a_damaged_curve_is_a_clear_error(hq: Store) -> None:
    """One flipped bit in the P-256 OID made cryptography raise UnsupportedAlgorithm (the bundle
    fuzz test found it only when the random keys put a flipped bit there)."""
    from cryptography.hazmat.primitives import serialization

    from fieldapp.core.trust.certificates import cert_pem, load_cert

    der = bytearray(
        load_cert(cert_pem(identity.ca_certificate(hq))).public_bytes(serialization.Encoding.DER)
    )
    oid = bytes.fromhex("06082a8648ce3d030107")  # prime256v1
    at = der.index(oid) + 2
    der[at] ^= 0x01
    damaged = x509.load_der_x509_certificate(bytes(der)).public_bytes(serialization.Encoding.PEM)
    with pytest.raises(IdentityError, match="证书格式不正确"):
        load_cert(damaged)
