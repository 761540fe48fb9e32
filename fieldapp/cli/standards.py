"""``fieldapp dibao`` and ``fieldapp minwage``: the local standards the rules compare incomes with.

Both kinds take the same actions: list, add (one county and effective date, with its source
document), template (an Excel sheet with the current entries) and import (that sheet, checked row
by row; docs/rules.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fieldapp.cli.common import READ, CliError, acting_user, open_db, print_json

KINDS = {"dibao": "dibao", "minwage": "minimum_wage"}


def cmd_list(args: argparse.Namespace) -> int:
    from fieldapp.core.store.standards import standard_kind
    from fieldapp.core.values.money import format_yuan

    store = open_db(args, access=READ)
    spec = standard_kind(args.kind)
    rows = store.standards(args.kind)
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        code = row["county_code"]
        name = store.regions.full_name(code) if store.regions.get(code) else "（代码未知）"
        print(
            f"{code} {name:<20} {row['effective_from']} 起 {format_yuan(row['amount_fen'])} "
            f"{spec.unit}  {row['source']}"
        )
    print(f"共 {len(rows)} 条{spec.label}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from fieldapp.core.store.standards import standard_kind
    from fieldapp.core.values.money import MoneyError, parse_yuan

    try:
        fen = parse_yuan(args.amount)
    except MoneyError as exc:
        raise CliError(str(exc)) from None
    store = open_db(args)
    spec = standard_kind(args.kind)
    store.add_standard(
        args.kind,
        args.county,
        args.effective_from,
        fen,
        source=args.source,
        author=acting_user(args, store),
    )
    print(
        f"已记录{spec.label}：{store.regions.full_name(args.county)} {args.effective_from} 起 "
        f"{args.amount} {spec.unit}"
    )
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from fieldapp.core.reports.standards_xlsx import write_template

    store = open_db(args, access=READ)
    write_template(store, args.kind, Path(args.out))
    print(f"已写出 {args.out}（含现有记录，可直接在表中增加新行后导入）")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from fieldapp.core.reports.standards_xlsx import import_standards
    from fieldapp.core.store.standards import standard_kind

    store = open_db(args)
    spec = standard_kind(args.kind)
    result = import_standards(
        store, args.kind, args.file, author=acting_user(args, store), dry_run=args.dry_run
    )
    if args.json:
        print_json(result.to_dict())
    else:
        for row, column, message in result.problems:
            print(f"第 {row} 行 {column}：{message}")
        verb = "检查（未导入）" if args.dry_run else f"新增 {result.added} 条"
        print(f"{spec.label}：合格 {len(result.rows)} 行，{verb}，有问题 {len(result.problems)} 处")
    return 1 if result.problems else 0


def register(sub: Any) -> None:
    for command, kind in KINDS.items():
        title = "当地低保标准（元/人·月）" if kind == "dibao" else "当地月最低工资标准（元/月）"
        actions = sub.add_parser(command, help=title).add_subparsers(
            metavar="ACTION", required=True
        )
        listing = actions.add_parser("list", help=f"列出{title}")
        listing.add_argument("--json", action="store_true")
        listing.set_defaults(handler=cmd_list, kind=kind)
        add = actions.add_parser("add", help="新增一条（不覆盖旧记录）")
        add.add_argument("county", help="区县代码，如 530102")
        add.add_argument("effective_from", help="生效日期 YYYY-MM-DD")
        add.add_argument("amount", help="金额（元），如 620")
        add.add_argument("--source", required=True, help="依据（文件号）")
        add.set_defaults(handler=cmd_add, kind=kind)
        template = actions.add_parser("template", help="写出 Excel 模板（含现有记录）")
        template.add_argument("--out", required=True)
        template.set_defaults(handler=cmd_template, kind=kind)
        load = actions.add_parser("import", help="从 Excel 导入（逐行检查，合格的导入）")
        load.add_argument("file")
        load.add_argument("--dry-run", action="store_true", help="只检查，不导入")
        load.add_argument("--json", action="store_true")
        load.set_defaults(handler=cmd_import, kind=kind)
