"""忘记口令: the two steps of a recovery on the laptop, and the office's grant at headquarters.

On the laptop (from the unlock dialog): 1. save a recovery request file and take it, with an
identity card, to the union office; 2. choose the reset file the office gives back and set a new
passphrase. At headquarters (安全 menu): choose a request, check who it names, unlock the office's
key with the office passphrase and save the reset file. The work is the core's
(``fieldapp.core.trust.recovery``); this module asks, and says what happened, in Chinese.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.store.encryption import DatabaseKey
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.store import Store
from fieldapp.ui import file_dialogs
from fieldapp.ui.private_temp import write_private

REQUEST_FILTER = "恢复申请文件 (*.hhqr);;所有文件 (*)"
RESET_FILTER = "口令重置文件 (*.hhqk);;所有文件 (*)"


class RecoveryDialog(QDialog):
    """On the laptop; accepted with ``key`` once a reset file has set a new passphrase."""

    def __init__(self, db_path: Path, *, can_request: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self.key: DatabaseKey | None = None
        self.setWindowTitle("户户清 — 忘记口令")
        self.message = QLabel()
        self.message.setWordWrap(True)

        step1 = QGroupBox("第一步：申请")
        text = (
            "生成恢复申请文件，由本人携带身份证和此文件到上级工会办公室。办公室核实身份后，"
            "会给您一个口令重置文件。"
            if can_request
            else "本机数据库还没有登记到上级工会（或登记早于本功能），没有恢复副本，无法找回口令。"
            "请回忆口令，或联系上级工会。"
        )
        explain = QLabel(text)
        explain.setWordWrap(True)
        self.request_button = QPushButton("生成恢复申请文件…")
        self.request_button.setEnabled(can_request)
        self.request_button.clicked.connect(self.make_request)
        box1 = QVBoxLayout(step1)
        box1.addWidget(explain)
        box1.addWidget(self.request_button)

        step2 = QGroupBox("第二步：用口令重置文件设置新口令")
        self.reset_file = QLineEdit()
        self.reset_file.setPlaceholderText("办公室给您的口令重置文件")
        browse = QPushButton("选择…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.reset_file, 1)
        row.addWidget(browse)
        self.new = QLineEdit()
        self.new.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.apply_button = QPushButton("重置口令")
        self.apply_button.clicked.connect(self.apply)
        form = QFormLayout(step2)
        form.addRow("重置文件", row)
        form.addRow("新口令", self.new)
        form.addRow("再输入一次", self.again)
        form.addRow("", self.apply_button)
        step2.setEnabled(can_request)

        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(step1)
        layout.addWidget(step2)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.setMinimumWidth(560)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)

    def make_request(self, target: str | None = None) -> None:
        from fieldapp.core.trust.recovery import make_request

        name = target or file_dialogs.save_file_name(
            self, "保存恢复申请文件", "恢复申请.hhqr", REQUEST_FILTER
        )
        if not name:
            return
        try:
            write_private(Path(name), make_request(self.db_path))
        except (StoreError, OSError) as exc:
            self.message.setText(f"未能生成申请文件：{exc}")
            return
        self.message.setText(
            f"已生成 {name}。请本人携带身份证和此文件到上级工会办公室；再次申请会使此文件作废。"
        )

    def _browse(self) -> None:
        name = file_dialogs.open_file_name(self, "选择口令重置文件", "", RESET_FILTER)
        if name:
            self.reset_file.setText(name)

    def apply(self) -> None:
        from fieldapp.core.trust.recovery import apply_reset

        if self.new.text() != self.again.text():
            self.message.setText("两次输入的新口令不一致")
            return
        try:
            data = Path(self.reset_file.text().strip()).read_bytes()
            self.key = apply_reset(self.db_path, data, self.new.text().encode("utf-8"))
        except (StoreError, OSError) as exc:
            self.message.setText(f"未能重置口令：{exc}")
            return
        finally:
            self.new.clear()
            self.again.clear()
        QMessageBox.information(
            self, "口令已重置", "口令已重置，此后用新口令打开户户清。重置文件已失效，可以删除。"
        )
        self.accept()


def grant_recovery_gui(
    parent: QWidget,
    store: Store,
    author: str,
    *,
    request: str | None = None,
    passphrase: bytes | None = None,
    target: str | None = None,
) -> Path | None:
    """Headquarters: answer a cadre's recovery request after checking them in person."""
    from fieldapp.core.trust.identity import ROLE_NAMES
    from fieldapp.core.trust.recovery import describe_request, grant
    from fieldapp.ui.sync_actions import ask_passphrase

    name = request or file_dialogs.open_file_name(parent, "选择恢复申请文件", "", REQUEST_FILTER)
    if not name:
        return None
    try:
        data = Path(name).read_bytes()
        who = describe_request(store, data)
    except (StoreError, OSError) as exc:
        QMessageBox.warning(parent, "无法处理恢复申请", str(exc))
        return None
    revoked = f"\n注意：该设备已于 {who['revoked_at'][:10]} 吊销。" if who["revoked_at"] else ""
    question = (
        f"恢复申请人：{who['name']}（{who['unit']}，{ROLE_NAMES.get(who['role'], who['role'])}）\n"
        f"设备 ID：{who['device_id']}\n申请时间：{who['request']['created_at'][:16]}{revoked}\n\n"
        "请先核对本人身份证件。确认后需要输入总部口令，生成的口令重置文件只能在申请的电脑上使用一次。"
    )
    if passphrase is None:
        confirm = QMessageBox.question(parent, "核对申请人", question)
        if confirm != QMessageBox.StandardButton.Yes:
            return None
        passphrase = ask_passphrase(parent)
        if passphrase is None:
            return None
    try:
        reset, _ = grant(store, data, passphrase, author=author)
    except StoreError as exc:
        QMessageBox.warning(parent, "未能生成重置文件", str(exc))
        return None
    out = target or file_dialogs.save_file_name(
        parent, "保存口令重置文件", f"口令重置-{who['name']}.hhqk", RESET_FILTER
    )
    if not out:
        return None
    write_private(Path(out), reset)
    if target is None:
        QMessageBox.information(
            parent, "已生成", f"已为 {who['name']} 生成口令重置文件：\n{out}\n已记入审计日志。"
        )
    return Path(out)
