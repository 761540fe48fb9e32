"""Household commands: list, show, record, history, status, assess, audit."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any

from fieldapp.cli.common import (
    READ,
    CliError,
    acting_user,
    open_db,
    parse_day,
    print_json,
    read_json,
    region_arg,
)


def _household_summary(row: dict[str, Any], regions: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "archive_no": row["archive_no"],
        "name": row["name"],
        "id_number": row["id_number"],
        "region_code": row["region_code"],
        "region": regions.display_name(row["region_code"]) if row["region_code"] else "",
        "category": row["category"],
        "status": row["status"],
        "clears": json.loads(row["clears"] or "[]"),
        "updated_at": row["updated_at"],
    }


def cmd_list(args: argparse.Namespace) -> int:
    from fieldapp.core.store.records import STATUSES

    if args.status and args.status not in STATUSES:
        raise CliError(f"档案状态只能是：{'、'.join(STATUSES)}")
    region = region_arg(args.region)
    store = open_db(args, access=READ)
    filters = {"status": args.status, "region_prefix": region}
    rows = store.search(args.query or "", **filters, limit=args.limit or None)
    summaries = [_household_summary(r, store.regions) for r in rows]
    total = store.count_matching(args.query or "", **filters)
    truncated = len(summaries) < total
    if args.json:
        print_json(
            {
                "total": total,
                "shown": len(summaries),
                "truncated": truncated,
                "households": summaries,
            }
        )
        return 0
    for s in summaries:
        clears = f"六清 {len(s['clears'])}/6"
        print(
            f"{s['archive_no'] or '-':<14} {s['name'] or '(未填姓名)':<6} {s['id_number'] or '':<18} "
            f"{s['status']:<4} {s['category'] or '':<6} {clears}  {s['region']}  {s['id']}"
        )
    note = f"（只显示前 {len(summaries)} 户，可加 --limit 0 显示全部）" if truncated else ""
    print(f"共 {total} 户{note}", file=sys.stderr)
    return 0


def _show_value(field: Any, value: Any, regions: Any) -> str:
    from fieldapp.core.values.money import format_yuan

    if value is None or value == "" or value == []:
        return ""
    if field.type == "money" and isinstance(value, int):
        return f"{format_yuan(value)} 元"
    if field.type == "region" and isinstance(value, str):
        return f"{regions.display_name(value)} ({value})"
    if field.type == "select_multiple" and isinstance(value, list):
        return "、".join(map(str, value))
    if field.type == "signature":
        return "（已签名）"
    if field.type == "attachment" and isinstance(value, list):
        return "、".join(str(a.get("name")) for a in value if isinstance(a, dict))
    return str(value)


def cmd_show(args: argparse.Namespace) -> int:
    store = open_db(args, create=False, access=READ)
    household = store.household(args.household)
    data = store.current(household["id"])
    states = store.current_states(household["id"])
    if args.json:
        print_json(
            {
                "household": _household_summary(household, store.regions),
                "states": states,
                "forms": data,
            }
        )
        return 0
    print(
        f"户 {household['id']}  档案编号 {household['archive_no'] or '-'}  状态 {household['status']}"
    )
    for form_id, form in store.survey.forms.items():
        values = data.get(form_id)
        state = {"final": "已定稿", "draft": "草稿"}.get(states.get(form_id, ""), "未填写")
        print(f"\n== {form_id} {form.title}（{state}）")
        if not values:
            continue
        for f in form.fields:
            value = values.get(f.name)
            if f.type == "repeat":
                rows = value or []
                print(f"  {f.label}：{len(rows)} 行")
                for i, row in enumerate(rows, 1):
                    cells = [
                        f"{c.label}={_show_value(c, row.get(c.name), store.regions)}"
                        for c in f.fields
                        if _show_value(c, row.get(c.name), store.regions)
                    ]
                    print(f"    {i}. " + "；".join(cells))
            elif f.has_value:
                shown = _show_value(f, value, store.regions)
                if shown:
                    print(f"  {f.label}：{shown}")
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    from fieldapp.core.store.errors import ValidationFailed
    from fieldapp.core.store.records import HEAD

    data = read_json(args.json_file)
    if not isinstance(data, dict):
        raise CliError('JSON 顶层应为对象：{"字段名": 值, …}')
    store = open_db(args)
    try:
        store.survey.form(args.form)
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from None
    author = acting_user(args, store)
    if args.base and args.household == "new":
        raise CliError("新建户没有可依据的版本，不能使用 --base")
    try:
        with store.db.atomic():
            if args.household == "new":
                hid = store.create_household(author)
            else:
                hid = store.household(args.household)["id"]
            result = store.save_form(
                hid,
                args.form,
                data,
                author=author,
                final=not args.draft,
                base_revision_id=args.base or HEAD,
            )
    except ValidationFailed as exc:
        _report_problems(exc.problems, args.json_output)
        raise CliError(f"{exc}；未保存任何内容") from None
    problems = result.problems
    if args.json_output:
        print_json(
            {
                "household": hid,
                "revision": result.revision.id,
                "state": result.revision.state,
                "created": result.created,
                "conflict": result.conflict_id,
                "problems": [p.to_dict() for p in problems],
            }
        )
    if result.conflict_id:
        raise CliError(
            f"版本 {args.base} 之后该表已被其他窗口或程序修改；您的数据已另存为冲突版本 "
            f"{result.revision.id}，未覆盖当前数据。请用 fieldapp conflicts show "
            f"{result.conflict_id} 查看，再选择或合并"
        )
    if not args.json_output:
        _report_problems(problems, False)
        state = "定稿" if result.revision.state == "final" else "草稿"
        verb = "已保存" if result.created else "内容未变，未新增版本"
        print(f"{verb}：户 {hid} 表 {args.form}（{state}），版本 {result.revision.id}")
    return 0


def _report_problems(problems: Sequence[Any], as_json: bool) -> None:
    if as_json:
        json.dump(
            {"problems": [p.to_dict() for p in problems]}, sys.stderr, ensure_ascii=False, indent=2
        )
        sys.stderr.write("\n")
        return
    for problem in problems:
        print(str(problem), file=sys.stderr)


def cmd_history(args: argparse.Namespace) -> int:
    from fieldapp.core.store.history import rules_check_lines
    from fieldapp.core.store.lineage import held_label, revision_origins

    store = open_db(args, create=False, access=READ)
    household = store.household(args.household)
    revisions = store.history(household["id"], args.form)
    origins = revision_origins(store, revisions)
    statuses = store.status_history(household["id"])
    if args.json:
        print_json(
            {
                "revisions": [{**r.__dict__, "origin": origins[r.id]} for r in revisions],
                "status_changes": statuses,
            }
        )
        return 0
    for r in revisions:
        state = "定稿" if r.state == "final" else "草稿"
        held = f"  〔{held_label(r.held)}〕" if r.held else ""
        print(
            f"{r.created_at}  {r.form_id:<3} {state}  {r.author:<10} {r.id}  "
            f"来源：{origins[r.id]['label']}{held}"
        )
    for s in statuses:
        print(f"{s['changed_at']}  档案状态 → {s['status']}（{s['reason']}）  {s['author']}")
        for label, text in rules_check_lines(s):
            print(f"    {label}：{text}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from fieldapp.core.rules.status_change import OverrideRequired, change_status

    store = open_db(args, create=False)
    household = store.household(args.household)
    on = parse_day(args.date, "核对日期")
    try:
        check = change_status(
            store,
            household["id"],
            args.status,
            reason=args.reason,
            author=acting_user(args, store),
            override_reason=args.override_reason,
            on=on,
        )
    except OverrideRequired as exc:
        for reason in exc.check.reasons:
            print(f"  {reason}", file=sys.stderr)
        raise CliError(f'{exc}（--override-reason "理由"）；未作任何变更') from None
    print(f"户 {household['id']} 档案状态：{household['status']} → {args.status}")
    print(check.summary + ("" if check.met else "；已按人工认定变更（标记为例外）"))
    return 0


def cmd_assess(args: argparse.Namespace) -> int:
    from fieldapp.core.rules.exits import exit_flag
    from fieldapp.core.rules.status_change import exited_on, household_outcome

    store = open_db(args, create=False, access=READ)
    household = store.household(args.household)
    on = parse_day(args.date, "评估日期") or date.today()
    result = household_outcome(store, household["id"], on)
    status = str(household["status"])
    since = exited_on(store, household["id"], status)
    flag = exit_flag(status, result.outcome, exited_on=since, on=on)
    report = {"as_of": on.isoformat(), "status": status, "flag": flag, **result.to_dict()}
    if args.json:
        print_json(report)
        return 0
    print(f"评估日期 {on.isoformat()}　档案状态 {status}" + (f"　【{flag}】" if flag else ""))
    print("两有五保障：")
    for check in report["guarantees"]:
        print(f"  {check['label']:<6} {check['status']:<4} {check['reason']}")
    exit_ = report["exit"]
    print("脱困（收入条件）：" + ("符合" if exit_["income_condition_met"] else "不符合"))
    print(f"结论：{result.outcome}")
    for reason in result.reasons:
        print(f"  {reason}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    store = open_db(args, create=False, access=READ)
    hid = store.household(args.household)["id"] if args.household else None
    entries = store.audit_log(hid)
    if args.json:
        print_json(entries)
        return 0
    for e in entries:
        print(
            f"{e['at']}  {e['actor']:<10} {e['action']:<18} {e['household_id'] or ''} "
            f"{e['form_id'] or ''}"
        )
    return 0


def register(sub: Any) -> None:
    lst = sub.add_parser("list", help="列出/搜索困难职工户")
    lst.add_argument("--query", "-q", help="姓名、身份证号、档案编号、地区或电话的一部分")
    lst.add_argument("--status", help="档案状态：在档/已脱困/已解困/注销")
    lst.add_argument("--region", help="行政区划代码前缀，如 5301")
    lst.add_argument(
        "--limit",
        type=int,
        default=200,
        help="最多列出多少户（默认 200，0 = 不限）；--json 中 total/truncated 说明是否列全",
    )
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=cmd_list)

    show = sub.add_parser("show", help="显示一户的全部表单")
    show.add_argument("household", help="户 ID (UUID)、档案编号或身份证号")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)

    record = sub.add_parser("record", help="从 JSON 保存一张表（与界面相同的校验）")
    record.add_argument("household", help="户 ID、档案编号、身份证号，或 new 新建一户")
    record.add_argument("--form", required=True, help="表单：A B C D E LQ BZ")
    record.add_argument("--json", dest="json_file", default="-", help="JSON 文件，- 为标准输入")
    record.add_argument(
        "--draft", action="store_true", help="存为草稿：有错误也保存（保留原样输入）"
    )
    record.add_argument(
        "--base",
        metavar="REVISION",
        help="数据所依据的版本 ID（fieldapp history 可查）；该表在此之后若已被修改，"
        "本次数据另存为冲突版本，不覆盖当前数据（退出码 1）",
    )
    record.add_argument("--json-output", action="store_true", help="以 JSON 输出结果")
    record.set_defaults(handler=cmd_record)

    history = sub.add_parser("history", help="一户的修订历史")
    history.add_argument("household")
    history.add_argument("--form")
    history.add_argument("--json", action="store_true")
    history.set_defaults(handler=cmd_history)

    status = sub.add_parser("status", help="变更档案状态（变更为已脱困/已解困时先核对规则）")
    status.add_argument("household")
    status.add_argument("status", help="在档/已脱困/已解困/注销")
    status.add_argument("--reason", required=True)
    status.add_argument(
        "--override-reason", help="不符合脱困/解困条件仍要变更时的理由（标记为人工认定）"
    )
    status.add_argument("--date", help="核对日期 YYYY-MM-DD，默认今天")
    status.set_defaults(handler=cmd_status)

    assess = sub.add_parser("assess", help="两有五保障与脱困条件评估")
    assess.add_argument("household")
    assess.add_argument("--date", help="评估日期 YYYY-MM-DD，默认今天")
    assess.add_argument("--json", action="store_true")
    assess.set_defaults(handler=cmd_assess)

    audit = sub.add_parser("audit", help="审计日志")
    audit.add_argument("household", nargs="?")
    audit.add_argument("--json", action="store_true")
    audit.set_defaults(handler=cmd_audit)
