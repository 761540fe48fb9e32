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

from fieldapp import __version__
from fieldapp.cli.chinese_argparse import install as install_chinese_argparse
from fieldapp.cli.common import DEFAULT_WAIT, CliError, PassphraseMissing, db_path, release_locks

Handler = Callable[[argparse.Namespace], int]

# One module per command group, in the order their commands are listed by --help.
COMMAND_MODULES: tuple[str, ...] = (
    "fieldapp.cli.forms",
    "fieldapp.cli.demo",
    "fieldapp.cli.households",
    "fieldapp.cli.cases",
    "fieldapp.cli.standards",
    "fieldapp.cli.sync",
    "fieldapp.cli.ledger",
    "fieldapp.cli.reports",
    "fieldapp.cli.checks",
    "fieldapp.cli.policies",
    "fieldapp.cli.archive",
    "fieldapp.cli.security",
)


def cmd_gui(args: argparse.Namespace) -> int:
    try:
        from fieldapp.ui.app import run
    except ImportError as exc:
        raise CliError(
            f"无法启动图形界面（缺少 Qt 组件：{exc}）。命令行功能可用：fieldapp --help"
        ) from None
    return run(db_path(args), getattr(args, "file", None))


def build_parser() -> argparse.ArgumentParser:
    install_chinese_argparse()
    parser = argparse.ArgumentParser(
        prog="fieldapp",
        description="户户清：困难职工入户走访“六清”调查（离线）。不带子命令时启动图形界面。",
    )
    parser.add_argument(
        "--version", action="version", version=f"fieldapp {__version__}", help="显示版本号并退出"
    )
    parser.add_argument(
        "--db", help="数据库文件（默认 $FIELDAPP_DB，否则用户数据目录下 huhuqing.db）"
    )
    parser.add_argument(
        "--user",
        help="操作人姓名，记入修订和审计日志（默认 $FIELDAPP_USER，否则本机登记的帮扶干部姓名）",
    )
    parser.add_argument(
        "--wait",
        type=_seconds,
        default=DEFAULT_WAIT,
        metavar="SECONDS",
        help=f"数据库正被其他程序使用时，写入命令最多等待的秒数（默认 {DEFAULT_WAIT:g}）",
    )
    parser.add_argument(
        "--create",
        action="store_true",
        help="数据库文件不存在时新建（默认拒绝，以免路径写错时悄悄新建空库；"
        "demo、hq init、enroll 总是可以新建）",
    )
    parser.add_argument(
        "--passphrase-file",
        dest="global_passphrase_file",
        metavar="FILE",
        help="口令文件：解锁加密数据库及本人私钥（默认环境变量 FIELDAPP_PASSPHRASE；终端下询问）",
    )
    parser.set_defaults(handler=cmd_gui)
    sub = parser.add_subparsers(title="子命令", metavar="COMMAND")

    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    open_file = sub.add_parser(
        "open",
        help="启动图形界面并打开文件：数据包（.hhq）导入，登记文件（.hhqe）登记（双击文件时用）",
    )
    open_file.add_argument("file", help="数据包或登记文件")
    open_file.set_defaults(handler=cmd_gui)
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 24 * 3600:
        raise argparse.ArgumentTypeError(f"“{text}”应为 0 到 86400 之间的秒数")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    from fieldapp.core.store import driver
    from fieldapp.core.store.connection import busy_error, is_busy
    from fieldapp.core.store.errors import StoreError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "passphrase_file", None):  # one passphrase: before or after the command
        args.passphrase_file = args.global_passphrase_file
    handler: Handler = args.handler
    try:
        return handler(args)
    except (CliError, StoreError, PassphraseMissing) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except driver.OperationalError as exc:
        if not is_busy(exc):
            raise
        print(f"错误：{busy_error(None, args.wait)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    finally:
        release_locks()


if __name__ == "__main__":
    sys.exit(main())
