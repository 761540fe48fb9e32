"""The Windows setup.exe, installed for real under Wine in a throw-away prefix and used from the
command line the way IT staff and scripts do (``fieldapp.cmd``), then upgraded and uninstalled.

Installed silently (``/S``) for the current user, without administrator rights, into a folder with
a Chinese name (a cadre's user folder often has one); the upgrade goes in without ``/D`` and must
find the same folder through the registry. What Wine 8 cannot show: the window (PySide6's
Qt6Core.dll needs Windows' own icuuc.dll, which Wine lacks; packaging/README.md has the
five-minute check on a real Windows laptop). Wine stand-ins, test equipment only: a forwarding
``bcryptprimitives.dll`` (wine_prng.py) and ``wbemprox`` disabled (Python's ``platform`` asks WMI,
which hangs in a fresh prefix). Tests run in file order on one installation; fixtures are
module-wide. The prefix and its HOME live in a temp folder: Wine's Desktop link points there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

import pytest
from pypdf import PdfReader

from tests.packaging import wine_prng
from tests.packaging.conftest import ROOT, Builds

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
UPGRADE_VERSION = f"{VERSION}.1"  # a later PEP 440 version; Windows file versions take it too
PASSPHRASE = "correct horse battery"
HOUSEHOLDS = 5
INSTALL_DIR = r"C:\程序\户户清"
UNINSTALL_KEY = r"HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Uninstall\huhuqing"
TIMEOUT = 600

pytestmark = pytest.mark.skipif(
    shutil.which("wine") is None or shutil.which("makensis") is None,
    reason="builds with makensis and installs under Wine (tools/setup.sh installs both)",
)


@dataclass
class Wine:
    """One Wine prefix with its own HOME: ``run`` starts a Windows program there and returns when
    it and everything it started have exited (``wineserver -w``: NSIS uninstallers and the
    launcher hand over to another process and return at once)."""

    home: Path
    install_dir: str = INSTALL_DIR

    @property
    def prefix(self) -> Path:
        return self.home / "wine"

    @property
    def drive_c(self) -> Path:
        return self.prefix / "drive_c"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FIELDAPP_", "WINE"))}
        env.update(
            HOME=str(self.home),
            WINEPREFIX=str(self.prefix),
            WINEDEBUG="-all",
            # No Mono/Gecko installers; no WMI (see the module docstring); no menu entries or
            # file types written into this machine's Linux desktop.
            WINEDLLOVERRIDES="mscoree,mshtml=;wbemprox=d;winemenubuilder.exe=d",
            LANG="C.UTF-8",  # Chinese command-line arguments reach Windows intact
            FIELDAPP_PASSPHRASE=PASSPHRASE,
        )
        return env

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["wine", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            stdin=subprocess.DEVNULL,  # Wine gives Windows programs pipes, never this terminal
            timeout=TIMEOUT,
        )
        self.wait()
        if check:
            assert done.returncode == 0, f"wine {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done

    def wait(self) -> None:
        subprocess.run(["wineserver", "-w"], env=self.env(), timeout=TIMEOUT, check=True)

    def unix(self, windows_path: str) -> Path:
        """Where C:\\... is on this machine."""
        parts = PureWindowsPath(windows_path).parts
        assert parts[0].upper() == "C:\\", windows_path
        return self.drive_c.joinpath(*parts[1:])

    def registry(self, key: str) -> dict[str, str]:
        """A key's string values (``reg export``: UTF-16, so Chinese values come back whole);
        empty if the key does not exist."""
        exported = self.home / "export.reg"
        exported.unlink(missing_ok=True)
        if self.run("reg", "export", key, "Z:" + str(exported), check=False).returncode != 0:
            return {}
        values: dict[str, str] = {}
        for line in exported.read_text("utf-16").splitlines():
            if "=" in line and line.startswith(('"', "@")):
                name, _, value = line.partition("=")
                if value.startswith('"'):
                    values[name.strip('"')] = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        return values

    def fieldapp(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """The installed command line, as IT staff type it: ``fieldapp.cmd COMMAND ...``."""
        return self.run("cmd", "/c", self.install_dir + r"\fieldapp.cmd", *args, check=check)

    @property
    def profile(self) -> Path:
        """%USERPROFILE%: Wine names it after the Unix user."""
        (profile,) = [p for p in (self.drive_c / "users").iterdir() if p.name != "Public"]
        return profile

    @property
    def user_data(self) -> Path:
        """%LOCALAPPDATA%\\fieldapp: the app's data folder (platformdirs)."""
        return self.profile / "AppData/Local/fieldapp"


@pytest.fixture(scope="module")
def setup_exe(builds: Builds) -> Path:
    return builds.artefact("windows")


