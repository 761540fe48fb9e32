"""Running one measurement in a child process of its own: fresh memory figures, no warm caches.

The child prints its figures as a JSON object on the last line of ``stream`` (stdout or stderr).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_child(
    args: list[str], label: str, stream: str = "stdout", code: Path = REPO
) -> dict[str, float]:
    """``python ARGS`` with ``code`` (this repository, or another checkout) on the path; the
    figures it printed last."""
    env = {**os.environ, "PYTHONPATH": str(code), "FIELDAPP_USER": "bench"}
    done = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        raise SystemExit(f"{label} failed:\n{done.stderr[-3000:]}")
    text = done.stdout if stream == "stdout" else done.stderr
    figures: dict[str, float] = json.loads(text.strip().splitlines()[-1])
    return figures
