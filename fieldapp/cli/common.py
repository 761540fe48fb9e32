"""What every command module shares: refusals, JSON output, the acting user, the database, secrets."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

PASSPHRASE_ENV = "FIELDAPP_PASSPHRASE"


class CliError(Exception):
    """Refused input: printed as one message, exit status 1."""


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def acting_user(args: argparse.Namespace, store: Any = None) -> str:
    """Who is acting, as revisions, the audit log and printed ledgers name them: --user, else
    $FIELDAPP_USER, else this database's staff member (profile or enrolled certificate), and only
    then the system account (which would otherwise print as “已定稿 root” on a ledger)."""
    if args.user:
        return str(args.user)
    env = os.environ.get("FIELDAPP_USER")
    if env:
        return env
    if store is not None:
        from fieldapp.core.trust.identity import staff_name

        name = staff_name(store)
        if name:
            return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry inside some containers
        return "unknown"


def db_path(args: argparse.Namespace) -> Path:
    from fieldapp.core.store.database import default_db_path

    return Path(args.db) if args.db else default_db_path()


READ, WRITE, CACHE = "read", "write", "cache"
"""How a command uses the database (``open_db(access=…)``): READ opens it read-only and takes no
lock (never checkpoints or deletes the WAL, runs beside the GUI); WRITE holds the database's lock
for the command, waiting up to ``--wait`` seconds while another program holds it; CACHE reads, and
also fills derived caches when nobody else holds the lock (read-only otherwise)."""

DEFAULT_WAIT = 10.0
_LOCKS: list[Any] = []


def open_db(args: argparse.Namespace, create: bool = False, access: str = WRITE) -> Any:
    """The store at --db. A file that does not exist is refused, so a mistyped path never quietly
    starts an empty database; commands that start one (demo, hq init, enroll) pass ``create``,
    and ``--create`` lets any command start one. ``access`` says how the command uses it."""
    from fieldapp.core.store.database import open_store
    from fieldapp.core.store.encryption import ENCRYPTED, MISSING, database_state
    from fieldapp.core.store.errors import UpgradeNeeded

    path, wait = db_path(args), float(getattr(args, "wait", DEFAULT_WAIT))
    create = create or bool(getattr(args, "create", False))
    if not path.exists() and not create:
        raise CliError(f"数据库文件不存在：{path}（路径是否写错？若要新建数据库，请加 --create）")
    state = database_state(path)
    passphrase = read_passphrase(  # before anything is created or locked
        getattr(args, "passphrase_file", None), confirm=state == MISSING and create
    )
    if access != WRITE and state == ENCRYPTED:
        key = unlock_db(path, passphrase)
        if access == CACHE and _take_lock(args, path, wait=0.0, refuse=False):
            return open_store(path, key=key, create=create, wait=wait)
        try:
            return open_store(path, key=key, readonly=True, wait=wait)
        except UpgradeNeeded:
            pass  # upgrading the file is a write: through the lock below
    _take_lock(args, path, wait=wait, refuse=True)
    return open_store(
        path, key=unlock_db(path, passphrase, create=create), create=create, wait=wait
    )


def unlock_db(path: Path, passphrase: bytes, *, create: bool = True) -> Any:
    """The database key from the person's passphrase: a missing database is created encrypted,
    a plaintext one (older version) converted — both under the lock the caller holds."""
    from fieldapp.core.store.encryption import MISSING, PLAINTEXT, database_state
    from fieldapp.core.store.unlock import unlock_database

    state = database_state(path)
    if state == PLAINTEXT:
        print(f"正在加密数据库 {path}（只需一次）…", file=sys.stderr)
    key = unlock_database(
        path, passphrase, create=create, progress=_show_progress if state == PLAINTEXT else None
    )
    if state == MISSING:
        print(
            f"已新建加密数据库 {path}：以后打开它需要本次所用口令，请牢记（登记到总部后可由总部协助找回）。",
            file=sys.stderr,
        )
    elif state == PLAINTEXT:
        print("\n数据库已加密，原未加密文件已删除。", file=sys.stderr)
    return key


def _show_progress(fraction: float) -> None:
    print(f"\r  {fraction:4.0%}", end="", file=sys.stderr, flush=True)


def take_db_lock(args: argparse.Namespace, path: Path) -> None:
    """Hold the database's lock for this command (waiting up to --wait), or a CliError."""
    _take_lock(args, path, wait=float(getattr(args, "wait", DEFAULT_WAIT)), refuse=True)


