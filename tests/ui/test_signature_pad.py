"""The signature pad (mouse, pen, touch), its dialog and the signature field widget."""

from __future__ import annotations

import base64
import math
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from fieldapp.core.forms.fieldtypes import PNG_MAGIC, Context, coerce
from fieldapp.core.store.store import Store
from fieldapp.ui import signature_pad
from fieldapp.ui.fonts import apply_app_font, register_bundled_font
from fieldapp.ui.signature_pad import (
    SignatureDialog,
    SignaturePad,
    SignatureWidget,
    render_strokes,
    run_signature_dialog,
)
from tests.conftest import TODAY

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


def drag(widget: SignaturePad, points: list[tuple[int, int]]) -> None:
    """One stroke with the mouse, the way QtTest delivers real press / move / release."""
    QTest.mousePress(widget, LEFT, NO_MOD, QPoint(*points[0]))
    for x, y in points[1:]:
        QTest.mouseMove(widget, QPoint(x, y))
    QTest.mouseRelease(widget, LEFT, NO_MOD, QPoint(*points[-1]))


def wave(x0: int, y0: int, length: int, scale: float = 1.0) -> list[tuple[int, int]]:
    return [
        (int(x0 + i * 6 * scale), int(y0 - 30 * scale * math.sin(i / 3)))
        for i in range(length // 6)
    ]


def non_white(image: QImage) -> int:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            if QColor(image.pixel(x, y)).lightness() < 200:
                count += 1
    return count


@pytest.fixture
def pad(qtbot: QtBot) -> SignaturePad:
    widget = SignaturePad()
    qtbot.addWidget(widget)
    widget.resize(608, 208)  # the canvas then sits at (4, 4) at scale 1
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_mouse_strokes_are_kept_in_canvas_coordinates(pad: SignaturePad) -> None:
    assert pad.is_empty()
    drag(pad, [(54, 104), (104, 64), (154, 124), (204, 84)])
    drag(pad, wave(300, 150, 200))
    strokes = pad.strokes()
    assert len(strokes) == 2
    assert strokes[0][0] == [50.0, 100.0]
    assert strokes[0][-1] == [200.0, 80.0]
    assert all(0 <= x <= 600 and 0 <= y <= 200 for s in strokes for x, y in s)
    assert not pad.is_empty()


def test_strokes_do_not_depend_on_the_pad_size(qtbot: QtBot, pad: SignaturePad) -> None:
    big = SignaturePad()
    qtbot.addWidget(big)
    big.resize(1208, 408 + 100)  # twice as large, plus bands above and below (kept 3:1)
    big.show()
    qtbot.waitExposed(big)
    drag(pad, [(54, 104), (154, 124)])
    drag(big, [(104, 200 + 4), (304, 240 + 4)])  # band of 50 px: canvas starts at y = 54
    assert pad.strokes()[0] == [[50.0, 100.0], [150.0, 120.0]]
    assert big.strokes()[0] == [[50.0, 75.0], [150.0, 95.0]]
    drag(pad, [(700, -50), (650, 300)])  # outside the pad: clamped to the canvas
    assert pad.strokes()[-1] == [[600.0, 0.0], [600.0, 200.0]]


def test_png_decodes_and_shows_the_ink(pad: SignaturePad) -> None:
    drag(pad, wave(40, 110, 500))
    encoded = pad.to_png_base64()
    raw = base64.b64decode(encoded, validate=True)
    assert raw.startswith(PNG_MAGIC)
    image = QImage()
    assert image.loadFromData(raw)
    assert (image.width(), image.height()) == (600, 200)
    assert non_white(image) > 100
    assert QColor(image.pixel(5, 5)).lightness() == 255  # white background
    small = QImage()
    small.loadFromData(base64.b64decode(pad.to_png_base64(300, 100)))
    assert (small.width(), small.height()) == (300, 100)
    assert 0 < non_white(small) < non_white(image)


def test_undo_and_clear(qtbot: QtBot, pad: SignaturePad) -> None:
    drag(pad, [(54, 104), (104, 64)])
    drag(pad, [(204, 104), (254, 64)])
    with qtbot.waitSignal(pad.strokesChanged):
        pad.undo_stroke()
    assert pad.strokes() == [[[50.0, 100.0], [100.0, 60.0]]]
    pad.clear()
    assert pad.is_empty() and pad.strokes() == []
    pad.undo_stroke()  # nothing to undo: harmless
    assert pad.is_empty()
    assert non_white(pad.to_image()) == 0


def test_set_strokes_and_dots(pad: SignaturePad) -> None:
    pad.set_strokes([[[300, 100]], [[10, 10], [590, 190]]])
    assert pad.strokes() == [[[300.0, 100.0]], [[10.0, 10.0], [590.0, 190.0]]]
    image = render_strokes(pad.strokes())
    assert QColor(image.pixel(300, 100)).lightness() < 120  # the dot is drawn


def test_pen_and_touch_draw_too(qtbot: QtBot, pad: SignaturePad) -> None:
    pen = QPointingDevice(
        "测试手写笔",
        4242,
        QInputDevice.DeviceType.Stylus,
        QPointingDevice.PointerType.Pen,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
        1,
        2,
    )

    def tablet(kind: QEvent.Type, x: float, y: float, pressure: float) -> bool:
        pos = QPointF(x, y)
        buttons = LEFT if kind != QEvent.Type.TabletRelease else Qt.MouseButton.NoButton
        event = QTabletEvent(
            kind, pen, pos, pad.mapToGlobal(pos), pressure, 0, 0, 0, 0, 0, NO_MOD, LEFT, buttons
        )
        QApplication.sendEvent(pad, event)
        return event.isAccepted()

    assert tablet(QEvent.Type.TabletPress, 54, 54, 0.4)
    tablet(QEvent.Type.TabletMove, 84, 74, 0.6)
    tablet(QEvent.Type.TabletMove, 124, 64, 0.5)
    tablet(QEvent.Type.TabletRelease, 134, 54, 0.0)
    assert pad.strokes() == [[[50.0, 50.0], [80.0, 70.0], [120.0, 60.0], [130.0, 50.0]]]

    finger = QTest.createTouchDevice()
    touch = QTest.touchEvent(pad, finger)
    touch.press(0, QPoint(304, 104)).commit()
    touch.move(0, QPoint(334, 124)).commit()
    touch.move(0, QPoint(364, 104)).commit()
    touch.release(0, QPoint(394, 124)).commit()
    strokes = pad.strokes()
    assert len(strokes) == 2  # no extra stroke from synthesised mouse events
    # touch positions pass through the window system (offscreen: off by a pixel or two)
    assert strokes[1][0] == pytest.approx([300.0, 100.0], abs=3)
    assert strokes[1][-1] == pytest.approx([390.0, 120.0], abs=3)
    assert len(strokes[1]) == 4


# -- the dialog ----------------------------------------------------------------------------------


def test_dialog_ok_returns_the_strokes(qtbot: QtBot) -> None:
    dialog = SignatureDialog("职工签字")
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "签名 — 职工签字"
    assert [b.text() for b in (dialog.clear_button, dialog.undo_button)] == ["清除", "撤销一笔"]
    assert [b.text() for b in (dialog.ok_button, dialog.cancel_button)] == ["确定", "取消"]
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.undo_button.isEnabled()
    drag(dialog.pad, wave(60, 120, 300))
    drag(dialog.pad, [(420, 80), (460, 140)])
    assert dialog.undo_button.isEnabled()
    dialog.undo_button.click()
    assert len(dialog.strokes()) == 1
    dialog.ok_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert len(dialog.strokes()) == 1


def test_dialog_ok_on_empty_pad_asks_to_sign_or_cancel(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    answer = {"continue": True}

    def fake_ask(parent: object, title: str, text: str, yes: str, no: str) -> bool:
        asked.append(f"{title}|{yes}|{no}")
        return answer["continue"]

    monkeypatch.setattr(signature_pad, "ask", fake_ask)
    dialog = SignatureDialog("帮扶人签字")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.ok_button.click()
    assert asked == ["尚未签名|继续签名|取消签名"]
    assert dialog.isVisible()  # back to signing
    answer["continue"] = False
    dialog.ok_button.click()
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible()


def test_dialog_cancel_and_clear(qtbot: QtBot) -> None:
    dialog = SignatureDialog("职工签字", [[[10, 10], [50, 50]]])
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.clear_button.isEnabled()
    dialog.clear_button.click()
    assert dialog.pad.is_empty() and not dialog.clear_button.isEnabled()
    dialog.cancel_button.click()
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_modal_dialog_flow_driven_by_a_timer(qtbot: QtBot) -> None:
    seen: list[str] = []

    def sign_and_confirm() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SignatureDialog)
        seen.append(dialog.windowTitle())
        drag(dialog.pad, wave(60, 120, 400))
        dialog.ok_button.click()

    QTimer.singleShot(0, sign_and_confirm)
    strokes = run_signature_dialog(None, "职工签字", None)
    assert seen == ["签名 — 职工签字"]
    assert strokes and len(strokes) == 1 and len(strokes[0]) > 10

    def cancel() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SignatureDialog)
        dialog.cancel_button.click()

    QTimer.singleShot(0, cancel)
    assert run_signature_dialog(None, "职工签字", strokes) is None


