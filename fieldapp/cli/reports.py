"""Headquarters figures: ``stats``, ``export --xlsx`` and ``exit-review`` (definitions: docs/statistics.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fieldapp.cli.common import (
    CACHE,
    READ,
    WRITE,
    CliError,
    open_db,
    parse_day,
    print_json,
    region_arg,
)


def _progress(label: str) -> Any:
    if not sys.stderr.isatty():
        return None

    def show(done: int) -> None:
        print(f"\r{label} {done} 户", end="", file=sys.stderr, flush=True)

    return show


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def cmd_stats(args: argparse.Namespace) -> int:
    from fieldapp.core.reports.click_through import figure_households
    from fieldapp.core.reports.stats import compute_stats

    store = open_db(args, create=False, access=WRITE if args.rebuild else CACHE)
    date_from, date_to = parse_day(args.date_from, "--from "), parse_day(args.date_to, "--to ")
    on = parse_day(args.date, "--date ")
    if args.rebuild:
        _rebuild(store, on or date_to)
    standard = _standard_arg(store, args.standard)
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
                region=region_arg(args.region),
                final_only=args.final_only,
                on=on,
                standard=standard,
            )
        except ValueError as exc:
            raise CliError(str(exc)) from None
        if args.json:
            print_json(ids)
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
            region=region_arg(args.region),
            final_only=args.final_only,
            on=on,
            progress=_progress("计算"),
            standard=standard,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if sys.stderr.isatty():
        print(file=sys.stderr)
    from fieldapp.core.reports.campaign_report import campaign_report, tables

    campaign = campaign_report(store, stats)
    if args.json:
        print_json({**stats.to_dict(), "campaign": campaign.to_dict()})
        return 0
    from fieldapp.core.reports.procedure_stats import summary_lines as procedure_lines
    from fieldapp.core.reports.stats_layout import REGION_TABLE, summary_lines

    scope = stats.region_label or stats.region or "全部"
    if standard:
        scope += f"（建档标准：{standard}）"
    period = f"{stats.date_from or '不限'} 至 {stats.date_to or '不限'}"
    print(f"统计范围：{scope}  统计期间：{period}  评估日：{stats.as_of}")
    for label, value, kind in summary_lines(stats.total):
        shown = _percent(value) if kind == "percent" else str(value)
        print(f"  {label:<28} {shown:>10}")
    for label, value in procedure_lines(stats.procedures or {}):
        print(f"  {label:<28} {value:>10}")
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
    for table in tables(stats, campaign):
        _print_table(table)
    return 0


def _rebuild(store: Any, on: Any) -> None:
    from fieldapp.core.reports.facts_cache import rebuild_facts

    households = rebuild_facts(store, on=on, progress=_progress("重建统计缓存"))
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"统计缓存已重建：{households} 户", file=sys.stderr)


def _standard_arg(store: Any, text: str | None) -> str | None:
    """A --standard value: one of Form A's 建档标准 options."""
    if text is None:
        return None
    options = [o.value for o in store.survey.options.get("filing_standard", ())]
    if text.strip() not in options:
        raise CliError(f"--standard 应为{'、'.join(options)}之一（收到“{text}”）")
    return text.strip()


def _print_table(table: Any) -> None:
    from fieldapp.core.reports.campaign_report import cell_text

    print(f"\n{table.title}")
    print("\t".join(table.headers))
    for row in table.rows:
        cells = [cell_text(value, kind) for value, kind in row.cells]
        print("\t".join(["  " * row.indent + row.label, *cells]))


def cmd_export(args: argparse.Namespace) -> int:
    from fieldapp.core.reports.xlsx_export import export_xlsx

    if not args.xlsx:
        raise CliError("请用 --xlsx FILE 指定导出的 Excel 文件")
    out = Path(args.xlsx)
    if out.suffix.lower() != ".xlsx":
        raise CliError("导出文件名应以 .xlsx 结尾")
    if not out.parent.exists():
        raise CliError(f"目录不存在：{out.parent}")
    store = open_db(args, create=False, access=READ)
    try:
        summary = export_xlsx(
            store,
            out,
            region=region_arg(args.region),
            final_only=args.final_only,
            date_from=parse_day(args.date_from, "--from "),
            date_to=parse_day(args.date_to, "--to "),
            progress=_progress("导出"),
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if sys.stderr.isatty():
        print(file=sys.stderr)
    rows = "，".join(f"{title} {n} 行" for title, n in summary.rows.items())
    print(f"已导出 {summary.households} 户到 {out}（{rows}）")
    return 0


def cmd_exit_review(args: argparse.Namespace) -> int:
    from fieldapp.core.reports.exit_review import review_exits

    store = open_db(args, create=False, access=CACHE)
    review = review_exits(
        store,
        on=parse_day(args.date, "--date "),
        region=region_arg(args.region),
        final_only=args.final_only,
        include_all=args.all,
        progress=_progress("评估"),
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if args.json:
        print_json(review.to_dict())
        return 0
    print(f"脱困/解困评估（评估日 {review.as_of}）")
    for status, outcomes in review.outcomes.items():
        counts = "，".join(f"{o} {n}" for o, n in outcomes.items())
        print(f"  {status}：{counts}")
    print(
        f"漏退（符合脱困或解困但仍在档）：{len(review.missed)} 户，漏退率 {_percent(review.missed_rate)}"
    )
    print(
        f"错退风险（已退出、渐退期已满但不再符合）：{len(review.wrong)} 户，"
        f"错退率 {_percent(review.wrong_rate)}"
    )
    print(f"渐退期预警（已退出、仍在渐退期内，收入回落）：{len(review.watch)} 户")
    if review.overrides:
        print(f"其中人工认定（不符合条件仍变更）的退出：{review.overrides} 户")
    listed = review.households if args.all else [*review.missed, *review.wrong, *review.watch]
    for d in listed:
        flag = f"[{d.flag}] " if d.flag else ""
        print(
            f"\n{flag}{d.archive_no or '-'} {d.name or '(未填姓名)'} {d.region} "
            f"档案状态 {d.status} → 评估 {d.outcome}  {d.household_id}"
        )
        for reason in d.reasons:
            print(f"    {reason}")
    return 0


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
        "--by",
        choices=("region", "unit", "staff", "standard"),
        help="按州市和区县、工作单位、帮扶责任人或建档标准分组",
    )
    _period_args(stats)
    stats.add_argument(
        "--standard", help="只统计这一建档标准的户（如 全国级：报告的基数是全国级在档户）"
    )
    stats.add_argument("--date", help="评估日（两有五保障的年龄计算），默认期间结束日或今天")
    stats.add_argument(
        "--households",
        metavar="FIGURE",
        help="列出构成某项指标的户 ID，如 status.在档、coverage_gap",
    )
    stats.add_argument("--group", help="与 --households 一起用：分组代码或名称（须同时给 --by）")
    stats.add_argument(
        "--rebuild",
        action="store_true",
        help="先清空统计缓存并为全部户重新计算（修复用；平时缓存在保存和导入时自动更新）",
    )
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
