"""The Debian package, installed for real (``apt-get install ./huhuqing_*.deb`` as root, so apt
pulls in its Depends) and used the way a cadre does: the command line makes a demo database in
the user's home and prints a ledger; the window is unlocked by typing the passphrase (Xvfb and
xdotool: ``xdisplay``), the first-run wizard filled in, and the main window shown and
photographed (build/packaging-logs/deb-gui.png). Then a newer package (the same build with a
higher version) goes over it and still opens the database, and removal and purge take
/opt/huhuqing away but leave every user's data where it was.

The tests run in file order on one installation; fixtures are module-wide. They need root and
apt-get (CI runs as root on a throwaway machine) and skip elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.packaging.conftest import LOGS, ROOT, Builds
from tests.packaging.xdisplay import XDisplay, distinct_colours

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
UPGRADE_VERSION = f"{VERSION}+upgrade1"
"""What the upgrade test builds: dpkg orders it after VERSION."""
PASSPHRASE = "correct horse battery"  # ASCII: typed into the unlock dialog by xdotool
HOUSEHOLDS = 5
INSTALL_TIMEOUT = 600

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("apt-get") is None,
    reason="installs a .deb for real: needs root and apt-get (CI runs as root)",
)


def apt_get(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    done = subprocess.run(
        ["apt-get", "-y", "-q", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )
    assert done.returncode == 0, f"apt-get {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


def installed_version() -> str:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Status} ${Version}", "huhuqing"],
        capture_output=True,
        text=True,
    )
    status = done.stdout.split()
    return (
        status[-1] if done.returncode == 0 and status[:3] == ["install", "ok", "installed"] else ""
    )


@pytest.fixture(scope="module")
def deb(builds: Builds) -> Path:
    return builds.artefact("debian")


@pytest.fixture(scope="module")
def upgrade_build(builds: Builds, deb: Path) -> str:
    """The newer package, built in the background (warm cache) while the first is tested."""
    builds.launch("debian-upgrade", "debian", HUHUQING_VERSION=UPGRADE_VERSION)
    return "debian-upgrade"


@pytest.fixture(scope="module")
def installed(deb: Path, upgrade_build: str) -> Iterator[Path]:
    if installed_version():
        apt_get("purge", "huhuqing")
    apt_get("install", "--no-install-recommends", str(deb))
    yield deb
    if installed_version():
        apt_get("purge", "huhuqing")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cadre's home folder: the database goes where the app puts it by default."""
    return tmp_path_factory.mktemp("home")


def user_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "FIELDAPP_"))}
    env.update(HOME=str(home), LANG="C.UTF-8", FIELDAPP_PASSPHRASE=PASSPHRASE)
    return env


