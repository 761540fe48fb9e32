"""``fieldapp forms check``: form definitions checked as office staff edit them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fieldapp.cli.common import print_json


def cmd_forms_check(args: argparse.Namespace) -> int:
    """The forms themselves, then the classifications the rules read from them (rules.config)."""
    from fieldapp.core.forms.loader import check_survey, load_survey
    from fieldapp.core.paths import FORMS_DIR
    from fieldapp.core.procedures.definitions import procedure_problems
    from fieldapp.core.rules.config import classification_problems

    directory = Path(args.path) if args.path else FORMS_DIR
    problems: list[Any] = list(check_survey(directory))
    survey = None if problems else load_survey(directory)
    rules = classification_problems(survey) if survey is not None else []
    rules += procedure_problems()
    if args.json:
        print_json([p.__dict__ for p in problems] + [{"message": r} for r in rules])
    else:
        for problem in [*problems, *rules]:
            print(problem)
        if survey is not None and not rules:
            fields = sum(len(f.fields) for f in survey.forms.values())
            print(
                f"表单检查通过：{survey.title} 版本 {survey.version}，"
                f"{len(survey.forms)} 张表，{fields} 个字段 (forms OK)"
            )
    return 1 if problems or rules else 0


def register(sub: Any) -> None:
    forms = sub.add_parser("forms", help="表单定义").add_subparsers(metavar="ACTION", required=True)
    check = forms.add_parser("check", help="检查表单定义 (forms/*.yaml)")
    check.add_argument("path", nargs="?", help="表单目录，默认随程序安装的 forms/")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=cmd_forms_check)