@pytest.fixture(scope="module")
def upgrade_build(builds: Builds, setup_exe: Path) -> str:
    """The next version's setup.exe, built in the background (warm cache; zlib: packs in a
    quarter of lzma's time, and the upgrade is what is tested) while the first is tested."""
    builds.launch(
        "windows-upgrade", "windows", HUHUQING_VERSION=UPGRADE_VERSION, HUHUQING_COMPRESSOR="zlib"
    )
    return "windows-upgrade"


@pytest.fixture(scope="module")
def wine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wine]:
    wine = Wine(tmp_path_factory.mktemp("wine-home"))
    subprocess.run(
        ["wineboot", "-i"], env=wine.env(), capture_output=True, timeout=TIMEOUT, check=True
    )
    wine.wait()
    wine_prng.install(wine.prefix)
    yield wine
    subprocess.run(["wineserver", "-k"], env=wine.env(), capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def installed(setup_exe: Path, upgrade_build: str, wine: Wine) -> Path:
    wine.run(str(setup_exe), "/S", "/D=" + INSTALL_DIR)  # /D: last, unquoted (NSIS)
    return wine.unix(INSTALL_DIR)


def household_names(wine: Wine) -> list[str]:
    listed = json.loads(wine.fieldapp("list", "--json").stdout)
    return sorted(h["name"] for h in listed["households"])


def test_installs_silently_for_this_user(installed: Path, wine: Wine) -> None:
    for name in ("huhuqing.exe", "fieldapp.cmd", "uninstall.exe", "huhuqing.ico"):
        assert (installed / name).is_file(), name
    for name in ("python/python.exe", "python/pythonw.exe", "app/pyproject.toml"):
        assert (installed / name).is_file(), name
    assert (installed / "app/fieldapp/__init__.py").is_file()
    # The installer compiled the app and libraries while it could write there.
    compiled = list((installed / "app/fieldapp").rglob("*.cpython-313.pyc"))
    assert len(compiled) > 100
    # Trimmed: what the app never loads is not shipped.
    pyside = installed / "lib/PySide6"
    assert (pyside / "Qt6Widgets.dll").is_file() and (pyside / "QtPdfWidgets.pyd").is_file()
    for unused in ("Qt6WebEngineCore.dll", "Qt6Quick.dll", "opengl32sw.dll", "designer.exe"):
        assert not (pyside / unused).exists(), unused
    assert (pyside / "translations/qtbase_zh_CN.qm").is_file()

    start_menu = wine.profile / "AppData/Roaming/Microsoft/Windows/Start Menu/Programs/户户清.lnk"
    assert start_menu.is_file()
    assert (wine.home / "户户清.lnk").is_file()  # the desktop (Wine links it to HOME)

    bundle = wine.registry(r"HKEY_CURRENT_USER\Software\Classes\Huhuqing.Bundle\shell\open\command")
    assert bundle["@"] == f'"{INSTALL_DIR}\\huhuqing.exe" open "%1"'
    assert wine.registry(r"HKEY_CURRENT_USER\Software\Classes\.hhq")["@"] == "Huhuqing.Bundle"
    assert wine.registry(r"HKEY_CURRENT_USER\Software\Classes\.hhqe")["@"] == "Huhuqing.Enrollment"
    uninstall = wine.registry(UNINSTALL_KEY)
    assert uninstall["DisplayName"] == "户户清" and uninstall["DisplayVersion"] == VERSION
    assert uninstall["InstallLocation"] == INSTALL_DIR
    assert uninstall["QuietUninstallString"].endswith("/CurrentUser /S")
    # Per-user: nothing written for all users.
    assert wine.registry(UNINSTALL_KEY.replace("HKEY_CURRENT_USER", "HKEY_LOCAL_MACHINE")) == {}


def test_command_line_makes_a_database_and_prints_a_ledger(installed: Path, wine: Wine) -> None:
    assert wine.fieldapp("--version").stdout.split() == ["fieldapp", VERSION]
    wine.fieldapp("demo", "--households", str(HOUSEHOLDS), "--seed", "7", "--quiet")
    assert (wine.user_data / "huhuqing.db").is_file()  # the default place: %LOCALAPPDATA%
    assert (wine.user_data / "huhuqing.db.keys").is_file()
    names = household_names(wine)
    assert len(names) == HOUSEHOLDS
    wine.unix(r"C:\台账").mkdir()
    done = wine.fieldapp("ledger", "--all", "--out", r"C:\台账\户户清表册.pdf")
    assert "已生成台账" in done.stdout  # UTF-8 through the pipe, not the ANSI code page
    reader = PdfReader(wine.unix(r"C:\台账\户户清表册.pdf"))
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= HOUSEHOLDS
    assert all(name in text for name in names), "every household's name is printed"


def test_bad_input_exits_1_with_a_chinese_message(installed: Path, wine: Wine) -> None:
    garbage = wine.unix(r"C:\不是数据包.hhq")
    garbage.write_bytes(b"PK\x03\x04 this is not a bundle")
    done = wine.fieldapp("bundle", "import", r"C:\不是数据包.hhq", check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "错误" in done.stderr
    assert len(household_names(wine)) == HOUSEHOLDS  # nothing lost


def test_launcher_passes_its_arguments_to_the_app(installed: Path, wine: Wine) -> None:
    """huhuqing.exe (what shortcuts and double-clicked files start) runs pythonw -m fieldapp
    with its arguments; the window itself cannot start under Wine, a command can."""
    wine.run(
        INSTALL_DIR + r"\huhuqing.exe",
        "--db",
        r"C:\启动器.db",
        "demo",
        "--households",
        "2",
        "--quiet",
    )
    assert wine.unix(r"C:\启动器.db").is_file()


def test_upgrade_finds_the_folder_and_keeps_the_data(
    installed: Path, wine: Wine, builds: Builds, upgrade_build: str
) -> None:
    newer = builds.artefact(upgrade_build)
    assert newer.name == f"huhuqing-{UPGRADE_VERSION}-setup.exe"
    stale = installed / "app/fieldapp/dropped_in_a_later_version.py"
    stale.write_text("raise SystemExit('an old module survived the upgrade')\n", "utf-8")
    wine.run(str(newer), "/S")  # no /D: the registry says where the earlier version is
    assert wine.fieldapp("--version").stdout.split() == ["fieldapp", UPGRADE_VERSION]
    assert not stale.exists(), "the upgrade replaces the program files"
    assert len(household_names(wine)) == HOUSEHOLDS
    assert wine.registry(UNINSTALL_KEY)["DisplayVersion"] == UPGRADE_VERSION


def test_uninstall_keeps_the_data_unless_asked(
    installed: Path, wine: Wine, setup_exe: Path
) -> None:
    database = wine.user_data / "huhuqing.db"
    wine.run(INSTALL_DIR + r"\uninstall.exe", "/S")
    assert not installed.exists(), list(installed.rglob("*"))[:10]
    assert wine.registry(UNINSTALL_KEY) == {}
    assert wine.registry(r"HKEY_CURRENT_USER\Software\Classes\.hhq") == {}
    assert not (wine.home / "户户清.lnk").exists()
    assert database.is_file(), "the user's data survives uninstalling"

    # Installed again (default folder this time) and uninstalled with /DELETEDATA: data gone.
    wine.run(str(setup_exe), "/S")
    location = wine.registry(UNINSTALL_KEY)["InstallLocation"]
    assert location.endswith(r"\AppData\Local\Programs\huhuqing"), location
    wine.install_dir = location
    assert len(household_names(wine)) == HOUSEHOLDS
    wine.run(location + r"\uninstall.exe", "/S", "/DELETEDATA")
    assert not wine.unix(location).exists()
    assert not wine.user_data.exists()


def test_all_users_install_for_it_staff(setup_exe: Path, wine: Wine) -> None:
    """/AllUsers (an administrator's choice; Wine's user is one): Program Files, the machine's
    registry, the Start menu of every user; its uninstaller removes it all again."""
    wine.run(str(setup_exe), "/S", "/AllUsers")
    machine_key = UNINSTALL_KEY.replace("HKEY_CURRENT_USER", "HKEY_LOCAL_MACHINE")
    location = wine.registry(machine_key)["InstallLocation"]
    assert location.lower().startswith(r"c:\program files\huhuqing"), location
    assert wine.registry(UNINSTALL_KEY) == {}, "nothing in this user's part of the registry"
    command = r"HKEY_LOCAL_MACHINE\Software\Classes\Huhuqing.Bundle\shell\open\command"
    assert wine.registry(command)["@"] == f'"{location}\\huhuqing.exe" open "%1"'
    common_start_menu = "ProgramData/Microsoft/Windows/Start Menu/Programs/户户清.lnk"
    assert (wine.drive_c / common_start_menu).is_file()
    wine.install_dir = location
    assert wine.fieldapp("--version").stdout.split() == ["fieldapp", VERSION]

    wine.run(wine.registry(machine_key)["QuietUninstallString"].split('"')[1], "/AllUsers", "/S")
    assert wine.registry(machine_key) == {}
    assert wine.registry(command) == {}
    assert not (wine.drive_c / common_start_menu).exists()
    assert not wine.unix(location).exists()
