"""The summary table at the front of a batch ledger: one line per household with its key figures,
then the totals and the sign-off box (where a batch is signed).

Its own page group, numbered on its own; the households' ledgers follow it (``ledger.render`` in
one process, ``ledger.batch_parts`` in several).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date

from reportlab.platypus import Flowable, PageBreak, Spacer, Table, TableStyle

from fieldapp.core.ledger import style as st
from fieldapp.core.ledger import tables as tb
from fieldapp.core.ledger.doc import GroupEnd, GroupStart, PageGroup
from fieldapp.core.ledger.errors import LedgerCancelled
from fieldapp.core.ledger.layout import LedgerLayout
from fieldapp.core.store.store import Store
from fieldapp.core.values.glyphs import printable
from fieldapp.core.values.money import format_yuan

SUMMARY_ROW_HEIGHT = 13.0
SUMMARY_SIZE = 7.0
# Key figures of the batch summary: (label, form, field); a column whose field a form no longer
# has is left out.
SUMMARY_FIGURES = (
    ("人口", "A", "family_size"),
    ("月人均收入", "B", "monthly_per_capita"),
    ("低保标准", "B", "dibao_standard"),
    ("六清已清", "LQ", "clear_count"),
    ("未达标项", "BZ", "unmet_count"),
    ("需求数", "E", "needs_found"),
    ("已解决", "E", "solved"),
)
SUMMARY_NOTE = (
    "说明：金额单位为元；“月人均收入”“低保标准”取自家庭收支调查表；“六清已清”为六清核查表中"
    "核查为“清”的项数；“未达标项”为两有五保障核查表中“未达标”的项数；需求数、已解决取自问题清单。"
)


class BatchSummary:
    """The batch's summary table, produced in page-sized chunks as the build reaches them."""

    def __init__(self, store: Store, ids: list[str], day: date, scope: str) -> None:
        self.store, self.ids, self.day, self.scope = store, ids, day, scope
        self.figures = [
            (label, form_id, name, field)
            for label, form_id, name in SUMMARY_FIGURES
            if form_id in store.survey.forms
            and (field := store.survey.forms[form_id].field(name)) is not None
        ]
        archive = st.text_width("YN-530000-2000-000000", SUMMARY_SIZE) + 6
        base = [("序号", 22.0), ("档案编号", archive), ("姓名", 36.0), ("居住地", 52.0)]
        base += [("困难类别", 34.0), ("档案状态", 28.0)]
        widths = [w for _, w in base] + [
            42.0 if field.type == "money" else 24.0 for _l, _f, _n, field in self.figures
        ]
        scale = st.FRAME_WIDTH / sum(widths)
        self.widths = [w * scale for w in widths]
        self.head = [label for label, _ in base] + [label for label, *_ in self.figures]
        self.statuses: Counter[str] = Counter()
        self.households = 0

    def group(self) -> PageGroup:
        return PageGroup(
            header_left=f"{self.store.survey.title}汇总表",
            header_right=f"共 {len(self.ids)} 户",
            header_center=self.scope,
            footer_left=f"打印日期：{st.chinese_date(self.day)}",
        )

    def row(self, n: int, hid: str) -> list[str]:
        row = self.store.household(hid)
        data = self.store.current(str(row["id"]))
        region = ""
        if row.get("region_code"):
            found = self.store.regions.get(str(row["region_code"]))
            region = found.name if found is not None else str(row["region_code"])
        status = str(row.get("status") or "")
        self.statuses[status] += 1
        self.households += 1
        cells = [
            str(n),
            str(row.get("archive_no") or ""),
            str(row.get("name") or ""),
            region,
            str(row.get("category") or ""),
            status,
        ]
        for _label, form_id, name, field in self.figures:
            value = (data.get(form_id) or {}).get(name)
            if field.type == "money" and isinstance(value, int):
                cells.append(format_yuan(value))
            else:
                cells.append("" if value is None else str(value))
        return [
            st.fit_text(printable(text), width - 4, SUMMARY_SIZE)
            for text, width in zip(cells, self.widths, strict=True)
        ]

    def table(self, rows: list[list[str]]) -> Table:
        head = [tb.cell(h, w, "head") for h, w in zip(self.head, self.widths, strict=True)]
        commands = tb.base_style(header_rows=1, size=SUMMARY_SIZE)
        commands += [
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 1), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 1), (-1, -1), 2.5),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("ALIGN", (6, 1), (-1, -1), "RIGHT"),
        ]
        return Table(
            [head, *rows],
            colWidths=self.widths,
            rowHeights=[24.0] + [SUMMARY_ROW_HEIGHT] * len(rows),
            repeatRows=1,
            style=TableStyle(commands),
        )

    def chunks(
        self, layout: LedgerLayout, cancelled: Callable[[], bool] | None = None
    ) -> Iterator[list[Flowable]]:
        survey = self.store.survey
        intro: list[Flowable] = [
            GroupStart(self.group()),
            st.para(f"{survey.title}汇总表", "form_title"),
            st.para(
                f"范围：{self.scope}　共 {len(self.ids)} 户　打印日期：{st.chinese_date(self.day)}",
                "form_subtitle",
            ),
            Spacer(1, 8),
        ]
        used = sum(f.wrap(st.FRAME_WIDTH, st.FRAME_HEIGHT)[1] for f in intro[1:])
        capacity = int((st.FRAME_HEIGHT - 24 - 2 * SUMMARY_ROW_HEIGHT) // SUMMARY_ROW_HEIGHT)
        first = int((st.FRAME_HEIGHT - used - 24 - 2 * SUMMARY_ROW_HEIGHT) // SUMMARY_ROW_HEIGHT)
        rows: list[list[str]] = []
        limit = first
        pending: list[Flowable] = intro
        for n, hid in enumerate(self.ids, 1):
            if cancelled is not None and cancelled():
                raise LedgerCancelled("已取消，未生成台账")
            rows.append(self.row(n, hid))
            if len(rows) == limit:
                yield [*pending, self.table(rows), PageBreak()]
                pending, rows, limit = [], [], capacity
        if rows:
            pending.append(self.table(rows))
        counts = "、".join(
            f"{status} {count} 户" for status, count in sorted(self.statuses.items())
        )
        pending += [
            Spacer(1, 6),
            st.para(f"合计：{self.households} 户（{counts}）。各户表册按序号附后。", "note"),
            st.para(SUMMARY_NOTE, "note"),
            *layout.signoff(None, declaration="以上汇总与所附各户表册一致。"),
            GroupEnd(),
        ]
        yield pending
