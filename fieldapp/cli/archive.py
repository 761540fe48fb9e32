"""``fieldapp archive``: bring an existing paper/Excel archive in through the template."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fieldapp.cli.common import CliError, acting_user, open_db, print_json


def cmd_archive_template(args: argparse.Namespace) -> int:
    from fieldapp.core.forms.loader import default_survey
    from fieldapp.core.reports.xlsx_template import write_template

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise CliError("模板文件名应以 .xlsx 结尾")
    if not out.parent.exists():
        raise CliError(f"目录不存在：{out.parent}")
    write_template(out, default_survey().form("A"))
    print(f"已生成导入模板：{out}")
    return 0


def cmd_archive_import(args: argparse.Namespace) -> int:
    from fieldapp.core.reports.xlsx_import import import_archive, summary_lines, write_report

    source = Path(args.file)
    if not source.is_file():
        raise CliError(f"文件不存在：{source}")
    store = open_db(args)
    result = import_archive(store, source, author=acting_user(args, store), dry_run=args.dry_run)
    report = Path(args.report) if args.report else source.with_name(source.stem + "-导入报告.xlsx")
    if result.problems or args.report:
        write_report(report, result.problems, result)
    if args.json:
        print_json(
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
    if result.errors:
        refused = result.rejected or len(result.errors)
        print(
            f"有 {refused} {'户' if result.rejected else '行'}因错误未导入，详见报告 "
            "(exit 1: rows were refused)",
            file=sys.stderr,
        )
        return 1
    return 0


def register(sub: Any) -> None:
    archive = sub.add_parser(
        "archive", help="导入已有档案（Excel 模板，或本软件导出的 Excel）"
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
