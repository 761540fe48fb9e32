"""待办: the cases waiting for my step, oldest first, and the chosen one beside them.

Why: a 基层工会审核人 or 上级工会审批人 opens the program to clear what waits for them, not to
search households. ``list_cases(waiting_for=role)`` (the same as ``fieldapp case list --todo``)
gives the cases whose next step this identity's certificate role takes; choosing one shows it
(``case_detail``), and 通过 → 确定 records the step. After each decision the list is read again,
so a case that moved on to someone else leaves it and one that waits for me again stays.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.procedures import CaseSummary, StepResult, list_cases
from fieldapp.core.procedures.records import DECISION_NAMES
from fieldapp.core.store.store import Store
from fieldapp.ui.procedures.case_detail import CaseDetail
from fieldapp.ui.procedures.session import SigningSession

COLUMNS = ("户", "档案编号", "办理程序", "待办步骤", "等待天数")


def waiting_days(summary: CaseSummary, today: date | None = None) -> int:
    """Days since the case's last step (or its opening)."""
    return ((today or date.today()) - date.fromisoformat(summary.last_date)).days


def todo_cases(store: Store, session: SigningSession) -> list[CaseSummary]:
    """The cases waiting for this identity's role, longest waiting first (none without one)."""
    role = session.role
    cases = list_cases(store, waiting_for=role) if role else []
    return sorted(cases, key=lambda c: (c.last_date, c.case.opened_on))


def result_text(result: StepResult) -> str:
    """What the status bar says after a decision."""
    step = result.step
    done = f"已办理：{step.step} {DECISION_NAMES.get(step.decision, step.decision)}"
    if result.status_changed:
        return f"{done}；案件已办结，档案状态变更为“{result.status_changed}”"
    nxt = result.state.next_step
    return f"{done}；下一步：{nxt.name}" if nxt else f"{done}；案件{result.state.outcome}"


class TodoView(QWidget):
    """The to-do list (left) and the chosen case (right)."""

    changed = Signal(str)  # a household whose case moved (its editor and list row follow)
    status_message = Signal(str)

    def __init__(
        self, store: Store, session: SigningSession, open_household: Callable[[str], object]
    ) -> None:
        super().__init__()
        self.store, self.session = store, session
        self.cases: list[CaseSummary] = []
        self.who = QLabel(session.describe())
        self.who.setStyleSheet("font-weight: bold;")
        self.count = QLabel()
        self.refresh_button = QPushButton("刷新 (F5)")
        self.refresh_button.clicked.connect(lambda _checked=False: self.refresh())
        QShortcut(QKeySequence("F5"), self, activated=self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.who)
        top.addStretch(1)
        top.addWidget(self.count)
        top.addWidget(self.refresh_button)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._chosen)
        self.detail = CaseDetail(store, session)
        self.detail.decided.connect(self._decided)
        self.detail.open_household.connect(open_household)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([470, 890])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """Back on this tab: bundles may have brought steps since it was last shown."""
        super().showEvent(event)
        if not event.spontaneous():
            self.refresh()

    def refresh(self) -> None:
        """Read the to-do list again, keeping the chosen case chosen while it is still on it."""
        chosen = self.case_id()
        self.cases = todo_cases(self.store, self.session)
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.cases))
        for row, c in enumerate(self.cases):
            h = c.household
            kind = f"{c.title}（{c.case.target}）" if c.case.procedure == "exit" else c.title
            values = (
                str(h.get("name") or "（未填姓名）"),
                str(h.get("archive_no") or "—"),
                kind,
                c.next_step or "",
                str(waiting_days(c)),
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, c.case.id)
                item.setToolTip(f"开立 {c.case.opened_on}，上一步 {c.last_date}")
                if column == 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        self.count.setText(f"等待我办理的案件：{len(self.cases)} 件")
        ids = [c.case.id for c in self.cases]
        if ids:
            self.table.selectRow(ids.index(chosen) if chosen in ids else 0)
        self._chosen()

    def case_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def _chosen(self) -> None:
        self.detail.show_case(self.case_id())

    def _decided(self, result: StepResult) -> None:
        self.status_message.emit(result_text(result))
        self.changed.emit(result.step.household_id)
        self.refresh()
