"""评估 panel of the editor: 两有五保障 and 脱困/解困 as the rules see the household right now.

Why: the cadre fills the forms at the kitchen table; whether the household now meets 脱困 or
解困 (seed 002), and which of the 两有五保障 items (seed 000) are still missing, should be visible
while the data is being typed, with the reasons, not only in headquarters' statistics later.
The same function the CLI's ``fieldapp assess`` calls computes it (``rules.status_change``).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QListWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.rules.assessment import MET, NOT_APPLICABLE, NOT_MET
from fieldapp.core.rules.exits import EXIT, RESOLVE, ExitOutcome
from fieldapp.core.rules.status_change import household_outcome
from fieldapp.core.store.store import Store

COLOURS = {MET: "#1b7f3b", NOT_APPLICABLE: "#555555", NOT_MET: "#c01c28"}
UNKNOWN_COLOUR = "#9c6500"


class AssessmentPanel(QWidget):
    """The household's outcome, its seven 两有五保障 items and the reasons, refreshed on demand."""

    def __init__(
        self,
        store: Store,
        household_id: str,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.household_id = store, household_id
        self.today = today
        self.result: ExitOutcome | None = None
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["项目", "结果", "依据"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.reasons = QListWidget()
        self.reasons.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.outcome)
        layout.addWidget(QLabel("<b>两有五保障</b>"))
        layout.addWidget(self.table, 3)
        layout.addWidget(QLabel("<b>脱困、解困的依据</b>"))
        layout.addWidget(self.reasons, 2)

    def refresh(self) -> None:
        day = self.today or date.today()
        result = household_outcome(self.store, self.household_id, day)
        self.result = result
        colour = "#1b7f3b" if result.outcome in (EXIT, RESOLVE) else "#555555"
        self.outcome.setText(
            f"<span style='font-size:12pt'>按 {day.isoformat()} 已录入的数据："
            f"<b style='color:{colour}'>{'符合' + result.outcome if result.outcome in (EXIT, RESOLVE) else '未达到脱困或解困'}</b></span>"
        )
        self.table.setRowCount(len(result.checks))
        for row, check in enumerate(result.checks):
            status = QTableWidgetItem(check.status)
            status.setForeground(QColor(COLOURS.get(check.status, UNKNOWN_COLOUR)))
            reason = QTableWidgetItem(check.reason)
            reason.setToolTip(check.reason)
            self.table.setItem(row, 0, QTableWidgetItem(check.label))
            self.table.setItem(row, 1, status)
            self.table.setItem(row, 2, reason)
        self.table.resizeRowsToContents()
        self.reasons.clear()
        self.reasons.addItems(result.reasons)
