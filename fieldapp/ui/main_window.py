"""The main window: search and list households. The editor comes with the GUI issue (#3)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.store import STATUSES, Store
from fieldapp.ui.household_model import HouseholdModel


class MainWindow(QMainWindow):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.setWindowTitle(f"户户清 — {store.survey.title}（{store.path}）")
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索：姓名、身份证号、档案编号、地区、电话")
        self.status = QComboBox()
        self.status.addItems(["全部状态", *STATUSES])
        self.model = HouseholdModel(store)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.count_label = QLabel()

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.status)
        layout = QVBoxLayout()
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)

        self.search.textChanged.connect(self.refresh)
        self.status.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        status = self.status.currentText() if self.status.currentIndex() > 0 else None
        self.model.set_filter(self.search.text(), status)
        total = self.store.count_households()
        self.count_label.setText(
            f"共 {total} 户，显示 {self.model.rowCount()} 户"
            + ("（滚动加载更多）" if self.model.canFetchMore() else "")
        )
        self.table.resizeColumnsToContents()
