"""The ledger's 办理程序记录: every filing and exit case of the household, step by step.

Why: an auditor holding the printed 表册 must see who approved an exit, in which role, on which
day, with which opinion, how long the 公示 ran and whether the rules were met — and whether each
signature checks out here (``procedures.signing``). Decisions set aside by a conflict's
resolution stay in the table, marked 已作废.
"""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, Flowable, Spacer, Table, TableStyle

from fieldapp.core.ledger import style as st
from fieldapp.core.ledger import tables as tb
from fieldapp.core.procedures import CaseView, default_procedures, step_notes, view_of
from fieldapp.core.procedures.records import DECISION_NAMES
from fieldapp.core.procedures.storage import cases_of
from fieldapp.core.store.store import Store
from fieldapp.core.values.glyphs import printable

TITLE = "办理程序记录（建档、退出）"
COLUMNS = (
    ("序号", 22.0),
    ("步骤", 58.0),
    ("决定", 34.0),
    ("办理人（角色）", 78.0),
    ("日期", 50.0),
    ("意见", 84.0),
    ("公示、规则核对", 0.0),
    ("签名", 44.0),
)
"""Heading and width; 0 shares what is left."""


def _widths() -> list[float]:
    fixed = sum(w for _, w in COLUMNS)
    flexible = sum(1 for _, w in COLUMNS if w == 0)
    share = (st.FRAME_WIDTH - fixed) / flexible
    return [w or share for _, w in COLUMNS]


def case_table(view: CaseView) -> Table:
    widths = _widths()
    case = view.case
    opener = case.signer
    caption = (
        f"{view.title}案件 {case.id[:8]}　目标状态：{case.target}　"
        f"{st.chinese_date(case.opened_on)}由{opener.actor_name}开立（{view.signature.label}）　"
        f"现状：{view.state.outcome}"
    )
    if view.watch_until:
        caption += f"　渐退期至 {st.chinese_date(view.watch_until)}（不含）"
    rows: list[list[tb.Cell]] = [[st.para(printable(caption), "cell")] + [""] * (len(widths) - 1)]
    rows.append([tb.cell(name, w, "head") for (name, _), w in zip(COLUMNS, widths, strict=True)])
    for n, sv in enumerate(view.steps, 1):
        s = sv.step
        decision = DECISION_NAMES.get(s.decision, s.decision)
        texts = [
            str(n),
            s.step,
            decision if sv.in_force else f"{decision}（已作废）",
            f"{s.signer.actor_name}（{sv.role_name}）",
            s.decided_on,
            s.opinion,
            "\n".join(step_notes(s)),
            sv.signature.label,
        ]
        rows.append([tb.cell(printable(t), w) for t, w in zip(texts, widths, strict=True)])
    if not view.steps:
        rows.append(["（尚未办理任何步骤）"] + [""] * (len(widths) - 1))
    commands = tb.base_style(header_rows=2)
    commands += [("SPAN", (0, 0), (-1, 0)), ("ALIGN", (0, 0), (-1, 0), "LEFT")]
    commands.append(("ALIGN", (0, 2), (0, -1), "CENTER"))
    if not view.steps:
        commands.append(("SPAN", (0, 2), (-1, 2)))
    return Table(rows, colWidths=widths, repeatRows=2, style=TableStyle(commands), splitInRow=1)


def procedure_history(store: Store, household_id: str) -> list[Flowable]:
    """The section, or nothing when the household has no case."""
    cases = cases_of(store, household_id)
    if not cases:
        return []
    procedures = default_procedures()
    story: list[Flowable] = [CondPageBreak(160), Spacer(1, 12), tb.section_bar(TITLE)]
    for case in cases:
        story += [Spacer(1, 4), case_table(view_of(store, case, procedures=procedures))]
    return story
