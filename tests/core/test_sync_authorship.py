"""No enrolled laptop can write as another: each record's author is proven, and claims no more.

Laptop li has sent its household to headquarters; laptop wang, enrolled at the same headquarters
and holding its own valid key, tries to write in li's name (the reported forgery and its
variants). Every attempt is refused as a whole, naming the record, with HQ's database unchanged;
li's next genuine edit still becomes current. A relay (wang forwarding li's signed batch) is
accepted and keeps li as the author.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from fieldapp.core.store.records import Revision, now_iso
from fieldapp.core.sync import authorship
from fieldapp.core.sync.container import BundleError
from fieldapp.core.sync.export import export_bundle, relayed_records
from fieldapp.core.sync.importer import import_bundle
from fieldapp.core.sync.records import household_record
from fieldapp.core.trust import identity
from tests.core import forging
from tests.core.test_sync import (
    HQ_PASS,
    LI_PASS,
    WANG_PASS,
    World,
    digest,
    edit,
    make_world,
    new_household,
)
from tests.stores import open_test_store

FAR_FUTURE = "9999-12-31T00:00:00+00:00"


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    """HQ holds li's household (li's bundle imported); wang is enrolled and has sent nothing."""
    world = make_world(tmp_path_factory.mktemp("authors"))
    hid = new_household(world.li)
    world.to_hq(world.export(world.li))
    yield world, hid


def refused(world: World, path: Path, *reasons: str) -> str:
    before = digest(world.hq)
    with pytest.raises(BundleError) as caught:
        import_bundle(world.hq, path, HQ_PASS, author="办公室")
    message = str(caught.value)
    for reason in reasons:
        assert reason in message, message
    assert digest(world.hq) == before
    return message


def li_head(world: World, hid: str) -> Revision:
    head = world.hq.current_revision(hid, "A")
    assert head is not None
    return head


def wang_forges(world: World, records: list[Any], device_id: str | None = None) -> Path:
    return forging.forge(world.wang, WANG_PASS, world.out("forged"), records, device_id=device_id)


def test_the_reported_forgery_is_refused_and_li_keeps_writing(sent: tuple[World, str]) -> None:
    world, hid = sent
    li = world.li.device_id
    records = [
        forging.household(hid),
        forging.successor(world.wang, li_head(world, hid), device_id=li, ahead=1000),
        forging.status(hid, changed_at=FAR_FUTURE),
        forging.audit(li, household_id=hid),
    ]
    message = refused(world, wang_forges(world, records, device_id=li), "属于另一名登记人员")
    assert li in message
    # li's genuine edit afterwards is current, not shelved as stale
    edit(world.li, hid, "A", phone="13912345678")
    report = world.to_hq(world.export(world.li))
    assert report["revisions"]["current"] == 1 and report["revisions"]["stale"] == 0
    assert world.hq.current(hid)["A"]["phone"] == "13912345678"
    assert world.hq.household(hid)["status"] == "在档"


def test_records_in_anothers_name_under_ones_own_device_id(sent: tuple[World, str]) -> None:
    world, hid = sent
    li = world.li.device_id
    revision = forging.successor(world.wang, li_head(world, hid), device_id=li)
    message = refused(world, wang_forges(world, [forging.household(hid), revision]), "设备不符")
    assert revision["id"] in message
    audit = forging.audit(li, household_id=hid)
    message = refused(world, wang_forges(world, [audit]), "设备不符")
    assert audit["id"] in message
    status = forging.status(hid, device_id=li)
    refused(world, wang_forges(world, [forging.household(hid), status]), "设备不符", status["id"])


def test_a_clock_may_only_advance_the_signers_own_counter(sent: tuple[World, str]) -> None:
    world, hid = sent
    li, wang = world.li.device_id, world.wang.device_id
    parent = li_head(world, hid).id
    revision = forging.revision(
        world.wang, hid, device_id=wang, seq=999, clock={wang: 999, li: 10**6}, parent_id=parent
    )
    message = refused(world, wang_forges(world, [forging.household(hid), revision]), "版本向量", li)
    assert revision["id"] in message


def test_times_in_the_future_are_refused(sent: tuple[World, str]) -> None:
    world, hid = sent
    wang = world.wang.device_id
    status = forging.status(hid, changed_at=FAR_FUTURE)
    refused(world, wang_forges(world, [forging.household(hid), status]), "在未来", status["id"])
    revision = forging.revision(
        world.wang, hid, device_id=wang, seq=5, clock={wang: 5}, created_at="2999-01-01T00:00:00"
    )
    refused(world, wang_forges(world, [forging.household(hid), revision]), "在未来")
    audit = forging.audit(wang, at=FAR_FUTURE)
    refused(world, wang_forges(world, [audit]), "在未来")


def test_a_statement_in_lis_name_signed_by_wang_is_refused(sent: tuple[World, str]) -> None:
    world, hid = sent
    li = world.li.device_id
    revision = forging.successor(world.wang, li_head(world, hid), device_id=li)
    statement = forged_statement(world, revision, key_of=world.wang, password=WANG_PASS)
    revision["batch"] = statement["batch_id"]
    path = wang_forges(world, [statement, forging.household(hid), revision])
    refused(world, path, "作者签名不符")


def forged_statement(
    world: World, revision: dict[str, Any], *, key_of: Any, password: bytes, **over: Any
) -> dict[str, Any]:
    """A batch statement naming li as author of ``revision``, signed with ``key_of``'s key."""
    digest_ = authorship.Digest()
    digest_.add(authorship.record_hash(authorship.REVISION, revision))
    statement: dict[str, Any] = {
        "t": "batch",
        "batch_id": "0c2f3c8e-1111-4222-8333-944455556666",
        "staff_id": world.li_info.staff_id,
        "device_id": world.li.device_id,
        "cert_sha256": world.li_info.fingerprint,
        "signed_at": "2026-11-01T00:00:00+00:00",
        "count": 1,
        "digest": digest_.hexdigest(),
        **over,
    }
    key = identity.signing_identity(key_of, password).private_key
    signature = key.sign(authorship.statement_bytes(statement), ec.ECDSA(hashes.SHA256()))
    statement["signature"] = base64.b64encode(signature).decode("ascii")
    return statement


