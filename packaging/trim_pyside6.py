"""Trim PySide6 to what 户户清 uses: its wheels hold all of Qt (~650 MB installed: WebEngine,
QML/Quick, 3D, Multimedia with FFmpeg, Designer, 40 languages), the app needs about a sixth.

What stays is worked out, not listed by hand, so a new PySide6 release keeps working: the Qt
modules the app's code imports (``PySide6.QtX`` in fieldapp/), the plugins a desktop needs, and
every bundled library those load, followed to the end: ELF ``NEEDED`` entries (read with
``readelf``) on Linux, PE import tables (pe_imports.py) on Windows. Only the imported binding
modules stay (QtCharts loads the OpenGL library but never imports the QtOpenGL binding).
Everything else of PySide6's is deleted, then what stays is checked: no kept file may need a
bundled library that was deleted. The Debian and the Windows build both call this, each with
the wheel layout of its platform.

    python3 trim_pyside6.py linux|windows LIB_DIR APP_DIR    (LIB_DIR holds PySide6/, shiboken6/)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pe_imports import imports as pe_needed  # noqa: E402


def elf_needed(path: Path) -> list[str]:
    """The sonames an ELF file needs (``DT_NEEDED``)."""
    out = subprocess.run(
        ["readelf", "-d", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


@dataclass(frozen=True)
class Layout:
    """Where one platform's PySide6 wheels put bindings, Qt libraries, plugins and translations."""

    binding_suffix: str  # QtCore<suffix>
    libraries: str  # folder of the bundled Qt (and runtime) libraries, under PySide6/
    library_glob: str
    qt: str  # folder holding plugins/ and translations/, under PySide6/
    plugins: tuple[str, ...]
    removed_folders: tuple[str, ...]  # under PySide6/<qt>
    needed: Callable[[Path], list[str]]
    case_sensitive: bool


LINUX = Layout(
    binding_suffix=".abi3.so",
    libraries="Qt/lib",
    library_glob="*",
    qt="Qt",
    plugins=(
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
    ),
    removed_folders=("qml", "resources", "libexec", "metatypes"),
    needed=elf_needed,
    case_sensitive=True,
)
WINDOWS = Layout(
    binding_suffix=".pyd",
    libraries=".",  # Qt6*.dll, pyside6.abi3.dll and the MSVC runtime sit beside the bindings
    library_glob="*.dll",
    qt=".",
    plugins=(
        "platforms/qwindows.dll",
        "platforms/qoffscreen.dll",
        "platforms/qminimal.dll",
        "styles/qmodernwindowsstyle.dll",  # the Windows 10/11 look
        "imageformats/qsvg.dll",
        "imageformats/qjpeg.dll",
        "imageformats/qgif.dll",
        "imageformats/qico.dll",
        "iconengines/qsvgicon.dll",
    ),
    # opengl32sw.dll (software OpenGL, 20 MB) goes with the unused libraries: widgets paint
    # without OpenGL.
    removed_folders=(
        "qml",
        "resources",
        "metatypes",
        "include",
        "lib",
        "doc",
        "glue",
        "typesystems",
        "scripts",
    ),
    needed=pe_needed,
    case_sensitive=False,
)
LAYOUTS = {"linux": LINUX, "windows": WINDOWS}
TRANSLATIONS = ("qtbase_zh_CN.qm",)
"""fieldapp/ui/translations.py: Qt's dialogs and buttons. The "qt" catalog is only a list of other
modules' catalogs (QML, Multimedia...), none of which the app uses."""
KEPT_TOP_LEVEL = {"Qt", "support", "__init__.py", "_config.py", "_git_pyside_version.py"}
"""What stays at PySide6/'s top level besides kept bindings and libraries: tools (designer,
linguist, qml*), headers, typesystems, glue sources, stubs (.pyi) and the rest go."""


def used_modules(app: Path) -> set[str]:
    pattern = re.compile(r"PySide6\.(Qt\w+)")
    found: set[str] = set()
    for source in app.rglob("*.py"):
        found.update(pattern.findall(source.read_text("utf-8")))
    return found


class Trim:
    """One trim of one PySide6 install; library names compared as the platform's loader does."""

    def __init__(self, lib: Path, layout: Layout) -> None:
        self.layout = layout
        self.pyside = lib / "PySide6"
        self.qt = self.pyside / layout.qt
        self.bundled = {  # shiboken6/ is left whole: a few MB, needed by every binding
            self.key(p.name): p for p in (self.pyside / layout.libraries).glob(layout.library_glob)
        }
        self.modules = {
            p.name.removesuffix(layout.binding_suffix): p
            for p in self.pyside.glob(f"Qt*{layout.binding_suffix}")
        }

    def key(self, name: str) -> str:
        return name if self.layout.case_sensitive else name.lower()

    def closure(self, roots: list[Path]) -> set[str]:
        """The bundled libraries ``roots`` load, directly or through one another."""
        kept: set[str] = set()
        todo = list(roots)
        while todo:
            for name in map(self.key, self.layout.needed(todo.pop())):
                if name in self.bundled and name not in kept:
                    kept.add(name)
                    todo.append(self.bundled[name])
        return kept

    def run(self, app: Path) -> None:
        wanted = used_modules(app)
        missing = wanted - self.modules.keys()
        if missing:
            sys.exit(f"trim_pyside6: the app imports {sorted(missing)}, which PySide6 lacks")
        plugins = [self.qt / "plugins" / name for name in self.layout.plugins]
        roots = [self.modules[m] for m in wanted] + [p for p in plugins if p.exists()]
        libraries = self.closure(roots)

        for name, path in self.bundled.items():
            if name not in libraries:
                remove(path)
        for entry in self.pyside.iterdir():
            kept_binding = entry.name.removesuffix(self.layout.binding_suffix) in wanted
            if (
                entry.name in KEPT_TOP_LEVEL
                or entry.name.startswith("libpyside6.abi3")  # Linux: beside the bindings
                or (entry.name.endswith(self.layout.binding_suffix) and kept_binding)
                or (entry.is_file() and self.key(entry.name) in libraries)
                or entry.name in ("plugins", "translations")
            ):
                continue
            remove(entry)
        for name in self.layout.removed_folders:
            remove(self.qt / name)
        for kind in (self.qt / "plugins").iterdir():
            for plugin in kind.iterdir():
                if plugin not in plugins:
                    remove(plugin)
            if not any(kind.iterdir()):
                kind.rmdir()
        for translation in (self.qt / "translations").iterdir():
            if translation.name not in TRANSLATIONS:
                remove(translation)
        self.check()

    def check(self) -> None:
        """Every kept binary's bundled dependencies are still there."""
        present = {self.key(p.name) for p in self.bundled.values() if p.exists() or p.is_symlink()}
        binaries = [p for p in self.pyside.rglob("*") if p.is_file() and not p.is_symlink()]
        for path in binaries:
            if not (path.suffix in (".pyd", ".dll") or ".so" in path.name):
                continue
            lost = [
                n
                for n in self.layout.needed(path)
                if self.key(n) in self.bundled and self.key(n) not in present
            ]
            if lost:
                sys.exit(f"trim_pyside6: {path} needs {lost}, which were removed")


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in LAYOUTS:
        sys.exit(__doc__)
    Trim(Path(sys.argv[2]), LAYOUTS[sys.argv[1]]).run(Path(sys.argv[3]))
