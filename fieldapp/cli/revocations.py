"""``fieldapp hq revocations --out FILE``: headquarters' revocation list for auditors.

The file is JSON signed by the headquarters office identity; ``fieldapp verify --revocations FILE
--trust CA.pem`` checks it and honours it without the headquarters database. Laptops need no
file: assignment bundles carry the list (docs/bundle-format.md). Added to the ``hq`` group by
``fieldapp.cli.sync``.
"""

from __future__ import annotations

import argparse
from typing import Any

from fieldapp.cli.common import READ, CliError, open_db, read_passphrase


def cmd_hq_revocations(args: argparse.Namespace) -> int:
    from fieldapp.core.trust import identity, revocation

    out = args.out
    store = open_db(args, create=False, access=READ)
    identity.require_hq(store)
    signer = identity.signing_identity(store, read_passphrase(args.passphrase_file))
    data = revocation.export_revocations(store, signer)
    try:
        with open(out, "xb") as fh:
            fh.write(data)
    except FileExistsError:
        raise CliError(f"{out} 已存在，不覆盖；请换一个文件名") from None
    except OSError as exc:
        raise CliError(f"无法写入 {out}：{exc.strerror or exc}") from None
    count = len(revocation.revocations(store))
    print(f"已导出吊销名单：{out}（{count} 条，由 {signer.name} 签名）")
    return 0


def add_to(hq: Any) -> None:
    parser = hq.add_parser(
        "revocations", help="导出总部签名的吊销名单（供无数据库的核验人 fieldapp verify 使用）"
    )
    parser.add_argument("--out", required=True, help="输出文件（不覆盖已有文件）")
    parser.add_argument(
        "--passphrase-file", help="口令文件（默认环境变量 FIELDAPP_PASSPHRASE；终端下可输入）"
    )
    parser.set_defaults(handler=cmd_hq_revocations)
