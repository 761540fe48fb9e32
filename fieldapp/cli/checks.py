"""``fieldapp check``: third-party check records (第三方核查) — add, import, list, show, withdraw.

An office enters what an outside firm found on its sample (one household at a time with ``add``,
a person missing from the archive with ``missed``, a whole report with ``import``); ``fieldapp
stats`` computes the rates from them (docs/statistics.md §14). Every entry is checked before
anything is written and a refused batch writes nothing; corrections are new revisions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fieldapp.cli.common import READ, CliError, acting_user, open_db, parse_day, print_json


def _day(text: str) -> str:
    day = parse_day(text, "--date ")
    assert day is not None
    return day.isoformat()


def _missed_arg(text: str, args: argparse.Namespace, household: str) -> Any:
    from fieldapp.core.store.check_entries import MissedEntry

    parts = [p.strip() for p in text.replace("，", ",").split(",")]
    if len(parts) != 4:
        raise CliError(f"--missed 应为“姓名,身份证号,区县代码,原因”（身份证号可空），收到“{text}”")
    name, number, region, reason = parts
    return MissedEntry(
        name=name,
        region=region,
        reason=reason,
        checker=args.checker,
        check_date=_day(args.date),
        id_number=number,
        household=household,
    )


def _report(result: Any, as_json: bool, what: str) -> None:
    if as_json:
        print_json(result.to_dict())
        return
    verb = "检查通过（未写入）" if result.dry_run else "已保存"
    print(
        f"{what}{verb}：新增 {result.added} 条，修改 {result.revised} 条，"
        f"未变 {result.unchanged} 条"
    )
    for record_id in result.records:
        print(f"  {record_id}")


def _refused(exc: Any) -> CliError:
    for problem in exc.problems:
        print(problem.text(), file=sys.stderr)
    return CliError(f"核查记录有 {len(exc.problems)} 处问题（见上），未保存任何记录")


def cmd_add(args: argparse.Namespace) -> int:
    from fieldapp.core.store.check_entries import CheckEntry, ChecksRefused, save_batch

    store = open_db(args)
    findings = tuple(args.finding or ())
    missed = [_missed_arg(m, args, args.household) for m in args.missed or ()]
    if missed and "漏评" not in findings:
        findings += ("漏评",)
    entry = CheckEntry(
        household=args.household,
        checker=args.checker,
        check_date=_day(args.date),
        findings=findings,
        precise=args.precise,
        satisfaction=args.satisfaction,
        status=args.status,
        note=args.note or "",
        record_id=args.revises,
    )
    try:
        result = save_batch(
            store, [entry], missed, author=acting_user(args, store), source="命令行"
        )
    except ChecksRefused as exc:
        raise _refused(exc) from None
    _report(result, args.json, "核查记录")
    return 0


def cmd_missed(args: argparse.Namespace) -> int:
    from fieldapp.core.store.check_entries import ChecksRefused, MissedEntry, save_batch

    store = open_db(args)
    entry = MissedEntry(
        name=args.name,
        region=args.region,
        reason=args.reason,
        checker=args.checker,
        check_date=_day(args.date),
        id_number=args.id_number or "",
        standard=args.standard,
        note=args.note or "",
        record_id=args.revises,
    )
    try:
        result = save_batch(store, [], [entry], author=acting_user(args, store), source="命令行")
    except ChecksRefused as exc:
        raise _refused(exc) from None
    _report(result, args.json, "漏评人员")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from fieldapp.core.reports.checks_import import import_checks
    from fieldapp.core.store.check_entries import ChecksRefused

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"文件不存在：{path}")
    store = open_db(args)
    try:
        result = import_checks(store, path, author=acting_user(args, store), dry_run=args.dry_run)
    except ChecksRefused as exc:
        raise _refused(exc) from None
    if result.problems:
        if args.json:
            print_json(result.to_dict())
        raise _refused(result)
    _report(result, args.json, path.name)
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from fieldapp.core.reports.checks_import import write_check_template

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise CliError("模板文件名应以 .xlsx 结尾")
    if not out.parent.exists():
        raise CliError(f"目录不存在：{out.parent}")
    write_check_template(out)
    print(f"已写出 {out}（核查结果、漏评人员两张表和说明）")
    return 0


def _line(record: Any, store: Any, missed: dict[str, int]) -> str:
    from fieldapp.core.store.checks import CHECK, KIND_LABELS

    data = record.data
    if record.kind == CHECK:
        row = store.db.execute(
            "select archive_no, name from households where id = ?", [record.household_id]
        ).fetchone()
        who = f"{row[0] or '-'} {row[1] or ''}" if row else record.household_id
        findings = list(data.get("findings") or [])
        if missed.get(record.record_id):
            findings.append(f"漏评 {missed[record.record_id]} 人")
        found = "、".join(findings) or "无问题"
        extra = f"{data.get('status_at_check')} {found} 精准:{data.get('precise') or '-'} "
        extra += f"满意度:{data.get('satisfaction') or '-'}"
    else:
        who = f"{data.get('name')} {data.get('id_number') or ''} {record.region_code}"
        extra = f"原因：{data.get('reason')}"
    withdrawn = f" [已撤销：{record.withdrawn}]" if record.withdrawn else ""
    return (
        f"{record.record_id[:8]} {KIND_LABELS[record.kind]} {record.check_date} "
        f"{data.get('checker')}  {who}  {extra}{withdrawn}"
    )


def cmd_list(args: argparse.Namespace) -> int:
    from fieldapp.cli.common import region_arg
    from fieldapp.core.store.checks import current_records, missed_by_check
    from fieldapp.core.values.regions import code_prefix

    store = open_db(args, access=READ)
    prefix = code_prefix(region_arg(args.region) or "")
    regions = dict(store.db.execute("select id, region_code from households").fetchall())
    records = [
        r
        for r in current_records(store, args.kind, include_withdrawn=args.all)
        if str(regions.get(r.household_id) or r.region_code or "").startswith(prefix)
    ]
    if args.json:
        print_json([r.to_dict() for r in records])
        return 0
    missed = missed_by_check(current_records(store))
    for record in records:
        print(_line(record, store, missed))
    print(f"共 {len(records)} 条", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from fieldapp.core.store.checks import current_records, missed_by_check, record_history
    from fieldapp.core.store.history import local_time

    store = open_db(args, access=READ)
    history = record_history(store, args.record)
    missed = missed_by_check(current_records(store))
    if args.json:
        print_json([r.to_dict() for r in history])
        return 0
    for n, record in enumerate(history, start=1):
        when = local_time(record.created_at)
        print(f"第 {n} 版 {when} {record.author or ''}（{record.source or ''}）")
        print(f"  {_line(record, store, missed)}")
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    from fieldapp.core.store.checks import withdraw

    store = open_db(args)
    record = withdraw(store, args.record, args.reason, author=acting_user(args, store))
    print(f"已撤销核查记录 {record.record_id}（不再计入核查比率；原记录保留）")
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checker", required=True, help="核查人（第三方机构的核查员）")
    parser.add_argument("--date", required=True, help="核查日期 YYYY-MM-DD")
    parser.add_argument("--note", help="备注")
    parser.add_argument("--revises", metavar="ID", help="修改已有的记录（核查编号）：保存为新版本")
    parser.add_argument("--json", action="store_true")


def register(sub: Any) -> None:
    check = sub.add_parser("check", help="第三方核查记录：录入、导入、列出（核查比率见 stats）")
    actions = check.add_subparsers(metavar="ACTION", required=True)
    add = actions.add_parser("add", help="录入一户的核查结果")
    add.add_argument("household", help="核查户：档案编号、身份证号或户 ID")
    _common(add)
    add.add_argument(
        "--finding",
        action="append",
        choices=("错评", "漏评", "错退", "漏退"),
        help="发现的问题（可重复；不给表示没有问题）",
    )
    add.add_argument("--precise", help="帮扶方式是否精准（是/否，见 resources/checks.yaml）")
    add.add_argument("--satisfaction", help="满意度（如 满意、基本满意、不满意）")
    add.add_argument("--status", help="核查日的档案状态（默认按档案状态变更推算）")
    add.add_argument(
        "--missed",
        action="append",
        metavar="姓名,身份证号,区县代码,原因",
        help="核查中发现的漏评人员（可重复；身份证号可空）",
    )
    add.set_defaults(handler=cmd_add)

    missed = actions.add_parser("missed", help="录入一名漏评人员（应建档而未建档的人）")
    missed.add_argument("--name", required=True, help="姓名")
    missed.add_argument("--region", required=True, help="所在区县代码，如 530102")
    missed.add_argument("--reason", required=True, help="漏评原因")
    missed.add_argument("--id-number", help="身份证号")
    missed.add_argument("--standard", help="应建档标准（如 全国级）")
    _common(missed)
    missed.set_defaults(handler=cmd_missed)

    load = actions.add_parser("import", help="从 Excel (.xlsx) 或 JSON 导入核查结果（整份检查）")
    load.add_argument("file")
    load.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    load.add_argument("--json", action="store_true")
    load.set_defaults(handler=cmd_import)

    template = actions.add_parser("template", help="写出导入用的 Excel 模板")
    template.add_argument("--out", required=True)
    template.set_defaults(handler=cmd_template)

    listing = actions.add_parser("list", help="列出核查记录（每条的当前版本）")
    listing.add_argument("--kind", choices=("check", "missed"), help="只列核查户或漏评人员")
    listing.add_argument("--region", help="行政区划代码或前缀")
    listing.add_argument("--all", action="store_true", help="包括已撤销的记录")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)

    show = actions.add_parser("show", help="一条核查记录的所有版本")
    show.add_argument("record", help="核查编号（至少前 8 位）")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)

    withdraw = actions.add_parser("withdraw", help="撤销录错的核查记录（保留原记录）")
    withdraw.add_argument("record", help="核查编号（至少前 8 位）")
    withdraw.add_argument("--reason", required=True, help="撤销原因")
    withdraw.set_defaults(handler=cmd_withdraw)