# -- the field widget ------------------------------------------------------------------------------


@pytest.fixture
def signature_field(store: Store):  # type: ignore[no-untyped-def]
    field = store.survey.form("A").field("worker_signature")
    assert field is not None and field.type == "signature"
    return field


def test_signature_widget_signs_and_round_trips(
    qtbot: QtBot, store: Store, signature_field, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    widget = SignatureWidget(signature_field)
    qtbot.addWidget(widget)
    assert widget.value() is None
    assert widget.thumbnail.text() == "未签名"
    assert [widget.sign_button.text(), widget.clear_button.text()] == ["签名…", "清除签名"]
    assert not widget.clear_button.isEnabled()

    drawn = [[[40.0, 120.0], [120.0, 60.0], [200.0, 140.0]], [[300.0, 100.0]]]
    calls: list[tuple[str, object]] = []

    def fake_dialog(parent: object, label: str, strokes: object) -> list[list[list[float]]]:
        calls.append((label, strokes))
        return drawn

    widget.run_dialog = fake_dialog
    with qtbot.waitSignal(widget.changed):
        widget.sign_button.click()
    assert calls == [("职工签字", None)]
    assert widget.value() == {"strokes": drawn}
    assert widget.thumbnail.pixmap() is not None and not widget.thumbnail.pixmap().isNull()
    assert widget.clear_button.isEnabled()

    # the stored shape is what the core accepts, and it lands in the store unchanged
    checked = coerce(signature_field, widget.value(), Context(TODAY, store.regions))
    assert checked.valid
    hid = store.create_household("甲")
    store.save_form(
        hid, "A", {"name": "张三", "worker_signature": widget.value()}, author="甲", today=TODAY
    )
    kept = store.current(hid)["A"]["worker_signature"]
    assert kept == {"strokes": drawn}

    again = SignatureWidget(signature_field)
    qtbot.addWidget(again)
    changes: list[None] = []
    again.changed.connect(lambda: changes.append(None))
    again.set_value(kept)
    assert again.value() == kept and changes == []  # loading is not an edit
    again.run_dialog = fake_dialog
    again.sign()
    assert calls[-1] == ("职工签字", drawn)  # re-signing starts from the stored strokes


def test_signature_widget_clear_asks_first(
    qtbot: QtBot, signature_field, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    widget = SignatureWidget(signature_field)
    qtbot.addWidget(widget)
    widget.set_value({"strokes": [[[1, 2], [3, 4]]]})
    answers = iter([False, True])
    monkeypatch.setattr(signature_pad, "ask", lambda *args: next(answers))
    changes: list[None] = []
    widget.changed.connect(lambda: changes.append(None))
    widget.clear_button.click()
    assert widget.value() == {"strokes": [[[1, 2], [3, 4]]]} and changes == []
    widget.clear_button.click()
    assert widget.value() is None and changes == [None]
    assert widget.thumbnail.text() == "未签名"


def test_signature_widget_keeps_png_and_bad_values(qtbot: QtBot, signature_field) -> None:  # type: ignore[no-untyped-def]
    png = SignaturePad()
    qtbot.addWidget(png)
    png.set_strokes([[[20, 150], [300, 40], [580, 150]]])
    value = {"png": png.to_png_base64()}
    widget = SignatureWidget(signature_field)
    qtbot.addWidget(widget)
    widget.set_value(value)
    assert widget.value() == value
    assert not widget.thumbnail.pixmap().isNull()
    widget.set_value({"png": "not base64!"})
    assert widget.value() == {"png": "not base64!"}  # a draft keeps what it was given
    assert widget.thumbnail.text() == "签名数据无法显示"
    widget.set_read_only(True)
    assert not widget.sign_button.isEnabled() and not widget.clear_button.isEnabled()
    widget.set_value(None)
    assert widget.value() is None


def test_dialog_screenshot_shows_chinese(qtbot: QtBot, qapp: object, tmp_path: Path) -> None:
    apply_app_font(qapp, register_bundled_font())
    dialog = SignatureDialog("职工签字")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    empty = dialog.grab().toImage()
    drag(dialog.pad, wave(120, 170, 420))
    shot = tmp_path / "signature.png"
    assert dialog.grab().save(str(shot))
    assert shot.stat().st_size > 5000
    assert empty.size() == dialog.size()
