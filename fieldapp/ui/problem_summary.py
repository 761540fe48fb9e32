"""The editor's list of what is left to do on a form: errors, reminders, fields still to fill.

Why: a new household used to open with sixteen red errors before anything was typed. An empty
required field the cadre has not reached yet is not an error they made: it is listed as 待填 (in
grey, after the real problems) until the field was entered and left or finalising was tried.
Notices that point at another household (a duplicate ID number) are listed here too, and a click
opens that household.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from fieldapp.core.forms.engine import FormResult, Problem

ROW = re.compile(r"\[(\d+)\]\.[a-z0-9_]+$")
PENDING_COLOR = QColor("#6b6f76")
LINK_COLOR = QColor("#1a5fb4")
JumpRole = Qt.ItemDataRole.UserRole
HouseholdRole = Qt.ItemDataRole.UserRole + 1


class Touched(Protocol):
    def touched(self, path: str) -> bool: ...


@dataclass(frozen=True)
class Notice:
    """A reminder about this household that links to another one (``household_id``)."""

    text: str
    household_id: str


@dataclass(frozen=True)
class Counts:
    errors: int
    warnings: int
    pending: int

    def nav_suffix(self) -> str:
        parts = [f"{self.errors} 处错误"] if self.errors else []
        parts += [f"{self.pending} 项待填"] if self.pending else []
        return (" · " + " · ".join(parts)) if parts else ""


def is_pending(problem: Problem, page: Touched | None) -> bool:
    """An empty required field the cadre has not been in yet (nothing they did wrong)."""
    return problem.code == "required" and (page is None or not page.touched(problem.path))


def counts(result: FormResult, page: Touched | None) -> Counts:
    pending = [p for p in result.problems if is_pending(p, page)]
    errors = sum(1 for p in result.errors if p not in pending)
    return Counts(errors, len(result.warnings), len(pending))


class ProblemList(QListWidget):
    """Click (or Enter) on a problem jumps to its field; on a notice, opens the other household."""

    jump = Signal(str, str)
    open_household = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.itemActivated.connect(self._activated)
        self.itemClicked.connect(self._activated)

    def fill(
        self, result: FormResult | None, page: Touched | None, notices: list[Notice]
    ) -> Counts:
        self.clear()
        if result is None:
            return Counts(0, 0, 0)
        for notice in notices:
            item = QListWidgetItem(f"[提醒] {notice.text}（点击打开该户）")
            item.setData(HouseholdRole, notice.household_id)
            item.setForeground(QBrush(LINK_COLOR))
            self.addItem(item)
        ranked = sorted(result.problems, key=lambda p: (is_pending(p, page), not p.blocking))
        for problem in ranked:
            pending = is_pending(problem, page)
            kind = "待填" if pending else ("错误" if problem.blocking else "提醒")
            row = ROW.search(problem.path)
            where = f"第 {row[1]} 行 " if row else ""
            item = QListWidgetItem(f"[{kind}] {where}{problem.label}：{problem.message}")
            item.setData(JumpRole, (problem.form, problem.path))
            if pending:
                item.setForeground(QBrush(PENDING_COLOR))
            else:
                color = Qt.GlobalColor.darkRed if problem.blocking else Qt.GlobalColor.darkYellow
                item.setForeground(color)
            self.addItem(item)
        found = counts(result, page)
        return Counts(found.errors, found.warnings + len(notices), found.pending)

    def _activated(self, item: QListWidgetItem) -> None:
        household = item.data(HouseholdRole)
        if household:
            self.open_household.emit(str(household))
            return
        target = item.data(JumpRole)
        if target:
            self.jump.emit(str(target[0]), str(target[1]))


def show_counts(
    item: QListWidgetItem, title: str, state: str, found: Counts, stale: str | None = None
) -> None:
    """A form's entry in the editor's list of forms: its state and what is left on it;
    ``stale``: why a finalised form needs checking again (its inputs changed since)."""
    shown = {"final": "✔ 已定稿", "draft": "草稿"}.get(state, "未填")
    if stale:
        shown = f"⚠ 已定稿 · {stale}"
    item.setText(f"{title}\n    {shown}{found.nav_suffix()}")
    item.setForeground(
        Qt.GlobalColor.darkRed
        if found.errors
        else Qt.GlobalColor.darkYellow
        if stale
        else Qt.GlobalColor.black
    )


def title_text(found: Counts, any_problem: bool) -> str:
    if not any_problem:
        return "<b>待处理的问题</b>：无"
    parts = [f"{found.errors} 处错误", f"{found.warnings} 处提醒"]
    if found.pending:
        parts.append(f"{found.pending} 项待填")
    return f"<b>待处理的问题</b>（{'，'.join(parts)}）"
