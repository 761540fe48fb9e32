"""The `fieldapp` command: every capability of the core, scriptable and testable without a screen.

Exit status 0 on success, 1 on refused input (with a clear message on stderr), 2 on usage errors.
No command prompts when stdin is not a terminal; lists and reports offer ``--json``. Each command
group lives in its own module of this package and adds its sub-commands with ``register``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from fieldapp import __version__
from fieldapp.cli.common import CliError, PassphraseMissing, db_path

Handler = Callable[[argparse.Namespace], int]

# One module per command group, in the order their commands are listed by --help.
COMMAND_MODULES: tuple[str, ...] = (
    "fieldapp.cli.forms",
    "fieldapp.cli.demo",
    "fieldapp.cli.households",
    "fieldapp.cli.standards",
    "fieldapp.cli.sync",
    "fieldapp.cli.ledger",
    "fieldapp.cli.reports",
    "fieldapp.cli.policies",
    "fieldapp.cli.archive",
)


# What `--open` accepts: the files the installers associate with the application.
OPEN_SUFFIXES = {".hhq": "数据包", ".hhqe": "登记文件", ".enroll": "登记文件"}


def file_to_open(args: argparse.Namespace) -> Path | None:
    """`--open FILE` checked before any window appears: it exists and is a bundle or enrollment."""
    if not args.open:
        return None
    path = Path(args.open)
    if path.suffix.lower() not in OPEN_SUFFIXES:
        raise CliError(f"--open 只接受数据包（.hhq）或登记文件（.hhqe）：{path}")
    if not path.is_file():
        raise CliError(f"文件不存在：{path}")
    return path.resolve()


def cmd_gui(args: argparse.Namespace) -> int:
    open_file = file_to_open(args)
    try:
        from fieldapp.ui.app import run
    except ImportError as exc:
        raise CliError(
            f"无法启动图形界面（缺少 Qt 组件：{exc}）。命令行功能可用：fieldapp --help"
        ) from None
    return run(db_path(args), open_file)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fieldapp",
        description="户户清：困难职工入户走访“六清”调查（离线）。不带子命令时启动图形界面。",
    )
    parser.add_argument("--version", action="version", version=f"fieldapp {__version__}")
    parser.add_argument(
        "--db", help="数据库文件（默认 $FIELDAPP_DB，否则用户数据目录下 huhuqing.db）"
    )
    parser.add_argument(
        "--user", help="操作人姓名，记入审计日志（默认 $FIELDAPP_USER 或系统用户名）"
    )
    parser.add_argument(
        "--open",
        metavar="FILE",
        help="启动图形界面并打开文件：数据包（.hhq）导入，登记文件（.hhqe）登记本机（双击文件即此）",
    )
    parser.set_defaults(handler=cmd_gui)
    sub = parser.add_subparsers(title="子命令", metavar="COMMAND")

    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from fieldapp.core.store.store import StoreError

    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (CliError, StoreError, PassphraseMissing) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
