"""签发登记文件 (headquarters): a new staff member's or laptop's enrollment file (``*.hhqe``),
issued by this office's root certificate, protected by the staff member's own passphrase.

The work is the core's ``enroll_staff`` (the same as ``fieldapp hq enroll``). The file carries
encrypted private keys: it is written only where the clerk chooses, readable by the owner only,
and the passphrase is to be told to the person face to face.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.store import Store
from fieldapp.core.trust.certificates import ROLE_NAMES, ROLES
from fieldapp.ui import file_dialogs
from fieldapp.ui.office.workspace import say

MIN_PASSPHRASE = 8


def _password() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class IssueEnrollmentDialog(QDialog):
    def __init__(self, store: Store, author: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.author = store, author
        self.setWindowTitle("签发登记文件")
        self.name = QLineEdit()
        self.unit = QLineEdit()
        self.unit.setPlaceholderText("如 五华区总工会")
        self.role = QComboBox()
        for role in ROLES:
            self.role.addItem(ROLE_NAMES[role], role)
        self.staff_pass = _password()
        self.staff_again = _password()
        self.hq_pass = _password()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.issue_button = QPushButton("签发并保存…")
        self.issue_button.setDefault(True)
        self.issue_button.clicked.connect(lambda _checked=False: self.issue())
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow("姓名＊", self.name)
        form.addRow("单位＊", self.unit)
        form.addRow("身份", self.role)
        form.addRow("本人口令＊", self.staff_pass)
        form.addRow("再输一遍", self.staff_again)
        form.addRow("总部口令＊", self.hq_pass)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.issue_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "为帮扶干部或工作人员签发登记文件。文件交本人，本人口令请当面告知；"
                "本人在笔记本上用“数据包 → 设备登记”导入。"
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(520, 340)
        self.issued: Path | None = None

    def _refuse(self, text: str) -> bool:
        return say(self.message, text, ok=False)

    def issue(self, target: str | None = None) -> bool:
        staff, hq = self.staff_pass.text(), self.hq_pass.text()
        if not self.name.text().strip() or not self.unit.text().strip():
            return self._refuse("请填写姓名和单位")
        if len(staff) < MIN_PASSPHRASE:
            return self._refuse(f"本人口令至少 {MIN_PASSPHRASE} 个字符")
        if staff != self.staff_again.text():
            return self._refuse("两次输入的本人口令不一致")
        if staff == hq:
            return self._refuse("本人口令不能与总部口令相同")
        if target is None:
            target = file_dialogs.save_file_name(
                self, "保存登记文件", f"{self.name.text().strip()}.hhqe", "登记文件 (*.hhqe)"
            )
        if not target:
            return False
        from fieldapp.core.trust.identity import enroll_staff

        try:
            data, info = enroll_staff(
                self.store,
                hq.encode("utf-8"),
                staff.encode("utf-8"),
                name=self.name.text(),
                unit=self.unit.text(),
                role=self.role.currentData(),
                author=self.author,
            )
            path = Path(target)
            path.unlink(missing_ok=True)  # the file dialog already asked before replacing it
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        except StoreError as exc:
            return self._refuse(str(exc))
        except OSError as exc:
            return self._refuse(f"无法保存到 {target}：{exc.strerror or exc}")
        for edit in (self.staff_pass, self.staff_again, self.hq_pass):
            edit.clear()
        self.issued = Path(target)
        return say(
            self.message,
            f"已签发：{info.label()}，登记文件 {target}。请把文件交本人，口令当面告知。",
            ok=True,
        )
