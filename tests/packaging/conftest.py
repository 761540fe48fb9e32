"""The installers are built once per test session, both at once: the first packaging test that asks
for either starts ``packaging/windows/build.sh`` and ``packaging/debian/build.sh`` side by side
(niced child processes; most of each build is waiting on unzip, dpkg-deb and makensis), so the two
smoke tests cost the longer build, not the sum. Logs: ``build/packaging-logs/<kind>.log``.

``HUHUQING_BUILDS=windows`` (or ``debian``) builds only that one, for work on one installer.
Every test here is marked ``packaging`` (minutes each); ``pytest -m "not packaging"`` leaves them out.
"""

from __future__ import annotations

import os
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
    """Both builds running in the background; ``artefact(kind)`` waits for one and returns it."""

    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        wanted = os.environ.get("HUHUQING_BUILDS", ",".join(BUILDS)).split(",")
        for kind, (script, _pattern) in BUILDS.items():
            if kind not in wanted:
                continue
            out = OUT / kind
            out.mkdir(parents=True, exist_ok=True)
            for old in out.iterdir():
                if old.is_file():
                    old.unlink()
            log = (LOGS / f"{kind}.log").open("wb")
            self.running[kind] = subprocess.Popen(
                ["nice", "-n", "5", "sh", script, str(out)],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def artefact(self, kind: str) -> Path:
        assert kind in self.running, f"{kind} not built: HUHUQING_BUILDS leaves it out"
        process = self.running[kind]
        status = process.wait(timeout=BUILD_TIMEOUT)
        log = LOGS / f"{kind}.log"
        tail = log.read_text("utf-8", "replace")[-3000:]
        assert status == 0, f"{BUILDS[kind][0]} failed ({status}); log {log}:\n{tail}"
        found = sorted((OUT / kind).glob(BUILDS[kind][1]))
        assert len(found) == 1, f"expected one {BUILDS[kind][1]} in {OUT / kind}: {found}"
        return found[0]

    def stop(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def builds() -> Iterator[Builds]:
    running = Builds()
    running.start()
    yield running
    running.stop()
