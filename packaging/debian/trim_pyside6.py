"""Trim PySide6 to what 户户清 uses: its wheels hold all of Qt (~650 MB installed: WebEngine,
QML/Quick, 3D, Multimedia with FFmpeg, Designer, 40 languages), the app needs about a tenth.

What stays is worked out, not listed by hand, so a new PySide6 release keeps working: the Qt
modules the app's code imports (``PySide6.QtX`` in fieldapp/), the platform plugins a desktop
needs, and every bundled Qt library those load (their ELF ``NEEDED`` entries, read with
``readelf``, followed to the end). Only the imported binding modules stay (QtCharts loads
libQt6OpenGL but never imports the QtOpenGL binding, 8 MB). Everything else of PySide6's is
deleted, then what stays is checked: no kept file may need a bundled library that was deleted.

    python3 trim_pyside6.py LIB_DIR APP_DIR     (LIB_DIR holds PySide6/ and shiboken6/)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

PLUGINS = (
    "platforms/libqxcb.so",  # X11; on a Wayland desktop through XWayland
    "platforms/libqoffscreen.so",
    "platforms/libqminimal.so",
    "xcbglintegrations/libqxcb-glx-integration.so",
    "xcbglintegrations/libqxcb-egl-integration.so",
    "platforminputcontexts/libibusplatforminputcontextplugin.so",  # Chinese input (ibus, fcitx5)
    "platforminputcontexts/libcomposeplatforminputcontextplugin.so",
    "imageformats/libqsvg.so",
    "imageformats/libqjpeg.so",
    "imageformats/libqgif.so",
    "imageformats/libqico.so",
    "iconengines/libqsvgicon.so",
    "printsupport/libcupsprintersupport.so",  # the system's printers, through CUPS
)
TRANSLATIONS = ("qtbase_zh_CN.qm",)
"""fieldapp/ui/translations.py: Qt's dialogs and buttons. The "qt" catalog is only a list of other
modules' catalogs (QML, Multimedia...), none of which the app uses."""
REMOVED_FOLDERS = ("qml", "resources", "libexec", "metatypes")  # under PySide6/Qt
KEPT_TOP_LEVEL = {"Qt", "support", "__init__.py", "_config.py", "_git_pyside_version.py"}
"""What stays at PySide6/'s top level besides kept binding modules: tools (designer, linguist, qml*),
headers, typesystems, glue sources, stubs (.pyi) and the rest go."""


def used_modules(app: Path) -> set[str]:
    pattern = re.compile(r"PySide6\.(Qt\w+)")
    found: set[str] = set()
    for source in app.rglob("*.py"):
        found.update(pattern.findall(source.read_text("utf-8")))
    return found


def needed(path: Path) -> list[str]:
    """The sonames an ELF file needs (``DT_NEEDED``)."""
    out = subprocess.run(
        ["readelf", "-d", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def closure(roots: list[Path], bundled: dict[str, Path]) -> set[str]:
    """The bundled libraries ``roots`` load, directly or through one another."""
    kept: set[str] = set()
    todo = list(roots)
    while todo:
        for soname in needed(todo.pop()):
            if soname in bundled and soname not in kept:
                kept.add(soname)
                todo.append(bundled[soname])
    return kept


def binding(module: Path) -> str:
    return module.name.split(".")[0]


def trim(lib: Path, app: Path) -> None:
    pyside = lib / "PySide6"
    qt = pyside / "Qt"
    bundled = {p.name: p for p in (qt / "lib").iterdir()}
    modules = {binding(p): p for p in pyside.glob("Qt*.abi3.so")}
    wanted = used_modules(app)
    missing = wanted - modules.keys()
    if missing:
        sys.exit(f"trim_pyside6: the app imports {sorted(missing)}, which PySide6 lacks")
    plugins = [qt / "plugins" / name for name in PLUGINS]
    roots = [modules[m] for m in wanted] + [p for p in plugins if p.exists()]
    libs = closure(roots, bundled)

    for entry in pyside.iterdir():
        if entry.name in KEPT_TOP_LEVEL or entry.name.startswith("libpyside6.abi3"):
            continue
        if entry.name.endswith(".abi3.so") and binding(entry) in wanted:
            continue
        remove(entry)
    for name, path in bundled.items():
        if name not in libs:
            remove(path)
    for folder in REMOVED_FOLDERS:
        remove(qt / folder)
    for folder in (qt / "plugins").iterdir():
        for plugin in folder.iterdir():
            if plugin not in plugins:
                remove(plugin)
        if not any(folder.iterdir()):
            folder.rmdir()
    for translation in (qt / "translations").iterdir():
        if translation.name not in TRANSLATIONS:
            remove(translation)
    check(pyside, set(bundled))


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def check(pyside: Path, bundled: set[str]) -> None:
    """Every kept ELF file's bundled dependencies are still there."""
    present = {p.name for p in (pyside / "Qt" / "lib").iterdir()}
    for path in pyside.rglob("*.so*"):
        if path.is_file() and not path.is_symlink():
            lost = [s for s in needed(path) if s in bundled and s not in present]
            if lost:
                sys.exit(f"trim_pyside6: {path} needs {lost}, which were removed")


if __name__ == "__main__":
    trim(Path(sys.argv[1]), Path(sys.argv[2]))
