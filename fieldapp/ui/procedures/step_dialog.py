"""One decision on a case (通过 / 退回 / 不予通过), or opening an exit case with its 入户核查.

Why: approving must take two clicks — 通过 in the 待办 view, 确定 here — so the opinion starts
from a sensible default and the date is today. What the step itself needs is asked here: a
公示's dates and whether objections came in (and how they were handled); for an exit, the
脱困/解困 rules as they stand on the decision day, and when they are not met, the reason for
approving all the same. The core (``fieldapp.core.procedures``) checks everything and refuses
in Chinese; the refusal stays in this dialog in red, and nothing is written.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QWidget,
)

from fieldapp.core.procedures import (
    APPROVE,
    EXIT,
    REJECT,
    RETURN,
    CaseView,
    Publicity,
    StepResult,
    default_procedures,
    open_case,
    take_step,
)
from fieldapp.core.procedures.definitions import StepSpec
from fieldapp.core.rules.status_change import StatusCheck, check_status_change
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.store import Store
from fieldapp.core.trust.certificates import SigningIdentity
from fieldapp.ui.procedures.session import SigningSession

DECISIONS = ((APPROVE, "通过"), (RETURN, "退回"), (REJECT, "不予通过"))
MET_STYLE, NOT_MET_STYLE = "color: #1b7f3b;", "color: #c01c28;"


def default_opinion(decision: str, publicity: bool, objections: bool) -> str:
    """The opinion a decision starts from (the person may change it)."""
    if decision == RETURN:
        return "材料不全或情况需进一步核实，退回补充。"
    if decision == REJECT:
        return "经核实不符合条件，不予通过。"
    if publicity:
        return "公示期间有异议，已核实处理，同意。" if objections else "公示期满，无异议，同意。"
    return "情况属实，同意。"


def _day(edit: QDateEdit) -> date:
    return date.fromisoformat(edit.date().toString("yyyy-MM-dd"))


def _date_edit(day: date) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


class StepDialog(QDialog):
    """Decide the step due on ``view``'s case; or, with ``household_id``, open an exit case."""

    def __init__(
        self,
        store: Store,
        session: SigningSession,
        *,
        view: CaseView | None = None,
        household_id: str | None = None,
        decision: str = APPROVE,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.session, self.view = store, session, view
        self.result_: StepResult | None = None
        procedures = default_procedures()
        self.procedure = view.state.procedure if view else procedures.get(EXIT)
        self.household_id = view.case.household_id if view else str(household_id)
        spec = view.state.next_step if view else self.procedure.steps[0]
        assert spec is not None, "a case with no step due has nothing to decide"
        self.spec: StepSpec = spec
        role = session.role or ""
        self.takes_step = view is not None or role in spec.roles
        """Opening: whether this person also records the first step (an office only opens)."""
        household = store.household(self.household_id)
        name = household.get("name") or "（未填姓名）"
        n, total = self.procedure.steps.index(spec) + 1, len(self.procedure.steps)
        self.setWindowTitle(f"{self.procedure.title} · {spec.name}" if view else "发起退出")
        self.target = QComboBox()
        self.target.addItems(list(self.procedure.targets))
        if view:
            self.target.setCurrentText(view.case.target)
        self.target.setEnabled(view is None)
        self.decided_on = _date_edit(date.today())
        self.decision = QButtonGroup(self)
        decisions = QHBoxLayout()
        for key, label in DECISIONS:
            button = QRadioButton(label)
            button.setObjectName(key)
            button.setChecked(key == decision)
            button.setEnabled(view is not None and (key != RETURN or spec.return_to is not None))
            self.decision.addButton(button)
            decisions.addWidget(button)
        decisions.addStretch(1)
        self.opinion = QPlainTextEdit()
        self.opinion.setFixedHeight(70)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.reasons = QLabel()
        self.reasons.setWordWrap(True)
        self.reasons.setStyleSheet("color: #555;")
        self.override = QPlainTextEdit()
        self.override.setFixedHeight(56)
        self.override.setPlaceholderText(
            "写明不符合系统核对的条件仍同意的理由和依据的材料（随办理记录永久保存）"
        )
        self.override_label = QLabel("仍同意的理由＊")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(NOT_MET_STYLE)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("确定")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)

        form = QFormLayout(self)
        form.addRow("户", QLabel(f"<b>{name}</b>　档案编号 {household.get('archive_no') or '—'}"))
        form.addRow(
            "办理程序", QLabel(f"{self.procedure.title}　第 {n} 步/共 {total} 步：{spec.name}")
        )
        if self.procedure.key == EXIT:
            form.addRow("退出为", self.target)
        if not self.takes_step:
            form.addRow(QLabel(f"开立后等待{procedures.role_names(spec.roles)}办理“{spec.name}”。"))
        else:
            form.addRow("办理决定", decisions)
            form.addRow("办理日期", self.decided_on)
        self.publicity = self._publicity_rows(form) if spec.is_publicity else None
        if self.takes_step:
            form.addRow("办理意见＊" if spec.opinion_required else "办理意见", self.opinion)
        if self.procedure.assessment:
            form.addRow("系统核对", self.verdict)
            form.addRow("", self.reasons)
            form.addRow(self.override_label, self.override)
        form.addRow(self.message)
        form.addRow(buttons)
        self._opinion_default = ""
        self.needs_reason = False
        self.decision.buttonToggled.connect(lambda *_: self._update())
        self.target.currentTextChanged.connect(lambda _: self._update())
        self.decided_on.dateChanged.connect(lambda _: self._update())
        self.resize(640, 0)
        self._update()
        self.opinion.setFocus()

    def _publicity_rows(self, form: QFormLayout) -> dict[str, QWidget]:
        """公示 start and end (from the step before, the minimum length), objections, handling."""
        assert self.view is not None
        head = self.view.state.head
        start = date.fromisoformat(head.decided_on if head else self.view.case.opened_on)
        end = start + timedelta(days=(self.spec.publicity_days or 1) - 1)
        rows: dict[str, QWidget] = {"start": _date_edit(start), "end": _date_edit(end)}
        group = QButtonGroup(self)
        choice = QHBoxLayout()
        for key, label in (("no", "无异议"), ("yes", "有异议")):
            button = QRadioButton(label)
            button.setObjectName(key)
            group.addButton(button)
            choice.addWidget(button)
            rows[key] = button
        choice.addStretch(1)
        group.buttonToggled.connect(lambda *_: self._update())
        note = QPlainTextEdit()
        note.setFixedHeight(56)
        note.setPlaceholderText("异议的内容、核实和处理情况")
        rows["note"], rows["note_label"] = note, QLabel("异议处理情况＊")
        form.addRow(f"公示开始（至少 {self.spec.publicity_days} 天）", rows["start"])
        form.addRow("公示结束", rows["end"])
        form.addRow("公示期间", choice)
        form.addRow(rows["note_label"], note)
        return rows

    def chosen(self) -> str:
        button = self.decision.checkedButton()
        return button.objectName() if button else APPROVE

    def objections(self) -> bool | None:
        """有异议 True, 无异议 False, not chosen yet None."""
        if self.publicity is None:
            return None
        for key, value in (("yes", True), ("no", False)):
            button = self.publicity[key]
            if isinstance(button, QRadioButton) and button.isChecked():
                return value
        return None

    def _update(self) -> None:
        """Follow the choices: the default opinion, the rules on the decision day, the fields."""
        decision, objections = self.chosen(), self.objections()
        default = default_opinion(decision, self.publicity is not None, bool(objections))
        if self.opinion.toPlainText() == self._opinion_default:  # not edited: follow
            self.opinion.setPlainText(default)
            self.opinion.selectAll()
        self._opinion_default = default
        if self.publicity is not None:
            self.publicity["note"].setVisible(bool(objections))
            self.publicity["note_label"].setVisible(bool(objections))
        check = self.check()
        if check is not None:
            self.verdict.setText(check.summary)
            self.verdict.setStyleSheet(MET_STYLE if check.met else NOT_MET_STYLE)
            self.reasons.setText("\n".join(check.reasons))
        self.needs_reason = (
            check is not None and not check.met and decision == APPROVE and self.takes_step
        )
        self.override.setVisible(self.needs_reason)
        self.override_label.setVisible(self.needs_reason)
        self.message.setText("")

    def check(self) -> StatusCheck | None:
        """What the 脱困/解困 rules say about the target on the decision day (exits)."""
        if not self.procedure.assessment:
            return None
        return check_status_change(
            self.store, self.household_id, self.target.currentText(), _day(self.decided_on)
        )

    def _publicity(self) -> Publicity | None:
        if self.publicity is None:
            return None
        objections = self.objections()
        if objections is None:
            return None
        note = self.publicity["note"]
        assert isinstance(note, QPlainTextEdit)
        start, end = self.publicity["start"], self.publicity["end"]
        assert isinstance(start, QDateEdit) and isinstance(end, QDateEdit)
        return Publicity(_day(start), _day(end), objections, note.toPlainText())

    def submit(self) -> StepResult | None:
        """Sign and record the decision; a refusal is shown here and nothing is written."""
        if self.publicity is not None and self.objections() is None and self.chosen() == APPROVE:
            self.message.setText("请选择公示期间有无异议")
            return None
        signer = self.session.unlock(self)
        if signer is None:
            return None
        try:
            with self.store.db.atomic():  # opening and its first step: both or neither
                case_id = self.view.case.id if self.view else self._open(signer)
                if self.takes_step:
                    self.result_ = take_step(
                        self.store,
                        case_id,
                        signer=signer,
                        decision=self.chosen(),
                        opinion=self.opinion.toPlainText(),
                        step=self.spec.name,
                        decided_on=_day(self.decided_on),
                        publicity=self._publicity(),
                        override_reason=self.override.toPlainText() if self.needs_reason else None,
                    )
        except StoreError as exc:
            self.message.setText(str(exc))
            return None
        self.accept()
        return self.result_

    def _open(self, signer: SigningIdentity) -> str:
        case = open_case(
            self.store,
            self.household_id,
            EXIT,
            signer=signer,
            target=self.target.currentText(),
            opened_on=_day(self.decided_on),
        )
        return case.id
