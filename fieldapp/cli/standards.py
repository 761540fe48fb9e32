"""``fieldapp dibao``: the local 低保 standards the rules compare incomes with."""

from __future__ import annotations

import argparse
from typing import Any

from fieldapp.cli.common import READ, CliError, acting_user, open_db, print_json


def cmd_dibao_list(args: argparse.Namespace) -> int:
    from fieldapp.core.values.money import format_yuan

    store = open_db(args, access=READ)
    rows = store.dibao_standards()
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        print(
            f"{row['county_code']} {store.regions.full_name(row['county_code']):<20} "
            f"{row['effective_from']} 起 {format_yuan(row['amount_fen'])} 元/人·月  {row['source']}"
        )
    return 0


def cmd_dibao_add(args: argparse.Namespace) -> int:
    from fieldapp.core.values.money import MoneyError, parse_yuan

    try:
        fen = parse_yuan(args.amount)
    except MoneyError as exc:
        raise CliError(str(exc)) from None
    store = open_db(args)
    store.add_dibao_standard(
        args.county, args.effective_from, fen, source=args.source, author=acting_user(args, store)
    )
    print(
        f"已记录：{store.regions.full_name(args.county)} {args.effective_from} 起 {args.amount} 元/人·月"
    )
    return 0


def register(sub: Any) -> None:
    dibao = sub.add_parser("dibao", help="当地低保标准").add_subparsers(
        metavar="ACTION", required=True
    )
    dlist = dibao.add_parser("list", help="列出低保标准")
    dlist.add_argument("--json", action="store_true")
    dlist.set_defaults(handler=cmd_dibao_list)
    dadd = dibao.add_parser("add", help="新增一条低保标准（不覆盖旧记录）")
    dadd.add_argument("county", help="区县代码，如 530102")
    dadd.add_argument("effective_from", help="生效日期 YYYY-MM-DD")
    dadd.add_argument("amount", help="元/人·月，如 620")
    dadd.add_argument("--source", required=True, help="依据（文件号）")
    dadd.set_defaults(handler=cmd_dibao_add)
