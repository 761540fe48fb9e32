"""One writer per database: a lock file next to it that says who holds it, since when, and where.

Why: SQLite's own locks last one transaction, so two windows on one database each saved what they
had loaded and overwrote the other's edits without a word. The graphical application therefore
takes this lock for its whole session, command-line writers take it for one command (waiting a
bounded time, then saying who holds it), and readers do not take it at all: they open the
database read-only. A second window that finds the lock held can only look.

Why ``flock`` (POSIX) and ``msvcrt.locking`` (Windows), on a file of its own (``huhuqing.db.lock``):
SQLite's POSIX record locks belong to the process and are all dropped when anything in it closes
any descriptor of the database (see ``fieldapp/ui/file_dialogs.py``); an ``flock`` belongs to the
open file description and a Windows lock to the handle, so nothing else in the process can drop
it, and the operating system releases it when the holder dies, however it dies.

Stale lock: a lock file whose OS lock is free is stale whatever it says — its holder crashed or was
killed. The next program takes it over and reports whose session ended that way (``stale``). A
clean release empties the file, so an empty file is simply free.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.records import now_iso

PROGRAMS = {"gui": "图形界面", "cli": "命令行"}
_WINDOWS_OFFSET = 1 << 30  # Windows locks a byte range: one byte far past the owner text


@dataclass(frozen=True)
class LockOwner:
    """Who holds (or last held) the lock, as written in the lock file."""

    pid: int
    host: str
    user: str
    program: str
    command: str
    since: str

    @classmethod
    def here(cls, program: str, command: str, user: str | None = None) -> LockOwner:
        return cls(os.getpid(), socket.gethostname(), user or _login(), program, command, now_iso())

    @classmethod
    def parse(cls, text: str) -> LockOwner | None:
        """The owner from the file's text; None for an empty, partly written or foreign file."""
        try:
            raw = json.loads(text)
            return cls(
                pid=int(raw["pid"]),
                host=str(raw["host"]),
                user=str(raw["user"]),
                program=str(raw["program"]),
                command=str(raw.get("command", "")),
                since=str(raw["since"]),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def describe(self) -> str:
        """'张三 在 主机X 的图形界面中使用（进程 1234，自 09:12 起）'."""
        program = PROGRAMS.get(self.program, self.program)
        if self.program == "cli" and self.command:
            program += f" {self.command} "
        since = _local(self.since)
        return f"{self.user} 在 {self.host} 的{program}中使用（进程 {self.pid}，自 {since} 起）"


class LockHeld(StoreError):
    """Another live program holds the database; ``owner`` is who (None if it cannot be read)."""

    def __init__(self, message: str, owner: LockOwner | None) -> None:
        super().__init__(message)
        self.owner = owner


def held_message(owner: LockOwner | None, waited: float = 0.0) -> str:
    who = owner.describe() if owner else "另一个户户清程序使用"
    waiting = f"，已等待 {waited:g} 秒" if waited > 0 else ""
    return f"数据库正由 {who}{waiting}。同一时间只能有一处修改数据，请在那里操作，或关闭它后重试。"


def lock_path(db_path: Path | str) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".lock")


def read_owner(db_path: Path | str) -> LockOwner | None:
    """What the lock file says (a live holder, or a stale one); None if empty or missing."""
    try:
        return LockOwner.parse(lock_path(db_path).read_text(encoding="utf-8"))
    except OSError:
        return None


class DatabaseLock:
    """The held lock: release it (or leave the ``with`` block) when the session or command ends.

    Taking the lock again in the same process returns the same object with a count, so a command
    that opens the database twice does not lock itself out.
    """

    def __init__(self, path: Path, fd: int, owner: LockOwner, stale: LockOwner | None) -> None:
        self.path = path
        self.owner = owner
        self.stale = stale
        self._fd: int | None = fd
        self._count = 1
        self._write(owner)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def update(self, **changes: Any) -> None:
        """Rewrite the owner text (the GUI learns the cadre's name after opening the store)."""
        self.owner = replace(self.owner, **changes)
        self._write(self.owner)

    def release(self) -> None:
        with _REGISTRY_LOCK:
            self._count -= 1
            if self._count > 0 or self._fd is None:
                return
            fd, self._fd = self._fd, None
            _HELD.pop(self.path, None)
        try:
            os.ftruncate(fd, 0)  # a clean end: an empty lock file is free, not stale
            _unlock(fd)
        finally:
            os.close(fd)

    def _write(self, owner: LockOwner) -> None:
        if self._fd is None:
            return
        data = json.dumps(asdict(owner), ensure_ascii=False).encode("utf-8")
        os.ftruncate(self._fd, 0)
        os.lseek(self._fd, 0, os.SEEK_SET)
        os.write(self._fd, data)

    def __enter__(self) -> DatabaseLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


_HELD: dict[Path, DatabaseLock] = {}
_REGISTRY_LOCK = threading.Lock()


def acquire(
    db_path: Path | str,
    *,
    program: str,
    command: str = "",
    user: str | None = None,
    wait: float = 0.0,
    on_wait: Callable[[LockOwner | None], None] | None = None,
) -> DatabaseLock:
    """Take the database's lock, waiting up to ``wait`` seconds; ``LockHeld`` naming the holder.

    ``on_wait(owner)`` is called once if the lock is busy and the caller is going to wait.
    """
    path = lock_path(db_path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _REGISTRY_LOCK:
        mine = _HELD.get(path)
        if mine is not None:
            mine._count += 1
            return mine
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise StoreError(f"无法创建数据库锁文件 {path}：{exc.strerror or exc}") from None
    deadline = time.monotonic() + wait
    told = False
    while not _try_lock(fd):
        if time.monotonic() >= deadline:
            os.close(fd)
            owner = read_owner(db_path)
            raise LockHeld(held_message(owner, wait), owner)
        if on_wait is not None and not told:
            on_wait(read_owner(db_path))
            told = True
        time.sleep(0.1)
    previous = _read_fd(fd)
    lock = DatabaseLock(path, fd, LockOwner.here(program, command, user), previous)
    with _REGISTRY_LOCK:
        _HELD[path] = lock
    return lock


def _read_fd(fd: int) -> LockOwner | None:
    os.lseek(fd, 0, os.SEEK_SET)
    return LockOwner.parse(os.read(fd, 64 * 1024).decode("utf-8", "replace"))


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _local(iso: str) -> str:
    """'09:12' today, '5月3日 09:12' on another day (local time)."""
    try:
        moment = datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    if moment.date() == datetime.now().astimezone().date():
        return f"{moment:%H:%M}"
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _WINDOWS_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WINDOWS_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
