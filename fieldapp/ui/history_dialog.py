"""The revision history of one household: every save of every form and every status change.

Nothing is ever overwritten in the store, so this dialog can show exactly what was recorded at
each save (read-only, in the words of the form) and what changed since the save before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
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
from fieldapp.core.forms.model import Field, Form, Survey
from fieldapp.core.store.records import Revision
from fieldapp.core.store.store import Store
from fieldapp.core.values.money import format_yuan
from fieldapp.core.values.regions import RegionTable

STATE_LABELS = {"draft": "草稿", "final": "定稿"}
STATUS_FORM = "__status__"
EMPTY = "—"
Index = QModelIndex | QPersistentModelIndex


def local_time(stamp: str) -> str:
    """'2026-11-23T01:15:00.000+00:00' -> '2026-11-23 09:15' in the laptop's time zone."""
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp)
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


# -- values in the words of the form ----------------------------------------------------------------


def format_value(field: Field | None, value: Any, regions: RegionTable | None = None) -> str:
    """One stored value as a cadre reads it: 元 with two decimals, option labels, region names."""
    if is_empty(value):
        return ""
    kind = field.type if field is not None else ""
    if kind == "money":
        return f"{format_yuan(value, grouping=True)} 元" if _is_int(value) else str(value)
    if kind == "select_one" and field is not None:
        return field.option_label(str(value))
    if kind == "select_multiple" and field is not None:
        if isinstance(value, list):
            return "、".join(field.option_label(str(v)) for v in value)
        return str(value)
    if kind == "region" and regions is not None:
        try:
            return regions.full_name(str(value))
        except KeyError:
            return f"{value}（代码不存在）"
    if kind == "signature":
        if isinstance(value, dict) and isinstance(value.get("strokes"), list):
            return f"已签名（{len(value['strokes'])} 笔）"
        if isinstance(value, dict) and "png" in value:
            return "已签名（图片）"
        return "签名数据无效"
    if kind == "attachment":
        items = value if isinstance(value, list) else [value]
        names = []
        for item in items:
            if isinstance(item, dict):
                kind_text = f"（{item['kind']}）" if item.get("kind") else ""
                names.append(f"{item.get('name') or '附件'}{kind_text}")
            else:
                names.append("无效附件记录")
        return f"{len(items)} 个：" + "、".join(names)
    if kind == "repeat":
        return f"{len(value)} 行" if isinstance(value, list) else str(value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "、".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def row_title(field: Field, row: Any, number: int, regions: RegionTable | None = None) -> str:
    """'第 2 行（王秀英）': the row number and its title field, as the editor shows it."""
    text = f"第 {number} 行"
    if isinstance(row, dict) and field.row_title:
        child = field.child(field.row_title)
        title = format_value(child, row.get(field.row_title), regions)
        if title:
            text += f"（{title}）"
    return text


def _fields_with_sections(form: Form) -> list[tuple[str, Field]]:
    return [(section.title, f) for section in form.sections for f in section.fields if f.has_value]


def _extra_names(form: Form, data: dict[str, Any]) -> list[str]:
    known = {f.name for f in form.fields}
    return sorted(k for k in data if k not in known and not k.startswith("_"))


def _same(a: Any, b: Any) -> bool:
    if is_empty(a) and is_empty(b):
        return True
    return bool(a == b)


@dataclass(frozen=True)
class Change:
    """One difference between two saves, shown as ``where: old → new``."""

    where: str
    old: str
    new: str


def diff_data(
    form: Form,
    old: dict[str, Any] | None,
    new: dict[str, Any],
    regions: RegionTable | None = None,
) -> list[Change]:
    """What changed from ``old`` to ``new`` (field by field; repeat rows matched by their id)."""
    old = old or {}
    changes: list[Change] = []
    fields = [f for _, f in _fields_with_sections(form)]
    for field in fields:
        before, after = old.get(field.name), new.get(field.name)
        if _same(before, after):
            continue
        if (
            field.type == "repeat"
            and isinstance(before or [], list)
            and isinstance(after or [], list)
        ):
            changes.extend(_diff_rows(field, before or [], after or [], regions))
            continue
        changes.append(
            Change(
                field.label,
                format_value(field, before, regions) or EMPTY,
                format_value(field, after, regions) or EMPTY,
            )
        )
    for name in sorted(set(_extra_names(form, old)) | set(_extra_names(form, new))):
        if not _same(old.get(name), new.get(name)):
            changes.append(
                Change(
                    name,
                    format_value(None, old.get(name)) or EMPTY,
                    format_value(None, new.get(name)) or EMPTY,
                )
            )
    return changes


def _diff_rows(
    field: Field, before: list[Any], after: list[Any], regions: RegionTable | None
) -> list[Change]:
    def key(row: Any, index: int) -> str:
        if isinstance(row, dict) and row.get("_id"):
            return str(row["_id"])
        return f"#{index}"

    old_rows = {key(row, i): (i, row) for i, row in enumerate(before)}
    new_keys = [key(row, i) for i, row in enumerate(after)]
    changes: list[Change] = []
    for i, row in enumerate(after):
        k = new_keys[i]
        where = f"{field.label} {row_title(field, row, i + 1, regions)}"
        if k not in old_rows:
            changes.append(Change(where, EMPTY, "新增：" + _row_summary(field, row, regions)))
            continue
        _, old_row = old_rows[k]
        old_row = old_row if isinstance(old_row, dict) else {}
        new_row = row if isinstance(row, dict) else {}
        for child in field.fields:
            if not child.has_value or _same(old_row.get(child.name), new_row.get(child.name)):
                continue
            changes.append(
                Change(
                    f"{where} · {child.label}",
                    format_value(child, old_row.get(child.name), regions) or EMPTY,
                    format_value(child, new_row.get(child.name), regions) or EMPTY,
                )
            )
    for k, (i, row) in old_rows.items():
        if k not in new_keys:
            changes.append(
                Change(
                    f"{field.label} {row_title(field, row, i + 1, regions)}",
                    _row_summary(field, row, regions),
                    "已删除",
                )
            )
    kept_old = [k for k in (key(r, i) for i, r in enumerate(before)) if k in new_keys]
    kept_new = [k for k in new_keys if k in old_rows]
    if kept_old != kept_new:
        changes.append(Change(field.label, "原顺序", "行顺序已调整"))
    return changes


def _row_summary(field: Field, row: Any, regions: RegionTable | None) -> str:
    if not isinstance(row, dict):
        return str(row)
    parts = []
    for child in field.fields:
        text = format_value(child, row.get(child.name), regions)
        if text and child.has_value:
            parts.append(f"{child.label} {text}")
    return "，".join(parts[:4]) + ("……" if len(parts) > 4 else "") if parts else "（空行）"


# -- the table of revisions and status changes --------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    at: str  # ISO timestamp as stored (UTC)
    form_id: str  # a form id, or STATUS_FORM for a status change
    what: str
    state: str
    author: str
    revision: Revision | None = None
    status: dict[str, Any] | None = None
    previous_status: str = ""

    @property
    def time(self) -> str:
        return local_time(self.at)


class HistoryModel(QAbstractTableModel):
    """Revisions and status changes of one household, newest first; optionally one form only."""

    COLUMNS = ("时间", "表单 / 事项", "状态", "操作人")
    EntryRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, store: Store, household_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.household_id = household_id
        self._all: list[HistoryEntry] = []
        self._rows: list[HistoryEntry] = []
        self._form_filter: str | None = None
        self.reload()

    def reload(self) -> None:
        survey = self.store.survey
        entries: list[tuple[str, int, HistoryEntry]] = []
        for order, revision in enumerate(self.store.history(self.household_id)):
            title = survey.forms[revision.form_id].title if revision.form_id in survey.forms else ""
            entries.append(
                (
                    revision.created_at,
                    order,
                    HistoryEntry(
                        at=revision.created_at,
                        form_id=revision.form_id,
                        what=f"{revision.form_id} {title}".strip(),
                        state=STATE_LABELS.get(revision.state, revision.state),
                        author=revision.author,
                        revision=revision,
                    ),
                )
            )
        previous = "在档"
        for order, change in enumerate(self.store.status_history(self.household_id)):
            entries.append(
                (
                    str(change["changed_at"]),
                    order,
                    HistoryEntry(
                        at=str(change["changed_at"]),
                        form_id=STATUS_FORM,
                        what=f"档案状态：{previous} → {change['status']}",
                        state="状态变更",
                        author=str(change.get("author") or ""),
                        status=dict(change),
                        previous_status=previous,
                    ),
                )
            )
            previous = str(change["status"])
        entries.sort(key=lambda e: (e[0], e[2].form_id != STATUS_FORM, e[1]), reverse=True)
        self._all = [entry for _, _, entry in entries]
        self._apply_filter()

    def set_form_filter(self, form_id: str | None) -> None:
        self._form_filter = form_id
        self._apply_filter()

    def _apply_filter(self) -> None:
        self.beginResetModel()
        wanted = self._form_filter
        self._rows = [e for e in self._all if wanted is None or e.form_id == wanted]
        self.endResetModel()

    def entry(self, row: int) -> HistoryEntry:
        return self._rows[row]

    def entries(self) -> list[HistoryEntry]:
        return list(self._rows)

    def previous_revision(self, revision: Revision) -> Revision | None:
        """The save this one replaced (its parent; else the one before it of the same form)."""
        same_form = [
            e.revision
            for e in self._all
            if e.revision is not None and e.revision.form_id == revision.form_id
        ]
        by_id = {r.id: r for r in same_form if r is not None}
        if revision.parent_id and revision.parent_id in by_id:
            return by_id[revision.parent_id]
        ordered = [r for r in reversed(same_form) if r is not None]  # oldest first
        for i, candidate in enumerate(ordered):
            if candidate.id == revision.id:
                return ordered[i - 1] if i > 0 else None
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (entry.time, entry.what, entry.state, entry.author)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if entry.revision is not None:
                return (
                    f"保存时间（UTC）：{entry.at}\n修订 ID：{entry.revision.id}\n"
                    f"设备：{entry.revision.device_id}"
                )
            if entry.status is not None:
                return f"原因：{entry.status.get('reason', '')}"
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            if entry.state == "定稿":
                return QBrush(QColor("#1b7f3b"))
            if entry.state == "草稿":
                return QBrush(QColor("#8a6d00"))
            return QBrush(QColor("#1a5fb4"))
        if role == self.EntryRole:
            return entry
        return None


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
        self.tabs = QTabWidget()
        self.tabs.addTab(self.content, "内容")
        self.tabs.addTab(diff_page, "与上一版比较")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.filter)
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
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.resize(1180, 640)
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
        self.model.set_form_filter(self.filter.currentData())
        self._after_reset()

    def _after_reset(self) -> None:
        revisions = sum(1 for e in self.model.entries() if e.revision is not None)
        statuses = self.model.rowCount() - revisions
        self.count_label.setText(f"{revisions} 次保存，{statuses} 次档案状态变更")
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
        previous = self.model.previous_revision(revision)
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
            self.diff_summary.setText(
                f"与上一版（{local_time(previous.created_at)} {state}，{previous.author}）相比，"
                f"共 {len(changes)} 处变化："
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
            ("操作人", entry.author),
            ("时间", entry.time),
        ):
            self._content_row(self.content_model, label, text)
        self.diff_summary.setText("档案状态变更：")
        self.diff_model.appendRow(
            self._items("档案状态", entry.previous_status, str(status.get("status", "")))
        )

    # -- the read-only content tree --------------------------------------------------------------

    def _fill_content(self, form: Form, data: dict[str, Any]) -> None:
        regions = self.store.regions
        sections: dict[str, QStandardItem] = {}
        shown = 0
        for title, field in _fields_with_sections(form):
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
        extra = [n for n in _extra_names(form, data) if not is_empty(data.get(n))]
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
