"""Temporary files of a session — ledger previews, attachment copies for an outside viewer — in one
private folder: the folder is the owner's only (0700), each file too (0600), and the folder is
removed when the application exits; one left by a session that crashed is removed at the next
start. These files hold what the database protects (names, ID numbers, photos of 户口本), so they
must not lie readable in a shared temp folder for other users of the computer.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

PREFIX = "fieldapp-session-"
_session: Path | None = None


def session_dir() -> Path:
    """This session's private folder (created on first use, removed at exit)."""
    global _session
    if _session is None or not _session.is_dir():
        _remove_stale()
        _session = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))  # mode 0700
        atexit.register(shutil.rmtree, _session, ignore_errors=True)
    return _session


def private_folder(name: str) -> Path:
    folder = session_dir() / name
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def write_private(path: Path, data: bytes) -> Path:
    """Write ``data`` to a new or replaced file that only its owner can read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)  # an existing file keeps its mode through O_CREAT
    return path


def _remove_stale() -> None:
    """Folders of sessions whose process no longer runs (POSIX; Windows cleans its temp itself)."""
    if sys.platform == "win32":
        return
    for folder in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            pid = int(folder.name[len(PREFIX) :].split("-")[0])
            if folder.stat().st_uid != os.getuid() or _alive(pid):
                continue
        except (ValueError, OSError):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
