"""The .deb, installed for real with apt on this machine: command line, GUI, upgrade, removal.

Every program runs as a user whose home (and so data folder, ~/.local/share/fieldapp) is a
temporary directory. The package is removed again at the end.
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
from PIL import Image

from tests.packaging.conftest import LOGS, REPO, skip_or_fail

pytestmark = pytest.mark.packaging("deb")

APT = ["apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", "--no-install-recommends"]
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=900,
    )


def ok(args: list[str], env: dict[str, str] | None = None) -> str:
    done = run(args, env)
    assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


def installed_version() -> str | None:
    done = run(["dpkg-query", "-W", "-f", "${Status} ${Version}", "huhuqing"])
    if done.returncode != 0 or not done.stdout.startswith("install ok installed"):
        return None
    return done.stdout.split()[-1]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def user(deb_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The package installed with apt (pulling in its Depends) and a user with an empty home."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        skip_or_fail("installing the .deb needs root and apt-get")
    if installed_version() is not None:
        ok([*APT, "remove", "huhuqing"])
    ok([*APT, "install", str(deb_file)])
    home = tmp_path_factory.mktemp("deb-user")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "FIELDAPP_", "QT_"))}
    env["HOME"] = str(home)
    yield env
    if installed_version() is not None:
        run([*APT, "remove", "huhuqing"])


def data_file(env: dict[str, str]) -> Path:
    return Path(env["HOME"]) / ".local" / "share" / "fieldapp" / "huhuqing.db"


def test_installed_with_its_dependencies_and_desktop_integration(user: dict[str, str]) -> None:
    assert installed_version() == VERSION
    depends = ok(["dpkg-query", "-W", "-f", "${Depends}", "huhuqing"])
    for package in ("python3.11", "libxcb-cursor0", "libegl1", "libfontconfig1", "libcups2"):
        assert package in depends
    assert ok(["huhuqing", "--version"], user).strip() == f"fieldapp {VERSION}"
    assert ok(["fieldapp", "--version"], user).strip() == f"fieldapp {VERSION}"
    desktop = Path("/usr/share/applications/huhuqing.desktop").read_text(encoding="utf-8")
    assert "Exec=huhuqing %f" in desktop and "application/x-huhuqing-bundle" in desktop
    if shutil.which("desktop-file-validate"):
        ok(["desktop-file-validate", "/usr/share/applications/huhuqing.desktop"])
    assert Path("/usr/share/icons/hicolor/256x256/apps/huhuqing.png").is_file()
    # shared-mime-info's trigger compiled the new types into the MIME database
    if shutil.which("update-mime-database"):
        assert Path("/usr/share/mime/application/x-huhuqing-bundle.xml").is_file()
        assert Path("/usr/share/mime/application/x-huhuqing-enrollment.xml").is_file()


def test_command_line_demo_list_and_ledger(user: dict[str, str], tmp_path: Path) -> None:
    out = ok(["huhuqing", "demo", "--households", "30", "--seed", "1"], user)
    assert "30" in out and data_file(user).is_file()  # the user data folder, not the package's
    households = json.loads(ok(["huhuqing", "list", "--json"], user))
    assert len(households) == 30
    pdf = tmp_path / "台账.pdf"
    ok(["huhuqing", "ledger", households[0]["id"], "--out", str(pdf)], user)
    text = ok(["pdftotext", str(pdf), "-"])
    assert "户户清表册" in text and households[0]["name"] in text


def test_gui_starts_under_xvfb(user: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "gui.db"
    ok(["huhuqing", "--db", str(db), "demo", "--households", "50", "--seed", "2"], user)
    sql(db, "insert into meta (key, value) values ('profile.name', '李干事')")  # wizard done
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-screen", "0", "1366x800x24", "-nolisten", "tcp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert xvfb.stdout is not None
        display = ":" + xvfb.stdout.readline().decode().strip()
        env = {**user, "DISPLAY": display}  # no QT_QPA_PLATFORM: the real X11 (xcb) path
        app = subprocess.Popen(
            ["huhuqing", "--db", str(db)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            title = wait_for_window(display, app)
            assert "户户清" in title
            shot = wait_for_drawing(display, app)
            LOGS.mkdir(parents=True, exist_ok=True)
            shot.save(LOGS / "deb-gui.png")
            assert app.poll() is None  # still running
        finally:
            app.terminate()
            output = app.communicate(timeout=60)[0].decode(errors="replace")
        assert "Traceback" not in output, output
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=60)


def wait_for_window(display: str, app: subprocess.Popen[bytes]) -> str:
    """The title of the application's top-level window once it is mapped (polls xwininfo)."""
    import time

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if app.poll() is not None:
            output = app.stdout.read().decode(errors="replace") if app.stdout else ""
            pytest.fail(f"the GUI exited with {app.returncode}: {output}")
        tree = run(["xwininfo", "-display", display, "-root", "-tree"])
        for line in tree.stdout.splitlines():
            if "户户清" in line and "1366x768" in line:
                return line
        time.sleep(0.5)
    pytest.fail("no 户户清 main window appeared on the X display")


