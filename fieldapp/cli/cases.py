"""``fieldapp case``: filing and exit procedures (open, step, show, list, resolve), each step signed.

Signing needs this database's identity (an enrolled laptop, or headquarters' office identity)
and its passphrase: ``--passphrase-file``, else $FIELDAPP_PASSPHRASE. A refused step prints why
and exits 1; nothing is written (docs/procedures.md).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from fieldapp.cli.common import READ, CliError, open_db, parse_day, print_json, read_passphrase

PROCEDURE_WORDS = {"filing": "filing", "建档": "filing", "exit": "exit", "退出": "exit"}
ROLE_WORDS = ("cadre", "reviewer", "office")


def _signer(args: argparse.Namespace, store: Any) -> Any:
    from fieldapp.core.trust import identity

    return identity.signing_identity(store, read_passphrase(args.passphrase_file))


def _procedure(text: str) -> str:
    key = PROCEDURE_WORDS.get(text.strip())
    if key is None:
        raise CliError(f"办理程序只能是：建档（filing）或 退出（exit），收到“{text}”")
    return key


def cmd_case_open(args: argparse.Namespace) -> int:
    from fieldapp.core.procedures import open_case

    store = open_db(args)
    case = open_case(
        store,
        args.household,
        _procedure(args.procedure),
        signer=_signer(args, store),
        target=args.target,
        opened_on=parse_day(args.date, "开立日期"),
    )
    if args.json:
        print_json(case.row() | {"certificate": None})
        return 0
    print(f"已开立案件 {case.id}（{args.procedure}，目标状态：{case.target}）")
    return 0


def cmd_case_step(args: argparse.Namespace) -> int:
    from fieldapp.core.procedures import Publicity, take_step, view_of

    publicity = None
    dates = (args.publicity_from, args.publicity_to, args.objections)
    if any(v is not None for v in dates):
        if not all(v is not None for v in dates):
            raise CliError("公示步骤须同时给出 --publicity-from、--publicity-to 和 --objections")
        start = parse_day(args.publicity_from, "公示开始日期")
        end = parse_day(args.publicity_to, "公示结束日期")
        assert start is not None and end is not None
        publicity = Publicity(start, end, args.objections == "有", args.objection_note or "")
    store = open_db(args)
    result = take_step(
        store,
        args.case,
        signer=_signer(args, store),
        decision=args.decision,
        opinion=args.opinion or "",
        step=args.step,
        decided_on=parse_day(args.date, "办理日期"),
        publicity=publicity,
        override_reason=args.override_reason,
    )
    view = view_of(store, result.state.case)
    if args.json:
        print_json(view.to_dict())
        return 0
    step = result.step
    print(
        f"已办理：{step.step}（{args.decision}），案件 {step.case_id[:8]} 现状：{view.state.outcome}"
    )
    if result.check is not None:
        print(f"  {result.check.summary}")
    if result.status_changed:
        print(f"  档案状态已变更为：{result.status_changed}")
    nxt = view.state.next_step
    if nxt is not None:
        print(f"  下一步：{nxt.name}（{'、'.join(view.role_names.get(r, r) for r in nxt.roles)}）")
    return 0


def cmd_case_show(args: argparse.Namespace) -> int:
    from fieldapp.core.procedures import case_view, step_lines

    store = open_db(args, access=READ)
    view = case_view(store, args.case, on=parse_day(args.date, "核对日期"))
    if args.json:
        print_json(view.to_dict())
        return 0
    c, h = view.case, view.household
    print(f"{view.title}案件 {c.id}  目标状态 {c.target}  现状 {view.state.outcome}")
    print(f"户 {h.get('name') or '（未填姓名）'} {h.get('archive_no') or ''}（{c.household_id}）")
    print(f"{c.opened_on} 由 {c.signer.actor_name} 开立（{view.signature.label}）")
    for n, sv in enumerate(view.steps, 1):
        lines = step_lines(sv.step, view.role_names)
        mark = "" if sv.in_force else "（已作废）"
        print(f"{n}. {lines[0]}{mark}  [{sv.signature.label}]")
        for line in lines[1:]:
            print(f"     {line}")
    if view.state.branches:
        print("有冲突：同一步骤有并行的决定 " + "、".join(s.id[:8] for s in view.state.branches))
    nxt = view.state.next_step
    if nxt is not None:
        print(f"下一步：{nxt.name}（{'、'.join(view.role_names.get(r, r) for r in nxt.roles)}）")
    if view.assessment is not None:
        print(f"规则核对：{view.assessment.summary}")
        for reason in view.assessment.reasons:
            print(f"  {reason}")
    if view.watch_until:
        print(f"渐退期至 {view.watch_until}（不含）")
    return 0


def cmd_case_list(args: argparse.Namespace) -> int:
    from fieldapp.core.procedures import list_cases
    from fieldapp.core.trust import identity

    store = open_db(args, access=READ)
    waiting = args.waiting_for
    if args.todo:
        waiting = identity.staff_info(identity.own_certificate(store)).role
    rows = list_cases(
        store,
        household=args.household,
        procedure=_procedure(args.procedure) if args.procedure else None,
        open_only=args.open,
        waiting_for=waiting,
    )
    if args.json:
        print_json([r.to_dict() for r in rows])
        return 0
    for r in rows:
        h = r.household
        nxt = f"待{r.next_step}" if r.next_step else ""
        print(
            f"{r.case.id[:8]}  {r.title:<4} {r.case.target:<4} {r.outcome:<4} {nxt:<10} "
            f"{h.get('archive_no') or '-'} {h.get('name') or '（未填姓名）'}  {r.last_date}"
        )
    print(f"共 {len(rows)} 个案件", file=sys.stderr)
    return 0


def cmd_case_resolve(args: argparse.Namespace) -> int:
    from fieldapp.core.procedures import resolve_case

    store = open_db(args)
    step = resolve_case(
        store, args.case, keep=args.keep, signer=_signer(args, store), opinion=args.opinion or ""
    )
    print(f"冲突已处理：保留决定 {step.parent_id}，记录 {step.id}")
    return 0


def _command(group: Any, name: str, text: str) -> Any:
    return group.add_parser(name, help=text, description=text)


def register(sub: Any) -> None:
    case = sub.add_parser("case", help="办理程序：建档、退出（每一步签名）").add_subparsers(
        metavar="ACTION", required=True
    )
    passphrase = {"help": "口令文件（默认环境变量 FIELDAPP_PASSPHRASE）"}

    opened = _command(case, "open", "为一户开立建档或退出案件")
    opened.add_argument("household", help="户 ID、档案编号或身份证号")
    opened.add_argument("--procedure", required=True, help="建档（filing）或 退出（exit）")
    opened.add_argument("--target", help="退出的目标状态：已脱困、已解困或注销")
    opened.add_argument("--date", help="开立日期 YYYY-MM-DD，默认今天")
    opened.add_argument("--passphrase-file", **passphrase)
    opened.add_argument("--json", action="store_true", help="以 JSON 输出")
    opened.set_defaults(handler=cmd_case_open)

    step = _command(case, "step", "办理案件的下一步：通过、退回或不予通过")
    step.add_argument("case", help="案件 ID（或前 6 位以上）")
    step.add_argument("--decision", required=True, help="通过 / 退回 / 不予通过")
    step.add_argument("--opinion", help="办理意见")
    step.add_argument("--step", help="要办理的步骤名称（默认为当前应办的一步；不符则拒绝）")
    step.add_argument("--date", help="办理日期 YYYY-MM-DD，默认今天")
    step.add_argument("--publicity-from", help="公示开始日期（公示步骤）")
    step.add_argument("--publicity-to", help="公示结束日期（公示步骤）")
    step.add_argument("--objections", choices=("有", "无"), help="公示期间有无异议")
    step.add_argument("--objection-note", help="有异议时：异议的核实和处理情况")
    step.add_argument("--override-reason", help="脱困/解困核对不符合而仍同意的理由")
    step.add_argument("--passphrase-file", **passphrase)
    step.add_argument("--json", action="store_true", help="以 JSON 输出")
    step.set_defaults(handler=cmd_case_step)

    show = _command(case, "show", "查看案件：每一步的办理人、意见、签名核验")
    show.add_argument("case", help="案件 ID（或前 6 位以上）")
    show.add_argument("--date", help="规则核对日期 YYYY-MM-DD，默认今天")
    show.add_argument("--json", action="store_true", help="以 JSON 输出")
    show.set_defaults(handler=cmd_case_show)

    listed = _command(case, "list", "列出案件（--todo：等待本人办理的）")
    listed.add_argument("--household", help="只列这一户的案件")
    listed.add_argument("--procedure", help="建档（filing）或 退出（exit）")
    listed.add_argument("--open", action="store_true", help="只列办理中的")
    listed.add_argument("--waiting-for", choices=ROLE_WORDS, help="等待该角色办理的")
    listed.add_argument("--todo", action="store_true", help="等待本机证书角色办理的（待办）")
    listed.add_argument("--json", action="store_true", help="以 JSON 输出")
    listed.set_defaults(handler=cmd_case_list)

    resolve = _command(case, "resolve", "处理案件的冲突：保留一个决定")
    resolve.add_argument("case", help="案件 ID（或前 6 位以上）")
    resolve.add_argument("--keep", required=True, help="保留的决定（步骤 ID 或前 6 位以上）")
    resolve.add_argument("--opinion", help="处理意见")
    resolve.add_argument("--passphrase-file", **passphrase)
    resolve.set_defaults(handler=cmd_case_resolve)
