"""The sections of a long form as a row of links kept above it: one click (or Alt+number) away.

Why: on a 1366×768 laptop Form A is five screens long; reaching 家庭成员 or 致困原因 took three
or four flicks of the wheel and a click. A link puts the section at the top of the page and the
cursor in its first field still to be filled, so typing goes on at once. The bar sits in the
scroll area's top margin (it does not scroll away); a form with one section has none.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QHBoxLayout, QLabel, QToolButton, QWidget

SHORTCUT_DIGITS = "1234567890"
"""Alt+1 … Alt+9 reach sections 1–9, Alt+0 the tenth."""


def shortcut_of(index: int) -> str | None:
    """The shortcut of section ``index`` (0-based), if it has one."""
    return f"Alt+{SHORTCUT_DIGITS[index]}" if index < len(SHORTCUT_DIGITS) else None


class SectionBar(QWidget):
    """Links to a form's sections, numbered as their shortcuts; ``jump(index)`` on a click."""

    def __init__(self, titles: list[str], jump: Callable[[int], object]) -> None:
        super().__init__()
        self.setObjectName("sectionBar")
        self.setStyleSheet(
            "#sectionBar { background: #f6f5f4; border-bottom: 1px solid #deddda; }"
            " QToolButton { padding: 1px 4px; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.setSpacing(2)
        lead = QLabel("跳到：")
        lead.setStyleSheet("color: #555;")
        layout.addWidget(lead)
        self.buttons: list[QToolButton] = []
        for index, title in enumerate(titles):
            button = QToolButton()
            number = SHORTCUT_DIGITS[index] if index < len(SHORTCUT_DIGITS) else ""
            button.setText(f"{number} {title}".strip())
            keys = shortcut_of(index)
            button.setToolTip(f"跳到“{title}”" + (f"（{keys}）" if keys else ""))
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab never stops here
            button.clicked.connect(lambda _=False, i=index: jump(i))
            layout.addWidget(button)
            self.buttons.append(button)
        layout.addStretch(1)

    def place(self, area: QAbstractScrollArea) -> None:
        """Keep the bar in ``area``'s top margin (call on every resize of the area)."""
        frame = area.frameWidth()
        height = self.sizeHint().height()
        self.setGeometry(frame, frame, area.width() - 2 * frame, height)