def wait_for_drawing(display: str, app: subprocess.Popen[bytes]) -> Image.Image:
    """A screenshot once the window has been painted (a mapped window is black at first)."""
    import time

    from PIL import ImageGrab

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and app.poll() is None:
        shot = ImageGrab.grab(xdisplay=display)
        colours = shot.convert("RGB").getcolors(maxcolors=1_000_000)
        if colours is None or len(colours) > 50:
            return shot
        time.sleep(0.5)
    pytest.fail("the 户户清 window was never drawn")


def old_schema_database(path: Path, count: int) -> None:
    """A database as an earlier version wrote it: only the first COUNT migrations applied."""
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    from fieldapp.core.store import migrations as current

    older = Migrations(current.MIGRATION_SET)
    for name in current.known_migration_names()[:count]:
        older()(getattr(current, name))
    older.apply(Database(path))


def sql(path: Path, statement: str) -> list[tuple[object, ...]]:
    """Run one statement and close, folding the write-ahead log into the file (a byte digest of
    the file is then a digest of the data)."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(statement).fetchall()
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return rows


def applied(path: Path) -> list[str]:
    return [str(r[0]) for r in sql(path, "select name from _sqlite_migrations order by rowid")]


def test_older_database_is_migrated_newer_one_refused_untouched(
    user: dict[str, str], tmp_path: Path
) -> None:
    from fieldapp.core.store.migrations import known_migration_names

    old = tmp_path / "old.db"
    old_schema_database(old, len(known_migration_names()) - 1)
    assert applied(old) == known_migration_names()[:-1]
    assert json.loads(ok(["huhuqing", "--db", str(old), "list", "--json"], user)) == []
    assert applied(old) == known_migration_names()

    sql(  # as if a newer 户户清 had written it
        old,
        "insert into _sqlite_migrations (migration_set, name, applied_at) "
        "values ('fieldapp', 'm999_future', 'x')",
    )
    before = digest(old)
    refused = run(["huhuqing", "--db", str(old), "list"], user)
    assert refused.returncode == 1 and "更新版本" in refused.stderr
    assert digest(old) == before


def test_upgrade_and_removal_keep_the_data(
    user: dict[str, str], deb_file: Path, tmp_path: Path
) -> None:
    """An older package, data, the new package over it (an apt upgrade), then removal."""
    older = tmp_path / "older.deb"
    tree = tmp_path / "older"
    ok(["dpkg-deb", "-R", str(deb_file), str(tree)])
    control = tree / "DEBIAN" / "control"
    control.write_text(
        control.read_text(encoding="utf-8").replace(f"Version: {VERSION}", "Version: 0.0.1~test"),
        encoding="utf-8",
    )
    ok(["dpkg-deb", "--root-owner-group", "-Znone", "-b", str(tree), str(older)])

    ok([*APT, "--allow-downgrades", "install", str(older)])  # replaces the installed one
    assert installed_version() == "0.0.1~test"
    db = data_file(user)
    db.parent.mkdir(parents=True, exist_ok=True)
    if not db.exists():
        ok(["huhuqing", "demo", "--households", "30", "--seed", "1"], user)
    ok(["huhuqing", "list"], user)
    before = digest(db)

    ok([*APT, "install", str(deb_file)])  # the upgrade
    assert installed_version() == VERSION
    assert digest(db) == before
    assert len(json.loads(ok(["huhuqing", "list", "--json"], user))) == 30

    before = digest(db)
    ok([*APT, "remove", "huhuqing"])
    assert installed_version() is None
    assert not Path("/opt/huhuqing").exists() and shutil.which("huhuqing") is None
    assert digest(db) == before  # the data folder survived removal untouched
