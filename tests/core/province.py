"""A province in miniature: regions of laptops, their bundles shuffled and duplicated, a few forged.

Used by tests/core/test_province.py (a few seconds) and benchmarks/bench_province.py (bigger;
prints the figures). One headquarters enrolls ``regions × laptops`` cadres; each creates its
households and exports, headquarters takes those in, then assigns a share of the households
(``concurrent``, at least one) to a second laptop of the same region as well. Over ``rounds``
each laptop edits some of its households (phone, address, now and then a status change) and
exports; both laptops edit each shared household in the first round, so headquarters must
surface exactly those conflicts. Every bundle, a fifth of them twice, and ``forged`` forgeries
(one of each kind in turn: another's device id in the manifest, records in another's name,
an inflated clock, a date in 9999, a relayed batch altered on the way, a batch statement in
another's name) go to headquarters in a shuffled order.

Checked afterwards: the union at headquarters is exactly what the laptops wrote (revisions,
status changes, audit entries they exported; nothing lost, nothing forged), each form without
a shared edit is at its author's current data, every expected conflict is open and shows the
true current revision with every concurrent branch, no other conflict is open, every forgery
was refused and no genuine bundle was.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldapp.core.store.store import Store
from fieldapp.core.store.versions import head_id
from fieldapp.core.sync.bundle import assign_bundle, export_bundle
from fieldapp.core.sync.container import BundleError
from fieldapp.core.sync.export import relayed_records
from fieldapp.core.sync.importer import import_bundle, read_manifest
from fieldapp.core.sync.merge import list_conflicts
from fieldapp.core.sync.records import COUNTED, household_record
from fieldapp.core.trust import identity
from tests.conftest import TODAY
from tests.core import forging
from tests.core.households import complete_household
from tests.stores import open_test_store

HQ_PASS = b"province-hq-pass"
FORGERIES = (
    "manifest-device",
    "in-anothers-name",
    "inflated-clock",
    "year-9999",
    "relay",
    "statement",
)


@dataclass
class Laptop:
    store: Store
    info: identity.StaffInfo
    passphrase: bytes
    region: int
    households: list[str] = field(default_factory=list)


@dataclass
class ProvinceReport:
    laptops: int = 0
    households: int = 0
    bundles: int = 0
    duplicates: int = 0
    union_exact: bool = False
    missing: dict[str, int] = field(default_factory=dict)
    extra: dict[str, int] = field(default_factory=dict)
    current_wrong: int = 0
    conflicts_expected: int = 0
    conflicts_surfaced: int = 0
    conflicts_true_head: int = 0
    conflicts_were_stale: int = 0
    conflicts_unexpected: int = 0
    forged_tried: int = 0
    forged_refused: int = 0
    genuine_refused: list[str] = field(default_factory=list)
    revisions_lost: int = 0
    records_imported: int = 0
    import_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            self.union_exact
            and self.revisions_lost == 0
            and not self.genuine_refused
            and self.current_wrong == 0
            and self.forged_refused == self.forged_tried
            and self.conflicts_true_head == self.conflicts_expected
            and self.conflicts_unexpected == 0
        )

    def lines(self) -> list[str]:
        rate = self.records_imported / max(self.import_seconds, 1e-9)
        return [
            f"laptops × households        {self.laptops} × {self.households // max(self.laptops, 1)}"
            f" = {self.households} households",
            f"bundles imported            {self.bundles} (+{self.duplicates} duplicates, "
            f"+{self.forged_tried} forged), shuffled",
            f"union exact?                {'yes' if self.union_exact else 'NO'}"
            + (f"  missing {self.missing} extra {self.extra}" if not self.union_exact else ""),
            f"current data as authored    {'yes' if not self.current_wrong else 'NO'}"
            f" ({self.current_wrong} forms differ)",
            f"conflicts surfaced/expected {self.conflicts_surfaced} / {self.conflicts_expected}"
            f", with the true current head and every branch: {self.conflicts_true_head}"
            f" (detected against a head that moved on since: {self.conflicts_were_stale})",
            f"unexpected conflicts        {self.conflicts_unexpected}",
            f"forged bundles refused      {self.forged_refused} / {self.forged_tried}",
            f"genuine bundles refused     {len(self.genuine_refused)}",
            f"revisions lost              {self.revisions_lost} (must be 0)",
            f"import rate                 {rate:,.0f} records/s "
            f"({self.records_imported:,} records in {self.import_seconds:.1f} s, "
            f"{(self.bundles + self.duplicates + self.forged_tried) / max(self.import_seconds, 1e-9):.1f}"
            " bundles/s)",
        ]


class Province:
    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.usb = root / "usb"
        self.usb.mkdir(parents=True, exist_ok=True)
        self.hq = open_test_store(root / "hq.db", passphrase=HQ_PASS)
        identity.hq_init(self.hq, HQ_PASS, unit="云南省总工会", author="办公室")
        self.laptops: list[Laptop] = []
        self.n = 0

    def out(self, name: str) -> Path:
        self.n += 1
        return self.usb / f"{self.n:05d}-{name}.hhq"

    def enroll(self, region: int, k: int) -> Laptop:
        passphrase = f"laptop-{region}-{k}-pass".encode()
        data, info = identity.enroll_staff(
            self.hq, HQ_PASS, passphrase, name=f"干部{region}-{k}", unit=f"区{region}", author="x"
        )
        store = open_test_store(self.root / f"laptop-{region}-{k}.db", passphrase=passphrase)
        identity.take_enrollment(store, data, passphrase, author=info.name)
        laptop = Laptop(store, info, passphrase, region)
        self.laptops.append(laptop)
        return laptop

    def create(self, laptop: Laptop, number: int) -> None:
        data = complete_household()
        store = laptop.store
        for i in range(number):
            hid = store.create_household(laptop.info.name)
            a = {
                **data["A"],
                "name": f"户主{laptop.region}{len(self.laptops)}{i}",
                "archive_no": f"YN-{laptop.info.staff_id[:8]}-{i:04d}",
                "phone": f"139{self.rng.randrange(10**8):08d}",
            }
            store.save_form(hid, "A", a, author=laptop.info.name, final=True, today=TODAY)
            store.save_form(hid, "B", data["B"], author=laptop.info.name, final=True, today=TODAY)
            laptop.households.append(hid)

    def edit(self, laptop: Laptop, hid: str, **values: Any) -> None:
        store = laptop.store
        current = {**store.current(hid)["A"], **values}
        store.save_form(hid, "A", current, author=laptop.info.name, final=True, today=TODAY)

    def export(self, laptop: Laptop) -> Path:
        out = self.out(laptop.info.name)
        return export_bundle(laptop.store, out, laptop.passphrase, author=laptop.info.name).path

    def assign(self, laptop: Laptop, households: list[str]) -> None:
        out = self.out("assign")
        assign_bundle(
            self.hq, out, HQ_PASS, to=laptop.info.staff_id, households=households, author="x"
        )
        import_bundle(laptop.store, out, laptop.passphrase, author=laptop.info.name)


def simulate(
    root: Path,
    *,
    regions: int,
    laptops: int,
    households: int,
    rounds: int,
    concurrent: float = 0.01,
    forged: int = 6,
    seed: int = 1,
) -> ProvinceReport:
    p = Province(root, seed)
    rng = p.rng
    report = ProvinceReport()
    for region in range(regions):
        for k in range(laptops):
            p.create(p.enroll(region, k), households)
    report.laptops, report.households = len(p.laptops), len(p.laptops) * households
    genuine = [p.export(laptop) for laptop in p.laptops]
    for path in genuine:  # the first collection, before anything is assigned
        import_bundle(p.hq, path, HQ_PASS, author="办公室")
    shared = _share(p, concurrent)
    for laptop, partners in _partners(shared):
        p.assign(laptop, partners)
    for round_ in range(rounds):
        for laptop in p.laptops:
            for hid in laptop.households:
                if (round_ == 0 and hid in shared) or rng.random() < 0.3:
                    p.edit(laptop, hid, phone=f"137{rng.randrange(10**8):08d}")
                if rng.random() < 0.03:
                    laptop.store.set_status(hid, "已解困", reason="模拟", author=laptop.info.name)
            if round_ == 0:
                for hid, partner in shared.items():
                    if partner is laptop:
                        p.edit(laptop, hid, address=f"协办地址 {rng.randrange(1000)} 号")
            genuine.append(p.export(laptop))
    forgeries = [_forge(p, FORGERIES[i % len(FORGERIES)], rng) for i in range(forged)]
    duplicates = rng.sample(genuine, len(genuine) // 5)
    pool = [(path, False) for path in genuine + duplicates] + [(path, True) for path in forgeries]
    rng.shuffle(pool)
    report.bundles, report.duplicates, report.forged_tried = len(genuine), len(duplicates), forged
    started = time.perf_counter()
    for path, is_forged in pool:
        try:
            import_bundle(p.hq, path, HQ_PASS, author="办公室")
        except BundleError as exc:
            if is_forged:
                report.forged_refused += 1
            else:
                report.genuine_refused.append(f"{path.name}: {exc}")
        else:
            if not is_forged:
                counts = read_manifest(path)["counts"]
                report.records_imported += sum(int(counts[k]) for k in COUNTED)
    report.import_seconds = time.perf_counter() - started
    _check(p, shared, report)
    return report


def _share(p: Province, share: float) -> dict[str, Laptop]:
    """Households to be edited on a second laptop of the same region too: household -> partner."""
    every = [(laptop, hid) for laptop in p.laptops for hid in laptop.households]
    wanted = max(1, round(len(every) * share))
    out: dict[str, Laptop] = {}
    for laptop, hid in p.rng.sample(every, len(every)):
        partners = [o for o in p.laptops if o.region == laptop.region and o is not laptop]
        if partners and len(out) < wanted:
            out[hid] = p.rng.choice(partners)
    return out


def _partners(shared: dict[str, Laptop]) -> list[tuple[Laptop, list[str]]]:
    by_partner: dict[int, tuple[Laptop, list[str]]] = {}
    for hid, partner in shared.items():
        by_partner.setdefault(id(partner), (partner, []))[1].append(hid)
    return list(by_partner.values())


def _victim_head(p: Province, victim: Laptop) -> tuple[str, Any]:
    hid = victim.households[0]
    return hid, victim.store.current_revision(hid, "A")


def _forge(p: Province, kind: str, rng: random.Random) -> Path:
    forger, victim = rng.sample(p.laptops, 2)
    hid, head = _victim_head(p, victim)
    vdev, fdev = victim.store.device_id, forger.store.device_id
    household = household_record(victim.store.household(hid))
    out = p.out(f"forged-{kind}")

    def forge(records: list[Any], device_id: str | None = None) -> Path:
        return forging.forge(forger.store, forger.passphrase, out, records, device_id=device_id)

    if kind == "manifest-device":
        revision = forging.successor(forger.store, head, device_id=vdev, ahead=1000)
        extra = [forging.status(hid, changed_at="9999-12-31T00:00:00"), forging.audit(vdev)]
        return forge([household, revision, *extra], device_id=vdev)
    if kind == "in-anothers-name":
        return forge([household, forging.successor(forger.store, head, device_id=vdev)])
    if kind == "inflated-clock":
        revision = forging.revision(
            forger.store,
            hid,
            device_id=fdev,
            seq=999,
            clock={fdev: 999, vdev: 10**6},
            parent_id=head.id,
        )
        return forge([household, revision])
    if kind == "year-9999":
        return forge([household, forging.status(hid, changed_at="9999-12-31T00:00:00")])
    if kind == "relay":
        batch = victim.store.db.execute("select batch_id from author_batches limit 1").fetchone()[0]
        records: list[Any] = [
            household_record(victim.store.household(h)) for h in victim.households
        ]
        for record in relayed_records(victim.store, [batch]):
            if isinstance(record, bytes) and b'"form_id":"A"' in record:
                record = record.replace("户主".encode(), "冒名".encode(), 1)
            records.append(record)
        return forge(records)
    statement = {
        "t": "batch",
        "batch_id": "0c2f3c8e-1111-4222-8333-944455556666",
        "staff_id": victim.info.staff_id,
        "device_id": vdev,
        "cert_sha256": victim.info.fingerprint,
        "signed_at": "2026-11-01T00:00:00+00:00",
        "count": 1,
        "digest": "0" * 64,
        "signature": "MEUCIQ==",
    }
    revision = forging.successor(forger.store, head, device_id=vdev, batch=statement["batch_id"])
    return forge([statement, household, revision])


def _ids(store: Store, sql: str, args: list[Any] | None = None) -> set[str]:
    return {str(r[0]) for r in store.db.execute(sql, args or [])}


def _check(p: Province, shared: dict[str, Laptop], report: ProvinceReport) -> None:
    hq = p.hq
    wrote: dict[str, set[str]] = {"revisions": set(), "status_changes": set(), "audit": set()}
    for laptop in p.laptops:
        own = json.dumps(laptop.store.device_ids)
        mark = json.loads(
            laptop.store.db.execute(
                "select marks from bundle_log where direction = 'export' order by seq desc limit 1"
            ).fetchone()[0]
        )["audit"]
        wrote["revisions"] |= _ids(
            laptop.store,
            "select id from revisions where device_id in (select value from json_each(?))",
            [own],
        )
        wrote["status_changes"] |= _ids(laptop.store, "select id from status_changes")
        wrote["audit"] |= _ids(
            laptop.store,
            "select id from audit where seq <= ? and device_id in (select value from json_each(?))",
            [mark, own],
        )
    devices = json.dumps([d for laptop in p.laptops for d in laptop.store.device_ids])
    have = {
        "revisions": _ids(hq, "select id from revisions union select id from held_revisions"),
        "status_changes": _ids(hq, "select id from status_changes"),
        "audit": _ids(
            hq,
            "select id from audit where device_id in (select value from json_each(?))",
            [devices],
        ),
    }
    report.missing = {k: len(wrote[k] - have[k]) for k in wrote if wrote[k] - have[k]}
    report.extra = {k: len(have[k] - wrote[k]) for k in wrote if have[k] - wrote[k]}
    report.union_exact = not report.missing and not report.extra
    report.revisions_lost = len(wrote["revisions"] - have["revisions"])
    for laptop in p.laptops:
        for hid in laptop.households:
            for form_id in ("A", "B"):
                if hid in shared and form_id == "A":
                    continue
                if hq.current(hid).get(form_id) != laptop.store.current(hid).get(form_id):
                    report.current_wrong += 1
    open_ = list_conflicts(hq)
    report.conflicts_expected = len(shared)
    report.conflicts_unexpected = sum(
        1 for c in open_ if c["household_id"] not in shared or c["form_id"] != "A"
    )
    owner = {hid: laptop for laptop in p.laptops for hid in laptop.households}
    for hid, partner in shared.items():
        views = [c for c in open_ if c["household_id"] == hid and c["form_id"] == "A"]
        if not views:
            continue
        report.conflicts_surfaced += 1
        head = head_id(hq, hid, "A")
        shown = {v["current_id"] for v in views} | {b["id"] for v in views for b in v["branches"]}
        latest_owner = owner[hid].store.current_revision(hid, "A")
        partner_own = [
            r for r in partner.store.history(hid, "A") if r.device_id in partner.store.device_ids
        ]
        wanted = {latest_owner.id if latest_owner else "", partner_own[-1].id}
        if all(v["current_id"] == head for v in views) and wanted <= shown:
            report.conflicts_true_head += 1
        report.conflicts_were_stale += sum(
            1 for v in views if v["detected_current_id"] != v["current_id"]
        )


def fresh(root: Path) -> Path:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    return root