# -- relays ----------------------------------------------------------------------------------------


def lis_batches(world: World) -> list[str]:
    return [r[0] for r in world.li.db.execute("select batch_id from author_batches order by rowid")]


def relay(world: World, hid: str, *, change: dict[str, Any] | None = None) -> Path:
    """wang forwards li's batches (an office relaying a cadre's work) in a bundle wang signs."""
    records: list[Any] = [household_record(world.li.household(hid))]
    for record in relayed_records(world.li, lis_batches(world)):
        if change and isinstance(record, bytes) and b'"form_id":"A"' in record:  # altered
            head, _, _ = record.partition(b',"data":')
            record = head + b',"data":' + json.dumps(change, ensure_ascii=False).encode() + b"}"
        records.append(record)
    return wang_forges(world, records)


def test_a_relayed_batch_keeps_its_author(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    hid = new_household(world.li)
    world.export(world.li)  # li signs its batch; that file never reaches HQ itself
    report = import_bundle(world.hq, relay(world, hid), HQ_PASS, author="办公室").to_dict()
    assert report["new"] == 1 and report["revisions"]["current"] == 2
    assert world.hq.current(hid) == world.li.current(hid)
    origins = world.hq.db.execute(
        "select distinct via_staff_id from record_origins where kind = 'revision'"
    ).fetchall()
    assert origins == [(world.wang_info.staff_id,)]
    authors = world.hq.db.execute(
        "select distinct a.staff_id from record_batches r join author_batches a using (batch_id)"
    ).fetchall()
    assert authors == [(world.li_info.staff_id,)]
    assert identity.device_staff(world.li.device_id) == world.li_info.staff_id
    # li's own bundles still import (its device is bound to li, by li's signature)
    edit(world.li, hid, "A", phone="13900000009")
    assert world.to_hq(world.export(world.li))["revisions"]["current"] == 1


def test_a_relayed_batch_with_a_changed_record_is_refused(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    hid = new_household(world.li)
    own = world.export(world.li)
    refused(world, relay(world, hid, change={"name": "篡改"}), "摘要不符")
    # the same once headquarters holds the batch: the altered record is known by its id, but a
    # batch is checked whole every time it comes
    world.to_hq(own)
    refused(world, relay(world, hid, change={"name": "篡改"}), "摘要不符")


def test_a_batch_signed_after_its_author_was_revoked_is_refused(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    hid = new_household(world.li)
    world.export(world.li)
    identity.revoke_device(world.hq, world.li_info.staff_id, reason="笔记本遗失", author="主任")
    # signed before the revocation: still li's genuine work, accepted through a relay
    assert import_bundle(world.hq, relay(world, hid), HQ_PASS, author="x").to_dict()["new"] == 1
    # a statement li's (stolen) key signs after the revocation is refused
    li = world.li.device_id
    revision = forging.revision(world.li, hid, device_id=li, seq=10_000, clock={li: 10_000})
    later = forged_statement(
        world, revision, key_of=world.li, password=LI_PASS, signed_at=now_iso()
    )
    revision["batch"] = later["batch_id"]
    path = wang_forges(world, [later, forging.household(hid), revision])
    refused(world, path, "吊销")


def test_a_device_id_from_before_enrollment_named_people_is_bound_to_its_first_sender(
    tmp_path: Path,
) -> None:
    """A laptop that worked under a bare device id (older software) keeps those records its own:
    its first signed batch binds the id to it, and no one else can use the id afterwards."""
    world = make_world(tmp_path)
    legacy = str(uuid.uuid4())
    with world.li.db.atomic():
        world.li.adopt_device_id(legacy)
    hid = new_household(world.li)
    assert world.li.current_revision(hid, "A").device_id == legacy  # type: ignore[union-attr]
    report = world.to_hq(world.export(world.li))
    assert report["new"] == 1
    assert identity.device_staff(world.li.device_id) == world.li_info.staff_id  # moved on
    bound = world.hq.db.execute(
        "select staff_id from device_bindings where device_id = ?", [legacy]
    ).fetchone()
    assert bound == (world.li_info.staff_id,)
    head = world.hq.current_revision(hid, "A")
    assert head is not None
    revision = forging.successor(world.wang, head, device_id=legacy)
    path = wang_forges(world, [forging.household(hid), revision], device_id=legacy)
    refused(world, path, "属于另一名登记人员")
    edit(world.li, hid, "A", phone="13900000007")  # li's own work goes on, under its new id
    assert world.to_hq(world.export(world.li))["revisions"]["current"] == 1


def test_upgrading_headquarters_binds_the_devices_its_bundles_came_from(tmp_path: Path) -> None:
    """m006 takes the bindings already implied by imported bundles from ``bundle_log``."""
    world = make_world(tmp_path)
    legacy = str(uuid.uuid4())
    db = world.hq.db
    db.execute(
        "insert into bundle_log (bundle_id, direction, kind, at, actor, peer, device_id) "
        "values (?, 'import', 'laptop-to-hq', '2026-01-01T00:00:00+00:00', 'x', ?, ?)",
        [str(uuid.uuid4()), world.li_info.staff_id, legacy],
    )
    for table in ("author_batches", "record_batches", "record_origins", "device_bindings"):
        db.execute(f"drop table {table}")
    db.execute("delete from _sqlite_migrations where name = 'm007_bundle_authorship'")
    world.hq.close()
    hq = open_test_store(
        tmp_path / "hq" / "hq.db", passphrase=HQ_PASS
    )  # the migration runs again, as on an upgrade
    bound = hq.db.execute(
        "select staff_id from device_bindings where device_id = ?", [legacy]
    ).fetchone()
    assert bound == (world.li_info.staff_id,)


def test_re_enrolling_a_laptop_waits_until_its_work_is_sent(tmp_path: Path) -> None:
    """A new enrollment cannot sign what the old one wrote: unsent work must go first."""
    world = make_world(tmp_path)
    hid = new_household(world.li)
    data, info = identity.enroll_staff(
        world.hq, HQ_PASS, b"li-new-pass-1", name="li", unit="五华区总工会", author="x"
    )
    with pytest.raises(identity.IdentityError, match="没有上报"):
        identity.take_enrollment(
            world.li, data, LI_PASS, author="li", enrollment_passphrase=b"li-new-pass-1"
        )
    assert world.to_hq(world.export(world.li))["new"] == 1
    identity.take_enrollment(
        world.li, data, LI_PASS, author="li", enrollment_passphrase=b"li-new-pass-1"
    )
    assert identity.device_staff(world.li.device_id) == info.staff_id
    edit(world.li, hid, "A", phone="13900000008")
    out = export_bundle(world.li, world.out(), LI_PASS, author="li").path  # re-sealed: own
    report = world.to_hq(out)
    assert report["revisions"]["current"] == 1 and world.hq.current(hid)["A"]["phone"].endswith("8")
