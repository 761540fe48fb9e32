"""``fieldapp policies``: the policy catalogs and the 应享未享 hints for one household."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from fieldapp.cli.common import READ, WRITE, CliError, acting_user, open_db, parse_day, print_json


def cmd_policies_list(args: argparse.Namespace) -> int:
    from fieldapp.core.rules.catalogs import load_catalogs
    from fieldapp.core.values.money import format_yuan

    catalogs = load_catalogs(Path(args.dir) if args.dir else None)
    wanted = [
        c for code, c in sorted(catalogs.items()) if not args.province or code == args.province
    ]
    if args.province and not wanted:
        raise CliError(
            f"没有省份 {args.province} 的政策目录（已有：{'、'.join(sorted(catalogs))}）"
        )
    if args.json:
        print_json(
            [
                {
                    "province": c.province,
                    "name": c.name,
                    "source": c.source,
                    "policies": [p.__dict__ for p in c.policies],
                }
                for c in wanted
            ]
        )
        return 0
    for c in wanted:
        print(f"== {c.name}（{c.province}）{c.source}")
        for p in c.policies:
            amount = f"{format_yuan(p.amount_fen)} 元" if p.amount_fen is not None else ""
            auto = "" if p.qualifies else "（不自动提示）"
            print(f"  {p.id:<7} {p.number:>3}. {p.name} [{p.department}] {amount} {auto}")
    return 0


def cmd_policies_check(args: argparse.Namespace) -> int:
    from fieldapp.core.forms.engine import FormEngine
    from fieldapp.core.forms.loader import default_survey
    from fieldapp.core.rules.catalogs import CatalogError, check_catalog, load_catalogs

    survey = default_survey()
    try:
        catalogs = load_catalogs(Path(args.dir) if args.dir else None)
    except CatalogError as exc:
        print(str(exc))
        return 1
    engine = FormEngine(survey)
    problems = [p for c in catalogs.values() for p in check_catalog(c, survey, engine)]
    for problem in problems:
        print(problem)
    if not problems:
        total = sum(len(c.policies) for c in catalogs.values())
        names = "、".join(c.name for c in catalogs.values())
        print(f"政策目录检查通过：{names}，共 {total} 项 (policies OK)")
    return 1 if problems else 0


def _hints(args: argparse.Namespace, access: str) -> tuple[Any, str, Any, date]:
    from fieldapp.core.rules.policies import policy_hints

    store = open_db(args, create=False, access=access)
    household = store.household(args.household)
    on = parse_day(args.date, "--date ") or date.today()
    data = store.current(household["id"])
    report = policy_hints(data, store.engine(on), on=on, regions=store.regions)
    return store, household["id"], report, on


def cmd_policies_hints(args: argparse.Namespace) -> int:
    from fieldapp.core.values.money import format_yuan

    _, hid, report, _ = _hints(args, READ)
    if args.json:
        print_json([h.to_dict() for h in report.hints])
        return 0
    if not report.hints:
        print(report.message)
    for h in report.hints:
        amount = f"{format_yuan(h.amount_fen)} 元" if h.amount_fen is not None else h.amount_text
        who = f"{h.person}：" if h.person else ""
        pending = "（已登记申请，尚未落实）" if h.pending else ""
        print(f"{h.policy_id:<7} {who}{h.policy_name}{pending} [{h.department}] {amount}")
        print(f"        {h.reason}")
    return 0


def cmd_policies_add(args: argparse.Namespace) -> int:
    from fieldapp.core.rules.policies import record_hint
    from fieldapp.core.store.errors import ValidationFailed

    store, hid, report, on = _hints(args, WRITE)
    chosen = [
        h
        for h in report.hints
        if h.policy_id == args.policy and (args.person is None or h.person == args.person)
    ]
    if not chosen:
        raise CliError(f"“{args.policy}”不在该户的应享未享提示中（可先运行 policies hints）")
    if len(chosen) > 1:
        names = "、".join(str(h.person) for h in chosen)
        raise CliError(f"“{args.policy}”涉及多人（{names}），请用 --person 指定")
    hint = chosen[0]
    try:
        result = record_hint(
            store,
            hid,
            hint,
            args.to,
            author=acting_user(args, store),
            on=on,
            final=False if args.draft else None,
        )
    except ValidationFailed as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        raise CliError(f"{exc}；可加 --draft 存为草稿") from None
    state = "定稿" if result.revision.state == "final" else "草稿"
    print(f"已在表{args.to}添加一行：{hint.policy_name}（{state}，版本 {result.revision.id}）")
    return 0


def register(sub: Any) -> None:
    policies = sub.add_parser("policies", help="帮扶政策目录与应享未享提示").add_subparsers(
        metavar="ACTION", required=True
    )
    plist = policies.add_parser("list", help="列出政策目录")
    plist.add_argument("--province", help="省级代码，如 530000")
    plist.add_argument("--dir", help="政策目录所在文件夹，默认 resources/policies")
    plist.add_argument("--json", action="store_true")
    plist.set_defaults(handler=cmd_policies_list)
    pcheck = policies.add_parser("check", help="检查政策目录（选项、条件表达式）")
    pcheck.add_argument("dir", nargs="?", help="政策目录所在文件夹，默认 resources/policies")
    pcheck.set_defaults(handler=cmd_policies_check)
    phints = policies.add_parser("hints", help="一户的应享未享提示")
    phints.add_argument("household", help="户 ID、档案编号或身份证号")
    phints.add_argument("--date", help="判断日 YYYY-MM-DD，默认今天")
    phints.add_argument("--json", action="store_true")
    phints.set_defaults(handler=cmd_policies_hints)
    padd = policies.add_parser("add", help="把一条应享未享提示加入表C（已享受）或表E（问题清单）")
    padd.add_argument("household")
    padd.add_argument("policy", help="政策编号，如 yn-10b")
    padd.add_argument("--to", choices=("C", "E"), required=True)
    padd.add_argument("--person", help="涉及多人时指定成员姓名")
    padd.add_argument("--date", help="记录日期 YYYY-MM-DD，默认今天")
    padd.add_argument("--draft", action="store_true", help="存为草稿")
    padd.set_defaults(handler=cmd_policies_add)
