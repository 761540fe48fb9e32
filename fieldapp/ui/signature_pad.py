"""Signatures: a pad that takes mouse, pen and finger, a dialog around it, and the field widget.

Strokes are kept in a fixed 600 × 200 canvas (points ``[x, y]`` rounded to 0.1), whatever the size
of the pad on screen, so a signature looks the same on every laptop, in thumbnails, in the PNG and
in printed ledgers. The stored shape is the one ``fieldapp.core.fieldtypes._signature`` accepts:
``{"strokes": [[[x, y], ...], ...]}`` (or ``{"png": base64}`` when a signature came as a picture).
"""

from __future__ import annotations

import base64
import binascii
import copy
import math
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QShortcut,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.forms.model import Field
from fieldapp.ui.dialogs import ask
from fieldapp.ui.field_widgets import FieldWidget

CANVAS_WIDTH = 600.0
CANVAS_HEIGHT = 200.0
BASELINE_Y = 150.0  # the line people sign on, in canvas units
PEN_WIDTH = 3.2  # canvas units: about 1.6 mm on a printed 30 cm line
MIN_STEP = 0.8  # canvas units between recorded points (drops jitter, keeps the data small)
INK = QColor("#10205a")  # dark blue-black, like a ballpoint pen
HINT = QColor("#c4c8d0")
GUIDE = QColor("#9aa3b0")
THUMB_SIZE = QSize(240, 80)

Strokes = list[list[list[float]]]


# -- rendering (shared by the pad, the PNG and thumbnails) ------------------------------------------


def stroke_path(stroke: Sequence[Sequence[float]]) -> QPainterPath:
    """A smooth path through the points: quadratic curves between midpoints (no corners)."""
    points = [QPointF(float(p[0]), float(p[1])) for p in stroke]
    path = QPainterPath()
    if not points:
        return path
    path.moveTo(points[0])
    if len(points) < 3:
        for point in points[1:]:
            path.lineTo(point)
        return path
    for i in range(1, len(points) - 1):
        mid = (points[i] + points[i + 1]) / 2
        path.quadTo(points[i], mid)
    path.lineTo(points[-1])
    return path


def canvas_rect(target: QRectF) -> QRectF:
    """The largest 3:1 rectangle centred in ``target`` (signatures are never stretched)."""
    scale = min(target.width() / CANVAS_WIDTH, target.height() / CANVAS_HEIGHT)
    width, height = CANVAS_WIDTH * scale, CANVAS_HEIGHT * scale
    return QRectF(
        target.x() + (target.width() - width) / 2,
        target.y() + (target.height() - height) / 2,
        width,
        height,
    )


