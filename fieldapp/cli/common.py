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


def acting_user(args: argparse.Namespace) -> str:
    if args.user:
        return str(args.user)
    env = os.environ.get("FIELDAPP_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry inside some containers
        return "unknown"


def db_path(args: argparse.Namespace) -> Path:
    from fieldapp.core.store.database import default_db_path

    return Path(args.db) if args.db else default_db_path()


def open_db(args: argparse.Namespace, create: bool = False) -> Any:
    """The store at --db. A file that does not exist is refused, so a mistyped path never quietly
    starts an empty database; commands that start one (demo, hq init, enroll) pass ``create``,
    and ``--create`` lets any command start one."""
    from fieldapp.core.store.database import open_store

    path = db_path(args)
    if not path.exists() and not (create or getattr(args, "create", False)):
        raise CliError(f"数据库文件不存在：{path}（路径是否写错？若要新建数据库，请加 --create）")
    return open_store(path, create=True)


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


def read_passphrase(passphrase_file: str | None, *, prompt: str = "口令：") -> bytes:
    """--passphrase-file, else $FIELDAPP_PASSPHRASE, else ask — only when stdin is a terminal."""
    if passphrase_file:
        try:
            text = Path(passphrase_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise PassphraseMissing(f"无法读取口令文件 {passphrase_file}：{exc.strerror}") from None
        secret = text.rstrip("\r\n")
    elif os.environ.get(PASSPHRASE_ENV):
        secret = os.environ[PASSPHRASE_ENV]
    elif sys.stdin is not None and sys.stdin.isatty():
        secret = getpass.getpass(prompt)
    else:
        raise PassphraseMissing(
            f"需要口令：请用 --passphrase-file 文件 或环境变量 {PASSPHRASE_ENV} 提供 "
            "(no passphrase: stdin is not a terminal)"
        )
    if not secret:
        raise PassphraseMissing("口令不能为空")
    return secret.encode("utf-8")
