"""Attachment fields: photos and scans (户口本, 收入证明, 医药费票据 …) kept with the household.

Files are stored once in the store by content (``Store.add_attachment``); the field keeps the list
of references ``{"sha256", "name", "kind", "mime"}``. Removing an entry only takes it off this
field's list: the stored file stays in the database, so nothing a cadre added is ever lost.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, QUrl
from PySide6.QtGui import (
    QDesktopServices,
    QGuiApplication,
    QImage,
    QImageReader,
    QKeySequence,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.forms.model import Field, Option
from fieldapp.core.store.errors import NotFound, StoreError
from fieldapp.core.store.store import Store
from fieldapp.core.values.limits import ATTACHMENT_MAX_BYTES, size_text
from fieldapp.ui import file_dialogs, private_temp
from fieldapp.ui.dialogs import ask, show_error
from fieldapp.ui.field_widgets import FieldWidget

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"})
PDF_SUFFIXES = frozenset({".pdf"})
FILE_FILTER = "图片或 PDF (*.jpg *.jpeg *.png *.bmp *.gif *.webp *.tif *.tiff *.pdf)"
PREVIEW_MAX = QSize(960, 620)  # fits a 1366 × 768 laptop screen with the dialog frame


# -- helpers --------------------------------------------------------------------------------------


def format_size(size: int | None) -> str:
    if size is None:
        return "文件缺失"
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def kind_label(kinds: Sequence[Option], kind: Any) -> str:
    """An attachment's 材料类型 as shown (未分类 when the cadre did not choose one)."""
    if kind is None or kind == "":
        return "未分类"
    return next((option.label for option in kinds if option.value == kind), str(kind))


def is_image(ref: dict[str, Any]) -> bool:
    mime = str(ref.get("mime") or "")
    return mime.startswith("image/") or Path(str(ref.get("name", ""))).suffix.lower() in (
        IMAGE_SUFFIXES
    )


def check_file(path: Path) -> str | None:
    """Why this file cannot be attached, in Chinese; None if it can."""
    if path.suffix.lower() not in IMAGE_SUFFIXES | PDF_SUFFIXES:
        return "只能添加图片（JPG、PNG 等）或 PDF 文件"
    try:
        if not path.is_file():
            return "文件不存在或无法访问"
        size = path.stat().st_size
        if size > ATTACHMENT_MAX_BYTES:
            return f"文件过大（{size_text(size)}），单个附件最多 {size_text(ATTACHMENT_MAX_BYTES)}"
        if size == 0:
            return "文件是空的（0 字节）"
        with path.open("rb") as handle:
            handle.read(1)
    except OSError:
        return "无法读取文件（可能没有权限，或正被其他程序占用）"
    return None


def decode_image(data: bytes) -> QImage:
    """Decode with the photo's EXIF orientation applied (phone photos are often stored sideways)."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    image = reader.read()
    buffer.close()
    return image


def temp_copy(ref: dict[str, Any], data: bytes) -> Path:
    """Write a copy for an outside viewer: owner-only, removed when the application exits."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", Path(str(ref.get("name") or "附件")).name)
    folder = private_temp.private_folder("attachments/" + str(ref.get("sha256", "x"))[:16])
    return private_temp.write_private(folder / (name or "附件"), data)


def open_with_system(path: Path) -> bool:
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))


# -- dialogs --------------------------------------------------------------------------------------


class KindDialog(QDialog):
    """Pick the 材料类型 for the files being added (the field's first kind is the default)."""

    def __init__(self, field: Field, names: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("选择材料类型")
        shown = "、".join(names[:3]) + (f" 等 {len(names)} 个文件" if len(names) > 3 else "")
        text = QLabel(f"为 {shown} 选择材料类型：")
        text.setWordWrap(True)
        self.combo = QComboBox()
        for option in field.kinds:
            self.combo.addItem(option.label, option.value)
        ok, cancel = QPushButton("确定"), QPushButton("取消")
        ok.setDefault(True)
        ok.clicked.connect(self.accept)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(ok)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.combo)
        layout.addLayout(buttons)

    def kind(self) -> str:
        return str(self.combo.currentData())


def choose_kind_with_dialog(parent: QWidget, field: Field, names: Sequence[str]) -> str | None:
    """The kind for the new files (the field's first kind preselected); None when cancelled."""
    dialog = KindDialog(field, names, parent)
    try:
        return dialog.kind() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()


