"""Headquarters commands: statistics, Excel export, exit review, policy catalog, archive import.

    fieldapp stats [--by region|unit|staff] [--from DATE --to DATE] [--region CODE] [--json]
    fieldapp stats --households FIGURE [--group KEY]     # the households behind a number
    fieldapp export --xlsx FILE [--region CODE] [--from DATE --to DATE]
    fieldapp exit-review [--json] [--all] [--region CODE] [--date DATE]
    fieldapp policies list|check|hints HOUSEHOLD|add HOUSEHOLD POLICY --to C|E
    fieldapp archive template --out FILE
    fieldapp archive import-xlsx FILE [--report FILE] [--dry-run] [--json]

Figures are defined in docs/statistics.md.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from fieldapp.cli import CliError, _author, _open, _print_json


def _day(text: str | None, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{what}“{text}”应为 YYYY-MM-DD 格式的日期") from None


def _region(text: str | None) -> str | None:
    if text is None:
        return None
    code = text.strip()
    if not code.isdigit() or not 2 <= len(code) <= 6:
        raise CliError(
            f"--region 应为行政区划代码或其前缀（2–6 位数字，如 530000、5301），收到“{text}”"
        )
    return code


def _progress(label: str) -> Any:
    if not sys.stderr.isatty():
        return None

    def show(done: int) -> None:
        print(f"\r{label} {done} 户", end="", file=sys.stderr, flush=True)

    return show


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


# -- stats ------------------------------------------------------------------------------------


def cmd_stats(args: argparse.Namespace) -> int:
    from fieldapp.core.stats import compute_stats, figure_households

    store = _open(args, create=False)
    date_from, date_to = _day(args.date_from, "--from "), _day(args.date_to, "--to ")
    on = _day(args.date, "--date ")
    if args.households:
        if args.group and not args.by:
            raise CliError("--group 须与 --by 一起使用")
        try:
            ids = figure_households(
                store,
                args.households,
                group=args.group,
                by=args.by,
                date_from=date_from,
                date_to=date_to,
                region=_region(args.region),
                final_only=args.final_only,
                on=on,
            )
        except ValueError as exc:
            raise CliError(str(exc)) from None
        if args.json:
            _print_json(ids)
        else:
            for hid in ids:
                print(hid)
            print(f"共 {len(ids)} 户", file=sys.stderr)
        return 0
    try:
        stats = compute_stats(
            store,
            by=args.by,
            date_from=date_from,
            date_to=date_to,
            region=_region(args.region),
            final_only=args.final_only,
            on=on,
            progress=_progress("计算"),
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if args.json:
        _print_json(stats.to_dict())
        return 0
    from fieldapp.core.stats import REGION_TABLE, summary_lines

    scope = stats.region_label or stats.region or "全部"
    period = f"{stats.date_from or '不限'} 至 {stats.date_to or '不限'}"
    print(f"统计范围：{scope}  统计期间：{period}  评估日：{stats.as_of}")
    for label, value, kind in summary_lines(stats.total):
        shown = _percent(value) if kind == "percent" else str(value)
        print(f"  {label:<28} {shown:>10}")
    print("两有五保障（在档户）   达标   未达标   不适用   待核实")
    for g in stats.total.guarantees:
        c = g.counts
        print(f"  {g.label:<10} {c['达标']:>8} {c['未达标']:>8} {c['不适用']:>8} {c['待核实']:>8}")
    if stats.groups:
        headers = [h for h, _, _ in REGION_TABLE]
        print("\n" + "\t".join(["分组", "代码", *headers]))
        for group in stats.groups:
            cells = []
            for _, kind, get in REGION_TABLE:
                value = get(group.figures)
                cells.append(_percent(value) if kind == "percent" else str(value))
            indent = "  " if group.level == "county" else ""
            code = group.key if stats.by == "region" else ""
            print("\t".join([indent + group.label, code, *cells]))
    return 0


# -- export -----------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    from fieldapp.core.xlsx_export import export_xlsx

    if not args.xlsx:
        raise CliError("请用 --xlsx FILE 指定导出的 Excel 文件")
    out = Path(args.xlsx)
    if out.suffix.lower() != ".xlsx":
        raise CliError("导出文件名应以 .xlsx 结尾")
    if not out.parent.exists():
        raise CliError(f"目录不存在：{out.parent}")
    store = _open(args, create=False)
    try:
        summary = export_xlsx(
            store,
            out,
            region=_region(args.region),
            final_only=args.final_only,
            date_from=_day(args.date_from, "--from "),
            date_to=_day(args.date_to, "--to "),
            progress=_progress("导出"),
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if sys.stderr.isatty():
        print(file=sys.stderr)
    rows = "，".join(f"{title} {n} 行" for title, n in summary.rows.items())
    print(f"已导出 {summary.households} 户到 {out}（{rows}）")
    return 0


# -- exit review ------------------------------------------------------------------------------


def cmd_exit_review(args: argparse.Namespace) -> int:
    from fieldapp.core.exit_review import review_exits

    store = _open(args, create=False)
    review = review_exits(
        store,
        on=_day(args.date, "--date "),
        region=_region(args.region),
        final_only=args.final_only,
        include_all=args.all,
        progress=_progress("评估"),
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if args.json:
        _print_json(review.to_dict())
        return 0
    print(f"脱困/解困评估（评估日 {review.as_of}）")
    for status, outcomes in review.outcomes.items():
        counts = "，".join(f"{o} {n}" for o, n in outcomes.items())
        print(f"  {status}：{counts}")
    print(
        f"漏退（符合脱困或解困但仍在档）：{len(review.missed)} 户，漏退率 {_percent(review.missed_rate)}"
    )
    print(
        f"错退风险（已退出但不再符合）：{len(review.wrong)} 户，错退率 {_percent(review.wrong_rate)}"
    )
    listed = review.households if args.all else [*review.missed, *review.wrong]
    for d in listed:
        flag = f"[{d.flag}] " if d.flag else ""
        print(
            f"\n{flag}{d.archive_no or '-'} {d.name or '(未填姓名)'} {d.region} "
            f"档案状态 {d.status} → 评估 {d.outcome}  {d.household_id}"
        )
        for reason in d.reasons:
            print(f"    {reason}")
    return 0


# -- policies ---------------------------------------------------------------------------------


def cmd_policies_list(args: argparse.Namespace) -> int:
    from fieldapp.core.money import format_yuan
    from fieldapp.core.policies import load_catalogs

    catalogs = load_catalogs(Path(args.dir) if args.dir else None)
    wanted = [
        c for code, c in sorted(catalogs.items()) if not args.province or code == args.province
    ]
    if args.province and not wanted:
        raise CliError(
            f"没有省份 {args.province} 的政策目录（已有：{'、'.join(sorted(catalogs))}）"
        )
    if args.json:
        _print_json(
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
    from fieldapp.core.engine import FormEngine
    from fieldapp.core.forms import default_survey
    from fieldapp.core.policies import CatalogError, check_catalog, load_catalogs

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


def _hints(args: argparse.Namespace) -> tuple[Any, str, list[Any], date]:
    from fieldapp.core.policies import unclaimed_policies

    store = _open(args, create=False)
    household = store.household(args.household)
    on = _day(args.date, "--date ") or date.today()
    data = store.current(household["id"])
    return store, household["id"], unclaimed_policies(data, store.engine(on), on=on), on


def cmd_policies_hints(args: argparse.Namespace) -> int:
    from fieldapp.core.money import format_yuan

    _, hid, hints, _ = _hints(args)
    if args.json:
        _print_json([h.to_dict() for h in hints])
        return 0
    if not hints:
        print("未发现应享未享的政策")
    for h in hints:
        amount = f"{format_yuan(h.amount_fen)} 元" if h.amount_fen is not None else h.amount_text
        who = f"{h.person}：" if h.person else ""
        print(f"{h.policy_id:<7} {who}{h.policy_name} [{h.department}] {amount}")
        print(f"        {h.reason}")
    return 0


def cmd_policies_add(args: argparse.Namespace) -> int:
    from fieldapp.core.policies import append_row, form_c_row, form_e_row
    from fieldapp.core.store import ValidationFailed

    store, hid, hints, on = _hints(args)
    chosen = [
        h
        for h in hints
        if h.policy_id == args.policy and (args.person is None or h.person == args.person)
    ]
    if not chosen:
        raise CliError(f"“{args.policy}”不在该户的应享未享提示中（可先运行 policies hints）")
    if len(chosen) > 1:
        names = "、".join(str(h.person) for h in chosen)
        raise CliError(f"“{args.policy}”涉及多人（{names}），请用 --person 指定")
    hint = chosen[0]
    add = form_c_row(hint, on) if args.to == "C" else form_e_row(hint, on)
    values = append_row(store.current(hid), add)
    final = store.current_states(hid).get(add.form_id) == "final" and not args.draft
    try:
        result = store.save_form(hid, add.form_id, values, author=_author(args), final=final)
    except ValidationFailed as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        raise CliError(f"{exc}；可加 --draft 存为草稿") from None
    state = "定稿" if result.revision.state == "final" else "草稿"
    print(f"已在表{add.form_id}添加一行：{hint.policy_name}（{state}，版本 {result.revision.id}）")
    return 0


# -- archive import ---------------------------------------------------------------------------


def cmd_archive_template(args: argparse.Namespace) -> int:
    from fieldapp.core.forms import default_survey
    from fieldapp.core.xlsx_import import write_template

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise CliError("模板文件名应以 .xlsx 结尾")
    if not out.parent.exists():
        raise CliError(f"目录不存在：{out.parent}")
    write_template(out, default_survey().form("A"))
    print(f"已生成导入模板：{out}")
    return 0


def cmd_archive_import(args: argparse.Namespace) -> int:
    from fieldapp.core.xlsx_import import import_archive, summary_lines, write_report

    source = Path(args.file)
    if not source.is_file():
        raise CliError(f"文件不存在：{source}")
    store = _open(args)
    result = import_archive(store, source, author=_author(args), dry_run=args.dry_run)
    report = Path(args.report) if args.report else source.with_name(source.stem + "-导入报告.xlsx")
    if result.problems or args.report:
        write_report(report, result.problems, result)
    if args.json:
        _print_json(
            {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": result.rejected,
                "examples_skipped": result.examples_skipped,
                "dry_run": result.dry_run,
                "report": str(report) if result.problems or args.report else None,
                "problems": [p.__dict__ for p in result.problems],
            }
        )
    else:
        verb = "检查完毕（未写入）" if args.dry_run else "导入完毕"
        print(verb + "：" + "，".join(f"{label} {n}" for label, n in summary_lines(result)))
        if result.problems or args.report:
            print(f"逐行问题见：{report}")
    return 0


# -- registration -----------------------------------------------------------------------------


def _period_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="date_from", help="统计期间开始日期 YYYY-MM-DD（含）")
    parser.add_argument("--to", dest="date_to", help="统计期间结束日期 YYYY-MM-DD（含）")
    parser.add_argument("--region", help="行政区划代码或前缀，如 530000、5301、530102")
    parser.add_argument(
        "--final-only", action="store_true", help="只统计已定稿的表（默认用每张表的最新版本）"
    )


def register(sub: Any) -> None:
    stats = sub.add_parser("stats", help="户户清统计（口径见 docs/statistics.md）")
    stats.add_argument(
        "--by", choices=("region", "unit", "staff"), help="按州市和区县、工作单位或帮扶责任人分组"
    )
    _period_args(stats)
    stats.add_argument("--date", help="评估日（两有五保障的年龄计算），默认期间结束日或今天")
    stats.add_argument(
        "--households",
        metavar="FIGURE",
        help="列出构成某项指标的户 ID，如 status.在档、coverage_gap",
    )
    stats.add_argument("--group", help="与 --households 一起用：分组代码或名称（须同时给 --by）")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=cmd_stats)

    export = sub.add_parser("export", help="导出 Excel（户、成员、政策、走访、问题措施和统计表）")
    export.add_argument("--xlsx", required=True, metavar="FILE", help="导出的 .xlsx 文件")
    _period_args(export)
    export.set_defaults(handler=cmd_export)

    review = sub.add_parser("exit-review", help="脱困/解困评估：漏退和错退风险名单")
    review.add_argument("--date", help="评估日 YYYY-MM-DD，默认今天")
    review.add_argument("--region", help="行政区划代码或前缀")
    review.add_argument("--final-only", action="store_true", help="只用已定稿的表")
    review.add_argument("--all", action="store_true", help="列出每一户的评估结果和理由")
    review.add_argument("--json", action="store_true")
    review.set_defaults(handler=cmd_exit_review)

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

    archive = sub.add_parser(
        "archive", help="导入已有档案（Excel 模板）；issue 6 所称 hq import-xlsx"
    ).add_subparsers(metavar="ACTION", required=True)
    template = archive.add_parser("template", help="生成导入模板（表头、示例行、填表说明）")
    template.add_argument("--out", required=True, help="模板 .xlsx 文件")
    template.set_defaults(handler=cmd_archive_template)
    imp = archive.add_parser("import-xlsx", help="按模板导入户和家庭成员，逐行报告问题")
    imp.add_argument("file", help="填好的 .xlsx 文件")
    imp.add_argument("--report", help="问题报告文件（.xlsx 或 .csv），默认与导入文件同目录")
    imp.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(handler=cmd_archive_import)
