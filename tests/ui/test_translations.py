"""Qt's own dialogs speak Chinese once the application has started (no English OK/Cancel)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QPushButton
from pytestqt.qtbot import QtBot

from fieldapp.ui import app as app_module
from fieldapp.ui import file_dialogs, translations
from tests.stores import unlock_test_db


def _uninstall(qapp: QApplication) -> None:
    for translator in translations._installed:
        qapp.removeTranslator(translator)
    translations._installed.clear()


def test_starting_the_app_makes_the_file_dialog_chinese(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _uninstall(qapp)
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"
    monkeypatch.setattr(app_module, "build_main_window", lambda store: None)
    monkeypatch.setattr(  # the passphrase as the unlock dialog would hand it over
        app_module, "ask_key", lambda db_path, readonly: unlock_test_db(db_path)
    )
    assert app_module.run(tmp_path / "x.db") == 0  # start-up as `fieldapp` does, no window
    dialog = file_dialogs.make_dialog(None, "导出 Excel", str(tmp_path), "Excel 文件 (*.xlsx)")
    qtbot.addWidget(dialog)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.show()
    box = dialog.findChild(QDialogButtonBox)
    texts = {b.text().replace("&", "") for b in box.findChildren(QPushButton)}
    assert {"保存(S)", "取消"} <= texts or {"保存", "取消"} <= texts, texts
    labels = " ".join(w.text() for w in dialog.findChildren(type(dialog.findChild(QPushButton))))
    assert "Cancel" not in labels and "Save" not in labels
    assert QCoreApplication.translate("QPlatformTheme", "&Yes").startswith("是")
    replace = "%1 already exists.\nDo you want to replace it?"  # the save dialog's question
    assert "已存在" in QCoreApplication.translate("QFileDialog", replace)
    dialog.close()
