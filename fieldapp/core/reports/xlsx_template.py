"""The import template: the blank workbook offices fill in to bring an existing archive in.

Sheet 户信息 (one row per household: 说明, 档案状态, then Form A's fields by label), sheet 家庭成员
(说明, 职工身份证号, then the member fields), sheet 填表说明 (every column: required or not, the
format, the options, and when it applies in plain words) and a hidden sheet 可选项 behind the
dropdowns of every single-choice column. One example row per sheet shows the shapes; rows whose
说明 starts with 示例 are skipped on import (``xlsx_import``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from fieldapp.core.forms.model import Field, Form
from fieldapp.core.forms.wording import plain_condition
from fieldapp.core.reports.xlsx_sheets import (
    HEADER_COLOR,
    Styles,
    new_workbook,
    print_setup,
    write_value,
)
from fieldapp.core.store.records import STATUSES

HOUSEHOLD_SHEET = "户信息"
MEMBER_SHEET = "家庭成员"
NOTES_SHEET = "填表说明"
LISTS_SHEET = "可选项"
TEMPLATE_ROWS = 20000
"""Rows of the template that get the dropdowns."""
MARK_HEADER = "说明"
EXAMPLE_MARK = "示例"
STATUS_HEADER = "档案状态"
LINK_HEADER = "职工身份证号"
SKIP_TYPES = frozenset({"repeat", "signature", "attachment", "note"})
REQUIRED_COLOR = "#FCE4D6"
EXAMPLE_COLOR = "#EDEDED"

EXAMPLE_HOUSEHOLD: dict[str, Any] = {
    "archive_no": "YN-530102-2020-000001",
    "worker_no": "53010220000001",
    "category": "深度困难",
    "standard": "全国级",
    "name": "张建国",
    "gender": "男",
    "ethnicity": "汉族",
    "political": "群众",
    "id_number": "530102198001010015",
    "birth_date": "1980-01-01",
    "health": "良好",
    "work_status": "下(待)岗",
    "marital_status": "已婚",
    "phone": "13800138000",
    "medical_insurance": "职工医保",
    "serious_illness_insurance": "是",
    "pension_insurance": "未参保",
    "housing_type": "租房",
    "housing_safe": "安全",
    "floor_area": 45,
    "address": "昆明市五华区红云街道某社区3栋2单元401室",
    "residence_region": "530102",
    "hukou_type": "非农业",
    "hukou_region": "530102",
    "employer": "昆明某机械厂",
    "employer_nature": "国有企业",
    "enterprise_status": "关闭破产",
    "main_cause": "下岗失业",
    "created_by": "李干事",
}
EXAMPLE_MEMBER: dict[str, Any] = {
    "name": "王秀英",
    "relation": "配偶",
    "id_number": "53040219751231002X",
    "gender": "女",
    "birth_date": "1975-12-31",
    "health": "尿毒症/终末期肾病",
    "identity": "失(无)业",
    "monthly_income": "0",
    "medical_insurance": "城乡居民医保",
    "cohabiting": "是",
}


def _columns(form: Form) -> list[Field]:
    """The fields a person fills in (not calculated, not kept by the program: ``readonly``)."""
    return [
        f
        for f in form.fields
        if f.type not in SKIP_TYPES and not f.is_calculated and not f.readonly
    ]


def household_fields(form: Form) -> list[Field]:
    return _columns(form)


def member_fields(form: Form) -> list[Field]:
    members = form.field("members")
    if members is None:
        return []
    return [f for f in members.fields if f.type not in SKIP_TYPES and not f.is_calculated]


def _format_hint(f: Field) -> str:
    kind = {
        "text": "文字",
        "integer": "整数",
        "money": "金额（元，可带两位小数）",
        "date": "日期，如 2024-03-05",
        "month": "月份，如 2024-03",
        "select_one": "从可选项中选一项",
        "select_multiple": "可选多项，用顿号“、”分隔",
        "id_number": "18位身份证号（请设为文本格式）",
        "phone": "11位手机号或带区号的座机",
        "region": "6位行政区划代码，如 530102（也可写“云南省 昆明市 五华区”）",
    }.get(f.type, f.type)
    return kind


# -- the template ---------------------------------------------------------------------------------


def write_template(path: Path | str, form: Form) -> Path:
    """The blank template: headers from Form A, one example row per sheet, notes on each column."""
    path = Path(path)
    wb = new_workbook(path)
    styles = Styles(wb)
    choices = _Choices()
    for title, fields, example, first in (
        (HOUSEHOLD_SHEET, household_fields(form), EXAMPLE_HOUSEHOLD, STATUS_HEADER),
        (MEMBER_SHEET, member_fields(form), EXAMPLE_MEMBER, LINK_HEADER),
    ):
        ws = wb.add_worksheet(title)
        ws.freeze_panes(1, 2)
        headers = [MARK_HEADER, first, *(f.label for f in fields)]
        widths = [max(10, min(40, len(header) * 2 + 4)) for header in headers]
        for i, width in enumerate(widths):
            ws.set_column(i, i, width)
        print_setup(ws, 0, width=sum(widths), title_columns=2)
        if first == STATUS_HEADER:
            choices.dropdown(ws, 1, "档案状态", STATUSES)
        for i, f in enumerate(fields, 2):
            if f.type == "select_one" and f.options:
                choices.dropdown(ws, i, f.label, [o.label for o in f.options])
        required = {f.label for f in fields if f.required is True}
        if first == LINK_HEADER:
            required.add(LINK_HEADER)
        for i, header in enumerate(headers):
            fill = REQUIRED_COLOR if header in required else HEADER_COLOR
            fmt = styles.of(bold=True, bg_color=fill, align="center", text_wrap=True)
            write_value(ws, 0, i, header, styles, fmt)
        values: list[Any] = [
            f"{EXAMPLE_MARK}（导入时跳过）",
            "在档" if first == STATUS_HEADER else EXAMPLE_HOUSEHOLD["id_number"],
        ]
        for f in fields:
            value = example.get(f.name)
            if isinstance(value, str) and f.type == "select_one":
                value = f.option_label(value)
            values.append(value)
        example_format = styles.of(bg_color=EXAMPLE_COLOR, num_format="@")
        for i, value in enumerate(values):
            write_value(ws, 1, i, value, styles, example_format)

    sheet = wb.add_worksheet(NOTES_SHEET)
    for i, width in enumerate(NOTES_WIDTHS):
        sheet.set_column(i, i, width)
    print_setup(sheet, 6, width=sum(NOTES_WIDTHS))
    notes = _Notes(sheet, styles)
    for line in (
        "户户清 档案导入模板 填表说明",
        "每户在“户信息”填一行；家庭成员在“家庭成员”一人一行，用“职工身份证号”对应到户。",
        "第一列“说明”写“示例”的行导入时跳过。表头浅橙色的列必填。",
        "有下拉箭头的格子请从下拉列表中选择。",
        "已在系统中的户（身份证号或档案编号相同）导入时更新，不会重复建档。",
        "",
    ):
        notes.line(line)  # one sentence a row: readable without wrapping
    notes.wrapped(["工作表", "列名", "必填", "填写格式", "可选项 / 说明"])
    notes.wrapped(
        [
            HOUSEHOLD_SHEET,
            STATUS_HEADER,
            "否",
            "从可选项中选一项",
            "、".join(STATUSES) + "；不填为在档",
        ],
    )
    hfields, mfields = household_fields(form), member_fields(form)
    for f in hfields:
        notes.wrapped(_note_row(HOUSEHOLD_SHEET, f, hfields))
    notes.wrapped(
        [MEMBER_SHEET, LINK_HEADER, "是", "18位身份证号", "该成员所在户的职工本人身份证号"]
    )
    for f in mfields:
        notes.wrapped(_note_row(MEMBER_SHEET, f, mfields))
    choices.write(wb.add_worksheet(LISTS_SHEET), styles)
    wb.close()
    return path


NOTES_WIDTHS = (12, 22, 8, 36, 80)


class _Notes:
    """The 填表说明 sheet, written row by row."""

    def __init__(self, ws: Worksheet, styles: Styles) -> None:
        self.ws = ws
        self.styles = styles
        self.rows = 0

    def line(self, text: str) -> None:
        if text:
            write_value(self.ws, self.rows, 0, text, self.styles)
        self.rows += 1

    def wrapped(self, values: Sequence[Any]) -> None:
        """Text wrapping inside its column (never running across the page), in a row tall enough
        for its longest cell: spreadsheet programs do not grow such rows on opening."""
        lines = max(
            (
                math.ceil(len(str(v)) * 2 / (w - 1))
                for v, w in zip(values, NOTES_WIDTHS, strict=False)
                if v
            ),
            default=1,
        )
        if lines > 1:
            self.ws.set_row(self.rows, 15 * lines)
        fmt = self.styles.of(text_wrap=True, valign="top")
        for col, value in enumerate(values):
            write_value(self.ws, self.rows, col, value, self.styles, fmt)
        self.rows += 1


TITLE_MAX = 32
"""Excel's limit on a dropdown's prompt and error titles (XlsxWriter drops a longer one)."""


class _Choices:
    """Dropdowns: each option list is written once to a hidden sheet and referenced by range
    (a list typed into the validation itself is limited to 255 characters)."""

    def __init__(self) -> None:
        self.columns: list[list[str]] = []
        self.ranges: dict[tuple[str, ...], str] = {}

    def dropdown(self, target: Worksheet, column: int, label: str, options: Sequence[str]) -> None:
        """A dropdown on rows 2 to TEMPLATE_ROWS of ``column`` (0-based)."""
        key = tuple(options)
        ref = self.ranges.get(key)
        if ref is None:
            self.columns.append(list(options))
            letter = xl_col_to_name(len(self.columns) - 1)
            ref = self.ranges[key] = f"='{LISTS_SHEET}'!${letter}$1:${letter}${len(options)}"
        done = target.data_validation(
            1,
            column,
            TEMPLATE_ROWS - 1,
            column,
            {
                "validate": "list",
                "source": ref,
                "ignore_blank": True,
                "error_type": "stop",
                "error_title": "请从下拉列表中选择",
                "error_message": f"“{label}”只能填写下拉列表中的一项。"[:255],
                "input_title": label[:TITLE_MAX],
                "input_message": "请从下拉列表中选择",
            },
        )
        if done != 0:
            raise ValueError(f"dropdown for {label} refused by XlsxWriter ({done})")

    def write(self, ws: Worksheet, styles: Styles) -> None:
        """The option lists, one per column, on the (hidden) sheet the dropdowns refer to."""
        ws.hide()
        longest = max((len(c) for c in self.columns), default=0)
        for row in range(longest):
            for col, options in enumerate(self.columns):
                if row < len(options):
                    write_value(ws, row, col, options[row], styles)


def _note_row(sheet: str, f: Field, fields: Sequence[Field]) -> list[Any]:
    required = "是" if f.required is True else ("视情况" if f.required else "否")
    detail = "、".join(o.label for o in f.options) if f.options else ""
    if f.relevant:
        detail = (detail + "；" if detail else "") + plain_condition(f.relevant, fields)
    if f.hint:
        detail = (detail + "；" if detail else "") + f.hint
    return [sheet, f.label, required, _format_hint(f), detail]


# -- reading ---------------------------------------------------------------------------------------
