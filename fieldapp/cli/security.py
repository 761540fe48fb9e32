"""Sub-commands for the passphrase and its recovery (registered by fieldapp.cli.main).

    fieldapp passphrase change [--new-passphrase-file F]      re-seal the database key
    fieldapp recovery request --out FILE                      laptop: cadre forgot the passphrase
    fieldapp recovery grant REQUEST --out FILE                headquarters: after checking the person
    fieldapp recovery apply RESET [--new-passphrase-file F]   laptop: set a new passphrase

The current passphrase comes from --passphrase-file or $FIELDAPP_PASSPHRASE (a prompt only on a
terminal); the new one from --new-passphrase-file or $FIELDAPP_NEW_PASSPHRASE (asked twice on a
terminal). How recovery works: docs/security.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fieldapp.cli.common import (
    CliError,
    acting_user,
    db_path,
    open_db,
    read_new_passphrase,
    read_passphrase,
    take_db_lock,
    write_new_private,
)

NEW_PASSPHRASE_ENV = "FIELDAPP_NEW_PASSPHRASE"


def _new_passphrase(args: argparse.Namespace) -> bytes:
    return read_new_passphrase(
        args.new_passphrase_file,
        NEW_PASSPHRASE_ENV,
        who="新口令",
        option="--new-passphrase-file",
    )


def _existing_database(args: argparse.Namespace) -> Path:
    from fieldapp.core.store.encryption import ENCRYPTED, database_state

    path = db_path(args)
    if database_state(path) != ENCRYPTED:
        raise CliError(f"{path} 不是加密的户户清数据库（先用任一命令打开一次，会自动加密）")
    return path


def cmd_passphrase_change(args: argparse.Namespace) -> int:
    from fieldapp.core.store.encryption import change_passphrase

    path = _existing_database(args)
    old = read_passphrase(args.passphrase_file, prompt="当前口令：")
    new = _new_passphrase(args)
    if new == old:
        raise CliError("新口令与当前口令相同，未作任何修改")
    take_db_lock(args, path)
    change_passphrase(path, old, new)
    print("口令已修改：数据库和本人私钥此后用新口令解锁（旧口令不再有效）。")
    return 0


def cmd_recovery_request(args: argparse.Namespace) -> int:
    from fieldapp.core.trust.recovery import make_request

    path = _existing_database(args)
    out = _new_file(args.out)
    take_db_lock(args, path)
    data = make_request(path)
    write_new_private(out, data)
    print(f"已生成恢复申请文件 {out}。")
    print("请本人携带此文件和身份证到上级工会办公室；办公室核实后交给您一个口令重置文件，")
    print("然后在本机运行：fieldapp recovery apply 重置文件。再次申请会使此文件作废。")
    return 0


def cmd_recovery_grant(args: argparse.Namespace) -> int:
    from fieldapp.core.trust import identity
    from fieldapp.core.trust.recovery import grant

    data = _read(args.request)
    out = _new_file(args.out)
    store = open_db(args, create=False)
    reset, who = grant(
        store, data, read_passphrase(args.passphrase_file), author=acting_user(args, store)
    )
    write_new_private(out, reset)
    role = identity.ROLE_NAMES.get(who["role"], who["role"])
    revoked = f"（注意：该设备已于 {who['revoked_at'][:10]} 吊销）" if who["revoked_at"] else ""
    print(f"已为 {who['name']}（{who['unit']}，{role}）生成口令重置文件 {out}{revoked}")
    print("此文件只能在提出申请的那台电脑上使用一次；已记入审计日志。")
    return 0


def cmd_recovery_apply(args: argparse.Namespace) -> int:
    from fieldapp.core.trust.recovery import apply_reset

    path = _existing_database(args)
    data = _read(args.reset)
    new = _new_passphrase(args)
    take_db_lock(args, path)
    apply_reset(path, data, new)
    print("口令已重置：数据库和本人私钥此后用新口令解锁。重置文件已失效，可以删除。")
    return 0


def _read(name: str) -> bytes:
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        raise CliError(f"无法读取 {name}：{exc.strerror or exc}") from None


def _new_file(name: str) -> Path:
    out = Path(name)
    if out.exists():
        raise CliError(f"{out} 已存在，不覆盖；请换一个文件名")
    if not out.parent.is_dir():
        raise CliError(f"目录 {out.parent} 不存在")
    return out


def register(sub: Any) -> None:
    phrase = sub.add_parser("passphrase", help="修改口令（数据库与本人私钥共用一个口令）")
    actions = phrase.add_subparsers(metavar="ACTION", required=True)
    change = actions.add_parser("change", help="修改口令：当前口令解锁，新口令重新封装数据库密钥")
    _add_new_passphrase(change)
    change.set_defaults(handler=cmd_passphrase_change)

    recovery = sub.add_parser("recovery", help="忘记口令：向总部申请恢复").add_subparsers(
        metavar="ACTION", required=True
    )
    request = recovery.add_parser("request", help="笔记本：生成恢复申请文件（不需要口令）")
    request.add_argument("--out", required=True, help="恢复申请文件（不覆盖已有文件）")
    request.set_defaults(handler=cmd_recovery_request)

    grant = recovery.add_parser("grant", help="总部：核实本人后，为恢复申请生成口令重置文件")
    grant.add_argument("request", help="恢复申请文件")
    grant.add_argument("--out", required=True, help="口令重置文件（不覆盖已有文件）")
    grant.set_defaults(handler=cmd_recovery_grant)

    apply = recovery.add_parser("apply", help="笔记本：用口令重置文件设置新口令")
    apply.add_argument("reset", help="口令重置文件")
    _add_new_passphrase(apply)
    apply.set_defaults(handler=cmd_recovery_apply)


def _add_new_passphrase(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--new-passphrase-file", help=f"新口令文件（默认环境变量 {NEW_PASSPHRASE_ENV}）"
    )