def paint_strokes(
    painter: QPainter, strokes: Sequence[Sequence[Sequence[float]]], target: QRectF
) -> None:
    """Draw canvas-coordinate strokes into ``target`` (kept at 3:1), antialiased, round ends."""
    area = canvas_rect(target)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.translate(area.topLeft())
    painter.scale(area.width() / CANVAS_WIDTH, area.height() / CANVAS_HEIGHT)
    pen = QPen(INK, PEN_WIDTH, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for stroke in strokes:
        if len(stroke) == 1:  # a dot (the point over an i, a full stop)
            painter.drawPoint(QPointF(float(stroke[0][0]), float(stroke[0][1])))
        elif stroke:
            painter.drawPath(stroke_path(stroke))
    painter.restore()


def render_strokes(
    strokes: Sequence[Sequence[Sequence[float]]], width: int = 600, height: int = 200
) -> QImage:
    """The strokes on a white image of the given size."""
    image = QImage(max(width, 1), max(height, 1), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    paint_strokes(painter, strokes, QRectF(0, 0, image.width(), image.height()))
    painter.end()
    return image


def image_to_png_base64(image: QImage) -> str:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes; str works
    buffer.close()
    return base64.b64encode(bytes(data.data())).decode("ascii")


def valid_strokes(value: Any) -> Strokes | None:
    """The strokes in a stored value, as floats; None if it holds none (or is malformed)."""
    strokes = value.get("strokes") if isinstance(value, dict) else None
    if not isinstance(strokes, list) or not strokes:
        return None
    out: Strokes = []
    for stroke in strokes:
        if not isinstance(stroke, list):
            return None
        points: list[list[float]] = []
        for point in stroke:
            if (
                not isinstance(point, list | tuple)
                or len(point) != 2
                or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in point)
            ):
                return None
            points.append([float(point[0]), float(point[1])])
        out.append(points)
    return out


def signature_pixmap(value: Any, size: QSize = THUMB_SIZE) -> QPixmap | None:
    """A picture of a stored signature (strokes or PNG); None if there is nothing to show."""
    strokes = valid_strokes(value)
    if strokes is not None:
        return QPixmap.fromImage(render_strokes(strokes, size.width(), size.height()))
    if isinstance(value, dict) and "png" in value:
        try:
            raw = base64.b64decode(str(value["png"]), validate=True)
        except (binascii.Error, ValueError):
            return None
        pixmap = QPixmap()
        if not pixmap.loadFromData(raw) or pixmap.isNull():
            return None
        return pixmap.scaled(
            size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    return None


# -- the pad ------------------------------------------------------------------------------------------


class SignaturePad(QWidget):
    """Draw with the mouse, a pen (tablet events) or a finger (touch events)."""

    strokesChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._strokes: Strokes = []
        self._current: list[list[float]] | None = None
        self._source: str | None = None  # "mouse", "tablet" or "touch" while a stroke is drawn
        self._touch_id: int | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMinimumSize(360, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("签名区")

    def sizeHint(self) -> QSize:
        return QSize(720, 240)

    # -- data -------------------------------------------------------------------------------------

    def strokes(self) -> Strokes:
        """Finished strokes in canvas coordinates (600 × 200), a copy."""
        return copy.deepcopy(self._strokes)

    def set_strokes(self, strokes: Sequence[Sequence[Sequence[float]]]) -> None:
        self._strokes = [[[float(p[0]), float(p[1])] for p in s] for s in strokes if len(s)]
        self._current, self._source = None, None
        self.update()
        self.strokesChanged.emit()

    def is_empty(self) -> bool:
        return not self._strokes and not self._current

    def clear(self) -> None:
        if self.is_empty():
            return
        self._strokes, self._current, self._source = [], None, None
        self.update()
        self.strokesChanged.emit()

    def undo_stroke(self) -> None:
        if self._strokes:
            self._strokes.pop()
            self.update()
            self.strokesChanged.emit()

    def to_image(self, width: int = 600, height: int = 200) -> QImage:
        return render_strokes(self._strokes, width, height)

    def to_png_base64(self, width: int = 600, height: int = 200) -> str:
        return image_to_png_base64(self.to_image(width, height))

    # -- coordinates ------------------------------------------------------------------------------

    def canvas_area(self) -> QRectF:
        """Where the 600 × 200 canvas sits on the widget (3:1, centred)."""
        return canvas_rect(QRectF(self.rect()).adjusted(4, 4, -4, -4))

    def to_canvas(self, pos: QPointF) -> list[float]:
        area = self.canvas_area()
        scale = area.width() / CANVAS_WIDTH
        x = (pos.x() - area.x()) / scale
        y = (pos.y() - area.y()) / scale
        x = min(max(x, 0.0), CANVAS_WIDTH)
        y = min(max(y, 0.0), CANVAS_HEIGHT)
        return [round(x, 1), round(y, 1)]

    # -- strokes from any device ------------------------------------------------------------------

    def _begin(self, source: str, pos: QPointF) -> None:
        self._source = source
        self._current = [self.to_canvas(pos)]
        self.update()

    def _extend(self, pos: QPointF) -> None:
        if self._current is None:
            return
        point = self.to_canvas(pos)
        last = self._current[-1]
        if math.hypot(point[0] - last[0], point[1] - last[1]) >= MIN_STEP:
            self._current.append(point)
            self.update()

    def _finish(self, pos: QPointF | None = None) -> None:
        if self._current is None:
            return
        if pos is not None:
            self._extend(pos)
        self._strokes.append(self._current)
        self._current, self._source = None, None
        self.update()
        self.strokesChanged.emit()

    def _abandon(self) -> None:
        self._current, self._source = None, None
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._source is None:
            self._begin("mouse", event.position())
            event.accept()
        else:
            event.ignore()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._source == "mouse":
            self._extend(event.position())
            event.accept()
        else:
            event.ignore()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._source == "mouse" and event.button() == Qt.MouseButton.LeftButton:
            self._finish(event.position())
            event.accept()
        else:
            event.ignore()

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            if self._source is None:
                self._begin("tablet", event.position())
        elif kind == QEvent.Type.TabletMove:
            if self._source == "tablet":
                self._extend(event.position())
        elif kind == QEvent.Type.TabletRelease and self._source == "tablet":
            self._finish(event.position())
        event.accept()  # no synthesised mouse events: the pen is handled here

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (
            QEvent.Type.TouchBegin,
            QEvent.Type.TouchUpdate,
            QEvent.Type.TouchEnd,
            QEvent.Type.TouchCancel,
        ):
            assert isinstance(event, QTouchEvent)
            self._touch(event)
            event.accept()
            return True
        return super().event(event)

    def _touch(self, event: QTouchEvent) -> None:
        if event.type() == QEvent.Type.TouchCancel:
            if self._source == "touch":
                self._abandon()
            self._touch_id = None
            return
        for point in event.points():  # one finger signs; further fingers are ignored
            state = point.state()
            if state == point.State.Pressed and self._source is None:
                self._touch_id = point.id()
                self._begin("touch", point.position())
            elif point.id() == self._touch_id and self._source == "touch":
                if state == point.State.Released:
                    self._finish(point.position())
                    self._touch_id = None
                elif state == point.State.Updated:
                    self._extend(point.position())

    # -- painting ---------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#eef0f3"))
        area = self.canvas_area()
        painter.fillRect(area, QColor("white"))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor("#d5d9e0"), 1))
        painter.drawRect(area.adjusted(0.5, 0.5, -0.5, -0.5))
        scale = area.width() / CANVAS_WIDTH
        baseline = area.y() + BASELINE_Y * scale
        left, right = area.x() + 30 * scale, area.right() - 30 * scale
        painter.setPen(QPen(GUIDE, max(1.0, 1.2 * scale)))
        painter.drawLine(QPointF(left, baseline), QPointF(right, baseline))
        cross = 7 * scale  # the little × where people start signing
        painter.drawLine(
            QPointF(left, baseline - 12 * scale - cross),
            QPointF(left + cross, baseline - 12 * scale),
        )
        painter.drawLine(
            QPointF(left, baseline - 12 * scale),
            QPointF(left + cross, baseline - 12 * scale - cross),
        )
        if self.is_empty():
            font = QFont(self.font())
            font.setPixelSize(max(12, int(30 * scale)))
            painter.setFont(font)
            painter.setPen(HINT)
            hint_box = QRectF(area.x(), area.y(), area.width(), baseline - area.y())
            painter.drawText(hint_box, Qt.AlignmentFlag.AlignCenter, "请在此签名")
        strokes: list[list[list[float]]] = list(self._strokes)
        if self._current:
            strokes.append(self._current)
        paint_strokes(painter, strokes, area)
        painter.end()


# -- the dialog ---------------------------------------------------------------------------------------


class SignatureDialog(QDialog):
    """签名 — {label}: the pad with 清除 / 撤销一笔 / 确定 / 取消."""

    def __init__(
        self,
        label: str,
        strokes: Sequence[Sequence[Sequence[float]]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"签名 — {label}")
        self.pad = SignaturePad()
        if strokes:
            self.pad.set_strokes(strokes)
        note = QLabel("请用鼠标、手写笔或手指在白色框内签名。写错了可“撤销一笔”或“清除”后重签。")
        note.setWordWrap(True)
        self.clear_button = QPushButton("清除")
        self.undo_button = QPushButton("撤销一笔")
        self.undo_button.setToolTip("撤销最后一笔（Ctrl+Z）")
        self.ok_button = QPushButton("确定")
        self.cancel_button = QPushButton("取消")
        self.ok_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.pad, 1)
        layout.addLayout(buttons)
        self.clear_button.clicked.connect(self.pad.clear)
        self.undo_button.clicked.connect(self.pad.undo_stroke)
        self.ok_button.clicked.connect(self.accept)
        self.cancel_button.clicked.connect(self.reject)
        self.pad.strokesChanged.connect(self._update_buttons)
        QShortcut(QKeySequence.StandardKey.Undo, self, self.pad.undo_stroke)
        self._update_buttons()
        self.resize(760, 330)

    def _update_buttons(self) -> None:
        empty = self.pad.is_empty()
        self.clear_button.setEnabled(not empty)
        self.undo_button.setEnabled(not empty)

    def strokes(self) -> Strokes:
        return self.pad.strokes()

    def accept(self) -> None:
        if self.pad.is_empty():
            if ask(
                self,
                "尚未签名",
                "签名框里还没有签名。\n请在框内签名；不签名请点“取消签名”。",
                "继续签名",
                "取消签名",
            ):
                return
            self.reject()
            return
        super().accept()


def run_signature_dialog(
    parent: QWidget | None, label: str, strokes: Sequence[Sequence[Sequence[float]]] | None
) -> Strokes | None:
    """Open the dialog modally; the strokes on 确定, None on 取消."""
    dialog = SignatureDialog(label, strokes, parent)
    try:
        return dialog.strokes() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()


# -- the field widget ---------------------------------------------------------------------------------


class SignatureWidget(FieldWidget):
    """A thumbnail of the signature (or 未签名) with 签名… and 清除签名.

    ``value()`` is None, ``{"strokes": [...]}``, or whatever signature value it was given (a
    ``{"png": ...}`` from elsewhere is kept untouched until someone signs again).
    """

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self._value: Any = None
        self.run_dialog: Callable[
            [QWidget, str, Sequence[Sequence[Sequence[float]]] | None], Strokes | None
        ] = run_signature_dialog
        self.thumbnail = QLabel()
        self.thumbnail.setFixedSize(THUMB_SIZE + QSize(4, 4))
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setStyleSheet("background: white; border: 1px solid #c0c4cc; color: #777;")
        self.sign_button = QPushButton("签名…")
        self.clear_button = QPushButton("清除签名")
        self.sign_button.clicked.connect(self.sign)
        self.clear_button.clicked.connect(self.clear_signature)
        buttons = QVBoxLayout()
        buttons.addWidget(self.sign_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.thumbnail)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._refresh()

    def value(self) -> Any:
        return copy.deepcopy(self._value)

    def _set(self, value: Any) -> None:
        self._value = copy.deepcopy(value) if value not in (None, "", {}) else None
        self._refresh()

    def is_signed(self) -> bool:
        return self._value is not None

    def _refresh(self) -> None:
        self.clear_button.setEnabled(self._value is not None and self.sign_button.isEnabled())
        if self._value is None:
            self.thumbnail.setPixmap(QPixmap())
            self.thumbnail.setText("未签名")
            self.thumbnail.setToolTip("")
            return
        pixmap = signature_pixmap(self._value, THUMB_SIZE)
        if pixmap is None:
            self.thumbnail.setPixmap(QPixmap())
            self.thumbnail.setText("签名数据无法显示")
            self.thumbnail.setToolTip("签名数据已原样保留；可点“签名…”重新签名。")
        else:
            self.thumbnail.setPixmap(pixmap)
            self.thumbnail.setToolTip(f"{self.field.label}：已签名")

    def sign(self) -> None:
        strokes = self.run_dialog(self, self.field.label, valid_strokes(self._value))
        if strokes is None or not strokes:
            return
        self._value = {"strokes": strokes}
        self._refresh()
        self._emit()

    def clear_signature(self) -> None:
        if self._value is None:
            return
        if not ask(
            self,
            "清除签名",
            f"确定清除“{self.field.label}”的签名吗？\n清除后需要重新签名。",
            "清除签名",
            "保留",
        ):
            return
        self._value = None
        self._refresh()
        self._emit()

    def focus_target(self) -> QWidget:
        return self.sign_button

    def set_read_only(self, read_only: bool) -> None:
        self.sign_button.setEnabled(not read_only)
        self._refresh()
