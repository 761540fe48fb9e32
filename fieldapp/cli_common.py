"""Helpers shared by the feature command modules (secrets, JSON output, stores)."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

PASSPHRASE_ENV = "FIELDAPP_PASSPHRASE"


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
