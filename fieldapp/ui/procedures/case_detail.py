"""One case as its approver sees it: the household and its evidence, the rules, the steps so far.

Why: a decision is only as good as what was looked at. Beside 通过 / 退回 / 不予通过 stand the
household in brief with its 证明材料 and latest 走访 (``evidence``), for an exit the 脱困/解困
rules as they stand today with their reasons (the editor's ``AssessmentPanel``), and every step
already taken: who, in which role, when, the opinion, the 公示, and whether the signature checks
(``fieldapp.core.procedures.case_view``).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.procedures import (
    APPROVE,
    CONFLICT,
    EXIT,
    REJECT,
    RETURN,
    CaseView,
    Procedure,
    case_view,
    step_lines,
)
from fieldapp.core.store.store import Store
from fieldapp.ui.assessment_panel import AssessmentPanel
from fieldapp.ui.procedures.evidence import EvidencePanel
from fieldapp.ui.procedures.session import SigningSession
from fieldapp.ui.procedures.step_dialog import StepDialog

MET_STYLE, NOT_MET_STYLE = "color: #1b7f3b;", "color: #c01c28;"


def progress_text(
    procedure: Procedure, target: str, next_step: str | None, outcome: str, last_date: str
) -> str:
    """退出（已脱困） 第 3 步/共 4 步：公示 — where a case stands, in one line."""
    title = f"{procedure.title}（{target}）" if procedure.key == EXIT else procedure.title
    index = procedure.step_index(next_step) if next_step else None
    if index is not None:
        return f"{title} 第 {index + 1} 步/共 {len(procedure.steps)} 步：{next_step}"
    if outcome == CONFLICT:
        return f"{title}：同一步骤有两个并行的决定，待处理冲突（数据包 → 处理冲突）"
    return f"{title}：{outcome}（{last_date}）"


def view_progress(view: CaseView) -> str:
    state = view.state
    spec, last = state.next_step, state.chain[-1].decided_on if state.chain else view.case.opened_on
    return progress_text(
        state.procedure, view.case.target, spec.name if spec else None, state.outcome, last
    )


def history_html(view: CaseView) -> str:
    """Every step on file, oldest first: the decision, the signer, the opinion, the signature."""
    c = view.case
    parts = [
        f"<p><b>{html.escape(c.opened_on)} 开立</b>　{html.escape(c.signer.actor_name)}"
        f"　<span style='color:#555'>{html.escape(view.signature.label)}</span></p>"
    ]
    for sv in view.steps:
        lines = [html.escape(line) for line in step_lines(sv.step, view.role_names)]
        colour = "#1b7f3b" if sv.signature.ok else "#c01c28"
        struck = ("<s>", "</s>（已作废）") if not sv.in_force else ("", "")
        parts.append(
            f"<p>{struck[0]}<b>{lines[0]}</b>{struck[1]}"
            f"　<span style='color:{colour}'>{html.escape(sv.signature.label)}</span>"
            + "".join(f"<br>　{line}" for line in lines[1:])
            + "</p>"
        )
    return "".join(parts)


def stacked(top: QWidget, body: QWidget) -> QWidget:
    """A heading (or a verdict) above a widget that takes the remaining height."""
    column = QWidget()
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(top)
    layout.addWidget(body, 1)
    return column


class CaseDetail(QWidget):
    """The chosen case with 通过 / 退回 / 不予通过; ``decided`` after a step was recorded."""

    decided = Signal(object)  # the StepResult
    open_household = Signal(str)

    def __init__(self, store: Store, session: SigningSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.store, self.session = store, session
        self.view: CaseView | None = None
        self.dialog: StepDialog | None = None
        self.heading = QLabel("在左侧选择一个案件")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.approve_button = QPushButton("通过(&T)…")
        self.return_button = QPushButton("退回(&R)…")
        self.reject_button = QPushButton("不予通过…")
        self.open_button = QPushButton("打开本户")
        for button, decision in (
            (self.approve_button, APPROVE),
            (self.return_button, RETURN),
            (self.reject_button, REJECT),
        ):
            button.clicked.connect(lambda _checked=False, d=decision: self.decide(d))
        self.open_button.clicked.connect(
            lambda _checked=False: (
                self.view and self.open_household.emit(self.view.case.household_id)
            )
        )
        self.approve_button.setStyleSheet("font-weight: bold;")
        self.approve_button.setToolTip("通过当前这一步（Ctrl+Enter）")
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=lambda: self.decide(APPROVE))
        actions = QHBoxLayout()
        for button in (self.approve_button, self.return_button, self.reject_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.open_button)
        self.history = QTextBrowser()
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.assessment = AssessmentPanel(store, "")
        self.evidence = EvidencePanel(store)
        self.assessment.reasons.setMaximumHeight(110)
        left = stacked(QLabel("<b>户情与证明材料</b>"), self.evidence)
        record = stacked(QLabel("<b>办理记录</b>"), self.history)
        rules = stacked(self.verdict, self.assessment)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(record)
        right.addWidget(rules)
        right.setSizes([260, 340])
        body = QSplitter()
        body.addWidget(left)
        body.addWidget(right)
        body.setSizes([360, 540])
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(actions)
        layout.addWidget(body, 1)
        self.show_case(None)

    def show_case(self, case_id: str | None) -> None:
        """Read the case afresh (signatures checked, the rules run today); None: nothing chosen."""
        self.view = case_view(self.store, case_id) if case_id else None
        view = self.view
        can_decide = view is not None and view.state.next_step is not None
        for button in (self.approve_button, self.return_button, self.reject_button):
            button.setEnabled(can_decide and not self.store.readonly)
        self.open_button.setEnabled(view is not None)
        for widget in (self.history, self.evidence, self.verdict, self.assessment):
            widget.setVisible(view is not None)
        if view is None:
            self.heading.setText("在左侧选择一个案件")
            return
        h = view.household
        name = html.escape(str(h.get("name") or "（未填姓名）"))
        self.heading.setText(
            f"<span style='font-size:14pt'><b>{name}</b></span>"
            f"　档案编号 {html.escape(str(h.get('archive_no') or '—'))}"
            f"　档案状态 {html.escape(str(h.get('status') or ''))}"
            f"<br>{html.escape(view_progress(view))}"
        )
        self.history.setHtml(history_html(view))
        self.evidence.show_household(view.case.household_id)
        check = view.assessment
        self.verdict.setVisible(check is not None)
        self.assessment.setVisible(view.state.procedure.assessment)
        if check is not None:
            self.verdict.setText(f"<b>系统核对</b>：{html.escape(check.summary)}")
            self.verdict.setStyleSheet(MET_STYLE if check.met else NOT_MET_STYLE)
        if view.state.procedure.assessment:
            self.assessment.household_id = view.case.household_id
            self.assessment.refresh()

    def decide(self, decision: str) -> StepDialog | None:
        """The decision dialog for the step due (window-modal; the view follows when it is done)."""
        if self.view is None or not self.approve_button.isEnabled():  # nothing due, or read-only
            return None
        self.dialog = StepDialog(
            self.store, self.session, view=self.view, decision=decision, parent=self
        )
        self.dialog.accepted.connect(lambda d=self.dialog: self.decided.emit(d.result_))
        self.dialog.open()
        return self.dialog
