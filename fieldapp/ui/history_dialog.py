"""The revision history of one household: every save of every form and every status change.

Nothing is ever overwritten in the store, so this dialog can show exactly what was recorded at
each save (read-only, in the words of the form) and what changed since the save before it. The
formatting and the comparison are Qt-free, in ``fieldapp.core.store.history``; here are the
table model and the widgets.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.forms.fieldtypes import is_empty
from fieldapp.core.forms.model import Form, Survey
from fieldapp.core.store.history import (
    STATE_LABELS,
    STATUS_FORM,
    Change,
    HistoryEntry,
    diff_data,
    extra_names,
    fields_with_sections,
    format_value,
    local_time,
    row_title,
    rules_check_lines,
)
from fieldapp.core.store.history_summary import since_final
from fieldapp.core.store.store import Store
from fieldapp.ui.history_model import HistoryModel

Index = QModelIndex | QPersistentModelIndex


# -- the dialog ---------------------------------------------------------------------------------------


class HistoryDialog(QDialog):
    """修订历史: the table on the left; the selected save (内容 / 与上一版比较) on the right."""

    def __init__(
        self,
        store: Store,
        household_id: str,
        parent: QWidget | None = None,
        *,
        form_id: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.survey: Survey = store.survey
        self.household_id = household_id
        household = store.household(household_id)
        who = household.get("name") or household.get("archive_no") or "（未填姓名）"
        self.setWindowTitle(f"修订历史 — {who}")

        self.model = HistoryModel(store, household_id, self)
        self.filter = QComboBox()
        self.filter.addItem("全部表单和状态变更", None)
        for fid, form in self.survey.forms.items():
            self.filter.addItem(f"{fid} {form.title}", fid)
        self.filter.addItem("档案状态变更", STATUS_FORM)
        if form_id is not None and self.filter.findData(form_id) >= 0:
            self.filter.setCurrentIndex(self.filter.findData(form_id))
            self.model.set_form_filter(form_id)
        self.field_filter = QComboBox()
        self.field_filter.addItem("全部字段", None)
        for fid, form in self.survey.forms.items():
            for _, field in fields_with_sections(form):
                self.field_filter.addItem(f"{fid} {field.label}", (fid, field.name))
        self.field_filter.setToolTip("只列出改动过这个字段的录入（如：住房类型何时改过）")
        self.grouped = QCheckBox("合并同一次录入的自动保存")
        self.grouped.setChecked(True)
        self.grouped.setToolTip(
            "同一人在同一台电脑上连续录入（相隔不超过 30 分钟）的草稿合并为一条；"
            "每次保存仍单独留存，取消勾选可逐条查看。"
        )

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)

        self.heading = QLabel()
        self.heading.setWordWrap(True)
        bold = QFont(self.heading.font())
        bold.setBold(True)
        self.heading.setFont(bold)
        self.content_model = QStandardItemModel(0, 2, self)
        self.content_model.setHorizontalHeaderLabels(["字段", "内容"])
        self.content = self._tree(self.content_model)
        self.diff_summary = QLabel()
        self.diff_summary.setWordWrap(True)
        self.diff_model = QStandardItemModel(0, 3, self)
        self.diff_model.setHorizontalHeaderLabels(["字段", "原值", "新值"])
        self.diff = self._tree(self.diff_model)
        self.diff.setRootIsDecorated(False)
        diff_page = QWidget()
        diff_layout = QVBoxLayout(diff_page)
        diff_layout.setContentsMargins(0, 4, 0, 0)
        diff_layout.addWidget(self.diff_summary)
        diff_layout.addWidget(self.diff, 1)
        self.since_model = QStandardItemModel(0, 3, self)
        self.since_model.setHorizontalHeaderLabels(["字段", "上次定稿时", "现在"])
        self.since = self._tree(self.since_model)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.content, "内容")
        self.tabs.addTab(diff_page, "与上一版比较")
        self.tabs.addTab(self.since, "自上次定稿以来")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        filters.addWidget(self.filter, 1)
        filters.addWidget(self.field_filter, 1)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.grouped)
        left_layout.addWidget(self.table, 1)
        self.count_label = QLabel()
        left_layout.addWidget(self.count_label)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.heading)
        right_layout.addWidget(self.tabs, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 6)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("每次保存都单独留存，历史记录只能查看、不能修改。"))
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

        self.filter.currentIndexChanged.connect(self._filter_changed)
        self.field_filter.currentIndexChanged.connect(self._filter_changed)
        self.grouped.toggled.connect(self._filter_changed)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.resize(1240, 660)
        self._fill_since_final()
        self._after_reset()

    @staticmethod
    def _tree(model: QStandardItemModel) -> QTreeView:
        view = QTreeView()
        view.setModel(model)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setAlternatingRowColors(True)
        view.setUniformRowHeights(True)
        view.header().setStretchLastSection(True)
        return view

    # -- selection ------------------------------------------------------------------------------

    def _filter_changed(self) -> None:
        field = self.field_filter.currentData()
        self.model.grouped = self.grouped.isChecked()
        self.model.set_form_filter(self.filter.currentData())
        self.model.set_field_filter(tuple(field) if field else None)  # type: ignore[arg-type]
        self.model.set_grouped(self.grouped.isChecked())
        self._after_reset()

    def _after_reset(self) -> None:
        entries = sum(1 for e in self.model.entries() if e.revision is not None)
        revisions = self.model.saves()
        statuses = self.model.rowCount() - entries
        folded = f"（合并为 {entries} 次录入）" if entries != revisions else ""
        self.count_label.setText(f"{revisions} 次保存{folded}，{statuses} 次档案状态变更")
        if self.model.rowCount():
            self.select_row(0)
        else:
            self._show(None)

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)
        self.table.setCurrentIndex(self.model.index(row, 0))
        self._show(self.model.entry(row))

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show(self.model.entry(current.row()) if current.isValid() else None)

    def _show(self, entry: HistoryEntry | None) -> None:
        self.content_model.removeRows(0, self.content_model.rowCount())
        self.diff_model.removeRows(0, self.diff_model.rowCount())
        if entry is None:
            self.heading.setText("没有修订记录")
            self.diff_summary.setText("")
            return
        if entry.revision is not None:
            self._show_revision(entry)
        else:
            self._show_status(entry)
        for view in (self.content, self.diff):
            view.expandAll()
            view.resizeColumnToContents(0)
            view.setColumnWidth(0, min(view.columnWidth(0), 300))

    def _show_revision(self, entry: HistoryEntry) -> None:
        revision = entry.revision
        assert revision is not None
        form = self.survey.forms.get(revision.form_id)
        self.heading.setText(f"{entry.what} · {entry.state} · {entry.author} · {entry.time}")
        if form is None:
            for name, value in sorted(revision.data.items()):
                self._content_row(self.content_model, name, format_value(None, value))
            self.diff_summary.setText("本机的表单定义中没有这张表，无法比较。")
            return
        self._fill_content(form, revision.data)
        previous = entry.base if entry.saves > 1 else self.model.previous_revision(revision)
        changes = diff_data(
            form, previous.data if previous else None, revision.data, self.store.regions
        )
        if previous is not None and previous.state != revision.state:
            changes.insert(
                0,
                Change(
                    "状态",
                    STATE_LABELS.get(previous.state, previous.state),
                    STATE_LABELS.get(revision.state, revision.state),
                ),
            )
        if previous is None:
            self.diff_summary.setText(f"这是{form.title}的第一次保存，下面列出当时填写的全部内容。")
        elif not changes:
            self.diff_summary.setText(
                f"与上一版（{local_time(previous.created_at)}）相比，内容无变化。"
            )
        else:
            state = STATE_LABELS.get(previous.state, previous.state)
            sitting = (
                f"本次录入（{entry.span}，{entry.saves} 次自动保存）" if entry.saves > 1 else ""
            )
            self.diff_summary.setText(
                f"{sitting}与上一版（{local_time(previous.created_at)} {state}，{previous.author}）"
                f"相比，共 {len(changes)} 处变化："
            )
        for change in changes:
            self.diff_model.appendRow(self._items(change.where, change.old, change.new))

    def _show_status(self, entry: HistoryEntry) -> None:
        status = entry.status or {}
        self.heading.setText(f"{entry.what} · {entry.author} · {entry.time}")
        for label, text in (
            ("原状态", entry.previous_status),
            ("变更为", str(status.get("status", ""))),
            ("原因", str(status.get("reason", ""))),
            *rules_check_lines(status),
            ("操作人", entry.author),
            ("时间", entry.time),
        ):
            self._content_row(self.content_model, label, text)
        self.diff_summary.setText("档案状态变更：")
        self.diff_model.appendRow(
            self._items("档案状态", entry.previous_status, str(status.get("status", "")))
        )

    def _fill_since_final(self) -> None:
        """Per form: what changed since it was last finalised (or that it never was)."""
        history = self.store.history(self.household_id)
        for found in since_final(history, self.survey, self.store.regions):
            form = self.survey.forms[found.form_id]
            if found.final is None:
                note = "尚未定稿：以下为全部内容"
            elif found.final.id == found.current.id:
                note = f"上次定稿 {local_time(found.final.created_at)}，之后未改动"
            else:
                note = (
                    f"上次定稿 {local_time(found.final.created_at)}（{found.final.author}），"
                    f"之后 {len(found.changes)} 处变化"
                )
            head = self._section_item(f"{found.form_id} {form.title} — {note}")
            self.since_model.appendRow([head, QStandardItem(""), QStandardItem("")])
            self.since.setFirstColumnSpanned(head.row(), QModelIndex(), True)
            for change in found.changes:
                head.appendRow(self._items(change.where, change.old, change.new))
        self.since.expandAll()
        self.since.resizeColumnToContents(0)
        self.since.setColumnWidth(0, min(self.since.columnWidth(0), 300))

    # -- the read-only content tree --------------------------------------------------------------

    def _fill_content(self, form: Form, data: dict[str, Any]) -> None:
        regions = self.store.regions
        sections: dict[str, QStandardItem] = {}
        shown = 0
        for title, field in fields_with_sections(form):
            value = data.get(field.name)
            if is_empty(value):
                continue
            if title not in sections:
                head = self._section_item(title or form.title)
                sections[title] = head
                self.content_model.appendRow([head, QStandardItem("")])
            parent = sections[title]
            if field.type == "repeat" and isinstance(value, list):
                group = self._content_row(parent, field.label, f"{len(value)} 行")
                for number, row in enumerate(value, start=1):
                    row_item = self._content_row(group, row_title(field, row, number, regions), "")
                    if not isinstance(row, dict):
                        row_item.setText(str(row))
                        continue
                    for child in field.fields:
                        text = format_value(child, row.get(child.name), regions)
                        if text and child.has_value:
                            self._content_row(row_item, child.label, text)
            else:
                self._content_row(parent, field.label, format_value(field, value, regions))
            shown += 1
        extra = [n for n in extra_names(form, data) if not is_empty(data.get(n))]
        if extra:
            head = self._section_item("（当前表单中已没有的字段）")
            self.content_model.appendRow([head, QStandardItem("")])
            for name in extra:
                self._content_row(head, name, format_value(None, data[name]))
        if not shown and not extra:
            self._content_row(self.content_model, "（本次保存没有填写任何内容）", "")

    @staticmethod
    def _section_item(title: str) -> QStandardItem:
        item = QStandardItem(title)
        font = item.font()
        font.setBold(True)
        item.setFont(font)
        return item

    @staticmethod
    def _items(*texts: str) -> list[QStandardItem]:
        items = [QStandardItem(t) for t in texts]
        for item in items:
            item.setToolTip(item.text())
        return items

    def _content_row(
        self, parent: QStandardItem | QStandardItemModel, label: str, text: str
    ) -> QStandardItem:
        items = self._items(label, text)
        parent.appendRow(items)
        return items[0]
