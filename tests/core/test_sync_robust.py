"""Each bundle in a batch stands alone; untrusted bytes never raise; sizes are capped; names are safe.

Reported: a bit flipped in the sender certificate raised cryptography's UnsupportedAlgorithm or
InvalidVersion out of ``bundle import`` and ``bundle inspect``, and the good bundles after it were
never imported; a 198 KB bundle of five audit rows with 40 MB details grew HQ by 200 MB; a staff
name "../../evil" made ``hq assign --out DIR`` write outside DIR.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from fieldapp.core.sync import container
from fieldapp.core.sync.bundle import inspect_bundle
from fieldapp.core.sync.container import BundleError
from fieldapp.core.sync.filenames import name_part
from fieldapp.core.sync.importer import import_bundle
from fieldapp.core.trust import identity
from tests.core import forging
from tests.core.test_sync import HQ_PASS, LI_PASS, World, digest, make_world, new_household, run
from tests.stores import open_test_store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, Path, Path]]:
    """A world with one good bundle from li and one from wang, neither imported yet."""
    world = make_world(tmp_path_factory.mktemp("batch"))
    new_household(world.li)
    new_household(world.wang, forms=("A",), A={"archive_no": "YN-W"})
    yield world, world.export(world.li), world.export(world.wang)


@pytest.fixture(scope="module")
def nasty(batch: tuple[World, Path, Path]) -> list[tuple[int, int]]:
    return nasty_flips(batch[1].read_bytes())


def cert_region(data: bytes) -> range:
    start = data.index(b"-----BEGIN CERTIFICATE-----") + len(b"-----BEGIN CERTIFICATE-----")
    return range(start, data.index(b"-----END CERTIFICATE-----"))


def flipped(data: bytes, at: int, bit: int) -> bytes:
    out = bytearray(data)
    out[at] ^= bit
    return bytes(out)


def nasty_flips(data: bytes) -> list[tuple[int, int]]:
    """Flips that leave a certificate cryptography loads but fails on later with an exception
    other than ValueError (UnsupportedAlgorithm, InvalidVersion, DuplicateExtension …)."""
    found = []
    for at in cert_region(data):
        for bit in (1, 2):
            changed = flipped(data, at, bit)
            length = int.from_bytes(changed[8:12], "big")
            try:
                pem = json.loads(changed[12 : 12 + length])["sender"]["certificate"]
                cert = x509.load_pem_x509_certificate(pem.encode())
                cert.public_key()
                _ = cert.signature_hash_algorithm, cert.extensions, cert.version
            except (ValueError, TypeError, KeyError):
                continue
            except Exception:
                found.append((at, bit))
    return found


def test_flips_in_the_certificate_are_clean_refusals(
    batch: tuple[World, Path, Path], nasty: list[tuple[int, int]]
) -> None:
    world, good, _ = batch
    data = good.read_bytes()
    before = digest(world.hq)
    path = world.root / "usb" / "cert-flip.hhq"
    for at, bit in [*nasty, *((at, 4) for at in cert_region(data)[::5])]:
        path.write_bytes(flipped(data, at, bit))
        with pytest.raises(BundleError):
            import_bundle(world.hq, path, HQ_PASS, author="x")
        try:
            assert inspect_bundle(path)["intact"] is False
        except BundleError:
            pass  # the manifest no longer parses: refused before the certificate
    assert digest(world.hq) == before


def test_a_batch_with_damaged_certificates_imports_the_good_bundles(
    batch: tuple[World, Path, Path], nasty: list[tuple[int, int]], tmp_path: Path
) -> None:
    world, good_li, good_wang = batch
    data = good_li.read_bytes()
    assert nasty, "no flip reaches cryptography's other exceptions any more: choose new ones"
    bad = []
    for i, (at, bit) in enumerate(nasty[:3]):
        bad.append(tmp_path / f"bad{i}.hhq")
        bad[-1].write_bytes(flipped(data, at, bit))
    world.hq.close()
    db = world.root / "hq" / "hq.db"
    env = {**os.environ, "PYTHONPATH": str(REPO), "FIELDAPP_PASSPHRASE": HQ_PASS.decode()}

    def fieldapp(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "fieldapp", "--db", str(db), *args],
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )

    done = fieldapp("bundle", "import", str(bad[0]), str(good_wang), *map(str, bad[1:]), "--json")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    assert [bool(b["rejected"]) for b in report["bundles"]] == [True, False, *[True] * len(bad[1:])]
    assert report["new"] == 1 and report["rejected"] == len(bad)
    assert all("证书" in b["rejected"] for b in report["bundles"] if b["rejected"])
    inspected = fieldapp("bundle", "inspect", str(bad[0]))
    assert inspected.returncode == 1 and "Traceback" not in inspected.stderr
    assert "证书" in inspected.stderr
    world.hq = open_test_store(db, passphrase=HQ_PASS)


# -- sizes -------------------------------------------------------------------------------------------


def hq_file_size(world: World) -> int:
    world.hq.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return (world.root / "hq" / "hq.db").stat().st_size


def refused_unchanged(world: World, path: Path, reason: str) -> None:
    before, size = digest(world.hq), hq_file_size(world)
    with pytest.raises(BundleError, match=reason):
        import_bundle(world.hq, path, HQ_PASS, author="x")
    assert digest(world.hq) == before and hq_file_size(world) == size


def test_audit_rows_with_huge_details_are_refused(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    device = world.li.device_id
    huge = [forging.audit(device, detail={"x": "a" * (4 << 20)}) for _ in range(5)]
    path = forging.forge(world.li, LI_PASS, world.out("bomb"), huge)
    assert path.stat().st_size < 200_000  # a few megabytes of detail compress to almost nothing
    refused_unchanged(world, path, "过长的记录")
    large = [forging.audit(device, detail={"x": "a" * 200_000})]
    refused_unchanged(world, forging.forge(world.li, LI_PASS, world.out(), large), "详情超过")


def test_decompressed_size_and_row_count_are_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(tmp_path)
    device = world.li.device_id
    rows = [forging.audit(device, detail={"n": i, "pad": "b" * 2000}) for i in range(600)]
    path = forging.forge(world.li, LI_PASS, world.out("many"), rows)
    monkeypatch.setattr(container, "payload_allowance", lambda compressed: 1 << 20)
    refused_unchanged(world, path, "解压后超过")
    monkeypatch.undo()
    monkeypatch.setattr(container, "MAX_ROWS", 100)
    refused_unchanged(world, path, "记录超过")
    monkeypatch.undo()
    assert import_bundle(world.hq, path, HQ_PASS, author="x").to_dict()["added"]["audit"] == 600


def test_a_file_over_the_bundle_size_cap_is_refused_unread(
    batch: tuple[World, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    world, good, _ = batch
    monkeypatch.setattr(container, "BUNDLE_MAX_BYTES", good.stat().st_size - 1)
    refused_unchanged(world, good, "过大")


# -- file names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../evil", "evil"),
        ("李干事", "李干事"),
        ("a/b\\c", "a_b_c"),
        ("..", "未命名"),
        ("CON", "未命名"),
        ("王 小\n明", "王_小_明"),
        ("C:\\Windows\\x", "C_Windows_x"),
    ],
)
def test_name_parts_are_plain_file_names(name: str, expected: str) -> None:
    assert name_part(name) == expected


def test_assign_into_a_folder_stays_in_that_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(tmp_path)
    hid = new_household(world.hq, forms=("A",))
    identity.enroll_staff(
        world.hq, HQ_PASS, b"evil-pass-1", name="../../evil", unit="u", author="x"
    )
    out = world.root / "usb" / "deep" / "inside"
    out.mkdir(parents=True)
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", HQ_PASS.decode())
    db = world.root / "hq" / "hq.db"
    assert (
        run(db, "hq", "assign", "--to", "../../evil", "--households", hid, "--out", str(out)) == 0
    )
    [written] = [p for p in (world.root / "usb").rglob("*.hhq")]
    assert written.parent == out and written.name.startswith("户户清-分配-evil-")
    assert ".." not in written.name and "/" not in written.name
