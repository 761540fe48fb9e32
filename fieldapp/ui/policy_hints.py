"""应享未享 panel of the editor: policies the household appears to qualify for but has not received.

Why: seed 000 asks that filed households 应享尽享 every policy of the province's catalog; the
panel lists each one with who it concerns, the amount and why it applies, and one click adds it
to Form C (applied for, 是否落实 = 否) or to Form E as a need with the measure 协助申请. A household
whose province has no catalog is told so. The hints come from ``rules.policies`` (as the CLI's
``fieldapp policies hints``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.rules.policies import PolicyHint, policy_hints, record_hint
from fieldapp.core.store.errors import StoreError, ValidationFailed
from fieldapp.core.store.store import Store
from fieldapp.core.values.money import format_yuan
from fieldapp.ui.dialogs import show_error


class HintCard(QFrame):
    """One hint: the policy, the person, the amount, why; buttons to add it to C or E."""

    def __init__(self, hint: PolicyHint) -> None:
        super().__init__()
        self.hint = hint
        self.setFrameShape(QFrame.Shape.StyledPanel)
        amount = (
            f"{format_yuan(hint.amount_fen)} 元"
            if hint.amount_fen is not None
            else hint.amount_text
        )
        who = f"{hint.person}：" if hint.person else ""
        pending = (
            "<br><span style='color:#9c6500'>已登记申请，尚未落实</span>" if hint.pending else ""
        )
        title = QLabel(f"<b>{who}{hint.policy_name}</b>（{hint.department}）{pending}")
        title.setWordWrap(True)
        why = "" if hint.reason == hint.amount_text else hint.reason.replace(hint.amount_text, "")
        why = why.strip("；")
        detail = QLabel(amount + (f"<br><span style='color:#555'>{why}</span>" if why else ""))
        detail.setWordWrap(True)
        self.to_c = QPushButton("加入表C（已申请）")
        self.to_c.setToolTip("在已享受帮扶政策资金记录表中登记一行，是否落实为“否”，到位后改为“是”")
        self.to_c.setEnabled(not hint.pending)
        self.to_e = QPushButton("加入表E（问题）")
        self.to_e.setToolTip("在问题清单中登记为需求，帮扶措施为协助申请，落实情况为待办")
        buttons = QHBoxLayout()
        buttons.addWidget(self.to_c)
        buttons.addWidget(self.to_e)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(title)
        layout.addWidget(detail)
        layout.addLayout(buttons)


class PolicyHintsPanel(QWidget):
    """The 应享未享 list; ``added(form_id)`` after a row was saved to Form C or E."""

    added = Signal(str)

    def __init__(
        self,
        store: Store,
        household_id: str,
        author: str,
        before_change: Callable[[], None] = lambda: None,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.household_id, self.author = store, household_id, author
        self.before_change = before_change
        self.today = today
        self.cards: list[HintCard] = []
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.body = QWidget()
        self.rows = QVBoxLayout(self.body)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(scroll, 1)

    def refresh(self) -> None:
        day = self.today or date.today()
        report = policy_hints(
            self.store.current(self.household_id),
            self.store.engine(day),
            on=day,
            regions=self.store.regions,
        )
        for card in self.cards:
            self.rows.removeWidget(card)
            card.deleteLater()
        self.cards = []
        if report.hints:
            source = report.catalog.name if report.catalog is not None else ""
            self.summary.setText(f"按{source}帮扶政策目录，{len(report.hints)} 项可能应享未享：")
        else:
            self.summary.setText(report.message)
        for hint in report.hints:
            card = HintCard(hint)
            card.to_c.clicked.connect(lambda _=False, h=hint: self.add(h, "C"))
            card.to_e.clicked.connect(lambda _=False, h=hint: self.add(h, "E"))
            self.rows.insertWidget(self.rows.count() - 1, card)
            self.cards.append(card)

    def add(self, hint: PolicyHint, form_id: str) -> None:
        """Save the hint's row to Form C or E (kept final if the form was; else a draft)."""
        self.before_change()
        day = self.today or date.today()
        try:
            try:
                record_hint(
                    self.store, self.household_id, hint, form_id, author=self.author, on=day
                )
            except ValidationFailed:
                record_hint(
                    self.store,
                    self.household_id,
                    hint,
                    form_id,
                    author=self.author,
                    on=day,
                    final=False,
                )
        except StoreError as exc:
            show_error(self, "未能添加", str(exc))
            return
        self.added.emit(form_id)
        self.refresh()