class AttachmentPreview(QDialog):
    """An image scaled to fit; for a PDF its name and size with 打开 (the system's viewer)."""

    def __init__(
        self,
        store: Store,
        ref: dict[str, Any],
        *,
        kind_label: str = "",
        open_external: Callable[[Path], bool] = open_with_system,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ref = ref
        self.open_external = open_external
        name = str(ref.get("name") or "附件")
        self.setWindowTitle(f"预览 — {name}")
        self.data: bytes | None
        try:
            self.data = store.attachment_bytes(str(ref.get("sha256", "")))
        except NotFound:
            self.data = None
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("打开")
        self.open_button.setToolTip("用本机的看图或 PDF 程序打开（临时副本）")
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        self.open_button.clicked.connect(self.open_copy)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.info)
        layout.addLayout(buttons)

        details = [name]
        if kind_label:
            details.append(kind_label)
        if self.data is None:
            self.image.setText("找不到这个附件的文件。\n可能尚未从其他电脑同步过来。")
            self.open_button.setEnabled(False)
            self.info.setText(" · ".join(details))
            return
        details.append(format_size(len(self.data)))
        self.pixmap: QPixmap | None = None
        if is_image(ref):
            picture = decode_image(self.data)
            if picture.isNull():
                self.image.setText("无法显示这张图片（文件可能已损坏或格式不受支持）。")
            else:
                details.append(f"{picture.width()} × {picture.height()} 像素")
                available = self._available()
                if picture.width() > available.width() or picture.height() > available.height():
                    picture = picture.scaled(
                        available,
                        Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                self.pixmap = QPixmap.fromImage(picture)
                self.image.setPixmap(self.pixmap)
        else:
            self.image.setText("PDF 文件不能在这里预览，\n请点“打开”用本机的 PDF 阅读器查看。")
            self.image.setMinimumSize(420, 160)
        self.info.setText(" · ".join(details))

    def _available(self) -> QSize:
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return PREVIEW_MAX
        space = screen.availableSize()
        return QSize(
            min(PREVIEW_MAX.width(), int(space.width() * 0.85)),
            min(PREVIEW_MAX.height(), int(space.height() * 0.75)),
        )

    def open_copy(self) -> Path | None:
        if self.data is None:
            return None
        try:
            path = temp_copy(self.ref, self.data)
        except OSError as exc:
            show_error(self, "无法打开", f"无法写出临时文件：{exc.strerror or exc}")
            return None
        if not self.open_external(path):
            show_error(self, "无法打开", f"本机没有可以打开这个文件的程序。\n文件已另存在：{path}")
        return path


# -- the field widget ---------------------------------------------------------------------------------


class AttachmentWidget(FieldWidget):
    """The field's attachments (名称 / 类型 / 大小) with 添加文件… / 预览 / 删除.

    ``value()`` is None or the list of stored references ``{"sha256", "name", "kind", "mime"}``.
    ``choose_files``, ``choose_kind`` and ``open_external`` are attributes so tests (and other
    front ends) can replace the file dialog, the kind question and the outside viewer.
    """

    COLUMNS = ("名称", "类型", "大小")
    last_directory = ""

    def __init__(
        self, field: Field, store: Store, author: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(field, parent)
        self.store = store
        self.author = author
        self._items: list[Any] = []
        self.choose_files: Callable[[QWidget], list[str]] = self._file_dialog
        self.choose_kind: Callable[[QWidget, Field, Sequence[str]], str | None] = (
            choose_kind_with_dialog
        )
        self.open_external: Callable[[Path], bool] = open_with_system

        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(110)
        self.table.setMaximumHeight(220)
        self.add_button = QPushButton("添加文件…")
        self.preview_button = QPushButton("预览")
        self.delete_button = QPushButton("删除")
        self.delete_button.setToolTip("从本栏移除（文件仍保存在本机档案中）")
        self.count_label = QLabel()
        self.count_label.setStyleSheet("color: #666;")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

        self.add_button.clicked.connect(lambda: self.add_files())
        self.preview_button.clicked.connect(lambda: self.preview())
        self.delete_button.clicked.connect(lambda: self.remove())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda index: self.preview(index.row()))
        delete = QShortcut(QKeySequence.StandardKey.Delete, self.table, lambda: self.remove())
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        self._refresh()

    # -- value --------------------------------------------------------------------------------

    def value(self) -> Any:
        return copy.deepcopy(self._items) if self._items else None

    def _set(self, value: Any) -> None:
        if value is None or value == "":
            items: list[Any] = []
        elif isinstance(value, dict):
            items = [value]
        elif isinstance(value, list):
            items = list(value)
        else:
            items = [value]  # kept as given (a draft never loses data); shown as invalid
        self._items = copy.deepcopy(items)
        self._refresh()

    def refs(self) -> list[dict[str, Any]]:
        return [item for item in self._items if isinstance(item, dict)]

    # -- display ------------------------------------------------------------------------------

    def kind_label(self, kind: Any) -> str:
        return kind_label(self.field.kinds, kind)

    def _sizes(self) -> dict[str, int]:
        shas = [str(r.get("sha256")) for r in self.refs() if r.get("sha256")]
        if not shas:
            return {}
        marks = ",".join("?" for _ in shas)
        rows = self.store.db.execute(
            f"select sha256, size from attachments where sha256 in ({marks})", shas
        ).fetchall()
        return {str(sha): int(size) for sha, size in rows}

    def _refresh(self) -> None:
        sizes = self._sizes()
        self.table.setRowCount(len(self._items))
        for row, item in enumerate(self._items):
            if isinstance(item, dict):
                cells = (
                    str(item.get("name") or "（未命名）"),
                    self.kind_label(item.get("kind")),
                    format_size(sizes.get(str(item.get("sha256")))),
                )
            else:
                cells = ("（无效附件记录）", "", "")
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column == 2:
                    cell.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if column == 0 and isinstance(item, dict):
                    cell.setToolTip(f"{text}\nSHA-256：{item.get('sha256')}")
                self.table.setItem(row, column, cell)
        limit = f"（最多 {self.field.max_files} 个）" if self.field.max_files else ""
        self.count_label.setText(
            f"共 {len(self._items)} 个附件{limit}"
            if self._items
            else "尚无附件，点“添加文件…”选择照片或扫描件"
        )
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.current_row()
        has_ref = row is not None and isinstance(self._items[row], dict)
        editable = self.add_button.isEnabled()
        self.preview_button.setEnabled(has_ref)
        self.delete_button.setEnabled(row is not None and editable)

    def current_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            return rows[0].row()
        return None

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    # -- adding -------------------------------------------------------------------------------

    def _file_dialog(self, parent: QWidget) -> list[str]:
        paths = file_dialogs.open_file_names(
            parent, f"添加{self.field.label}", AttachmentWidget.last_directory, FILE_FILTER
        )
        if paths:
            AttachmentWidget.last_directory = str(Path(paths[0]).parent)
        return list(paths)

    def add_files(self, paths: Sequence[str | Path] | None = None) -> list[dict[str, Any]]:
        """Add files (asking for them when ``paths`` is None); returns the references added."""
        chosen = [Path(p) for p in (self.choose_files(self) if paths is None else paths)]
        if not chosen:
            return []
        problems: list[str] = []
        good: list[Path] = []
        for path in chosen:
            why = check_file(path)
            if why is None:
                good.append(path)
            else:
                problems.append(f"{path.name}：{why}")
        room = None if self.field.max_files is None else self.field.max_files - len(self._items)
        if room is not None and len(good) > room:
            for path in good[max(room, 0) :]:
                problems.append(f"{path.name}：本栏最多 {self.field.max_files} 个附件")
            good = good[: max(room, 0)]
        if not good:
            self._report(problems, added=0)
            return []
        kind: str | None = None
        if len(self.field.kinds) == 1:
            kind = self.field.kinds[0].value
        elif self.field.kinds:
            kind = self.choose_kind(self, self.field, [p.name for p in good])
            if kind is None:  # cancelled: nothing added
                return []
        added: list[dict[str, Any]] = []
        known = {str(r.get("sha256")) for r in self.refs()}
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            for path in good:
                try:
                    ref = self.store.add_attachment(path, author=self.author, kind=kind)
                except StoreError as exc:
                    problems.append(f"{path.name}：{exc}")
                    continue
                except OSError:
                    problems.append(
                        f"{path.name}：无法读取文件（可能没有权限，或正被其他程序占用）"
                    )
                    continue
                if ref["sha256"] in known:
                    problems.append(f"{path.name}：本栏已有相同的文件")
                    continue
                known.add(ref["sha256"])
                added.append(ref)
        finally:
            QApplication.restoreOverrideCursor()
        if added:
            self._items.extend(added)
            self._refresh()
            self.select_row(len(self._items) - 1)
            self._emit()
        self._report(problems, added=len(added))
        return added

    def _report(self, problems: list[str], *, added: int) -> None:
        if not problems:
            return
        head = "以下文件未添加：" if added == 0 else f"已添加 {added} 个文件；以下文件未添加："
        show_error(self, "添加附件", head + "\n\n" + "\n".join(problems))

    # -- preview and removal --------------------------------------------------------------------

    def preview_dialog(self, row: int | None = None) -> AttachmentPreview | None:
        row = self.current_row() if row is None else row
        if row is None or not 0 <= row < len(self._items) or not isinstance(self._items[row], dict):
            return None
        ref = self._items[row]
        return AttachmentPreview(
            self.store,
            ref,
            kind_label=self.kind_label(ref.get("kind")),
            open_external=self.open_external,
            parent=self,
        )

    def preview(self, row: int | None = None) -> None:
        dialog = self.preview_dialog(row)
        if dialog is not None:
            dialog.exec()
            dialog.deleteLater()

    def remove(self, row: int | None = None) -> bool:
        row = self.current_row() if row is None else row
        if row is None or not 0 <= row < len(self._items) or not self.delete_button.isEnabled():
            return False
        item = self._items[row]
        name = item.get("name", "附件") if isinstance(item, dict) else "这条附件记录"
        if not ask(
            self,
            "删除附件",
            f"从“{self.field.label}”中删除“{name}”吗？\n\n"
            "只是从本栏移除；文件本身仍保存在本机档案中，不会丢失。",
            "删除",
            "取消",
        ):
            return False
        del self._items[row]
        self._refresh()
        if self._items:
            self.select_row(min(row, len(self._items) - 1))
        self._emit()
        return True

    # -- FieldWidget ----------------------------------------------------------------------------

    def focus_target(self) -> QWidget:
        return self.add_button

    def set_read_only(self, read_only: bool) -> None:
        self.add_button.setEnabled(not read_only)
        self._update_buttons()