def huhuqing(home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["huhuqing", *args],
        env=user_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"huhuqing {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def database(installed: Path, home: Path) -> Path:
    """A demo database made by the installed command in the default place (the user's data
    folder, platformdirs), encrypted with PASSPHRASE."""
    huhuqing(home, "demo", "--households", str(HOUSEHOLDS), "--seed", "7", "--quiet")
    path = home / ".local" / "share" / "fieldapp" / "huhuqing.db"
    assert path.is_file() and path.with_name("huhuqing.db.keys").is_file()
    return path


def households(home: Path) -> list[str]:
    listed = json.loads(huhuqing(home, "list", "--json").stdout)
    return sorted(h["name"] for h in listed["households"])


def test_installs_the_command_menu_entry_icon_and_file_types(installed: Path) -> None:
    assert installed_version() == VERSION
    assert subprocess.run(["which", "huhuqing"], capture_output=True, text=True).stdout.strip() == (
        "/usr/bin/huhuqing"
    )
    version = subprocess.run(["huhuqing", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.split() == ["fieldapp", VERSION]
    for name in ("fieldapp", "forms", "resources", "pyproject.toml"):  # side by side (paths.py)
        assert (Path("/opt/huhuqing/app") / name).exists()
    desktop = Path("/usr/share/applications/huhuqing.desktop").read_text("utf-8")
    assert "Name=户户清" in desktop and "Exec=huhuqing open %f" in desktop
    assert "MimeType=application/x-huhuqing-bundle;application/x-huhuqing-enrollment;" in desktop
    for icon in ("scalable/apps/huhuqing.svg", "256x256/apps/huhuqing.png"):
        assert (Path("/usr/share/icons/hicolor") / icon).is_file()
    assert Path("/usr/share/mime/packages/huhuqing.xml").is_file()
    if shutil.which("update-mime-database"):  # shared-mime-info's trigger ran
        for kind in ("bundle", "enrollment"):
            assert Path(f"/usr/share/mime/application/x-huhuqing-{kind}.xml").is_file()
    depends = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Depends}", "huhuqing"], capture_output=True, text=True
    ).stdout
    assert "python3 (>= 3.11)" in depends and "libxcb-cursor0" in depends


def test_command_line_makes_a_database_and_prints_a_ledger(database: Path, home: Path) -> None:
    names = households(home)
    assert len(names) == HOUSEHOLDS
    pdf = home / "台账.pdf"
    huhuqing(home, "ledger", "--all", "--out", str(pdf), "--quiet")
    reader = PdfReader(pdf)
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= HOUSEHOLDS
    assert all(name in text for name in names), "every household's name is printed"


def test_window_unlocks_and_shows_chinese(database: Path, home: Path) -> None:
    with XDisplay() as x:
        env = dict(user_env(home), DISPLAY=x.display)
        del env["FIELDAPP_PASSPHRASE"]  # the window asks for it, as it asks a cadre
        env.pop("QT_QPA_PLATFORM", None)  # the suite's offscreen default: this is a real screen
        log = (LOGS / "deb-gui.log").open("wb")
        app = subprocess.Popen(["huhuqing"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            x.type_into(x.wait_for("户户清 — 解锁"), PASSPHRASE, "Return")
            # The demo database names no staff member yet: the first-run wizard asks once.
            wizard = x.wait_for("户户清 — 首次使用")
            x.type_into(wizard, "Tester", "Tab")
            x.type_into(wizard, "Test union", "Return")  # 下一步: enrollment is optional
            time.sleep(1)
            x.type_into(wizard, "", "Return")  # 完成
            window = x.wait_for("^户户清 — (?!解锁|首次使用)", min_width=1000)
            time.sleep(3)  # let it paint
            shot = x.screenshot(LOGS / "deb-gui.png")
            assert window.height >= 600
            assert distinct_colours(shot) > 50, "the screenshot is blank"
            x.type_into(window, "", "ctrl+q")  # 文件 → 退出
            assert app.wait(timeout=60) == 0
        finally:
            if app.poll() is None:
                app.terminate()
                app.wait(timeout=30)
    assert households(home)  # the window left the database usable


def test_newer_package_over_older_keeps_the_database(
    database: Path, home: Path, builds: Builds, upgrade_build: str
) -> None:
    before = households(home)
    newer = builds.artefact(upgrade_build)
    assert newer.name == f"huhuqing_{UPGRADE_VERSION}_amd64.deb"
    apt_get("install", "--no-install-recommends", str(newer))
    assert installed_version() == UPGRADE_VERSION
    assert huhuqing(home, "--version").stdout.split() == ["fieldapp", UPGRADE_VERSION]
    assert households(home) == before


def test_removal_and_purge_leave_users_data(database: Path, home: Path) -> None:
    data = database.parent
    files = sorted(p.name for p in data.iterdir())
    apt_get("remove", "huhuqing")
    assert not Path("/usr/bin/huhuqing").exists()
    assert not Path("/opt/huhuqing").exists(), "nothing left behind, compiled modules neither"
    # apt forgets a local .deb once removed; dpkg purges (or ignores) it either way
    assert subprocess.run(["dpkg", "--purge", "huhuqing"], capture_output=True).returncode == 0
    assert installed_version() == ""
    assert sorted(p.name for p in data.iterdir()) == files
    assert database.stat().st_size > 0
