"""The installers are built once per test session, both at once: the first packaging test that asks
for either starts ``packaging/windows/build.sh`` and ``packaging/debian/build.sh`` side by side
(niced child processes; most of each build is waiting on unzip, dpkg-deb and makensis), so the two
smoke tests cost the longer build, not the sum. Logs: ``build/packaging-logs/<kind>.log``.

``HUHUQING_BUILDS=windows`` (or ``debian``) builds only that one, for work on one installer.
Every test here is marked ``packaging`` (minutes each); ``pytest -m "not packaging"`` leaves them out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "packaging-test"
LOGS = ROOT / "build" / "packaging-logs"
BUILDS = {
    "windows": ("packaging/windows/build.sh", "huhuqing-*-setup.exe"),
    "debian": ("packaging/debian/build.sh", "huhuqing_*_amd64.deb"),
}
BUILD_TIMEOUT = 1200


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.packaging)


@dataclass
class Builds:
    """Builds running in the background; ``artefact(name)`` waits for one and returns it."""

    running: dict[str, tuple[str, subprocess.Popen[bytes]]] = field(default_factory=dict)

    def start(self) -> None:
        wanted = os.environ.get("HUHUQING_BUILDS", ",".join(BUILDS)).split(",")
        for kind in BUILDS:
            if kind in wanted:
                self.launch(kind, kind)

    def launch(self, name: str, kind: str, **env: str) -> None:
        """Start ``kind``'s build.sh into OUT/``name`` (log: LOGS/``name``.log), niced, with
        ``env`` added (e.g. a newer HUHUQING_VERSION for an upgrade test)."""
        LOGS.mkdir(parents=True, exist_ok=True)
        out = OUT / name
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        log = (LOGS / f"{name}.log").open("wb")
        self.running[name] = (
            kind,
            subprocess.Popen(
                ["nice", "-n", "5", "sh", BUILDS[kind][0], str(out)],
                cwd=ROOT,
                env=dict(os.environ, **env),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            ),
        )

    def artefact(self, name: str) -> Path:
        assert name in self.running, f"{name} not built: HUHUQING_BUILDS leaves it out"
        kind, process = self.running[name]
        status = process.wait(timeout=BUILD_TIMEOUT)
        log = LOGS / f"{name}.log"
        tail = log.read_text("utf-8", "replace")[-3000:]
        assert status == 0, f"{BUILDS[kind][0]} failed ({status}); log {log}:\n{tail}"
        found = sorted((OUT / name).glob(BUILDS[kind][1]))
        assert len(found) == 1, f"expected one {BUILDS[kind][1]} in {OUT / name}: {found}"
        return found[0]

    def stop(self) -> None:
        for _kind, process in self.running.values():
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def builds() -> Iterator[Builds]:
    running = Builds()
    running.start()
    yield running
    running.stop()
