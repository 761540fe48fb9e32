"""Bad bundles are refused with a reason, and headquarters' database is left exactly as it was."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.versions import REVISION_COLUMNS
from fieldapp.core.sync import records as sync_records
from fieldapp.core.sync.bundle import export_bundle, inspect_bundle
from fieldapp.core.sync.container import BundleError
from fieldapp.core.sync.importer import import_bundle
from fieldapp.core.trust import identity
from tests.core import forging
from tests.core.fuzzing import byte_mutation, mutate
from tests.core.test_sync import (
    HQ_PASS,
    LI_PASS,
    World,
    digest,
    edit,
    make_world,
    new_household,
)
from tests.stores import copy_database, open_test_store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, Path]]:
    """HQ already holding one laptop bundle, and a good next bundle from the same laptop."""
    world = make_world(tmp_path_factory.mktemp("bad"))
    hid = new_household(world.li)
    world.to_hq(world.export(world.li))
    edit(world.li, hid, "A", phone="13912345678")
    new_household(world.li, forms=("A",), A={"archive_no": "YN-9"})
    good = world.export(world.li)
    yield world, good


def refused(world: World, path: Path, reason: str | None = None) -> str:
    before = digest(world.hq)
    with pytest.raises(BundleError) as caught:
        import_bundle(world.hq, path, HQ_PASS, author="办公室")
    message = str(caught.value)
    if reason is not None:
        assert reason in message
    assert digest(world.hq) == before
    return message


def variant(world: World, name: str, data: bytes) -> Path:
    path = world.root / "usb" / name
    path.write_bytes(data)
    return path


def test_the_good_bundle_is_good(setup: tuple[World, Path], tmp_path: Path) -> None:
    world, good = setup
    # the good bundle imports into a copy of HQ (the shared HQ stays as it is for other tests)
    copy = tmp_path / "hq.db"
    world.hq.db.execute("PRAGMA wal_checkpoint(FULL)")
    copy_database(world.root / "hq" / "hq.db", copy)
    report = import_bundle(
        open_test_store(copy, passphrase=HQ_PASS), good, HQ_PASS, author="x"
    ).to_dict()
    assert (report["new"], report["updated"]) == (1, 1)


def positions(data: bytes) -> dict[str, int]:
    """Byte offsets inside each part of the container (see docs/bundle-format.md)."""
    manifest_len = int.from_bytes(data[8:12], "big")
    payload_at = 12 + manifest_len + 8
    payload_len = int.from_bytes(data[payload_at - 8 : payload_at], "big")
    sig_at = payload_at + payload_len + 2
    return {
        "magic": 3,
        "manifest length": 11,
        "manifest": 12 + manifest_len // 2,
        "manifest end": 12 + manifest_len - 2,
        "payload length": payload_at - 1,
        "payload start": payload_at,
        "payload middle": payload_at + payload_len // 2,
        "GCM tag": payload_at + payload_len - 1,
        "signature length": sig_at - 1,
        "signature": sig_at + 10,
        "last byte": len(data) - 1,
    }


@pytest.mark.parametrize(
    ("part", "reason"),
    [
        ("magic", "不是户户清数据包"),
        ("manifest length", None),
        ("manifest", None),
        ("manifest end", None),
        ("payload length", None),
        ("payload start", "签名不符"),
        ("payload middle", "签名不符"),
        ("GCM tag", "签名不符"),
        ("signature length", None),
        ("signature", "签名不符"),
        ("last byte", "签名不符"),
    ],
)
def test_a_changed_byte_anywhere_is_refused(
    setup: tuple[World, Path], part: str, reason: str | None
) -> None:
    world, good = setup
    data = bytearray(good.read_bytes())
    data[positions(bytes(data))[part]] ^= 0x01
    refused(world, variant(world, "flip.hhq", bytes(data)), reason)


@pytest.mark.parametrize("part", ["magic", "manifest", "payload middle", "signature", "last byte"])
def test_a_truncated_file_is_refused(setup: tuple[World, Path], part: str) -> None:
    world, good = setup
    data = good.read_bytes()
    cut = positions(data)[part]
    message = refused(world, variant(world, "cut.hhq", data[:cut]))
    assert any(word in message for word in ("截断", "不是户户清数据包", "损坏"))


def test_extra_bytes_random_files_and_missing_files(setup: tuple[World, Path]) -> None:
    world, good = setup
    refused(world, variant(world, "extra.hhq", good.read_bytes() + b"\0"), "多余内容")
    refused(world, variant(world, "random.hhq", os.urandom(5000)), "不是户户清数据包")
    refused(world, variant(world, "empty.hhq", b""), "不是户户清数据包")
    refused(world, world.root / "usb" / "missing.hhq", "文件不存在")
    refused(world, world.root / "usb", "目录")


def test_bundle_for_another_headquarters(setup: tuple[World, Path], tmp_path: Path) -> None:
    world, _ = setup
    other = make_world(tmp_path)
    new_household(other.li)
    refused(world, other.export(other.li), "另一个总部")


def test_device_from_another_ca_claiming_this_hq(setup: tuple[World, Path], tmp_path: Path) -> None:
    world, _ = setup
    other = make_world(tmp_path)
    new_household(other.li)
    # the foreign laptop pretends to belong to this HQ: same hq_id and HQ receiving key
    other.li.set_meta("hq_id", identity.hq_id(world.hq) or "")
    identity._put_key(
        other.li,
        identity.K_HQ_RECEIVE_PUB,
        "public",
        identity._require_pem(world.hq, identity.K_HQ_RECEIVE_PUB),
        "",
        "x",
    )
    refused(world, other.export(other.li), "不是本总部登记的设备")


def test_unknown_device_with_a_certificate_from_this_ca(
    setup: tuple[World, Path], tmp_path: Path
) -> None:
    world, _ = setup
    # a copy of the HQ database enrolls someone the real HQ never recorded
    world.hq.db.execute("PRAGMA wal_checkpoint(FULL)")
    copy_database(world.root / "hq" / "hq.db", tmp_path / "copy.db")
    copy = open_test_store(tmp_path / "copy.db", passphrase=HQ_PASS)
    data, _ = identity.enroll_staff(copy, HQ_PASS, b"zhao-pass-1", name="赵", unit="u", author="x")
    laptop = open_test_store(tmp_path / "zhao.db", passphrase=b"zhao-pass-1")
    identity.take_enrollment(laptop, data, b"zhao-pass-1", author="赵")
    new_household(laptop)
    out = export_bundle(laptop, tmp_path / "zhao.hhq", b"zhao-pass-1", author="赵").path
    refused(world, out, "未登记的设备")


def test_revoked_device(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    new_household(world.li)
    path = world.export(world.li)
    identity.revoke_device(world.hq, world.li_info.staff_id, reason="笔记本遗失", author="主任")
    refused(world, path, "已吊销")
    new_household(world.wang)
    assert world.to_hq(world.export(world.wang))["new"] == 1  # others still accepted


def test_newer_format_version(setup: tuple[World, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    world, _ = setup
    monkeypatch.setattr(sync_records, "FORMAT_VERSION", 2)
    newer = export_bundle(world.li, world.out(), LI_PASS, author="x", full=True).path
    monkeypatch.undo()
    refused(world, newer, "更新版本的户户清")


def test_unknown_form_version(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    world.li.survey = dataclasses.replace(world.li.survey, version="2099.1")
    new_household(world.li)
    message = refused(world, world.export(world.li), "不认识的表单版本")
    assert "2099.1" in message


def test_wrong_direction_and_wrong_laptop(setup: tuple[World, Path]) -> None:
    world, good = setup
    with pytest.raises(BundleError, match="只能在总部导入"):
        import_bundle(world.wang, good, b"wang-passphrase-1", author="x")


def test_wrong_passphrase_changes_nothing(setup: tuple[World, Path]) -> None:
    world, good = setup
    before = digest(world.hq)
    with pytest.raises(identity.IdentityError, match="口令不正确"):
        import_bundle(world.hq, good, b"not-the-passphrase", author="x")
    assert digest(world.hq) == before


# -- validly signed bundles with bad content roll back completely ----------------------------------


def forge(
    world: World, records: list[dict[str, Any]], counts: dict[str, int] | None = None
) -> Path:
    """A bundle signed by li's real key and encrypted for HQ, with whatever records we like."""
    return forging.forge(world.li, LI_PASS, world.out("forged"), records, counts=counts)


