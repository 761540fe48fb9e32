"""变更档案状态: pick the new status, see what the 脱困/解困 rules say, give the reasons.

Why: a household set to 已脱困 or 已解困 must meet the rules (seed 000: 精准退出, 严格退出的标准和程序;
seed 002: the 脱困 and 解困 standards), so the dialog runs them as soon as the status is picked and
shows the result with its reasons. When they are not met the change needs an explicit override
reason, and is kept marked as 人工认定 (``rules.status_change``); nothing is saved on cancel.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QWidget,
)

from fieldapp.core.rules.status_change import StatusCheck, change_status, check_status_change
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.records import STATUSES
from fieldapp.core.store.store import Store

MET_STYLE = "color: #1b7f3b;"
NOT_MET_STYLE = "color: #c01c28;"


class StatusDialog(QDialog):
    """Choose the new 档案状态; the rules' verdict is shown and an override needs a reason."""

    def __init__(
        self,
        store: Store,
        household_id: str,
        author: str,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.household_id, self.author = store, household_id, author
        self.today = today or date.today()
        self.check: StatusCheck | None = None
        current = str(store.household(household_id)["status"])
        self.setWindowTitle("变更档案状态")
        self.status = QComboBox()
        self.status.addItems([s for s in STATUSES if s != current])
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.reasons = QPlainTextEdit()
        self.reasons.setReadOnly(True)
        self.reasons.setFixedHeight(110)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(
            "如：连续 6 个月家庭人均收入超过当地低保标准，致困因素已消除（须写明依据）"
        )
        self.reason.setFixedHeight(64)
        self.override = QPlainTextEdit()
        self.override.setPlaceholderText("不符合系统核对的条件仍要变更时，写明理由和依据的材料")
        self.override.setFixedHeight(64)
        self.override_label = QLabel("人工认定理由＊")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(NOT_MET_STYLE)
        form = QFormLayout(self)
        form.addRow("当前状态", QLabel(current))
        form.addRow("变更为", self.status)
        form.addRow("系统核对", self.verdict)
        form.addRow("核对依据", self.reasons)
        form.addRow("变更原因＊", self.reason)
        form.addRow(self.override_label, self.override)
        form.addRow(self.message)
        form.addRow(buttons)
        self.status.currentTextChanged.connect(self._run_rules)
        self.resize(640, 420)
        self._run_rules()

    def _run_rules(self) -> None:
        check = check_status_change(
            self.store, self.household_id, self.status.currentText(), self.today
        )
        self.check = check
        self.verdict.setText(check.summary)
        self.verdict.setStyleSheet(MET_STYLE if check.met else NOT_MET_STYLE)
        self.reasons.setPlainText("\n".join(check.reasons) or "—")
        self.reasons.setVisible(check.outcome is not None)
        needs_override = not check.met
        self.override.setVisible(needs_override)
        self.override_label.setVisible(needs_override)
        self.message.setText("")

    def _accept(self) -> None:
        if not self.reason.toPlainText().strip():
            self.message.setText("请填写变更原因")
            return
        override = self.override.toPlainText().strip()
        if self.check is not None and not self.check.met and not override:
            self.message.setText("系统核对不符合条件：如确需变更，请填写人工认定理由")
            return
        try:
            self.check = change_status(
                self.store,
                self.household_id,
                self.status.currentText(),
                reason=self.reason.toPlainText(),
                author=self.author,
                override_reason=override or None,
                on=self.today,
            )
        except StoreError as exc:
            self.message.setText(str(exc))
            return
        self.accept()

    def choice(self) -> tuple[str, str]:
        return self.status.currentText(), self.reason.toPlainText().strip()
