"""Sub-commands for printed ledgers and their signatures (registered by fieldapp.cli.main).

    fieldapp ledger HOUSEHOLD --out FILE.pdf [--sign] [--passphrase-file F] [--reproducible]
    fieldapp ledger --all | --region CODE | --status S --out FILE.pdf [--sign] [--quiet]
    fieldapp ledger countersign FILE.pdf --out OUT.pdf [--passphrase-file F] [--tsa URL]
        (also: fieldapp ledger --countersign FILE.pdf --out OUT.pdf)
    fieldapp verify FILE.pdf [--trust CA.pem …] [--revocations FILE …] [--tsa-trust CA.pem …]
        [--json]

Signing uses this database's enrolled identity (fieldapp enroll / fieldapp hq init), unlocked
with --passphrase-file or $FIELDAPP_PASSPHRASE. ``verify`` trusts the certificates given with
--trust, else the headquarters CA this database knows, and honours the revocations this database
knows plus any --revocations lists; it exits 0 only when every signature is intact, valid,
trusted and not revoked before it was made, and nothing but the countersignature or validation
information was added after it (``ledger/verify.py``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fieldapp.cli.common import READ, CliError, open_db, print_json, read_passphrase, region_arg

ROLE_NAMES = {"cadre": "入户干部", "office": "机关工作人员", "reviewer": "审核人"}


def _identity(args: argparse.Namespace, store: Any) -> Any:
    """The signing identity of this database, unlocked with the passphrase."""
    from fieldapp.core.trust import identity

    passphrase = read_passphrase(args.passphrase_file, prompt="签名私钥口令：")
    try:
        return identity.signing_identity(store, passphrase)
    except identity.IdentityError as exc:
        raise CliError(f"无法使用签名身份：{exc}") from None


def _progress(quiet: bool) -> Any:
    if quiet or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\r生成台账 {done}/{total} 户", end=end, file=sys.stderr, flush=True)

    return show


def cmd_ledger(args: argparse.Namespace) -> int:
    from fieldapp.core.ledger import render as ledger
    from fieldapp.core.store.records import STATUSES

    targets: list[str] = list(args.target)
    if args.countersign or (targets and targets[0] == "countersign"):
        return _countersign(args, targets)
    batch = args.all or args.region or args.status
    if batch and targets:
        raise CliError("指定了户就不能同时用 --all / --region / --status")
    if not batch and len(targets) != 1:
        raise CliError("请指定一户（户 ID、档案编号或身份证号），或用 --all / --region / --status")
    if args.status and args.status not in STATUSES:
        raise CliError(f"档案状态只能是：{'、'.join(STATUSES)}")
    args.region = region_arg(args.region)
    store = open_db(args, create=False, access=READ)
    signer = _identity(args, store) if args.sign else None
    if not batch:
        info = ledger.render_household_ledger(
            store,
            targets[0],
            args.out,
            reproducible=args.reproducible,
            signer=signer,
            tsa_url=_tsa(args, signer),
        )
    else:
        ids = ledger.household_ids_for(store, region=args.region, status=args.status)
        if not ids:
            raise CliError("没有符合条件的户，未生成台账")
        info = ledger.render_batch_ledger(
            store,
            ids,
            args.out,
            progress=_progress(args.quiet),
            reproducible=args.reproducible,
            signer=signer,
            scope=_scope(store, args),
            tsa_url=_tsa(args, signer),
        )
    signed = f"，已由 {signer.name} 签章" if signer is not None else ""
    print(f"已生成台账：{info.path}（{info.households} 户，{info.pages} 页{signed}）")
    if info.unprintable:
        print(
            "提醒：表册字体无法打印以下字符，已按 Unicode 编码印出（表册末尾有注）："
            + "、".join(info.unprintable),
            file=sys.stderr,
        )
    return 0


def _tsa(args: argparse.Namespace, signer: Any) -> str | None:
    if args.tsa and signer is None:
        raise CliError("--tsa 只用于签章（--sign）或会签")
    return str(args.tsa) if args.tsa else None


def _scope(store: Any, args: argparse.Namespace) -> str:
    parts = []
    if args.region:
        try:
            name = store.regions.full_name(args.region).replace(" ", "")
        except KeyError:
            name = ""
        parts.append(f"行政区划 {args.region} {name}".strip())
    if args.status:
        parts.append(f"档案状态 {args.status}")
    return "，".join(parts) or "全部户"


def _countersign(args: argparse.Namespace, targets: list[str]) -> int:
    from fieldapp.core.ledger import render as ledger

    if args.countersign:
        if targets:
            raise CliError("--countersign 不能再指定户")
        source = args.countersign
    elif len(targets) == 2:
        source = targets[1]
    else:
        raise CliError("用法：fieldapp ledger countersign 文件.pdf --out 输出.pdf")
    if args.sign or args.all or args.region or args.status:
        raise CliError("会签不能与 --sign / --all / --region / --status 同用")
    if not Path(source).is_file():
        raise CliError(f"文件不存在：{source}")
    store = open_db(args, create=False, access=READ)
    signer = _identity(args, store)
    field = ledger.countersign_ledger(source, args.out, signer, tsa_url=args.tsa)
    print(f"已会签：{args.out}（{signer.name}，签章位置 {field}）")
    return 0


def _load_certificates(paths: list[str]) -> list[Any]:
    from cryptography import x509

    certs = []
    for name in paths:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            raise CliError(f"无法读取根证书文件 {name}：{exc.strerror or exc}") from None
        try:
            if b"-----BEGIN" in data:
                certs += x509.load_pem_x509_certificates(data)
            else:
                certs.append(x509.load_der_x509_certificate(data))
        except ValueError:
            raise CliError(f"{name} 不是证书文件（应为 PEM 或 DER 格式的 X.509 证书）") from None
    return certs


def _store(args: argparse.Namespace) -> tuple[Any, str]:
    """This database, if there is one, or a note why not."""
    from fieldapp.core.store.errors import StoreError

    try:
        return open_db(args, create=False, access=READ), ""
    except (StoreError, CliError) as exc:  # verify works without a database too
        return None, f"无法打开数据库（{exc}）"


def _store_ca(store: Any, why: str) -> tuple[list[Any], str]:
    """The headquarters CA this database trusts, or a note why there is none."""
    if store is None:
        return [], f"未指定 --trust，且{why}"
    try:
        from fieldapp.core.trust import identity

        return [identity.ca_certificate(store)], ""
    except Exception as exc:  # noqa: BLE001 - IdentityError or a database without identities
        return [], f"未指定 --trust，本数据库也没有总部根证书（{exc}）"


def _revocations(args: argparse.Namespace, store: Any, trust: list[Any]) -> Any:
    """What headquarters revoked: this database's list and any --revocations files."""
    from fieldapp.core.store.errors import StoreError
    from fieldapp.core.trust import revocation

    listing = revocation.RevocationList()
    if store is not None:
        try:
            listing = revocation.revocations(store)
        except StoreError:
            pass  # a database without the tables (not the app's): nothing revoked here
    for name in args.revocations or ():
        if not trust:
            raise CliError("核对吊销名单需要总部根证书（--trust CA.pem）")
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            raise CliError(f"无法读取吊销名单 {name}：{exc.strerror or exc}") from None
        try:
            listing = listing.merged(revocation.read_revocations(data, trust))
        except StoreError as exc:
            raise CliError(f"{name}：{exc}") from None
    return listing


