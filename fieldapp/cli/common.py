"""What every command module shares: refusals, JSON output, the acting user, the database, secrets."""

from __future__ import annotations

import argparse
import getpass
import json
import os
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


def open_db(args: argparse.Namespace, create: bool = True) -> Any:
    from fieldapp.core.store.database import open_store

    return open_store(db_path(args), create=create)


def read_json(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"文件不存在：{source}") from None
    except UnicodeDecodeError:
        raise CliError(f"{source} 不是 UTF-8 文本") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{source} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列 {exc.msg}"
        ) from None


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
