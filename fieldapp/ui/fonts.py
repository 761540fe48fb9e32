"""Register the bundled CJK font so Chinese renders on laptops that have none installed."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase

from fieldapp.core.values.glyphs import FONT_FILE


def register_bundled_font() -> str:
    """Add the shipped font to Qt's database and return its family name ('' if it failed)."""
    font_id = QFontDatabase.addApplicationFont(str(FONT_FILE))
    if font_id < 0:
        return ""
    families = QFontDatabase.applicationFontFamilies(font_id)
    return families[0] if families else ""


def apply_app_font(app: object, family: str, point_size: int = 10) -> None:
    if family and hasattr(app, "setFont"):
        app.setFont(QFont(family, point_size))