def _when(sig: Any) -> str:
    from fieldapp.core.ledger.verify import TIME_SOURCES, local_time

    if sig.signed_at is None:
        return "未知"
    return f"{local_time(sig.signed_at)}（{TIME_SOURCES.get(sig.time_source, sig.time_source)}）"


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _print_report(report: Any, source: str, listing: Any) -> None:
    from fieldapp.core.ledger.changes import describe_changes
    from fieldapp.core.ledger.verify import local_time

    print(f"文件：{report.path}")
    print(f"信任的根证书：{source}")
    known = f"{listing.source}（{len(listing)} 条）" if listing.source else "无（未核对吊销情况）"
    print(f"吊销名单：{known}")
    for problem in report.problems:
        print(f"  {problem}")
    for n, sig in enumerate(report.signatures, 1):
        print(f"签名 {n}（{sig.field}）：{'通过' if sig.ok else '未通过'}")
        role = ROLE_NAMES.get(sig.role, sig.role)
        who = "，".join(p for p in (sig.unit, role) if p)
        print(f"  签名人：{sig.signer}" + (f"（{who}）" if who else ""))
        print(f"  签名时间：{_when(sig)}")
        print(f"  内容完整：{_yes(sig.intact)}")
        print(f"  签名有效：{_yes(sig.valid)}")
        print(f"  证书可信：{_yes(sig.trusted)}")
        if sig.revoked_at is not None:
            print(f"  证书吊销：已于 {local_time(sig.revoked_at)} 吊销")
        print(f"  签名后修改：{describe_changes(sig.changes)}")
        for note in sig.notes:
            print(f"  说明：{note}")
        for problem in sig.problems:
            print(f"  问题：{problem}")


