"""Sub-commands for identities, sync bundles and conflicts (registered by fieldapp.cli.main).

    fieldapp hq init --unit 单位 [--name 办公室名称]
    fieldapp hq enroll --name 姓名 --unit 单位 [--role cadre|office|reviewer] --out FILE
    fieldapp hq devices [--json] | hq revoke DEVICE --reason … | hq ca-cert
    fieldapp hq revocations --out FILE        (signed revocation list for auditors)
    fieldapp hq assign --to STAFF --households H… | --region CODE --out FILE
    fieldapp enroll FILE                      (on the laptop)
    fieldapp identity [--json]
    fieldapp bundle export --out FILE|DIR [--full] | bundle import FILE… [--json] | bundle inspect FILE
    fieldapp conflicts list [--all] [--json] | conflicts show ID | conflicts resolve ID --pick REV|--merge F

Passphrases come from --passphrase-file or $FIELDAPP_PASSPHRASE (a prompt only on a terminal); the
passphrase for a new staff member's enrollment file from --staff-passphrase-file or
$FIELDAPP_STAFF_PASSPHRASE.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from fieldapp.cli import revocations
from fieldapp.cli.common import (
    READ,
    CliError,
    acting_user,
    open_db,
    print_json,
    read_json,
    read_new_passphrase,
    read_passphrase,
    region_arg,
)

STAFF_PASSPHRASE_ENV = "FIELDAPP_STAFF_PASSPHRASE"
ROLE_HELP = "cadre 入户干部（默认）/ office 机关工作人员 / reviewer 审核人"


def _passphrase(args: argparse.Namespace) -> bytes:
    return read_passphrase(getattr(args, "passphrase_file", None))


def _staff_passphrase(args: argparse.Namespace) -> bytes:
    secret = read_new_passphrase(
        args.staff_passphrase_file,
        STAFF_PASSPHRASE_ENV,
        who="新登记人员的口令（交给本人，不要与总部口令相同）",
        option="--staff-passphrase-file",
    )
    if len(secret.decode("utf-8")) < 8:
        raise CliError("新登记人员的口令至少 8 个字符")
    return secret


def _add_passphrase(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--passphrase-file", help="口令文件（默认环境变量 FIELDAPP_PASSPHRASE；终端下可输入）"
    )


def _new_file(path: str) -> Path:
    out = Path(path)
    if out.exists():
        raise CliError(f"{out} 已存在，不覆盖；请换一个文件名")
    if not out.parent.is_dir():
        raise CliError(f"目录 {out.parent} 不存在")
    return out


# -- hq -------------------------------------------------------------------------------------------


def cmd_hq_init(args: argparse.Namespace) -> int:
    from fieldapp.core.trust import identity

    store = open_db(args, create=True)
    passphrase = _passphrase(args)
    if len(passphrase) < 8:
        raise CliError("总部口令至少 8 个字符")
    info = identity.hq_init(
        store, passphrase, unit=args.unit, office_name=args.name, author=acting_user(args, store)
    )
    print(f"已初始化总部：{info.unit}")
    print(f"  总部 ID (hq_id)：{info.hq_id}")
    print(f"  根证书指纹 SHA-256：{info.ca_fingerprint}")
    print(f"  总部办公室身份：{info.office.label()}  {info.office.staff_id}")
    print("下一步：fieldapp hq enroll --name 姓名 --unit 单位 --out 登记文件.hhqe")
    return 0


def cmd_hq_enroll(args: argparse.Namespace) -> int:
    from fieldapp.core.trust import identity

    out = _new_file(args.out)
    store = open_db(args, create=False)
    identity.require_hq(store)
    hq_pass = _passphrase(args)
    staff_pass = _staff_passphrase(args)
    if staff_pass == hq_pass:
        raise CliError("新登记人员的口令不能与总部口令相同")
    data, info = identity.enroll_staff(
        store,
        hq_pass,
        staff_pass,
        name=args.name,
        unit=args.unit,
        role=args.role,
        author=acting_user(args, store),
    )
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    print(f"已登记：{info.label()}")
    print(f"  人员/设备 ID：{info.staff_id}")
    print(f"  证书指纹 SHA-256：{info.fingerprint}")
    print(f"  登记文件：{out}（含加密的私钥；口令请另行当面告知本人）")
    print(f"笔记本上运行：fieldapp enroll {out.name}")
    return 0


def cmd_hq_devices(args: argparse.Namespace) -> int:
    from fieldapp.core.trust import identity

    store = open_db(args, create=False, access=READ)
    identity.require_hq(store)
    rows = identity.devices(store)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        state = (
            f"已吊销 {r['revoked_at'][:10]}（{r['revoke_reason']}）" if r["revoked_at"] else "有效"
        )
        role = identity.ROLE_NAMES.get(r["role"], r["role"])
        print(
            f"{r['device_id']}  {r['name']:<8} {r['unit']:<12} {role:<6} "
            f"{r['enrolled_at'][:10]} 登记  {state}  指纹 {r['cert_fingerprint'][:16]}…"
        )
    print(f"共 {len(rows)} 个", file=sys.stderr)
    return 0


def cmd_hq_revoke(args: argparse.Namespace) -> int:
    from fieldapp.core.trust import identity

    store = open_db(args, create=False)
    row = identity.revoke_device(
        store, args.device, reason=args.reason, author=acting_user(args, store)
    )
    print(
        f"已吊销：{row['name']}（{row['unit']}） {row['device_id']}；此后其数据包一律拒收，"
        "此后所签的表册核验不通过（分配数据包把吊销名单带到各笔记本）"
    )
    return 0


def cmd_hq_ca_cert(args: argparse.Namespace) -> int:
    from fieldapp.core.trust import identity

    store = open_db(args, create=False, access=READ)
    sys.stdout.write(identity.cert_pem(identity.ca_certificate(store)))
    return 0


def cmd_hq_assign(args: argparse.Namespace) -> int:
    from fieldapp.core.sync.bundle import assign_bundle

    region = region_arg(args.region)
    store = open_db(args, create=False)
    refs = list(args.households or [])
    if region:
        refs += [h["id"] for h in store.search(region_prefix=region, limit=None)]
    if not refs:
        raise CliError("请用 --households 或 --region 指定要分配的户")
    from fieldapp.core.trust.identity import device

    out = _output_path(args.out, store, "分配", who=str(device(store, args.to)["name"]))
    result = assign_bundle(
        store, out, _passphrase(args), to=args.to, households=refs, author=acting_user(args, store)
    )
    c = result.counts
    print(
        f"已生成分配数据包 {out}：{c['households']} 户，{c['revisions']} 个表单版本，"
        f"{c['attachments']} 个附件，{c['dibao_standards']} 条低保标准，"
        f"{c['minimum_wage_standards']} 条最低工资标准（{result.size:,} 字节）"
    )
    return 0


# -- laptop ---------------------------------------------------------------------------------------


def cmd_enroll(args: argparse.Namespace) -> int:
    from fieldapp.core.trust import identity

    data = identity.enrollment_bytes(Path(args.file))
    body = identity.read_enrollment(data)
    passphrase = _passphrase(args)
    enrollment_passphrase = (
        read_passphrase(args.enrollment_passphrase_file)
        if args.enrollment_passphrase_file
        else passphrase
    )
    identity.open_enrollment_keys(body, enrollment_passphrase)  # before the database is touched
    store = open_db(args, create=True)
    info = identity.take_enrollment(
        store,
        data,
        passphrase,
        author=acting_user(args, store),
        enrollment_passphrase=enrollment_passphrase,
    )
    ca = identity.ca_certificate(store)
    print(f"本机已登记：{info.label()}，总部 {body.get('hq_unit') or ''}（{body['hq_id']}）")
    print(f"  根证书指纹 SHA-256：{identity.fingerprint(ca)}（请与总部核对）")
    print("此后 fieldapp bundle export 生成的数据包由本人签名、只有总部能解开。")
    return 0


def cmd_identity(args: argparse.Namespace) -> int:
    from fieldapp.core.trust import identity

    store = open_db(args, access=READ)
    mode = identity.identity_mode(store)
    out: dict[str, Any] = {
        "mode": mode,
        "hq_id": identity.hq_id(store),
        "hq_unit": store.meta("hq_unit"),
        "device_id": store.device_id,
    }
    if mode:
        cert = identity.own_certificate(store)
        info = identity.staff_info(cert)
        out.update(
            staff=info.__dict__,
            ca_fingerprint=identity.fingerprint(identity.ca_certificate(store)),
            valid_until=cert.not_valid_after_utc.date().isoformat(),
        )
    if args.json:
        print_json(out)
        return 0
    if not mode:
        print(
            "本数据库尚未设置身份：总部运行 fieldapp hq init，笔记本运行 fieldapp enroll 登记文件"
        )
        return 0
    staff = out["staff"]
    print(
        f"{'总部' if mode == identity.MODE_HQ else '笔记本'}：{out['hq_unit'] or ''} {out['hq_id']}"
    )
    print(f"  身份：{staff['name']}（{staff['unit']}，{staff['role']}） {staff['staff_id']}")
    print(f"  证书有效期至 {out['valid_until']}；根证书指纹 {out['ca_fingerprint']}")
    print(f"  本机设备 ID（修订记录用）：{out['device_id']}")
    return 0


# -- bundles --------------------------------------------------------------------------------------


def _output_path(value: str, store: Any, label: str, who: str | None = None) -> Path:
    """A new file; for a directory (a USB stick), a new name there: 户户清-上报-姓名-日期-01.hhq.

    The name part comes from a person's name and is made safe (``sync.filenames``): the file
    always lands in the directory given, whatever the name holds."""
    out = Path(value)
    if out.is_dir():
        from fieldapp.core.sync.filenames import bundle_path_in
        from fieldapp.core.trust import identity

        who = who or identity.staff_info(identity.own_certificate(store)).name
        return bundle_path_in(out, label, who)
    return _new_file(value)


def cmd_bundle_export(args: argparse.Namespace) -> int:
    from fieldapp.core.sync.bundle import export_bundle

    store = open_db(args, create=False)
    out = _output_path(args.out, store, "上报")
    result = export_bundle(
        store, out, _passphrase(args), author=acting_user(args, store), full=args.full
    )
    if args.json:
        print_json(result.to_dict())
        return 0
    c = result.counts
    scope = "全部数据" if args.full else "上次导出以来的数据"
    print(
        f"已导出{scope}到 {out}：{c['households']} 户，{c['revisions']} 个表单版本，"
        f"{c['status_changes']} 次状态变更，{c['audit']} 条审计记录，{c['attachments']} 个附件"
        f"（{result.size:,} 字节）"
    )
    if not any(c.values()):
        print("（没有新的内容）", file=sys.stderr)
    return 0


def _report_lines(r: dict[str, Any]) -> list[str]:
    if r["rejected"]:
        if str(r["rejected"]).startswith(Path(r["file"]).name):
            return [f"拒绝：{r['rejected']}（{r['file']}）"]
        return [f"拒绝 {r['file']}：{r['rejected']}"]
    rev, added = r["revisions"], r["added"]
    head = f"导入 {r['file']}：来自 {r['sender']}"
    if r["already_imported"]:
        head += "（此包此前已导入）"
    lines = [
        head,
        f"  户：新增 {r['new']}，更新 {r['updated']}，未变 {r['unchanged']}，"
        f"仅有冲突 {r['households']['conflict']}；新冲突 {r['conflicts']} 处",
        f"  表单版本：成为当前 {rev['current']}，作为历史保留 {rev['stale']}，"
        f"冲突待处理 {rev['conflict']}，已有 {rev['known']}；"
        f"状态变更 {added['status_changes']}，审计 {added['audit']}，附件 {added['attachments']}"
        + (f"，低保标准 {added['dibao_standards']}" if added["dibao_standards"] else "")
        + (
            f"，最低工资标准 {added['minimum_wage_standards']}"
            if added.get("minimum_wage_standards")
            else ""
        )
        + (f"，吊销名单 {added['revocations']} 条" if added.get("revocations") else ""),
    ]
    if not r["changed"]:
        lines.append("  没有新内容，数据库未作任何修改")
    return lines


def cmd_bundle_import(args: argparse.Namespace) -> int:
    from fieldapp.core.store.errors import StoreError
    from fieldapp.core.sync.importer import import_bundle, reject_report
    from fieldapp.core.trust.identity import receiving_private_key

    store = open_db(args, create=False)
    passphrase = _passphrase(args)
    receiving_private_key(store, passphrase)  # a wrong passphrase stops here, for every file
    show = args.progress or (sys.stderr.isatty() and not args.json)

    def progress(done: int, total: int) -> None:
        if show:
            end = "\n" if args.progress else ""
            print(f"\r应用 {done}/{total}", end=end, file=sys.stderr, flush=True)

    reports = []
    for name in args.files:
        try:
            report = import_bundle(
                store, name, passphrase, author=acting_user(args, store), progress=progress
            ).to_dict()
        except StoreError as exc:
            report = reject_report(name, str(exc)).to_dict()
        if show and not args.progress:
            print(file=sys.stderr)
        reports.append(report)
    ok = [r for r in reports if not r["rejected"]]
    totals = {k: sum(int(r[k]) for r in ok) for k in ("new", "updated", "unchanged", "conflicts")}
    totals["rejected"] = len(reports) - len(ok)
    if totals["new"] or totals["updated"] or totals["conflicts"]:
        from fieldapp.core.reports.facts_cache import refresh_after_import

        refresh_after_import(store)  # the next statistics run finds the cache current
    if args.json:
        print_json({"bundles": reports, **totals})
    else:
        for r in reports:
            for line in _report_lines(r):
                print(line, file=sys.stderr if r["rejected"] else sys.stdout)
        print(
            f"合计：新增 {totals['new']}，更新 {totals['updated']}，未变 {totals['unchanged']}，"
            f"冲突 {totals['conflicts']}，拒绝 {totals['rejected']}"
        )
    return 1 if totals["rejected"] else 0


def cmd_bundle_inspect(args: argparse.Namespace) -> int:
    from fieldapp.core.sync.bundle import inspect_bundle

    info = inspect_bundle(Path(args.file))
    if args.json:
        print_json(info)
        return 0 if info["intact"] else 1
    sender = info.get("sender") or {}
    kind = {"laptop-to-hq": "笔记本上报", "hq-to-laptop": "总部分配"}.get(
        str(info["kind"]), str(info["kind"])
    )
    print(
        f"数据包 {info['bundle_id']}（{kind}），{info['size']:,} 字节，生成于 {info['created_at']}"
    )
    print(f"  发送者：{sender.get('name')}（{sender.get('unit')}） {sender.get('staff_id')}")
    versions = info["form_versions"] if isinstance(info["form_versions"], list) else []
    print(f"  总部 ID：{info['hq_id']}；表单版本：{', '.join(map(str, versions))}")
    print(f"  内容计数：{json.dumps(info['counts'], ensure_ascii=False)}")
    if info["intact"]:
        print("  签名完好（是否为登记设备、是否吊销，要在导入时由总部核对）")
        return 0
    print(f"  文件有问题：{info['problem']}", file=sys.stderr)
    return 1


# -- conflicts ------------------------------------------------------------------------------------


def cmd_conflicts_list(args: argparse.Namespace) -> int:
    from fieldapp.core.sync.merge import list_conflicts

    store = open_db(args, create=False, access=READ)
    rows = list_conflicts(store, include_closed=args.all)
    if args.json:
        print_json(rows)
        return 0
    for c in rows:
        print(
            f"冲突 {c['id']}  {c['status']}  户 {c['name'] or '(未填姓名)'} "
            f"{c['archive_no'] or ''} ({c['household_id']})  表 {c['form_id']}"
        )
        for label, key in (("当前", "current"), ("收到", "incoming")):
            rev = c[key] or {}
            print(
                f"  {label} {rev.get('id')}  {rev.get('author')}  {rev.get('created_at')}  "
                f"{rev.get('state')}"
            )
        print(f"  不同字段：{'、'.join(c['differences']) or '（内容相同，仅版本不同）'}")
    print(f"共 {len(rows)} 个冲突", file=sys.stderr)
    return 0


def cmd_conflicts_show(args: argparse.Namespace) -> int:
    from fieldapp.core.sync.merge import show_conflict

    store = open_db(args, create=False, access=READ)
    entry = show_conflict(store, args.conflict)
    if args.json:
        print_json(entry)
        return 0
    print(f"冲突 {entry['id']}（{entry['status']}）户 {entry['name']}  表 {entry['form_id']}")
    current, incoming = entry["current"] or {}, entry["incoming"] or {}
    for label, rev in (("当前", current), ("收到", incoming)):
        print(
            f"  {label}版本 {rev.get('id')}  {rev.get('author')}  {rev.get('created_at')}  "
            f"{rev.get('state')}"
        )
    if entry["detected_current_id"] != entry["current_id"]:
        print(f"  （发现冲突时的当前版本是 {entry['detected_current_id']}，此后已有更新的版本）")
    others = [b for b in entry["branches"] if b and b["id"] != incoming.get("id")]
    for branch in others:
        print(f"  另一并行版本 {branch['id']}  {branch['author']}  {branch['created_at']}")
    for key in entry["differences"]:
        print(f"  {key}")
        print(f"    当前：{json.dumps((current.get('data') or {}).get(key), ensure_ascii=False)}")
        print(f"    收到：{json.dumps((incoming.get('data') or {}).get(key), ensure_ascii=False)}")
    if entry["status"] == "open":
        print(
            f"处理：fieldapp conflicts resolve {entry['id'][:8]} --pick current|incoming "
            f"--expect-head {entry['current_id'][:8]}"
        )
    return 0


def cmd_conflicts_resolve(args: argparse.Namespace) -> int:
    from fieldapp.core.store.errors import ValidationFailed
    from fieldapp.core.sync.merge import is_case_conflict, resolve_case_conflict, resolve_conflict
    from fieldapp.core.trust import identity

    if (args.pick is None) == (args.merge is None):
        raise CliError("请指定 --pick 版本 或 --merge 合并后的 JSON 文件（二选一）")
    merged = None
    if args.merge is not None:
        merged = read_json(args.merge)
        if not isinstance(merged, dict):
            raise CliError('合并 JSON 顶层应为对象：{"字段名": 值, …}')
    store = open_db(args, create=False)
    if is_case_conflict(store, args.conflict):  # a procedure step: settled by a signed step
        if args.pick is None:
            raise CliError("办理程序的冲突只能选一个决定：--pick current|incoming|步骤 ID")
        signer = identity.signing_identity(store, _passphrase(args))
        step = resolve_case_conflict(store, args.conflict, pick=args.pick, signer=signer)
        print(f"冲突已处理：保留决定 {step.parent_id}，处理记录 {step.id}（已签名）")
        return 0
    try:
        revision = resolve_conflict(
            store,
            args.conflict,
            author=acting_user(args, store),
            pick=args.pick,
            merged=merged,
            draft=args.draft,
            expect_head=args.expect_head,
        )
    except ValidationFailed as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        raise CliError(f"{exc}；未保存任何内容") from None
    state = "定稿" if revision.state == "final" else "草稿"
    print(f"冲突已处理：新版本 {revision.id}（{state}），同时继承了两个版本")
    return 0


# -- parser ---------------------------------------------------------------------------------------


def register(sub: Any) -> None:
    hq = sub.add_parser("hq", help="总部：根证书、人员登记、吊销、分配数据包").add_subparsers(
        metavar="ACTION", required=True
    )
    init = hq.add_parser("init", help="把本数据库设为总部：生成根证书、接收密钥和办公室身份")
    init.add_argument("--unit", required=True, help="总部单位名称，如 昆明市总工会")
    init.add_argument("--name", help="办公室身份名称（默认“单位+办公室”）")
    _add_passphrase(init)
    init.set_defaults(handler=cmd_hq_init)

    enroll = hq.add_parser("enroll", help="为一名干部/一台笔记本签发证书，生成登记文件")
    enroll.add_argument("--name", required=True, help="姓名")
    enroll.add_argument("--unit", required=True, help="所在单位")
    enroll.add_argument(
        "--role", default="cadre", choices=("cadre", "office", "reviewer"), help=ROLE_HELP
    )
    enroll.add_argument("--out", required=True, help="登记文件（不覆盖已有文件）")
    enroll.add_argument(
        "--staff-passphrase-file",
        help=f"新登记人员的口令文件（默认环境变量 {STAFF_PASSPHRASE_ENV}）",
    )
    _add_passphrase(enroll)
    enroll.set_defaults(handler=cmd_hq_enroll)

    devices = hq.add_parser("devices", help="列出已登记的人员/设备")
    devices.add_argument("--json", action="store_true")
    devices.set_defaults(handler=cmd_hq_devices)

    revoke = hq.add_parser("revoke", help="吊销一台设备（此后拒收其数据包；记录永久保留）")
    revoke.add_argument("device", help="设备 ID、证书指纹（或前 8 位以上）或姓名")
    revoke.add_argument("--reason", required=True, help="原因，如 笔记本遗失")
    revoke.set_defaults(handler=cmd_hq_revoke)

    ca = hq.add_parser("ca-cert", help="打印根证书 (PEM)，可用 openssl 等标准工具核验")
    ca.set_defaults(handler=cmd_hq_ca_cert)
    revocations.add_to(hq)

    assign = hq.add_parser("assign", help="为一名干部生成分配数据包（户的当前数据、低保标准）")
    assign.add_argument("--to", required=True, help="接收人：设备 ID、证书指纹或姓名")
    assign.add_argument(
        "--households", nargs="+", metavar="HOUSEHOLD", help="户 ID、档案编号或身份证号"
    )
    assign.add_argument("--region", help="按行政区划代码前缀选户，如 530102")
    assign.add_argument("--out", required=True, help="输出文件或目录（U 盘）")
    _add_passphrase(assign)
    assign.set_defaults(handler=cmd_hq_assign)

    laptop = sub.add_parser("enroll", help="笔记本：导入总部签发的登记文件")
    laptop.add_argument("file", help="登记文件")
    laptop.add_argument(
        "--enrollment-passphrase-file",
        help="登记文件的口令（总部告知；默认与本人口令相同），本人口令用 --passphrase-file",
    )
    _add_passphrase(laptop)
    laptop.set_defaults(handler=cmd_enroll)

    who = sub.add_parser("identity", help="本数据库的身份（总部/笔记本、证书）")
    who.add_argument("--json", action="store_true")
    who.set_defaults(handler=cmd_identity)

    bundle = sub.add_parser("bundle", help="数据包：导出、导入、查看").add_subparsers(
        metavar="ACTION", required=True
    )
    export = bundle.add_parser("export", help="笔记本：导出上次以来的数据，交总部导入")
    export.add_argument("--out", required=True, help="输出文件，或目录（自动命名）")
    export.add_argument("--full", action="store_true", help="导出全部数据（数据包遗失时用）")
    export.add_argument("--json", action="store_true")
    _add_passphrase(export)
    export.set_defaults(handler=cmd_bundle_export)

    imp = bundle.add_parser("import", help="导入数据包（总部：笔记本上报；笔记本：总部分配）")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--json", action="store_true")
    imp.add_argument("--progress", action="store_true", help="在标准错误上逐行报告进度")
    _add_passphrase(imp)
    imp.set_defaults(handler=cmd_bundle_import)

    inspect = bundle.add_parser("inspect", help="查看数据包清单并检查文件是否完好（无需口令）")
    inspect.add_argument("file")
    inspect.add_argument("--json", action="store_true")
    inspect.set_defaults(handler=cmd_bundle_inspect)

    conflicts = sub.add_parser("conflicts", help="导入产生的冲突：列出、查看、处理").add_subparsers(
        metavar="ACTION", required=True
    )
    clist = conflicts.add_parser("list", help="列出待处理的冲突")
    clist.add_argument("--all", action="store_true", help="包括已处理的")
    clist.add_argument("--json", action="store_true")
    clist.set_defaults(handler=cmd_conflicts_list)
    cshow = conflicts.add_parser("show", help="逐字段对比冲突的两个版本")
    cshow.add_argument("conflict", help="冲突 ID（或前 6 位以上）")
    cshow.add_argument("--json", action="store_true")
    cshow.set_defaults(handler=cmd_conflicts_show)
    cres = conflicts.add_parser("resolve", help="处理冲突：选一个版本，或给出合并后的数据")
    cres.add_argument("conflict", help="冲突 ID（或前 6 位以上）")
    cres.add_argument(
        "--pick", metavar="REVISION", help="版本 ID（或前 6 位以上），或 current / incoming"
    )
    cres.add_argument(
        "--merge", metavar="JSON", help="合并后的整张表数据（JSON 文件，- 为标准输入）"
    )
    cres.add_argument("--draft", action="store_true", help="合并数据有错误时存为草稿")
    cres.add_argument(
        "--expect-head",
        metavar="REVISION",
        help="查看冲突时显示的当前版本 ID（conflicts show 给出）；此后若已变化则拒绝处理",
    )
    _add_passphrase(cres)
    cres.set_defaults(handler=cmd_conflicts_resolve)
