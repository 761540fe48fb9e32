"""The household editor's 办理程序 strip: where its filing and exit cases stand, and what I can do.

Why: a cadre at the kitchen table, or a clerk with the household open, should see without
searching whether the household is filed, whether an exit is under way and at which step
(退出（已脱困） 第 2 步/共 4 步：基层工会审核), and take the step that waits for them. A cadre
starts an exit here: 发起退出 opens the case with its 入户核查 in one signed go (``step_dialog``).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from fieldapp.core.procedures import (
    CONFLICT,
    EXIT,
    OPEN,
    CaseSummary,
    case_view,
    default_procedures,
    list_cases,
)
from fieldapp.core.store.store import Store
from fieldapp.ui.procedures.case_detail import progress_text
from fieldapp.ui.procedures.session import SigningSession
from fieldapp.ui.procedures.step_dialog import StepDialog

STRIP_STYLE = "QFrame#cases { background: #eef4fb; border: 1px solid #b6cbe3; }"


def summary_progress(summary: CaseSummary) -> str:
    """Where the case stands and, while it is open, who takes the next step."""
    procedures = default_procedures()
    text = progress_text(
        procedures.get(summary.case.procedure),
        summary.case.target,
        summary.next_step,
        summary.outcome,
        summary.last_date,
    )
    if summary.next_step and summary.next_roles:
        text += f"（待{'或'.join(procedures.role_name(r) for r in summary.next_roles)}办理）"
    return text


class CaseStrip(QFrame):
    """One line per procedure (its latest case), 办理 for the step that waits for me, 发起退出."""

    changed = Signal()  # a step was recorded: the household's status may have changed

    def __init__(
        self,
        store: Store,
        household_id: str,
        session: SigningSession,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.household_id, self.session = store, household_id, session
        self.dialog: StepDialog | None = None
        self.mine: CaseSummary | None = None
        self.setObjectName("cases")
        self.setStyleSheet(STRIP_STYLE)
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.act_button = QPushButton()
        self.act_button.clicked.connect(lambda _checked=False: self.take_step())
        self.start_button = QPushButton("发起退出（入户核查）…")
        self.start_button.setToolTip("开立退出案件：入户核查 → 基层工会审核 → 公示 → 上级审批")
        self.start_button.clicked.connect(lambda _checked=False: self.start_exit())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.act_button)
        layout.addWidget(self.start_button)
        self.refresh()
        self._fresh = True  # just read: the first showing (the editor opening) need not read again

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not event.spontaneous() and not self._fresh:
            self.refresh()
        self._fresh = False

    def refresh(self) -> None:
        """Read this household's cases again (a bundle or the 待办 view may have moved them)."""
        exists = self.store.household_exists(self.household_id)
        if self.parentWidget() is not None:  # never as a window of its own
            self.setVisible(exists)
        if not exists:
            return
        cases = list_cases(self.store, household=self.household_id)
        latest = {c.case.procedure: c for c in cases}  # oldest first: the last one stays
        lines = [
            html.escape(summary_progress(latest[key]))
            for key in default_procedures().procedures
            if key in latest
        ]
        self.text.setText("<b>办理程序</b>　" + ("　·　".join(lines) or "尚无建档、退出案件"))
        role = self.session.role
        mine = list_cases(self.store, household=self.household_id, waiting_for=role) if role else []
        self.mine = mine[-1] if mine else None
        self.act_button.setVisible(self.mine is not None)
        if self.mine is not None:
            self.act_button.setText(f"办理：{self.mine.next_step}…")
        exit_open = any(c.case.procedure == EXIT and c.outcome in (OPEN, CONFLICT) for c in cases)
        self.start_button.setVisible(not exit_open)
        writable = not self.store.readonly and role is not None
        self.act_button.setEnabled(writable)
        self.start_button.setEnabled(writable)
        if not writable:
            why = "只读查看：不能办理" if self.store.readonly else self.session.describe()
            self.start_button.setToolTip(why)

    def take_step(self) -> StepDialog | None:
        if self.mine is None:
            return None
        view = case_view(self.store, self.mine.case.id)
        return self._show(StepDialog(self.store, self.session, view=view, parent=self))

    def start_exit(self) -> StepDialog:
        dialog = StepDialog(self.store, self.session, household_id=self.household_id, parent=self)
        return self._show(dialog)

    def _show(self, dialog: StepDialog) -> StepDialog:
        self.dialog = dialog
        dialog.accepted.connect(self._done)
        dialog.open()
        return dialog

    def _done(self) -> None:
        self.refresh()
        self.changed.emit()