def cmd_verify(args: argparse.Namespace) -> int:
    from fieldapp.core.ledger.render import verify_ledger

    if not Path(args.file).is_file():
        raise CliError(f"文件不存在：{args.file}")
    store, why = _store(args)
    note = ""
    if args.trust:
        trust = _load_certificates(args.trust)
        source = "、".join(args.trust)
    else:
        trust, note = _store_ca(store, why)
        source = "本数据库的总部根证书" if trust else "无"
    listing = _revocations(args, store, trust)
    report = verify_ledger(
        args.file,
        trust,
        revocations=listing,
        timestamp_trust=_load_certificates(args.tsa_trust or []),
    )
    if args.json:
        revoked = {"source": listing.source or None, "entries": len(listing)}
        print_json({**report.to_dict(), "trust": source, "revocations": revoked, "note": note})
    else:
        _print_report(report, source, listing)
    if note:
        print(note, file=sys.stderr)
    if report.ok:
        if not args.json:
            print(f"结论：全部 {len(report.signatures)} 个签名完好、有效，且由所信任的根证书签发。")
        return 0
    failed = report.problems + [
        f"签名 {n}（{s.signer or s.field}）：{'；'.join(s.problems)}"
        for n, s in enumerate(report.signatures, 1)
        if not s.ok
    ]
    raise CliError("验证未通过——" + "；".join(failed))


def register(sub: Any) -> None:
    ledger = sub.add_parser(
        "ledger",
        help="生成户户清表册 PDF（一户或批量），可电子签章、会签",
        description="生成户户清表册 PDF。一户：fieldapp ledger 户 --out 文件.pdf；批量：--all、"
        "--region 或 --status；会签：fieldapp ledger countersign 文件.pdf --out 输出.pdf",
    )
    ledger.add_argument(
        "target",
        nargs="*",
        metavar="HOUSEHOLD",
        help="户 ID、档案编号或身份证号；或 countersign 文件.pdf",
    )
    ledger.add_argument("--out", required=True, help="输出的 PDF 文件")
    ledger.add_argument("--all", action="store_true", help="批量：全部户")
    ledger.add_argument("--region", help="批量：行政区划代码前缀，如 5301")
    ledger.add_argument("--status", help="批量：档案状态（在档/已脱困/已解困/注销）")
    ledger.add_argument("--sign", action="store_true", help="以本机登记的身份电子签章（经办人）")
    ledger.add_argument("--countersign", metavar="FILE", help="对已签章的表册会签（审核人）")
    ledger.add_argument(
        "--passphrase-file", help="签名私钥口令文件（默认环境变量 FIELDAPP_PASSPHRASE）"
    )
    ledger.add_argument(
        "--reproducible", action="store_true", help="固定打印日期、输出逐字节相同（测试用）"
    )
    ledger.add_argument("--quiet", action="store_true", help="不显示进度")
    ledger.add_argument(
        "--tsa",
        metavar="URL",
        help="签名时向该时间戳服务器（RFC 3161，单位自建或指定）取可信时间戳（PAdES B-T）",
    )
    ledger.set_defaults(handler=cmd_ledger)

    verify = sub.add_parser(
        "verify", help="核验表册 PDF 的电子签名（是否被改动、谁签的、是否可信）"
    )
    verify.add_argument("file", help="PDF 文件")
    verify.add_argument(
        "--trust",
        action="append",
        metavar="CA.pem",
        help="信任的根证书（可多次指定；默认本数据库的总部根证书）",
    )
    verify.add_argument(
        "--revocations",
        action="append",
        metavar="FILE",
        help="总部导出的吊销名单（fieldapp hq revocations --out FILE；可多次指定）；"
        "本数据库已知的吊销总会核对",
    )
    verify.add_argument(
        "--tsa-trust",
        action="append",
        metavar="CA.pem",
        help="信任的时间戳机构根证书（签名带时间戳时，用时间戳的时间核对吊销）",
    )
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=cmd_verify)
