"""核验签章台账: drop a signed ledger PDF (or choose one) and read, per signature, who signed,
when, whether the content is intact, the signature valid, the certificate trusted, and what was
changed after signing.

The check is the core's ``verify_ledger`` (the same as ``fieldapp verify``). Trusted roots: this
database's headquarters root certificate, or a certificate file the user chooses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.ledger.changes import describe_changes
from fieldapp.core.ledger.verify import VerifyReport, verify_ledger
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.store import Store
from fieldapp.core.trust.certificates import ROLE_NAMES
from fieldapp.ui import file_dialogs

ROWS = (
    "签名人",
    "单位",
    "身份",
    "签名时间",
    "内容完整",
    "签名有效",
    "证书可信",
    "签名后修改",
    "结论",
)
GOOD, BAD = QColor("#d3f9d8"), QColor("#ffe3e3")


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _when(moment: Any) -> str:
    if moment is None:
        return "未知"
    local = moment.astimezone()
    return f"{local:%Y-%m-%d %H:%M}（签名人电脑时间）"


def store_roots(store: Store) -> tuple[list[Any], str]:
    """This database's headquarters root certificate, and how to describe it."""
    try:
        from fieldapp.core.trust import identity

        return [identity.ca_certificate(store)], "本数据库的总部根证书"
    except Exception:  # noqa: BLE001 - a database without identities trusts nobody
        return [], "无（本数据库尚未登记，可选择总部根证书文件）"


class VerifyView(QWidget):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.setAcceptDrops(True)
        self.roots, self.roots_text = store_roots(store)
        self.report: VerifyReport | None = None
        self.drop = QLabel("把已签章的台账 PDF 拖到这里，或点“选择 PDF…”")
        self.drop.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop.setMinimumHeight(90)
        self.drop.setStyleSheet("border: 2px dashed #999; border-radius: 8px; font-size: 15px;")
        choose = QPushButton("选择 PDF…")
        choose.clicked.connect(lambda _checked=False: self.choose_pdf())
        trust = QPushButton("选择根证书…")
        trust.clicked.connect(lambda _checked=False: self.choose_roots())
        self.trust_label = QLabel(f"信任的根证书：{self.roots_text}")
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.table = QTableWidget(len(ROWS), 0)
        self.table.setVerticalHeaderLabels(list(ROWS))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.trust_label, 1)
        row.addWidget(trust)
        row.addWidget(choose)
        layout = QVBoxLayout(self)
        layout.addWidget(self.drop)
        layout.addLayout(row)
        layout.addWidget(self.verdict)
        layout.addWidget(self.table, 1)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        urls = event.mimeData().urls()
        if urls and urls[0].toLocalFile().lower().endswith(".pdf"):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        urls = event.mimeData().urls()
        if urls:
            event.acceptProposedAction()
            self.verify(Path(urls[0].toLocalFile()))

    def choose_pdf(self) -> None:
        name = file_dialogs.open_file_name(self, "选择要核验的台账", "", "PDF 文件 (*.pdf)")
        if name:
            self.verify(Path(name))

    def choose_roots(self) -> None:
        name = file_dialogs.open_file_name(self, "选择总部根证书", "", "证书 (*.pem *.crt *.cer)")
        if not name:
            return
        from fieldapp.core.trust.certificates import load_cert

        try:
            self.roots = [load_cert(Path(name).read_text(encoding="utf-8"))]
        except (OSError, ValueError, UnicodeDecodeError, StoreError) as exc:
            self.verdict.setText(f"无法读取证书 {name}：{exc}")
            return
        self.roots_text = Path(name).name
        self.trust_label.setText(f"信任的根证书：{self.roots_text}")

    def verify(self, path: Path) -> VerifyReport | None:
        self.drop.setText(f"{path.name}\n（可再拖入另一个 PDF 核验）")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            report = verify_ledger(path, self.roots)
        except StoreError as exc:
            self.verdict.setText(f"<span style='color:#c01c28'>无法核验：{exc}</span>")
            self.table.setColumnCount(0)
            return None
        finally:
            QApplication.restoreOverrideCursor()
        self.report = report
        self.show_report(report)
        return report

    def show_report(self, report: VerifyReport) -> None:
        signatures = report.signatures
        if report.ok:
            text = f"<b style='color:#2b8a3e'>核验通过</b>：全部 {len(signatures)} 个签名完好、有效，且由所信任的根证书签发。"
        else:
            reasons = report.problems + [
                f"签名 {n}（{s.signer or s.field}）：{'；'.join(s.problems)}"
                for n, s in enumerate(signatures, 1)
                if not s.ok
            ]
            text = "<b style='color:#c01c28'>核验未通过</b>：" + "；".join(reasons)
        self.verdict.setText(text)
        self.table.setColumnCount(len(signatures))
        self.table.setHorizontalHeaderLabels([f"签名 {n}" for n in range(1, len(signatures) + 1)])
        for column, s in enumerate(signatures):
            values = (
                s.signer or "—",
                s.unit or "—",
                ROLE_NAMES.get(s.role, s.role) or "—",
                _when(s.signed_at),
                _yes(s.intact),
                _yes(s.valid),
                _yes(s.trusted),
                describe_changes(s.changes),
                "通过" if s.ok else "未通过：" + "；".join(s.problems),
            )
            for row, value in enumerate(values):
                item = QTableWidgetItem(value)
                if row in (4, 5, 6, 8):
                    item.setBackground(GOOD if value in ("是", "通过") else BAD)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