def _take_lock(args: argparse.Namespace, path: Path, *, wait: float, refuse: bool) -> bool:
    """Hold the database's lock until the command ends (``release_locks``); False if it is held
    elsewhere and not ``refuse``, else a CliError naming who holds it."""
    from fieldapp.core.store.lock import LockHeld, LockOwner, acquire

    def waiting(owner: LockOwner | None) -> None:
        who = owner.describe() if owner else "另一个户户清程序使用"
        print(f"数据库正由 {who}，等待其结束（最多 {wait:g} 秒）…", file=sys.stderr)

    handler = getattr(args, "handler", None)
    command = "fieldapp " + getattr(handler, "__name__", "").removeprefix("cmd_").replace("_", " ")
    try:
        lock = acquire(
            path, program="cli", command=command, user=acting_user(args), wait=wait, on_wait=waiting
        )
    except LockHeld as exc:
        if not refuse:
            return False
        raise CliError(f"{exc}（命令行可用 --wait 秒数 等待更久）；未作任何修改") from None
    if lock.stale is not None:
        print(f"注意：上次 {lock.stale.describe()}时未正常退出，已接管数据库。", file=sys.stderr)
    _LOCKS.append(lock)
    return True


def release_locks() -> None:
    """Release every database lock this command took (``main`` calls it when a command ends),
    and forget a passphrase typed at the terminal."""
    _TYPED.clear()
    while _LOCKS:
        _LOCKS.pop().release()


def read_new_passphrase(passphrase_file: str | None, env: str, *, who: str, option: str) -> bytes:
    """A passphrase being set (``who``: 新口令, 新登记人员的口令): from the file, else ``$env``,
    else asked twice on a terminal; else refused naming ``option`` and ``env``."""
    if passphrase_file:
        try:
            text = Path(passphrase_file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise PassphraseMissing(f"无法读取口令文件 {passphrase_file}：{exc.strerror}") from None
    elif os.environ.get(env):
        text = os.environ[env]
    elif sys.stdin is not None and sys.stdin.isatty():
        text = getpass.getpass(f"{who}（至少 8 个字符）：")
        if getpass.getpass("再输入一次：") != text:
            raise CliError("两次输入的口令不一致，未作任何修改")
    else:
        raise PassphraseMissing(f"需要{who}：请用 {option} 文件 或环境变量 {env} 提供")
    return text.encode("utf-8")


def write_new_private(out: Path, data: bytes) -> None:
    """Write a new file (never replacing one) that only its owner can read."""
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def read_json(source: str) -> Any:
    """A JSON file (``-`` = stdin), refused cleanly when missing, too large, too deep or not JSON."""
    from fieldapp.core.values.documents import parse_json
    from fieldapp.core.values.limits import JSON_MAX_BYTES

    try:
        data: str | bytes
        if source == "-":
            stream = getattr(sys.stdin, "buffer", sys.stdin)  # a test may swap in a StringIO
            data = stream.read(JSON_MAX_BYTES + 1)
        else:
            with Path(source).open("rb") as handle:
                data = handle.read(JSON_MAX_BYTES + 1)
    except FileNotFoundError:
        raise CliError(f"文件不存在：{source}") from None
    except OSError as exc:
        raise CliError(f"无法读取 {source}：{exc.strerror}") from None
    try:
        return parse_json(data, source, max_bytes=JSON_MAX_BYTES)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def region_arg(text: str | None) -> str | None:
    """A --region value: a region code or its prefix, digits only (so "%" selects nothing)."""
    if text is None:
        return None
    code = text.strip()
    if not re.fullmatch(r"[0-9]{2,6}", code):
        raise CliError(
            f"--region 应为行政区划代码或其前缀（2–6 位数字，如 530000、5301），收到“{text}”"
        )
    return code


def parse_day(text: str | None, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{what}“{text}”应为 YYYY-MM-DD 格式的日期") from None


class PassphraseMissing(Exception):
    pass


_TYPED: list[str] = []  # a passphrase typed at the terminal, asked once per command


def read_passphrase(
    passphrase_file: str | None, *, prompt: str = "口令：", confirm: bool = False
) -> bytes:
    """--passphrase-file, else $FIELDAPP_PASSPHRASE, else ask — only when stdin is a terminal
    (once per command: unlocking the database and the keys use the same passphrase).
    ``confirm``: a new passphrase, asked twice at the terminal."""
    if passphrase_file:
        try:
            text = Path(passphrase_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise PassphraseMissing(f"无法读取口令文件 {passphrase_file}：{exc.strerror}") from None
        secret = text.rstrip("\r\n")
    elif os.environ.get(PASSPHRASE_ENV):
        secret = os.environ[PASSPHRASE_ENV]
    elif _TYPED:
        secret = _TYPED[0]
    elif sys.stdin is not None and sys.stdin.isatty():
        secret = getpass.getpass("设置口令（至少 8 个字符）：" if confirm else prompt)
        if confirm and getpass.getpass("再输入一次：") != secret:
            raise PassphraseMissing("两次输入的口令不一致")
        _TYPED.append(secret)
    else:
        raise PassphraseMissing(
            f"需要口令：请用 --passphrase-file 文件 或环境变量 {PASSPHRASE_ENV} 提供 "
            "(no passphrase: stdin is not a terminal)"
        )
    if not secret:
        raise PassphraseMissing("口令不能为空")
    return secret.encode("utf-8")
