"""First run: who is using this laptop (name, unit, region, phone), kept in the store's meta table.

The name is what the audit log and revisions record as author. Enrolling the laptop with
headquarters (the file it issues) is offered here too, once the identity module is present.
"""

from __future__ import annotations

import re

from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWizard,
    QWizardPage,
)

from fieldapp.core.forms.model import Field
from fieldapp.core.store.store import Store
from fieldapp.ui import file_dialogs
from fieldapp.ui.field_widgets import RegionWidget
from fieldapp.ui.office.enrollment_dialog import ENROLL_FILTER, enroll_from_file

PROFILE_KEYS = ("profile.name", "profile.unit", "profile.region", "profile.phone")
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def needs_first_run(store: Store) -> bool:
    return not store.meta("profile.name")


class ProfilePage(QWizardPage):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.setTitle("欢迎使用户户清")
        self.setSubTitle("请填写使用本机的帮扶干部信息。姓名将记入每一次保存和审计日志。")
        self.name = QLineEdit()
        self.unit = QLineEdit()
        self.unit.setPlaceholderText("如 昆明市五华区总工会")
        self.phone = QLineEdit()
        self.region = RegionWidget(
            Field(name="region", label="地区", type="region", level="county"), store.regions
        )
        self.message = QLabel()
        self.message.setStyleSheet("color: #c01c28;")
        form = QFormLayout(self)
        form.addRow("姓名＊", self.name)
        form.addRow("所在工会＊", self.unit)
        form.addRow("负责地区", self.region)
        form.addRow("手机号码", self.phone)
        form.addRow(self.message)

    def validatePage(self) -> bool:  # noqa: N802
        problems = []
        if not self.name.text().strip():
            problems.append("请填写姓名")
        if not self.unit.text().strip():
            problems.append("请填写所在工会")
        phone = self.phone.text().strip()
        if phone and not MOBILE.match(phone):
            problems.append("手机号码应为 11 位")
        self.message.setText("；".join(problems))
        return not problems


class EnrollPage(QWizardPage):
    """Optional: take in the enrollment file headquarters issued for this laptop."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.setTitle("设备登记（可选）")
        self.setSubTitle(
            "如已收到上级工会签发的登记文件（.hhqe），请选择该文件，输入上级工会告知的登记口令"
            "和您打开户户清的口令（此后私钥由您的口令保护）；"
            "也可以以后再登记（菜单“数据包 → 设备登记”）。"
        )
        self.file = QLineEdit()
        self.file.setPlaceholderText("登记文件路径")
        browse = QPushButton("选择文件…")
        browse.clicked.connect(self._browse)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.own_passphrase = QLineEdit()
        self.own_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.own_passphrase.setPlaceholderText("打开户户清时输入的口令；与登记口令相同可不填")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c01c28;")
        row = QHBoxLayout()
        row.addWidget(self.file, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("登记文件", row)
        form.addRow("登记文件口令", self.passphrase)
        form.addRow("本人口令", self.own_passphrase)
        form.addRow(self.message)
        self.enrolled_as = ""

    def _browse(self) -> None:
        name = file_dialogs.open_file_name(self, "选择登记文件", "", ENROLL_FILTER)
        if name:
            self.file.setText(name)

    def validatePage(self) -> bool:  # noqa: N802
        path = self.file.text().strip()
        if not path:
            return True  # enrol later
        from fieldapp.core.store.errors import StoreError

        if not self.passphrase.text():
            self.message.setText("请输入口令")
            return False
        author = self.field_name()
        try:
            info = enroll_from_file(
                self.store, path, self.passphrase.text(), author, self.own_passphrase.text()
            )
        except StoreError as exc:
            self.message.setText(str(exc))
            return False
        self.enrolled_as = getattr(info, "name", "") or author
        return True

    def field_name(self) -> str:
        wizard = self.wizard()
        if isinstance(wizard, FirstRunWizard):
            return wizard.profile.name.text().strip() or "未登记"
        return "未登记"


class FirstRunWizard(QWizard):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.setWindowTitle("户户清 — 首次使用")
        self.profile = ProfilePage(store)
        self.addPage(self.profile)
        self.enroll = EnrollPage(store)
        self.addPage(self.enroll)
        self.setButtonText(QWizard.WizardButton.FinishButton, "完成")
        self.setButtonText(QWizard.WizardButton.CancelButton, "取消")
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步")
        self.setButtonText(QWizard.WizardButton.BackButton, "上一步")

    def accept(self) -> None:
        page = self.profile
        values = (
            page.name.text().strip(),
            page.unit.text().strip(),
            page.region.value() or "",
            page.phone.text().strip(),
        )
        try:
            with self.store.db.atomic():
                for key, value in zip(PROFILE_KEYS, values, strict=True):
                    self.store.set_meta(key, value)
                self.store.audit(
                    values[0], "first_run_profile", detail={"unit": values[1], "region": values[2]}
                )
        except Exception as exc:  # noqa: BLE001 - shown in Chinese, nothing half-saved
            QMessageBox.warning(self, "保存失败", str(exc))
            return
        super().accept()