def household_records(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    household = forging.household()
    device = world.li.device_id
    revision = forging.revision(
        world.li, household["id"], device_id=device, seq=999, clock={device: 999}
    )
    return household, revision


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"form_id": "Z"}, "未知的表单"),
        ({"device_id": str(uuid.uuid4())}, "设备不符"),
        ({"data": {"no_such_field": 1}}, "未知字段"),
        ({"data": "text"}, "不是对象"),
        ({"clock": {}}, "版本向量"),
        ({"household_id": str(uuid.uuid4())}, "没有随包提供"),
        ({"state": "deleted"}, "状态不正确"),
        ({"id": "not-a-uuid"}, "不是 UUID"),
    ],
)
def test_bad_records_roll_back_everything(
    setup: tuple[World, Path], change: dict[str, Any], reason: str
) -> None:
    world, _ = setup
    household, good_revision = household_records(world)
    _, bad = household_records(world)
    bad = {**bad, "household_id": household["id"], **change}
    path = forge(world, [household, good_revision, bad])
    refused(world, path, reason)
    assert (
        world.hq.db.execute("select 1 from households where id = ?", [household["id"]]).fetchone()
        is None
    )


def test_counts_that_do_not_match_the_manifest(setup: tuple[World, Path]) -> None:
    world, _ = setup
    household, revision = household_records(world)
    counts = {**dict.fromkeys(sync_records.COUNTED, 0), "households": 1, "revisions": 2}
    refused(world, forge(world, [household, revision], counts), "计数不符")


