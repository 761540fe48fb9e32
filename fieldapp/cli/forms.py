"""``fieldapp forms check``: form definitions checked as office staff edit them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fieldapp.cli.common import print_json


def cmd_forms_check(args: argparse.Namespace) -> int:
    from fieldapp.core.forms.loader import check_survey
    from fieldapp.core.paths import FORMS_DIR

    directory = Path(args.path) if args.path else FORMS_DIR
    problems = check_survey(directory)
    if args.json:
        print_json([p.__dict__ for p in problems])
    else:
        for problem in problems:
            print(problem)
        if not problems:
            from fieldapp.core.forms.loader import load_survey

            survey = load_survey(directory)
            fields = sum(len(f.fields) for f in survey.forms.values())
            print(
                f"表单检查通过：{survey.title} 版本 {survey.version}，"
                f"{len(survey.forms)} 张表，{fields} 个字段 (forms OK)"
            )
    return 1 if problems else 0


def register(sub: Any) -> None:
    forms = sub.add_parser("forms", help="表单定义").add_subparsers(metavar="ACTION", required=True)
    check = forms.add_parser("check", help="检查表单定义 (forms/*.yaml)")
    check.add_argument("path", nargs="?", help="表单目录，默认随程序安装的 forms/")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=cmd_forms_check)
