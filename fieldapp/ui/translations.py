"""Qt's own words in Chinese: file dialogs, “已存在，要替换吗？”, 确定/取消/是/否, print dialogs.

Our widgets are written in Chinese, but Qt's standard dialogs and buttons speak English unless a
translator is installed. PySide6 ships Qt's translations (``qtbase_zh_CN.qm``) in its
translations folder; they are loaded once at start, before any window is built. The locale is
set to China too, so dates and numbers in Qt's widgets follow it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

LOCALE = "zh_CN"
CATALOGS = ("qtbase", "qt")
"""qtbase: file, message and print dialogs; qt: the remaining modules' strings (if shipped)."""

_installed: list[QTranslator] = []


def install_chinese(app: QCoreApplication) -> list[str]:
    """Install Qt's Chinese translations into ``app``; returns the catalogs that loaded.

    Safe to call more than once (a catalog already installed is not installed again).
    """
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    loaded = []
    for catalog in CATALOGS:
        name = f"{catalog}_{LOCALE}"
        if any(t.objectName() == name for t in _installed):
            loaded.append(catalog)
            continue
        translator = QTranslator(app)
        if translator.load(name, folder):
            translator.setObjectName(name)
            app.installTranslator(translator)
            _installed.append(translator)
            loaded.append(catalog)
    return loaded
