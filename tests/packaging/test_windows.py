"""The Windows installer, installed silently under Wine into a throw-away prefix.

What runs here: the NSIS installer (per-user, /S), the shortcuts and file associations it writes,
the installed command line (fieldapp.exe) and the console-less launcher (huhuqing.exe) on the
embeddable Python, a signed-ledger PDF, an upgrade over the installed version and the
uninstaller, which keeps the data folder. What cannot run here: the Qt GUI (Qt6Core.dll needs
Windows' icuuc.dll, which Wine 8 lacks); packaging/README.md has the five-minute check on a real
Windows laptop.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.packaging import wine_shims
from tests.packaging.conftest import REPO, skip_or_fail

pytestmark = pytest.mark.packaging("windows")

VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


class Wine:
    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "FIELDAPP_"))}
        self.env.pop("DISPLAY", None)  # nothing here needs a window
        home = prefix.parent / "home"  # Wine links the prefix's Desktop etc. into $HOME
        home.mkdir(exist_ok=True)
        self.env.update(
            HOME=str(home),
            WINEPREFIX=str(prefix),
            WINEDEBUG="-all",
            # no Mono/Gecko download prompts; no Linux menu entries for the Windows shortcuts
            WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d",
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A Windows program, waiting for every process it started (uninstallers re-spawn)."""
        done = subprocess.run(
            ["wine", *args],
            env=self.env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            stdin=subprocess.DEVNULL,
            timeout=900,
        )
        subprocess.run(["wineserver", "-w"], env=self.env, timeout=900)
        return done

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        return done.stdout

    def reg(self, key: str, value: str | None = None) -> str | None:
        args = ["reg", "query", key, *(["/v", value] if value else ["/ve"])]
        done = self.run(*args)
        if done.returncode != 0:
            return None
        last = [line for line in done.stdout.splitlines() if "REG_" in line]
        return last[-1].split("REG_SZ", 1)[-1].strip() if last else ""

    def has_key(self, key: str) -> bool:
        return self.run("reg", "query", key).returncode == 0

    @property
    def user_dir(self) -> Path:
        (found,) = (self.prefix / "drive_c" / "users").glob("*/AppData/Local")
        return found

    def windows_path(self, path: Path) -> str:
        return "Z:" + str(path).replace("/", "\\")


@pytest.fixture(scope="module")
def wine(setup_exe: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wine]:
    """A fresh 64-bit prefix with the application installed for the current user, silently."""
    if not shutil.which("wine"):
        skip_or_fail("wine is not installed (apt-get install wine64 wine)")
    w = Wine(tmp_path_factory.mktemp("wine") / "prefix")
    w.run("wineboot", "-i")
    system32 = w.prefix / "drive_c" / "windows" / "system32"
    (system32 / "bcryptprimitives.dll").write_bytes(wine_shims.bcryptprimitives())
    w.ok(str(setup_exe), "/S")
    yield w
    subprocess.run(["wineserver", "-k"], env=w.env, timeout=120)


def install_dir(w: Wine) -> Path:
    return w.user_dir / "Programs" / "huhuqing"


