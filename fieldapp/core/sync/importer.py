"""Importing a bundle: every check first, then everything in ONE transaction (or nothing).

Checks, in order, each refusing with a message that names the reason:
container structure (magic, lengths, truncation) → manifest format and version (newer → upgrade)
→ signature over the whole file with the sender's certificate (tampering) → ``hq_id`` (another
headquarters) → direction and recipient → certificate issued by this HQ's CA → sender enrolled and
not revoked (at HQ) or an office identity (on a laptop) → survey and form versions known → the
payload key opens with this store's receiving key. Only then is the payload decrypted and applied,
record by record, inside one transaction (a large payload read and prepared meanwhile by a second
process: ``read_ahead``); any malformed record, a count that does not match the
manifest or a failed GCM tag rolls it all back. Nothing is written when nothing is new; a file
imported here before, byte for byte, is not even read again (``_as_before``).
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.store import Store
from fieldapp.core.sync.apply import Applier, Progress
from fieldapp.core.sync.container import (
    Envelope,
    read_envelope,
    recipient_matches,
    unwrap_key,
    verify_signature,
)
from fieldapp.core.sync.fields import check_uuid, fail, sha256_file
from fieldapp.core.sync.read_ahead import read_prepared
from fieldapp.core.sync.records import KIND_ASSIGN, KIND_UP, normalised_counts
from fieldapp.core.sync.report import ImportReport, reject_report
from fieldapp.core.trust import identity

IMPORT_CACHE_KIB = 96 * 1024
"""The page cache while a bundle is applied: random UUID keys make big B-trees, so a larger cache
than the window's saves re-reading pages. 96 MiB, not 128: at 100,000 households the import's
peak fell from 309 to 274 MB (issue 17: ≤ 300 MB) in the same time (85.5 s against 86.5 s);
at 20,000 it costs 1–3 %."""

__all__ = [
    "ImportReport",
    "check_envelope",
    "import_bundle",
    "known_form_version",
    "read_manifest",
    "reject_report",
]


def known_form_version(store: Store, version: str) -> bool:
    """The current survey version, one stored here already, or an older dotted number."""
    current = store.survey.version
    if version == current:
        return True
    for table in ("revisions", "held_revisions"):
        row = store.db.execute(
            f"select 1 from {table} where form_version = ? limit 1", [version]
        ).fetchone()
        if row is not None:
            return True

    def parse(text: str) -> tuple[int, ...] | None:
        parts = text.split(".")
        return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None

    old, new = parse(version), parse(current)
    return old is not None and new is not None and old < new


# -- the checks before anything is decrypted ------------------------------------------------------


def check_envelope(store: Store, env: Envelope) -> tuple[identity.StaffInfo, str]:
    """Every check that needs no key; returns the sender and the bundle kind."""
    m = env.manifest
    name = env.path.name
    sender = m.get("sender")
    if not isinstance(sender, dict) or not isinstance(sender.get("certificate"), str):
        raise fail(f"{name} 已损坏或被改动（缺少发送者证书）")
    try:
        cert = identity.load_cert(sender["certificate"])
    except identity.IdentityError:
        raise fail(f"{name} 已损坏或被改动（发送者证书无法读取）") from None
    public = cert.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise fail(f"{name} 的发送者证书不是户户清签发的证书")
    verify_signature(env, public)
    for key in ("bundle_id", "hq_id", "kind", "created_at"):
        if not isinstance(m.get(key), str):
            raise fail(f"{name} 的清单缺少 {key}")
    check_uuid(m["bundle_id"], "bundle_id")
    mode = identity.identity_mode(store)
    if mode is None:
        raise fail(
            "本数据库尚未设置身份，不能导入：笔记本请先登记本机（菜单“数据包 → 设备登记”，或命令 "
            "fieldapp enroll）；总部请先用 fieldapp hq init 建立根证书"
        )
    ours = identity.hq_id(store)
    if m["hq_id"] != ours:
        raise fail(f"{name} 是发给另一个总部的（hq_id {m['hq_id']}，本总部 {ours}），拒绝导入")
    kind = m["kind"]
    if mode == identity.MODE_HQ and kind != KIND_UP:
        raise fail(f"{name} 是总部发给笔记本的分配数据包，只能在笔记本上导入")
    if mode == identity.MODE_LAPTOP and kind != KIND_ASSIGN:
        raise fail(f"{name} 是笔记本上报的数据包，只能在总部导入")
    info = identity.staff_info(cert)
    try:
        identity.verify_issued_by(cert, identity.ca_certificate(store))
    except identity.IdentityError as exc:
        raise fail(f"{name}：发送者不是本总部登记的设备（{exc}）") from None
    if info.staff_id != sender.get("staff_id") or not isinstance(sender.get("device_id"), str):
        raise fail(f"{name} 的发送者信息与证书不符")
    if mode == identity.MODE_HQ:
        row = store.db.execute(
            "select cert_fingerprint, revoked_at from devices where device_id = ?",
            [info.staff_id],
        ).fetchone()
        if row is None:
            raise fail(f"{name} 来自未登记的设备（{info.label()}），拒绝导入")
        if row[1]:
            raise fail(f"{name} 来自已吊销的设备（{info.label()}，{row[1]} 吊销），拒绝导入")
        if row[0] != info.fingerprint:
            raise fail(f"{name} 的发送者证书与总部登记的不符（{info.label()}），拒绝导入")
    else:
        recipient = m.get("recipient")
        if not isinstance(recipient, dict) or recipient.get("staff_id") != identity.staff_id(store):
            raise fail(f"{name} 是分配给另一台笔记本的，不是本机")
        if info.role != "office":
            raise fail(f"{name} 不是总部机关身份签发的分配数据包")
    survey = m.get("survey")
    if not isinstance(survey, dict) or survey.get("id") != store.survey.id:
        raise fail(f"{name} 的调查表（{survey}）不是本软件的“{store.survey.id}”")
    versions = m.get("form_versions")
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        raise fail(f"{name} 的清单缺少表单版本")
    unknown = [
        v for v in [str(survey.get("version")), *versions] if not known_form_version(store, v)
    ]
    if unknown:
        raise fail(
            f"{name} 使用本软件不认识的表单版本 {', '.join(sorted(set(unknown)))}"
            f"（本机为 {store.survey.version}），请先升级户户清"
        )
    if normalised_counts(m.get("counts")) is None:
        raise fail(f"{name} 的清单缺少计数")
    if not isinstance(m.get("key_wrap"), dict):
        raise fail(f"{name} 的清单缺少密钥封装")
    return info, kind


def import_bundle(
    store: Store,
    path: Path | str,
    passphrase: bytes,
    *,
    author: str,
    progress: Progress | None = None,
) -> ImportReport:
    """Check and apply one bundle; BundleError (nothing changed) if it is refused.

    The file is untrusted: whatever goes wrong while reading or applying it (a damaged
    certificate, text the database cannot hold …) is a refusal of this bundle alone, never an
    exception that would stop the bundles after it; the transaction is rolled back.
    """
    path = Path(path)
    try:
        return _import(store, path, passphrase, author=author, progress=progress)
    except StoreError:
        raise
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"[:200]
        raise fail(f"{path.name} 无法导入，数据包已损坏或不合规（{detail}）；未作任何修改") from exc


def _import(
    store: Store, path: Path, passphrase: bytes, *, author: str, progress: Progress | None
) -> ImportReport:
    env = read_envelope(path)
    info, kind = check_envelope(store, env)
    m = env.manifest
    private = identity.receiving_private_key(store, passphrase)
    if not recipient_matches(m["key_wrap"], private.public_key()):
        raise fail(f"{path.name} 不是加密给本机的（接收密钥不符）")
    key = unwrap_key(m["key_wrap"], private, m["bundle_id"])
    report = ImportReport(str(path), m["bundle_id"], kind, info.label())
    logged = store.db.execute(
        "select file_sha256, counts from bundle_log where bundle_id = ? and direction = 'import'",
        [m["bundle_id"]],
    ).fetchone()
    report.already_imported = logged is not None
    if logged is not None and logged[0] == sha256_file(path) and _as_before(report, logged[1]):
        if progress is not None:
            progress(1, 1)
        return report
    applier = Applier(store, env, info, kind, author, report, progress)
    cache = store.db.execute("PRAGMA cache_size").fetchone()[0]
    store.db.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")  # random UUID keys: big B-trees
    try:
        with store.db.atomic(), collector_paused():
            store.db.execute("PRAGMA defer_foreign_keys = ON")  # households come last (finish)
            up = kind == KIND_UP
            with contextlib.closing(read_prepared(env, key, store.survey, up)) as records:
                for record, data_text, ahead in records:
                    applier.handle(record, data_text, ahead)
            applier.finish()
    finally:
        store.db.execute(f"PRAGMA cache_size = {int(cache)}")
    return report


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a bundle is applied (then as it was before).

    An import allocates millions of short-lived tuples, dicts and lists, none in a cycle; each
    few hundred allocations the collector walks the young objects, and now and then every
    object the program holds: about a tenth of a second per 5,000 households, for nothing.
    Reference counting still frees everything as usual; only cycles made meanwhile wait until
    the import ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _as_before(report: ImportReport, logged_counts: str | None) -> bool:
    """The report of importing again a file imported here before, byte for byte (signed by the
    same sender, whose right to send was checked again just now): every record in it is here —
    nothing is ever deleted — so nothing is read, and every household and revision is known.
    False (import it the long way) if the first import's figures cannot be read."""
    try:
        first = json.loads(logged_counts or "")
        households = sum(int(first["households"][k]) for k in ("new", "updated", "unchanged"))
        households += int(first["households"]["conflict"])
        revisions = sum(
            int(first["revisions"][k]) for k in ("current", "stale", "conflict", "known")
        )
    except (ValueError, TypeError, KeyError):
        return False
    report.unchanged = households
    report.revisions["known"] = revisions
    return True


def read_manifest(path: Path | str) -> dict[str, Any]:
    return read_envelope(Path(path)).manifest
