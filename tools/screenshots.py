"""Screenshots of what a cadre sees, at 1366×768 (a common laptop screen), for review and docs.

    python tools/screenshots.py [--out out/screenshots]

Runs offscreen on a fresh temporary database with demo households plus one complete household,
and writes main.png, editor_<FORM>.png for every form, editor_assessment.png and
editor_hints.png (the 两有五保障 and 应享未享 panels), standards.png and standards_minimum_wage.png,
dashboard.png, signature.png, office_*.png (Excel export and import, exit review, conflicts,
verify), procedures_*.png (the 待办 view, the step dialog, the editor's 办理程序 strip, at a
headquarters whose staff have taken exit cases part way), and the passphrase dialogs shown on a
1366×768 screen: unlock.png (after a wrong try), create.png, convert.png, locked.png,
recovery.png, change_passphrase.png. Open them and look:
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
        settle(app)
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
    procedure_screens(app, out)
    for png in sorted(out.glob("*.png")):
        print(png)
    return 0


def settle(app: QApplication, seconds: float = 0.6) -> None:
    """Let the window finish what it does right after showing (a form page builds its later
    sections in idle passes after the first paint): the picture a person sees a moment later."""
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


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


def procedure_screens(app: QApplication, out: Path) -> None:
    """Headquarters (its office is the 上级工会审批人) with demo households whose exits a cadre
    and a reviewer have taken part way: the 待办 view, the 公示 dialog, the editor's strip."""
    import json
    from datetime import date, timedelta

    from fieldapp.core import procedures as proc
    from fieldapp.core.trust import identity
    from fieldapp.core.trust.certificates import SigningIdentity
    from fieldapp.core.trust.enrollment import open_enrollment_keys
    from fieldapp.ui.procedures.session import SigningSession

    hq_path = Path(tempfile.mkdtemp()) / "hq.db"
    hq = open_store(hq_path, key=unlock_database(hq_path, PASSPHRASE))
    unit = "五华区总工会"
    identity.hq_init(hq, PASSPHRASE, unit=unit, author="办公室")
    generate_demo(hq, 40, seed=11, author="李干事")

    def staff(name: str, role: str) -> SigningIdentity:
        data, _ = identity.enroll_staff(
            hq, PASSPHRASE, PASSPHRASE, name=name, unit=unit, role=role, author="办公室"
        )
        doc = json.loads(data)
        key, _ = open_enrollment_keys(doc, PASSPHRASE)
        cert = identity.load_cert(doc["certificate"])
        return SigningIdentity(key, cert, [identity.ca_certificate(hq)], name, unit)

    cadre, reviewer = staff("李干事", "cadre"), staff("王审核", "reviewer")
    today = date.today()
    filed = [h["id"] for h in hq.search("", limit=40) if h.get("status") == "在档"][:6]
    reason = "经入户核查，家庭收入已连续 6 个月超过低保标准"
    for n, hid in enumerate(filed):  # four wait for 公示, one for 上级审批, one for 审核
        start = today - timedelta(days=40 - 4 * n)
        target = ("已脱困", "已解困")[n % 2]
        case = proc.open_case(hq, hid, proc.EXIT, signer=cadre, target=target, opened_on=start)
        steps = [(cadre, start, None), (reviewer, start + timedelta(days=2), None)]
        if n == 0:
            shown = proc.Publicity(start + timedelta(days=3), start + timedelta(days=9), False)
            steps.append((reviewer, start + timedelta(days=10), shown))
        for signer, day, publicity in steps[: 1 if n == 5 else len(steps)]:
            proc.take_step(
                hq,
                case.id,
                signer=signer,
                decision="通过",
                opinion="公示期满，无异议，同意。" if publicity else "情况属实，同意。",
                decided_on=day,
                publicity=publicity,
                override_reason=reason,
            )
    window = MainWindow(hq, "赵主任")
    window.resize(*SIZE)
    window.show()
    SigningSession.of(hq).unlock = lambda parent: None  # type: ignore[method-assign]
    todo = window.show_todo()
    todo.table.selectRow(0)  # type: ignore[attr-defined]
    app.processEvents()
    window.grab().save(str(out / "procedures_todo.png"))
    dialog = todo.detail.decide(proc.APPROVE)  # type: ignore[attr-defined]
    dialog.resize(700, dialog.sizeHint().height())
    app.processEvents()
    dialog.grab().save(str(out / "procedures_step_dialog.png"))
    dialog.reject()
    window.open_household(todo.detail.view.case.household_id)  # type: ignore[attr-defined]
    app.processEvents()
    window.grab().save(str(out / "procedures_editor_strip.png"))
    window.close()
    hq.close()


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
