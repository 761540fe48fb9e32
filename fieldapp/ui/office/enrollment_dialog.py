"""设备登记: take in the enrollment file headquarters issued (``*.hhqe``), at first run or at any
time later (a new file after a certificate was renewed or the laptop changed hands).

The work is the core's ``take_enrollment`` (the same as ``fieldapp enroll``); the first-run
wizard's enrollment page calls ``enroll_from_file`` too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
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
from fieldapp.ui import file_dialogs
from fieldapp.ui.office.workspace import say

ENROLL_FILTER = "登记文件 (*.hhqe);;所有文件 (*)"


def enroll_from_file(
    store: Store, path: str, passphrase: str, author: str, own_passphrase: str = ""
) -> Any:
    """Take in an enrollment file; StoreError (Chinese) when it cannot be read or is refused.

    ``passphrase`` opens the file's keys (what headquarters told the cadre); ``own_passphrase``
    is the one that unlocks this database (empty: the same), which seals the keys from now on."""
    from fieldapp.core.trust.identity import enrollment_bytes, take_enrollment

    if not path:
        raise StoreError("请选择登记文件")
    data = enrollment_bytes(Path(path))  # bounded read; StoreError with a Chinese message
    if not passphrase:
        raise StoreError("请输入口令")
    code = passphrase.encode("utf-8")
    own = own_passphrase.encode("utf-8") or code
    return take_enrollment(store, data, own, author=author, enrollment_passphrase=code)


def identity_text(store: Store) -> str:
    """Who this database is, in a sentence."""
    from fieldapp.core.trust import identity

    mode = identity.identity_mode(store)
    if mode is None:
        return "本机尚未登记。"
    try:
        info = identity.staff_info(identity.own_certificate(store))
    except StoreError:
        return "本机登记信息不完整，请重新登记。"
    where = "总部" if mode == identity.MODE_HQ else "笔记本"
    unit = store.meta("hq_unit") or ""
    upper = f"，上级：{unit}" if unit and mode == identity.MODE_LAPTOP else ""
    return f"本机已登记（{where}）：{info.label()}{upper}"


class EnrollmentDialog(QDialog):
    def __init__(self, store: Store, author: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.author = store, author
        self.setWindowTitle("设备登记")
        self.status = QLabel(identity_text(store))
        self.status.setWordWrap(True)
        self.file = QLineEdit()
        self.file.setPlaceholderText("上级工会签发的登记文件（.hhqe）")
        browse = QPushButton("选择文件…")
        browse.clicked.connect(lambda _checked=False: self.choose_file())
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.own_passphrase = QLineEdit()
        self.own_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.own_passphrase.setPlaceholderText("打开户户清时输入的口令；与登记口令相同可不填")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.enroll_button = QPushButton("登记")
        self.enroll_button.setDefault(True)
        self.enroll_button.clicked.connect(lambda _checked=False: self.enroll())
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.file, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("登记文件", row)
        form.addRow("登记文件口令", self.passphrase)
        form.addRow("本人口令", self.own_passphrase)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.enroll_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(
            QLabel("登记后，本机导出的数据包由本人签名、只有上级能解开；换发新证书时可重新登记。")
        )
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(560, 260)

    def choose_file(self) -> None:
        name = file_dialogs.open_file_name(self, "选择登记文件", "", ENROLL_FILTER)
        if name:
            self.file.setText(name)

    def enroll(self) -> bool:
        try:
            info = enroll_from_file(
                self.store,
                self.file.text().strip(),
                self.passphrase.text(),
                self.author,
                self.own_passphrase.text(),
            )
        except StoreError as exc:
            return say(self.message, str(exc), ok=False)
        self.passphrase.clear()
        self.own_passphrase.clear()
        self.status.setText(identity_text(self.store))
        return say(self.message, f"登记成功：{info.label()}", ok=True)
