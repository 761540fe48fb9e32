"""Revocations known to headquarters are honoured when ledgers are verified — at headquarters, on
laptops (the list travels in assignment bundles) and by auditors (a signed exported list).

Before issue 11 a ledger signed by a revoked staff member verified, whenever it was signed.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.cli.main import main
from fieldapp.core.ledger.render import render_household_ledger, verify_ledger
from fieldapp.core.store import driver
from fieldapp.core.store.errors import StoreError
from fieldapp.core.sync.bundle import inspect_bundle
from fieldapp.core.trust import identity
from fieldapp.core.trust.certificates import cert_pem, fingerprint, sign_json
from fieldapp.core.trust.revocation import (
    REVOCATIONS_FORMAT,
    REVOCATIONS_VERSION,
    Revocation,
    RevocationList,
    read_revocations,
    revocations,
)
from tests.core.pki import Pki, make_pki, signed_ledgers
from tests.core.test_sync import HQ_PASS, LI_PASS, WANG_PASS, World, make_world, new_household
from tests.core.test_sync_bad import forge, refused

# -- the rule, with lists made by hand -----------------------------------------------------------


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="module")
def one(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Path:
    return signed_ledgers(tmp_path_factory.mktemp("revoked"), pki)[0]


def revoked(pki: Pki, at: datetime) -> RevocationList:
    cert = pki.cadre.certificate
    entry = Revocation(fingerprint(cert), "staff-1", "李干事", "五华区总工会", at, "笔记本遗失")
    return RevocationList({entry.cert_fingerprint: entry}, "测试")


def test_a_signature_made_after_the_revocation_fails(one: Path, pki: Pki) -> None:
    report = verify_ledger(
        one, [pki.ca], revocations=revoked(pki, datetime.now(UTC) - timedelta(1))
    )
    assert not report.ok
    (sig,) = report.signatures
    assert sig.intact and sig.valid and sig.trusted and sig.revoked_at is not None
    assert any("签名人证书已于" in p and "签名时间在吊销之后" in p for p in sig.problems)


def test_a_signature_made_before_the_revocation_passes_with_a_note(one: Path, pki: Pki) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    report = verify_ledger(one, [pki.ca], revocations=revoked(pki, later))
    assert report.ok, report.to_dict()
    (note,) = report.signatures[0].notes
    assert "签名早于吊销，仍然有效" in note and "无法排除" in note  # no timestamp: say so


def test_other_revocations_do_not_matter(one: Path, pki: Pki) -> None:
    cert = pki.reviewer.certificate
    other = Revocation(fingerprint(cert), "x", "王科长", "", datetime.now(UTC), "")
    listing = RevocationList({other.cert_fingerprint: other})
    assert verify_ledger(one, [pki.ca], revocations=listing).ok


@pytest.mark.parametrize(
    "change",
    [
        {"cert_fingerprint": "abc"},
        {"revoked_at": "yesterday"},
        {"revoked_at": "2026-11-01T10:00:00"},  # no time zone
        {"staff_id": 5},
        {"reason": "x" * 600},
    ],
)
def test_malformed_revocation_records_are_refused(change: dict[str, object]) -> None:
    good = {
        "cert_fingerprint": "ab" * 32,
        "staff_id": "s",
        "name": "n",
        "unit": "u",
        "revoked_at": "2026-11-01T10:00:00+00:00",
        "reason": "r",
    }
    assert Revocation.from_record(good).revoked_at.year == 2026
    with pytest.raises(StoreError, match="吊销记录"):
        Revocation.from_record({**good, **change})


FIELDS = ("cert_fingerprint", "staff_id", "name", "unit", "revoked_at", "reason")
plausible = st.sampled_from(["ab" * 32, "2026-11-01T10:00:00+00:00", "2026-11-01", "张三", ""])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | plausible,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    entries=st.lists(
        st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6) | json_values,
        max_size=4,
    ),
    junk=st.binary(max_size=64),
)
def test_odd_revocation_lists_are_refused_cleanly(
    pki: Pki, entries: list[object], junk: bytes
) -> None:
    """A list signed by a real office identity, with whatever entries: read, or refused with a
    message (IdentityError), never a crash; random bytes likewise."""
    office = pki.office
    body: dict[str, object] = {
        "format": REVOCATIONS_FORMAT,
        "version": REVOCATIONS_VERSION,
        "hq_id": "hq",
        "issued_at": "2026-11-01T10:00:00+00:00",
        "revocations": entries,
        "signer_certificate": cert_pem(office.certificate),
    }
    body["signature"] = sign_json(office.private_key, body)
    for data in (json.dumps(body, ensure_ascii=False).encode(), junk):
        try:
            listing = read_revocations(data, [pki.ca])
        except StoreError:
            continue
        assert all(r.revoked_at.tzinfo is not None for r in listing.entries.values())


# -- end to end: headquarters, a laptop, an auditor -------------------------------------------------


def next_second() -> None:
    """Revocation times and signing times are compared to the second (a signature in the same
    second as the revocation counts as after it): make sure a new second has begun."""
    time.sleep(1.01 - time.time() % 1)


def verify(capsys: pytest.CaptureFixture[str], db: str, *argv: str) -> tuple[int, str, str]:
    owner = HQ_PASS if Path(db).name == "hq.db" else WANG_PASS  # the passphrase of that database
    with pytest.MonkeyPatch.context() as env:
        env.setenv("FIELDAPP_PASSPHRASE", owner.decode())
        code = main(["--db", db, "verify", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_revocation_is_honoured_at_hq_on_laptops_and_by_auditors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world: World = make_world(tmp_path)
    hq_db, wang_db = str(tmp_path / "hq" / "hq.db"), str(tmp_path / "wang" / "laptop.db")
    signer = identity.signing_identity(world.li, LI_PASS)
    hid = new_household(world.li)
    before = render_household_ledger(world.li, hid, tmp_path / "before.pdf", signer=signer).path
    next_second()
    identity.revoke_device(world.hq, world.li_info.staff_id, reason="笔记本遗失", author="主任")
    # the laptop is gone, its key still signs
    after = render_household_ledger(world.li, hid, tmp_path / "after.pdf", signer=signer).path

    code, out, _err = verify(capsys, hq_db, str(before))
    assert code == 0 and "吊销名单：本数据库（1 条）" in out
    assert "说明：签名人证书已于" in out and "签名早于吊销，仍然有效" in out
    code, out, err = verify(capsys, hq_db, str(after))
    assert code == 1 and "证书吊销：已于" in out
    assert "签名人证书已于" in err and "原因：笔记本遗失" in err and "签名时间在吊销之后" in err

    # a laptop learns of the revocation from its next assignment bundle
    code, _out, _err = verify(capsys, wang_db, str(after))
    assert code == 0  # it cannot know yet
    bundle = world.assign(world.wang_info, [new_household(world.hq)])
    assert inspect_bundle(bundle)["counts"]["revocations"] == 1
    assert world.to_laptop(world.wang, bundle)["added"]["revocations"] == 1
    assert [r.name for r in revocations(world.wang).entries.values()] == ["li"]
    code, _out, err = verify(capsys, wang_db, str(after))
    assert code == 1 and "签名时间在吊销之后" in err
    assert verify(capsys, wang_db, str(before))[0] == 0
    with pytest.raises(driver.IntegrityError, match="append-only"):
        world.wang.db.execute("delete from revocations")

    # an auditor with neither database uses the list headquarters exported and signed
    hq_pass, ca, listing = tmp_path / "hq.pass", tmp_path / "ca.pem", tmp_path / "revoked.json"
    hq_pass.write_bytes(HQ_PASS)
    ca.write_bytes(identity.ca_certificate(world.hq).public_bytes(serialization.Encoding.PEM))
    hq = ["--db", hq_db, "hq", "revocations", "--out", str(listing), "--passphrase-file"]
    assert main([*hq, str(hq_pass)]) == 0
    assert "1 条" in capsys.readouterr().out
    nowhere = [str(tmp_path / "none.db"), "--trust", str(ca)]
    assert verify(capsys, *nowhere, str(after))[0] == 0  # no list: nothing known
    code, out, err = verify(capsys, *nowhere, "--revocations", str(listing), str(after))
    assert code == 1 and "总部吊销名单" in out and "签名时间在吊销之后" in err
    code, out, _err = verify(capsys, *nowhere, "--revocations", str(listing), "--json", str(before))
    assert code == 0 and json.loads(out)["signatures"][0]["revoked_at"] is not None
    listing.write_text(listing.read_text(encoding="utf-8").replace("笔记本遗失", "已找回"))
    code, _out, err = verify(capsys, *nowhere, "--revocations", str(listing), str(after))
    assert code == 1 and "已损坏或被改动" in err


def test_bundles_without_revocations_keep_the_old_format(tmp_path: Path) -> None:
    """No revocations: a zero count and no such record. (Bundles made before a kind existed omit
    its count, read as 0: docs/bundle-format.md, "Compatibility"; survey 2026.2 bundles are
    refused by older software on their form version anyway.)"""
    world = make_world(tmp_path)
    bundle = world.assign(world.li_info, [new_household(world.hq)])
    assert inspect_bundle(bundle)["counts"].get("revocations", 0) == 0
    assert world.to_laptop(world.li, bundle)["added"]["revocations"] == 0


def test_a_laptop_bundle_may_not_carry_revocations(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    record = {
        "t": "revocation",
        "cert_fingerprint": world.wang_info.fingerprint,
        "staff_id": world.wang_info.staff_id,
        "name": "wang",
        "unit": "",
        "revoked_at": "2026-11-01T10:00:00+00:00",
        "reason": "伪造",
    }
    refused(world, forge(world, [record]), "笔记本数据包不应包含吊销名单")
