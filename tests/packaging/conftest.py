"""Build each installer once per test session, both at once, while the rest of the suite runs.

The builds are the slow part of CI (compressing ~250 MB twice, one core each): they start as soon
as collection finishes (when packaging tests were collected and the tools are there), at low
priority so the other tests keep their pace; the packaging tests run last and each waits for its
artefact.
Logs and durations: build/packaging-logs/. Without the tools (a non-Debian box) the tests skip;
under CI (CI=true) a missing tool fails instead, so the smoke tests cannot silently not run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

REPO = Path(__file__).resolve().parents[2]
LOGS = REPO / "build" / "packaging-logs"
BUILT = re.compile(r"^== built (\S+):", re.M)

# name -> (command, what it needs on this machine)
BUILDS: dict[str, tuple[list[str], list[str]]] = {
    "deb": (["sh", "packaging/debian/build.sh"], ["/usr/bin/python3.11", "dpkg-deb"]),
    "windows": (["sh", "packaging/windows/build.sh"], ["makensis"]),
}


def missing_tools(tools: list[str]) -> list[str]:
    return [t for t in tools if not (Path(t).exists() if t.startswith("/") else shutil.which(t))]


def skip_or_fail(reason: str) -> None:
    """Skip on a developer's box without the tools; under CI a missing tool is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the packaging tests: see tools/setup.sh)")
    pytest.skip(reason)


class Build:
    def __init__(self, name: str) -> None:
        command, _ = BUILDS[name]
        LOGS.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = LOGS / f"{name}.log"
        self.log: IO[bytes] = open(self.log_path, "wb")  # noqa: SIM115 - closed in wait()
        env = {**os.environ, "PYTHON": sys.executable}
        env.pop("QT_QPA_PLATFORM", None)
        self.started = time.monotonic()
        self.seconds: float | None = None
        self.process = subprocess.Popen(
            ["nice", "-n", "10", *command],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self) -> Path:
        code = self.process.wait()
        if self.seconds is None:
            self.seconds = time.monotonic() - self.started
            self.log.close()
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        found = BUILT.search(text)
        if code != 0 or found is None:
            tail = "\n".join(text.splitlines()[-25:])
            pytest.fail(f"{self.name} build failed (exit {code}), {self.log_path}:\n{tail}")
        return REPO / found.group(1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()
        if not self.log.closed:
            self.log.close()


_builds: dict[str, Build] = {}


def start_build(name: str) -> Build:
    if name not in _builds:
        _builds[name] = Build(name)
    return _builds[name]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Packaging tests last, so their builds overlap the whole rest of the suite."""
    items.sort(key=lambda item: item.get_closest_marker("packaging") is not None)


def pytest_collection_finish(session: pytest.Session) -> None:
    wanted = {
        name
        for item in session.items
        if item.get_closest_marker("packaging")
        for name in item.get_closest_marker("packaging").args  # type: ignore[union-attr]
    }
    if os.environ.get("HUHUQING_PACKAGING_PREBUILT"):
        return
    for name in sorted(wanted):
        if not missing_tools(BUILDS[name][1]):
            start_build(name)


def pytest_sessionfinish(session: pytest.Session) -> None:
    for build in _builds.values():
        build.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    done = {n: b for n, b in _builds.items() if b.seconds is not None}
    if done:
        terminalreporter.write_line(
            "packaging builds (in parallel, niced): "
            + ", ".join(f"{n} {b.seconds:.0f} s" for n, b in done.items())
        )


PREBUILT = {"deb": "huhuqing_{v}_amd64.deb", "windows": "huhuqing-{v}-setup.exe"}


def artefact(name: str) -> Path:
    """The freshly built artefact; HUHUQING_PACKAGING_PREBUILT=1 reuses dist/ (to iterate on tests)."""
    if os.environ.get("HUHUQING_PACKAGING_PREBUILT"):
        from fieldapp import __version__

        prebuilt = REPO / "dist" / PREBUILT[name].format(v=__version__)
        if prebuilt.is_file():
            return prebuilt
    lacking = missing_tools(BUILDS[name][1])
    if lacking:
        skip_or_fail(f"cannot build the {name} package here: missing {', '.join(lacking)}")
    return start_build(name).wait()


@pytest.fixture(scope="session")
def deb_file() -> Path:
    return artefact("deb")


@pytest.fixture(scope="session")
def setup_exe() -> Path:
    return artefact("windows")


@pytest.fixture
def isolated_home(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment whose user data folder is under tmp_path, not the real user's."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "FIELDAPP_"))}
    env.pop("QT_QPA_PLATFORM", None)
    env["HOME"] = str(home)
    yield env