def data_file(w: Wine) -> Path:
    return w.user_dir / "fieldapp" / "huhuqing.db"  # platformdirs: %LOCALAPPDATA%\fieldapp


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_per_user_install_shortcuts_and_file_associations(wine: Wine) -> None:
    where = install_dir(wine)  # %LOCALAPPDATA%\Programs: no administrator rights needed
    for name in ("huhuqing.exe", "fieldapp.exe", "uninstall.exe", "python/pythonw.exe"):
        assert (where / name).is_file(), name
    assert (where / "app" / f"fieldapp-{VERSION}.dist-info").is_dir()
    assert list((where / "app" / "fieldapp" / "__pycache__").glob("*.cpython-313.pyc"))
    lib = where / "lib" / "PySide6"
    assert (lib / "Qt6Widgets.dll").is_file() and (lib / "plugins/platforms/qwindows.dll").is_file()
    assert not list(lib.glob("Qt6WebEngine*")) and not (lib / "qml").exists()  # trimmed

    profile = wine.user_dir.parent.parent
    menu = profile / "AppData/Roaming/Microsoft/Windows/Start Menu/Programs/户户清.lnk"
    desktop = profile / "Desktop" / "户户清.lnk"
    assert menu.is_file() and desktop.is_file()
    assert wine.reg(r"HKCU\Software\Classes\.hhq") == "Huhuqing.Bundle"
    assert wine.reg(r"HKCU\Software\Classes\.hhqe") == "Huhuqing.Enrollment"
    command = wine.reg(r"HKCU\Software\Classes\Huhuqing.Bundle\shell\open\command")
    assert command is not None and command.endswith('huhuqing.exe" --open "%1"')
    uninstall = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\huhuqing"
    assert wine.reg(uninstall, "DisplayVersion") == VERSION


def test_command_line_version_demo_list_and_ledger(wine: Wine, tmp_path: Path) -> None:
    cli = str(install_dir(wine) / "fieldapp.exe")
    assert wine.ok(cli, "--version").strip() == f"fieldapp {VERSION}"
    wine.ok(cli, "demo", "--households", "20", "--seed", "1")
    assert data_file(wine).is_file()
    households = json.loads(wine.ok(cli, "list", "--json"))
    assert len(households) == 20
    pdf = tmp_path / "台账.pdf"
    wine.ok(cli, "ledger", households[0]["id"], "--out", wine.windows_path(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "户户清表册" in text and households[0]["name"] in text


def test_console_less_launcher_runs_the_installed_python(wine: Wine, tmp_path: Path) -> None:
    """huhuqing.exe (what the shortcuts and file associations start) reaches pythonw + the app."""
    db = tmp_path / "launcher.db"
    launcher = str(install_dir(wine) / "huhuqing.exe")
    wine.ok(launcher, "--db", wine.windows_path(db), "demo", "--households", "3")
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from households").fetchone() == (3,)
    conn.close()


def test_newer_database_refused_and_left_untouched(wine: Wine, tmp_path: Path) -> None:
    db = tmp_path / "newer.db"
    cli = str(install_dir(wine) / "fieldapp.exe")
    wine.ok(cli, "--db", wine.windows_path(db), "list")
    conn = sqlite3.connect(db)
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) "
        "values ('fieldapp', 'm999_future', 'x')"
    )
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = digest(db)
    refused = wine.run(cli, "--db", wine.windows_path(db), "list")
    assert refused.returncode == 1 and "更新版本" in refused.stderr
    assert digest(db) == before


def test_upgrade_then_uninstall_keep_the_data(wine: Wine, setup_exe: Path) -> None:
    db = data_file(wine)
    if not db.exists():
        wine.ok(str(install_dir(wine) / "fieldapp.exe"), "demo", "--households", "20")
    before = digest(db)
    stale = install_dir(wine) / "app" / "fieldapp" / "stale_module_from_old_version.py"
    stale.write_text("raise SystemExit('old file')\n", encoding="utf-8")

    wine.ok(str(setup_exe), "/S")  # the same version over itself, as an upgrade does
    assert not stale.exists()  # program files replaced, not merged
    assert digest(db) == before
    cli = str(install_dir(wine) / "fieldapp.exe")
    assert len(json.loads(wine.ok(cli, "list", "--json"))) == 20
    before = digest(db)

    wine.ok(str(install_dir(wine) / "uninstall.exe"), "/S")
    assert not (install_dir(wine) / "fieldapp.exe").exists()
    assert not (install_dir(wine) / "lib").exists()
    assert not wine.has_key(r"HKCU\Software\Classes\Huhuqing.Bundle")
    assert not wine.has_key(r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\huhuqing")
    assert wine.reg(r"HKCU\Software\Classes\.hhq") is None
    assert digest(db) == before  # the data folder stays unless /REMOVEDATA