# -- fuzzing ------------------------------------------------------------------------------------


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mutations=st.lists(byte_mutation, min_size=1, max_size=3))
def test_mutated_bundles_are_always_cleanly_refused(
    setup: tuple[World, Path], mutations: list[tuple[str, float, int]]
) -> None:
    world, good = setup
    data = mutate(good.read_bytes(), mutations)
    if data == good.read_bytes():
        return
    path = variant(world, "fuzz.hhq", data)
    before = digest(world.hq)
    try:
        import_bundle(world.hq, path, HQ_PASS, author="x")
    except BundleError:
        pass
    else:
        raise AssertionError(f"mutated bundle accepted: {mutations}")
    assert digest(world.hq) == before


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    flips=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), min_size=1, max_size=3
    )
)
def test_mutated_sender_certificates_are_always_cleanly_refused(
    setup: tuple[World, Path], flips: list[tuple[float, int]]
) -> None:
    """Bytes changed inside the sender certificate (offsets ~1300–1680 of a bundle, where a bit
    flip once raised cryptography's UnsupportedAlgorithm and InvalidVersion): a refusal, never
    an exception of another kind, in import and in inspect."""
    world, good = setup
    data = bytearray(good.read_bytes())
    start = data.index(b"-----BEGIN CERTIFICATE-----") + 27
    end = data.index(b"-----END CERTIFICATE-----")
    for where, value in flips:
        data[start + int(where * (end - start))] ^= value
    if bytes(data) == good.read_bytes():
        return  # the flips cancelled out
    path = variant(world, "cert-fuzz.hhq", bytes(data))
    before = digest(world.hq)
    with pytest.raises(BundleError):
        import_bundle(world.hq, path, HQ_PASS, author="x")
    assert digest(world.hq) == before
    try:
        assert inspect_bundle(path)["intact"] is False
    except BundleError:
        pass  # the manifest itself no longer reads


# -- the database file itself, through the command line --------------------------------------------


def test_rejected_bundles_leave_the_file_byte_for_byte_unchanged(
    setup: tuple[World, Path], tmp_path: Path
) -> None:
    world, good = setup
    data = good.read_bytes()
    bad = []
    for i, blob in enumerate((data[:-1], data[:100], data[:50] + b"x" + data[51:], b"junk")):
        bad.append(tmp_path / f"bad{i}.hhq")
        bad[-1].write_bytes(blob)
    world.hq.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    world.hq.close()
    db = world.root / "hq" / "hq.db"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    env = {**os.environ, "PYTHONPATH": str(REPO), "FIELDAPP_PASSPHRASE": HQ_PASS.decode()}
    done = subprocess.run(
        [sys.executable, "-m", "fieldapp", "--db", str(db), "bundle", "import", *map(str, bad)],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    rejected = [line for line in done.stderr.splitlines() if line.startswith("拒绝")]
    assert len(rejected) == 4 and "拒绝 4" in done.stdout
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    wal = db.with_name("hq.db-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    world.hq = open_test_store(db, passphrase=HQ_PASS)
    with pytest.raises(StoreError):
        import_bundle(world.hq, bad[0], HQ_PASS, author="x")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    which=st.sampled_from(["household", "revision"]),
    key=st.sampled_from([*REVISION_COLUMNS, "clock", "merged_from", "created_by", "t"]),
    value=json_values,
)
def test_validly_signed_bundles_with_odd_records_never_crash(
    setup: tuple[World, Path], which: str, key: str, value: Any
) -> None:
    """Past the signature, every record is checked: odd values give a clean refusal, never a crash."""
    world, _ = setup
    household, revision = household_records(world)
    if which == "household":
        household = {**household, key: value}
    else:
        revision = {**revision, key: value}
    path = forge(world, [household, revision])
    before = digest(world.hq)
    try:
        import_bundle(world.hq, path, HQ_PASS, author="x")
    except BundleError:
        assert digest(world.hq) == before


def test_damaged_sender_certificates_are_refused(setup: tuple[World, Path]) -> None:
    """A bit flipped inside the certificate in the manifest (found by the fuzz test above)."""
    world, good = setup
    data = good.read_bytes()
    start = data.index(b"-----BEGIN CERTIFICATE-----") + 40
    end = data.index(b"-----END CERTIFICATE-----") - 10
    for at in range(start, end, max(1, (end - start) // 40)):
        damaged = bytearray(data)
        damaged[at] ^= 0x01
        refused(world, variant(world, "cert.hhq", bytes(damaged)))
