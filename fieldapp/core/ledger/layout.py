"""One household's ledger as a story: cover, every form of the survey, checklists, sign-off.

The layout follows the form definitions (forms/*.yaml): sections become shaded bars with a
numbered title, single fields a label/value grid, repeat groups ruled tables, and checklist
questions (a select with an ``_note``/``_evidence`` companion) a checklist with the system's own
check beside the cadre's answer (rules.guarantee_checks for 两有五保障; for the 六清, whether the
forms behind each 清 are finalised). Top-level signature fields are gathered in the sign-off
block at the end, with the two electronic-signature boxes (经办人, 审核人).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from fieldapp.core.forms.model import Field
from fieldapp.core.ledger import style as st
from fieldapp.core.ledger import tables as tb
from fieldapp.core.ledger.doc import Anchor, GroupEnd, GroupStart, PageGroup, PageRef, SignatureSlot
from fieldapp.core.ledger.household import STATE_NAMES, Household
from fieldapp.core.ledger.procedure_history import procedure_history
from fieldapp.core.rules.assessment import UNKNOWN, guarantee_checks
from fieldapp.core.rules.exits import assess_exit
from fieldapp.core.store.store import Store

STAFF_FIELD = "staff_signature"
REVIEWER_FIELD = "reviewer_signature"
SIGNOFF_LABEL_WIDTH = 70.0
STAMP_WIDTH = (st.FRAME_WIDTH - 2 * SIGNOFF_LABEL_WIDTH) / 2 - 8
STAMP_HEIGHT = 62.0
NUMERALS = "一二三四五六七八九十"
SUM_OF_COLUMN = re.compile(r"^\s*sum\(\s*([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\s*\)\s*$")
FORM_REFERENCE = re.compile(r"表([A-Z][A-Z0-9]*)")
# Cover lines beyond the household index: (form, field); skipped when a form no longer has it.
COVER_EXTRA = (("A", "employer"), ("A", "standard"), ("D", "helper_name"))
UNPRINTABLE_NOTE = "注：以下字符表册字体无法打印，已按 Unicode 编码印出，请以系统中的记录为准："
# Where the 帮扶责任人's captured signature is found: (form, repeat, column, name field).
HELPER_SIGNATURE = ("D", "visits", "helper_signature", "helper_name")


def numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + NUMERALS[n - 11]
    return str(n)


def _local_date(stamp: str) -> date | None:
    try:
        return datetime.fromisoformat(stamp).astimezone().date()
    except ValueError:
        return None


class SpacedTitle(Flowable):  # type: ignore[misc]
    """A centred display title with letter spacing (the cover's 户户清表册)."""

    def __init__(self, text: str, size: float, spacing: float) -> None:
        super().__init__()
        self.text, self.size, self.spacing = text, size, spacing

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return (avail_width, self.size * 1.4)

    def draw(self) -> None:
        canvas = self.canv
        full = st.text_width(self.text, self.size) + self.spacing * (len(self.text) - 1)
        text = canvas.beginText((self.width - full) / 2, self.size * 0.3)
        text.setFont(st.FONT, self.size)
        text.setCharSpace(self.spacing)
        text.textOut(self.text)
        canvas.drawText(text)


class LedgerLayout:
    """Builds ledger stories for households of one store, at one print date."""

    def __init__(self, store: Store, today: date) -> None:
        st.ensure_fonts()
        self.store = store
        self.survey = store.survey
        self.regions = store.regions
        self.today = today
        self.clears = {f.clear for f in self.survey.forms.values() if f.clear}
        self.unprintable: list[str] = []  # stand-ins printed so far, for LedgerInfo

    # -- the whole ledger -------------------------------------------------------------------

    def group_for(self, hh: Household) -> PageGroup:
        archive = hh.row.get("archive_no") or "（未编号）"
        name = hh.row.get("name") or "（未填姓名）"
        return PageGroup(
            header_left=f"档案编号：{archive}",
            header_right=f"职工姓名：{name}",
            header_center=self.survey.title,
            footer_left=f"打印日期：{st.chinese_date(self.today)}",
        )

    def story(self, hh: Household) -> list[Flowable]:
        story: list[Flowable] = [GroupStart(self.group_for(hh))]
        story += self.cover(hh)
        for form in self.survey.forms.values():
            values = hh.values.get(form.id) or {}
            # The survey's tables each start a sheet of their own (an office re-prints and
            # files them one by one); the short checklists follow on where there is room.
            if any(len(tb.checklist_questions(s.fields)) >= 2 for s in form.sections):
                story += [CondPageBreak(300), Spacer(1, 16)]
            else:
                story.append(PageBreak())
            story.append(Anchor(form.id))
            story += self.heading(form.id, hh)
            story += self.form_body(form.id, values, hh)
        if hh.unprintable:
            self.unprintable.extend(hh.unprintable)
            story.append(st.para(UNPRINTABLE_NOTE + "、".join(hh.unprintable), "note"))
        story += procedure_history(self.store, hh.id)
        story += self.signoff(hh)
        story.append(GroupEnd())
        return story

    # -- cover ------------------------------------------------------------------------------

    def cover_lines(self, hh: Household) -> list[tuple[str, str]]:
        index = self.survey.household_index
        lines: list[tuple[str, str]] = []

        def add(key: str, label: str | None = None) -> None:
            if key not in index:
                return
            form_id, name = index[key]
            f = self.survey.forms[form_id].field(name)
            if f is not None:
                shown = tb.format_value(f, hh.value(form_id, name), self.regions)
                lines.append((label or f.label, shown))

        add("archive_no")
        add("name", "职工姓名")
        add("region", "所在地区")
        for form_id, name in COVER_EXTRA:
            form = self.survey.forms.get(form_id)
            f = form.field(name) if form is not None else None
            if f is not None:
                lines.append((f.label, tb.format_value(f, hh.value(form_id, name), self.regions)))
        add("category")
        lines.append(("档案状态", str(hh.row.get("status") or "")))
        lines.append(("打印日期", st.chinese_date(self.today)))
        return lines

    def cover(self, hh: Household) -> list[Flowable]:
        label_w, value_w = 96.0, 250.0
        info = Table(
            [
                [st.para(f"{label}：", "cover_label"), tb.cell(value, value_w, "cover_value")]
                for label, value in self.cover_lines(hh)
            ],
            colWidths=[label_w, value_w],
            style=TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), st.FONT),
                    ("FONTSIZE", (0, 0), (-1, -1), 12),
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LINEBELOW", (1, 0), (1, -1), 0.6, st.RULE),
                    ("TOPPADDING", (0, 0), (-1, -1), 7),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            ),
        )
        contents = self.contents(hh)
        survey = self.survey
        note = (
            f"说明：本表册由“户户清”系统依据表单定义（{survey.title} 版本 {survey.version}）生成。"
            "填报状态为“草稿”的表尚未定稿，内容可能不完整。带电子签章的文件可在户户清软件中"
            "用“核验签章台账”核验签章人及文件是否被改动。"
        )
        return [
            Spacer(1, 34),
            SpacedTitle(survey.title, 30, 10),
            Spacer(1, 12),
            st.para("困难职工家庭“六清”档案", "cover_subtitle"),
            Spacer(1, 34),
            info,
            Spacer(1, 34),
            st.para("表册目录", "cover_subtitle"),
            Spacer(1, 6),
            contents,
            Spacer(1, 14),
            st.para(note, "note"),
        ]

    def contents(self, hh: Household) -> Table:
        widths = [34.0, 190.0, 110.0, 80.0, 40.0]
        head = ["序号", "表名", "对应“六清”", "填报状态", "页码"]
        data: list[list[tb.Cell]] = [head]
        for n, form in enumerate(self.survey.forms.values(), 1):
            data.append(
                [
                    str(n),
                    tb.cell(f"表{form.id}  {form.title}", widths[1], "cell"),
                    tb.cell(form.clear or "—", widths[2], "cell_center"),
                    tb.cell(hh.state_name(form.id), widths[3], "cell_center"),
                    PageRef(form.id, widths[4] - tb.PAD, 9),
                ]
            )
        data.append(
            [str(len(data)), "签字确认", "—", "", PageRef("signoff", widths[4] - tb.PAD, 9)]
        )
        commands = tb.base_style(header_rows=1, size=9)
        commands += [("ALIGN", (0, 0), (-1, -1), "CENTER"), ("ALIGN", (1, 1), (1, -1), "LEFT")]
        return Table(
            data,
            colWidths=widths,
            minRowHeights=[18.0] * len(data),
            style=TableStyle(commands),
        )

    # -- forms ------------------------------------------------------------------------------

    def heading(self, form_id: str, hh: Household) -> list[Flowable]:
        form = self.survey.forms[form_id]
        parts = [f"表{form.id}"]
        if form.clear:
            parts.append(form.clear)
        parts.append(hh.state_name(form_id))
        revision = hh.revisions.get(form_id)
        if revision is not None:
            saved = _local_date(revision.created_at)
            who = f"{revision.author} " if revision.author else ""
            parts.append(f"{who}{st.chinese_date(saved)}保存")
        return [
            st.para(form.title, "form_title"),
            st.para("　".join(parts), "form_subtitle"),
            Spacer(1, 6),
        ]

    def _totals(self, form_id: str, values: Mapping[str, Any]) -> dict[str, dict[str, str]]:
        """Repeat columns the form itself sums (``calculate: sum(rows.col)``) get a 合计 row."""
        totals: dict[str, dict[str, str]] = {}
        for f in self.survey.forms[form_id].fields:
            match = SUM_OF_COLUMN.match(f.calculate or "")
            if match is not None:
                text = tb.format_value(f, values.get(f.name), self.regions)
                totals.setdefault(match.group(1), {})[match.group(2)] = text
        return totals

    def form_body(self, form_id: str, values: Mapping[str, Any], hh: Household) -> list[Flowable]:
        form = self.survey.forms[form_id]
        totals = self._totals(form_id, values)
        filled = form_id in hh.states
        out: list[Flowable] = []
        number = 0
        guarantee = False
        for section in form.sections:
            fields = [f for f in section.fields if f.type != "signature"]
            if not fields:
                continue
            number += 1
            out.append(tb.section_bar(f"{numeral(number)}、{section.title}"))
            pairs = tb.checklist_questions(fields)
            if len(pairs) >= 2:
                guarantee = guarantee or any(self._is_guarantee(f) for f, _ in pairs)
                out.append(
                    tb.checklist(
                        pairs,
                        values,
                        self.regions,
                        system=lambda f: self.system_check(f, values.get(f.name), hh),
                        system_label="系统核对",
                    )
                )
            else:
                pairs = []
            paired = {f.name for pair in pairs for f in pair}
            pending: list[Field] = []
            for f in fields:
                if f.name in paired:
                    continue
                if f.type == "repeat":
                    self._flush_grid(pending, values, out)
                    rows = values.get(f.name)
                    out += tb.repeat_tables(
                        f,
                        rows if isinstance(rows, list) else [],
                        self.regions,
                        totals=totals.get(f.name),
                        empty_text="（无记录）" if filled else "",
                        caption=f.label if f.label != section.title else None,
                    )
                else:
                    pending.append(f)
            self._flush_grid(pending, values, out)
        if guarantee:
            out += self.exit_note(hh)
        return out

    def _flush_grid(
        self, pending: list[Field], values: Mapping[str, Any], out: list[Flowable]
    ) -> None:
        table = tb.grid(tb.grid_items(pending, values, self.regions))
        if table is not None:
            out.append(table)
        pending.clear()

    # -- system checks ----------------------------------------------------------------------

    @staticmethod
    def _is_guarantee(f: Field) -> bool:
        return f.options_name == "guarantee_check" or any(o.value == "达标" for o in f.options)

    def system_check(self, f: Field, answer: Any, hh: Household) -> tuple[str, bool] | None:
        """The system's view beside a checklist answer, and whether the answer agrees with it."""
        if self._is_guarantee(f):
            checks = {c.key: c for c in guarantee_checks(hh.values, self.today)}
            check = checks.get(f.name)
            if check is None:
                return None
            agrees = answer in (None, check.status) or check.status == UNKNOWN
            return (f"{check.status}：{check.reason}", agrees)
        related = [
            form.id for form in self.survey.forms.values() if form.clear and form.clear == f.label
        ]
        related += [
            ref
            for ref in FORM_REFERENCE.findall(f.hint)
            if ref in self.survey.forms and ref not in related
        ]
        if not related:
            return None
        states = [hh.states.get(ref) for ref in related]
        text = "、".join(
            f"表{ref}{STATE_NAMES.get(s or '', '未填写').replace('（未定稿）', '')}"
            for ref, s in zip(related, states, strict=True)
        )
        first = next(iter(o.value for o in f.options), None)
        agrees = answer != first or all(s == "final" for s in states)
        return (text, agrees)

    def exit_note(self, hh: Household) -> list[Flowable]:
        report = assess_exit(hh.values, self.store.dibao_standard, self.today).to_dict()["exit"]
        verdict = "符合" if report["income_condition_met"] else "不符合"
        reasons = "；".join(report["reasons"])
        text = (
            f"脱困收入条件（系统核对，截至{st.chinese_date(self.today)}）：{verdict}。{reasons}。"
        )
        notes = "注：“系统核对”按已录入数据自动判断，仅供核查人参考；标 ※ 的项目与核查结果不一致，请复核。"
        return [Spacer(1, 5), st.para(text, "note"), st.para(notes, "note")]

    # -- sign-off -----------------------------------------------------------------------------

    def handwritten(self, hh: Household) -> list[tuple[str, Any, str, date | None]]:
        """Captured signatures: (label, value, printed name, date) for the sign-off block."""
        people: list[tuple[str, Any, str, date | None]] = []
        index = self.survey.household_index
        name_of = index.get("name")
        for form in self.survey.forms.values():
            for f in form.fields:
                if f.type != "signature":
                    continue
                value = hh.value(form.id, f.name)
                name = ""
                if name_of is not None and name_of[0] == form.id and "职工" in f.label:
                    name = str(hh.value(*name_of) or "")
                revision = hh.revisions.get(form.id)
                when = _local_date(revision.created_at) if revision and value else None
                people.append((f.label, value, name, when))
        form_id, repeat, column, name_field = HELPER_SIGNATURE
        helper_form = self.survey.forms.get(form_id)
        repeat_field = helper_form.field(repeat) if helper_form is not None else None
        if repeat_field is not None and repeat_field.child(column) is not None:
            rows = hh.value(form_id, repeat)
            signed = [
                r
                for r in (rows if isinstance(rows, list) else [])
                if tb.has_signature(r.get(column))
            ]
            last = signed[-1] if signed else {}
            when = None
            if isinstance(last.get("date"), str):
                try:
                    when = date.fromisoformat(last["date"])
                except ValueError:
                    when = None
            people.append(
                ("帮扶责任人签字", last.get(column), str(hh.value(form_id, name_field) or ""), when)
            )
        return people

    def signoff(self, hh: Household | None, *, declaration: str | None = None) -> list[Flowable]:
        """The sign-off block: handwritten signatures (or blank lines) and the two stamp boxes."""
        label_w = SIGNOFF_LABEL_WIDTH
        value_w = (st.FRAME_WIDTH - 2 * label_w) / 2
        rows: list[list[Any]] = []
        heights: list[float] = []
        spans: list[tuple[int, int]] = []
        text = declaration or "本人已核对本表册所列各项内容，情况属实。"
        rows.append([st.para(text, "value"), "", "", ""])
        heights.append(22)
        spans.append((0, 0))
        people = self.handwritten(hh) if hh is not None else []
        for i in range(0, len(people), 2):
            pair = people[i : i + 2]
            sign_row: list[Any] = []
            date_row: list[Any] = []
            for label, value, name, when in pair:
                sign_row.append(tb.cell(label, label_w, "label"))
                if tb.has_signature(value):
                    parts: list[Flowable] = [tb.SignatureDrawing(value, value_w - 12, 38)]
                    if name:
                        parts.append(st.para(f"（{name}）", "cell_center"))
                    sign_row.append(parts)
                else:
                    sign_row.append("")
                date_row.append(tb.cell("日期", label_w, "label"))
                date_row.append(st.chinese_date(when) if when else "　　　　年　　月　　日")
            while len(sign_row) < 4:
                sign_row += ["", ""]
                date_row += ["", ""]
            rows += [sign_row, date_row]
            heights += [54, 20]
        stamp_row = [
            tb.cell("经办人\n电子签章", label_w, "label"),
            SignatureSlot("staff", STAFF_FIELD, STAMP_WIDTH, STAMP_HEIGHT),
            tb.cell("审核人\n电子签章", label_w, "label"),
            SignatureSlot("reviewer", REVIEWER_FIELD, STAMP_WIDTH, STAMP_HEIGHT),
        ]
        rows.append(stamp_row)
        heights.append(STAMP_HEIGHT + 8)
        commands = tb.base_style(size=st.GRID_SIZE)
        for r in range(1, len(rows)):
            commands += [
                ("BACKGROUND", (0, r), (0, r), st.LABEL_BG),
                ("BACKGROUND", (2, r), (2, r), st.LABEL_BG),
                ("ALIGN", (0, r), (-1, r), "CENTER"),
            ]
        commands.append(("SPAN", (0, 0), (-1, 0)))
        table = Table(
            rows,
            colWidths=[label_w, value_w, label_w, value_w],
            minRowHeights=heights,
            style=TableStyle(commands),
        )
        return [
            Spacer(1, 16),
            KeepTogether([Anchor("signoff"), tb.section_bar("签字确认"), table]),
        ]
