"""Run a piece of the application in a child process (offscreen Qt) that a test can SIGKILL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}


def spawn(code: str, *args: str, talk: bool = False) -> subprocess.Popen[str]:
    """Start ``python -c code args``; stdout is a pipe, stdin too when ``talk``."""
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.PIPE if talk else subprocess.DEVNULL,
        text=True,
        env=ENV,
    )
