"""Screenshots of what a cadre sees, at 1366×768 (a common laptop screen), for review and docs.

    python tools/screenshots.py [--out out/screenshots]

Runs offscreen on a fresh temporary database with demo households plus one complete household,
and writes main.png, editor_<FORM>.png for every form, editor_assessment.png and
editor_hints.png (the 两有五保障 and 应享未享 panels), standards.png and standards_minimum_wage.png,
dashboard.png, signature.png and office_*.png (Excel export and import, exit review, conflicts,
verify), and the passphrase dialogs shown on a 1366×768 screen: unlock.png (after a wrong try),
create.png, convert.png, locked.png, recovery.png, change_passphrase.png. Open them and look:
Chinese must render as Chinese (the app registers its bundled font).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QPoint  # noqa: E402
from PySide6.QtGui import QColor, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from fieldapp.core.demo.generate import generate_demo  # noqa: E402
from fieldapp.core.store.database import open_store  # noqa: E402
from fieldapp.core.store.unlock import unlock_database  # noqa: E402
from fieldapp.ui.fonts import apply_app_font, register_bundled_font  # noqa: E402
from fieldapp.ui.main_window import MainWindow  # noqa: E402
from fieldapp.ui.signature_pad import SignatureDialog  # noqa: E402
from fieldapp.ui.standards_dialog import StandardsDialog  # noqa: E402
from fieldapp.ui.translations import install_chinese  # noqa: E402

SIZE = (1366, 768)
PASSPHRASE = b"screenshot passphrase"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(REPO / "out" / "screenshots"))
    parser.add_argument("--households", type=int, default=300)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    apply_app_font(app, register_bundled_font())
    install_chinese(app)
    folder = Path(tempfile.mkdtemp())
    path = folder / "screens.db"
    store = open_store(path, key=unlock_database(path, PASSPHRASE))
    store.set_meta("profile.name", "李干事")
    generate_demo(store, args.households, seed=7, author="李干事")
    window = MainWindow(store, "李干事")
    window.resize(*SIZE)
    window.show()
    app.processEvents()
    window.grab().save(str(out / "main.png"))
    household = store.search("", limit=1)[0]["id"]
    editor = window.open_household(household)
    for row, form_id in enumerate(store.survey.forms):
        editor.nav.setCurrentRow(row)
        app.processEvents()
        window.grab().save(str(out / f"editor_{form_id}.png"))
    editor.nav.setCurrentRow(1)
    for tab, name in ((1, "editor_assessment"), (2, "editor_hints")):
        editor.side_tabs.setCurrentIndex(tab)
        app.processEvents()
        window.grab().save(str(out / f"{name}.png"))
    editor.side_tabs.setCurrentIndex(0)
    standards = StandardsDialog(store, "李干事", window)
    standards.resize(*SIZE)
    standards.show()
    app.processEvents()
    standards.grab().save(str(out / "standards.png"))
    standards.tabs.setCurrentIndex(1)
    app.processEvents()
    standards.grab().save(str(out / "standards_minimum_wage.png"))
    standards.close()
    dashboard = window.show_dashboard()
    dashboard.refresh()  # type: ignore[attr-defined]
    while dashboard.stats is None:  # type: ignore[attr-defined]
        app.processEvents()
    app.processEvents()
    window.grab().save(str(out / "dashboard.png"))
    dialog = SignatureDialog("职工签字")
    wave = [[20 + i * 5, 110 + 40 * math.sin(i / 6)] for i in range(100)]
    dialog.pad.set_strokes([wave, [[80, 60], [140, 150]], [[300, 70], [330, 150], [380, 80]]])
    dialog.resize(760, 330)
    dialog.show()
    app.processEvents()
    dialog.grab().save(str(out / "signature.png"))
    office_screens(app, window, out)
    passphrase_dialogs(app, out, path, folder, store.key)
    window.close()
    store.close()
    for png in sorted(out.glob("*.png")):
        print(png)
    return 0


def office_screens(app: QApplication, window: MainWindow, out: Path) -> None:
    """The office workspace: Excel export (after exporting), archive import (after a check of that
    export), the exit review and the conflicts and verify views."""
    folder = Path(tempfile.mkdtemp())

    def until(done: object) -> None:
        while not done():  # type: ignore[operator]
            app.processEvents()

    export = window.export_excel()
    op = export.export(str(folder / "导出.xlsx"))  # type: ignore[attr-defined]
    until(lambda: not op.running)
    app.processEvents()
    export.grab().save(str(out / "office_export.png"))  # type: ignore[attr-defined]
    export.close()  # type: ignore[attr-defined]
    archive = window.import_archive()
    archive.file.setText(str(folder / "导出.xlsx"))  # type: ignore[attr-defined]
    op = archive.run(dry_run=True)  # type: ignore[attr-defined]
    until(lambda: not op.running)
    archive.grab().save(str(out / "office_import.png"))  # type: ignore[attr-defined]
    archive.close()  # type: ignore[attr-defined]
    review = window.show_exit_review()
    until(lambda: review.review is not None)  # type: ignore[attr-defined]
    app.processEvents()
    window.grab().save(str(out / "office_exit_review.png"))
    for name, show in (("conflicts", window.show_conflicts), ("verify", window.show_verify)):
        show()
        app.processEvents()
        window.grab().save(str(out / f"office_{name}.png"))


def on_screen(app: QApplication, widget: QWidget, target: Path) -> None:
    """The dialog centred on a 1366×768 screen, as the cadre sees it."""
    widget.show()
    app.processEvents()
    screen = QPixmap(*SIZE)
    screen.fill(QColor("#3b4252"))
    shot = widget.grab()
    painter = QPainter(screen)
    painter.drawPixmap(QPoint((SIZE[0] - shot.width()) // 2, (SIZE[1] - shot.height()) // 3), shot)
    painter.end()
    screen.save(str(target))
    widget.close()


def passphrase_dialogs(app: QApplication, out: Path, path: Path, folder: Path, key: object) -> None:
    from fieldapp.core.store.encryption import DatabaseKey
    from fieldapp.ui.recovery_dialog import RecoveryDialog
    from fieldapp.ui.security_menu import ChangePassphraseDialog
    from fieldapp.ui.unlock_dialog import UnlockDialog

    unlock = UnlockDialog(path)
    unlock.passphrase.setText("wrong")
    unlock._wrong()
    unlock.caps.setText("大写锁定已打开")
    on_screen(app, unlock, out / "unlock.png")
    on_screen(app, UnlockDialog(folder / "new.db"), out / "create.png")
    old = folder / "old.db"
    open_store(old, key=None).close()
    convert = UnlockDialog(old)
    convert.progress.setVisible(True)
    convert.progress.setValue(42)
    convert.message.setText("正在加密数据库，请勿关闭电脑…")
    on_screen(app, convert, out / "convert.png")
    assert isinstance(key, DatabaseKey)
    on_screen(app, UnlockDialog(path, relock=key), out / "locked.png")
    on_screen(app, RecoveryDialog(path, can_request=True), out / "recovery.png")
    on_screen(app, ChangePassphraseDialog(), out / "change_passphrase.png")


if __name__ == "__main__":
    sys.exit(main())
