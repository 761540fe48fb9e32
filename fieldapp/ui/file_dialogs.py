"""File dialogs that never open the files they list.

Why this module exists: on Linux, SQLite's locks are POSIX advisory locks, which belong to the
process and are all dropped when the process closes *any* descriptor of the database file. Qt's own
file dialog reads the first bytes of every listed file to guess its type and icon (QMimeDatabase
content matching), so merely showing the folder that holds ``huhuqing.db`` opened and closed the
database behind SQLite's back. The next program to open the database (``fieldapp list``) then
believed it was alone, checkpointed and deleted the ``-wal`` file on close, and every later
autosave went into a deleted file: acknowledged, invisible to others, lost on a crash.

Every dialog of the application goes through the functions below. They use Qt's own dialog with
an icon provider that classifies files by name only (no file is opened), so nothing in this process
ever opens the database except SQLite. On Windows the native dialog is kept: Windows locks belong
to a handle, not to the process, so the problem cannot arise there.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QFileInfo, QMimeDatabase
from PySide6.QtGui import QAbstractFileIconProvider, QIcon
from PySide6.QtWidgets import QFileDialog, QFileIconProvider, QWidget


class NameOnlyIconProvider(QAbstractFileIconProvider):
    """Icons and type names from the file name alone: never opens, never reads a listed file."""

    def __init__(self) -> None:
        super().__init__()
        self._icons = QFileIconProvider()
        self._mime = QMimeDatabase()

    def icon(self, what: object) -> QIcon:  # type: ignore[override]
        if isinstance(what, QFileInfo):
            kind = (
                QAbstractFileIconProvider.IconType.Folder
                if what.isDir()
                else QAbstractFileIconProvider.IconType.File
            )
            return self._icons.icon(kind)
        return self._icons.icon(what)  # type: ignore[arg-type]

    def type(self, info: QFileInfo) -> str:
        if info.isDir():
            return "文件夹"
        mime = self._mime.mimeTypeForFile(info.fileName(), QMimeDatabase.MatchMode.MatchExtension)
        return mime.comment() or (f"{info.suffix()} 文件" if info.suffix() else "文件")


_PROVIDER: NameOnlyIconProvider | None = None


def _provider() -> NameOnlyIconProvider:
    global _PROVIDER
    if _PROVIDER is None:
        _PROVIDER = NameOnlyIconProvider()
    return _PROVIDER


def make_dialog(
    parent: QWidget | None, title: str, directory: str = "", name_filter: str = ""
) -> QFileDialog:
    """A file dialog of this application (safe icon provider; Qt's dialog except on Windows)."""
    dialog = QFileDialog(parent, title, directory, name_filter)
    if sys.platform != "win32":
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setIconProvider(_provider())
    dialog.setObjectName("fieldappFileDialog")
    return dialog


def _run(dialog: QFileDialog) -> list[str]:
    try:
        if dialog.exec() != QFileDialog.DialogCode.Accepted:
            return []
        return list(dialog.selectedFiles())
    finally:
        dialog.deleteLater()


def open_file_name(
    parent: QWidget | None, title: str, directory: str = "", name_filter: str = ""
) -> str:
    """One existing file, or "" when the user cancelled."""
    dialog = make_dialog(parent, title, directory, name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    chosen = _run(dialog)
    return chosen[0] if chosen else ""


def open_file_names(
    parent: QWidget | None, title: str, directory: str = "", name_filter: str = ""
) -> list[str]:
    """Existing files, or [] when the user cancelled."""
    dialog = make_dialog(parent, title, directory, name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    return _run(dialog)


def save_file_name(
    parent: QWidget | None, title: str, directory: str = "", name_filter: str = ""
) -> str:
    """Where to write a new file (Qt asks before replacing one), or "" when cancelled."""
    dialog = make_dialog(parent, title, directory, name_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    chosen = _run(dialog)
    return chosen[0] if chosen else ""
