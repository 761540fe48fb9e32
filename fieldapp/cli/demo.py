"""``fieldapp demo``: synthetic households for trying the tool and for benchmarks."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from fieldapp.cli.common import CliError, acting_user, open_db


def cmd_demo(args: argparse.Namespace) -> int:
    from fieldapp.core.demo.generate import generate_demo

    if args.households < 1 or args.households > 1_000_000:
        raise CliError("户数应在 1 到 1,000,000 之间")
    store = open_db(args, create=True)
    show = sys.stderr.isatty() and not args.quiet

    def progress(done: int, total: int) -> None:
        if show:
            print(f"\r生成演示数据 {done}/{total}", end="", file=sys.stderr, flush=True)

    created = generate_demo(
        store, args.households, seed=args.seed, author=acting_user(args, store), progress=progress
    )
    if show:
        print(file=sys.stderr)
    print(f"已生成 {created} 户演示数据（种子 {args.seed}），数据库：{store.path}")
    return 0


def register(sub: Any) -> None:
    demo = sub.add_parser("demo", help="生成演示数据（合成，不含真实个人信息）")
    demo.add_argument("--households", type=int, required=True, help="户数")
    demo.add_argument("--seed", type=int, default=1, help="随机种子（相同种子生成相同数据）")
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(handler=cmd_demo)
