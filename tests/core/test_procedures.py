"""Filing and exit procedures in one store: order, roles, 公示, the rules, returns, refusals.

Every refused step must leave the database exactly as it was (a digest of every table).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from fieldapp.core import procedures as proc
from fieldapp.core.ledger.procedure_history import procedure_history
from fieldapp.core.procedures.chain import case_state
from fieldapp.core.procedures.definitions import (
    PROCEDURES_FILE,
    ProcedureError,
    parse_procedures,
    procedure_problems,
)
from fieldapp.core.procedures.records import Case, Signer, Step
from fieldapp.core.procedures.signing import check_signature
from fieldapp.core.trust import identity
from tests.core.procedure_people import (
    Region,
    complete,
    day,
    decide,
    household,
    publicity,
    region,
    staff,
)
from tests.core.test_sync import digest
from tests.stores import open_test_store


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Region]:
    r = region(tmp_path_factory.mktemp("procedures"))
    yield r
    r.hq.close()


def refused(r: Region, message: str, action: object, *args: object, **kwargs: object) -> str:
    """Run a step that must be refused: the message names the reason, nothing is written."""
    before = digest(r.hq)
    with pytest.raises(ProcedureError) as caught:
        action(r.hq, *args, **kwargs)  # type: ignore[operator]
    assert message in str(caught.value), str(caught.value)
    assert digest(r.hq) == before
    return str(caught.value)


def exit_case(r: Region, target: str = "注销", opened: str = "2026-11-01") -> tuple[str, str]:
    hid = household(r.hq)
    case = proc.open_case(r.hq, hid, "exit", signer=r.cadre, target=target, opened_on=day(opened))
    return hid, case.id


def test_a_full_exit_changes_the_status_only_at_the_last_approval(world: Region) -> None:
    r = world
    hid, cid = exit_case(r)
    decide(r.hq, cid, r.cadre, "通过", "2026-11-02", opinion="已死亡")
    decide(r.hq, cid, r.reviewer, "通过", "2026-11-03")
    shown = publicity("2026-11-04", "2026-11-10")
    result = decide(r.hq, cid, r.reviewer, "approve", "2026-11-11", "无异议", publicity=shown)
    assert result.status_changed is None and r.hq.household(hid)["status"] == "在档"
    assert result.state.next_step is not None and result.state.next_step.name == "上级审批"
    result = decide(r.hq, cid, r.office, "通过", "2026-11-12", opinion="同意注销")
    assert result.status_changed == "注销" and result.state.outcome == proc.COMPLETED
    assert r.hq.household(hid)["status"] == "注销"
    change = r.hq.status_history(hid)[-1]
    assert change["status"] == "注销" and cid[:8] in change["reason"]
    view = proc.case_view(r.hq, cid)
    assert [s.step.step for s in view.steps] == ["入户核查", "基层工会审核", "公示", "上级审批"]
    assert all(s.signature.ok for s in view.steps) and view.signature.ok
    assert view.steps[2].step.data["publicity_to"] == "2026-11-10"
    assert view.steps[3].step.signer.actor_name == "五华区总工会办公室"
    refused(r, "已办结", proc.take_step, cid, signer=r.office, decision="通过", opinion="再批")


def test_refused_steps_leave_the_database_unchanged(world: Region) -> None:
    r = world
    hid, cid = exit_case(r)

    def each(cases: list[tuple[str, dict[str, Any]]], **common: Any) -> None:
        for reason, given in cases:
            refused(
                r,
                reason,
                proc.take_step,
                cid,
                **{"decision": "通过", "opinion": "x", **common, **given},
            )

    each(
        [
            ("只能由入户干部办理", {"signer": r.reviewer}),
            ("须填写意见", {"opinion": " "}),
            ("第一步，不能退回", {"decision": "退回"}),
            ("在今天之后", {"decided_on": day("2999-01-01")}),
            ("早于上一步", {"decided_on": day("2026-10-01")}),
            ("办理决定只能是", {"decision": "同意吧"}),
        ],
        signer=r.cadre,
    )
    decide(r.hq, cid, r.cadre, "通过", "2026-11-02")
    each(
        [
            ("办理顺序不对：现在应办理第 2 步“基层工会审核”，不能办理“公示”", {"step": "公示"}),
            ("没有“复核”这一步", {"step": "复核"}),
            ("不是公示步骤", {"publicity": publicity("2026-11-02", "2026-11-03")}),
        ],
        signer=r.reviewer,
        decided_on=day("2026-11-03"),
    )
    decide(r.hq, cid, r.reviewer, "通过", "2026-11-03")
    each(
        [
            ("须填写公示开始、结束日期", {}),
            (
                "公示期只有 3 天（2026-11-04 至 2026-11-06），至少应公示 7 天",
                {"publicity": publicity("2026-11-04", "2026-11-06")},
            ),
            ("公示到 2026-11-25 才结束", {"publicity": publicity("2026-11-04", "2026-11-25")}),
            (
                "结束日期 2026-11-04 早于开始日期",
                {"publicity": publicity("2026-11-10", "2026-11-04")},
            ),
            (
                "公示开始日期 2026-11-01 早于上一步",
                {"publicity": publicity("2026-11-01", "2026-11-10")},
            ),
            (
                "须写明异议的核实和处理情况",
                {"publicity": publicity("2026-11-04", "2026-11-12", True)},
            ),
            (
                "只能由基层工会审核人、上级工会审批人办理",
                {"signer": r.cadre, "publicity": publicity("2026-11-04", "2026-11-12")},
            ),
        ],
        signer=r.reviewer,
        decided_on=day("2026-11-20"),
    )
    handled = publicity("2026-11-04", "2026-11-12", True, "已核实，异议不成立")
    decide(r.hq, cid, r.reviewer, "通过", "2026-11-20", publicity=handled)
    assert r.hq.household(hid)["status"] == "在档"
    assert proc.case_view(r.hq, cid).steps[-1].step.data["objection_note"] == "已核实，异议不成立"


def test_approving_against_the_exit_rules_needs_a_reason_kept_on_every_step(world: Region) -> None:
    r = world
    hid, cid = exit_case(r, target="已脱困")
    message = refused(
        r,
        "如仍同意，请填写“不符合条件仍同意的理由”",
        proc.take_step,
        cid,
        signer=r.cadre,
        decision="通过",
        opinion="收入提高",
        decided_on=day("2026-11-02"),
    )
    assert "不符合“已脱困”的条件" in message
    result = complete(r, r.hq, cid, override="配偶已康复并就业，收入证明已附")
    assert result.status_changed == "已脱困"
    for sv in proc.case_view(r.hq, cid).steps:
        check = sv.step.data["rules_check"]
        assert check["met"] is False and check["outcome"] == "未达到"
        assert check["override_reason"] == "配偶已康复并就业，收入证明已附"
    change = r.hq.status_history(hid)[-1]
    assert '"override": true' in change["rules_check"] and "配偶已康复" in change["rules_check"]
    assert proc.case_view(r.hq, cid).watch_until == "2027-05-13"  # 上级审批 11-13 + 渐退期 6 months


def test_a_return_sends_the_case_back_and_a_rejection_ends_it(world: Region) -> None:
    r = world
    hid, cid = exit_case(r)
    decide(r.hq, cid, r.cadre, "通过", "2026-11-02")
    back = decide(r.hq, cid, r.reviewer, "退回", "2026-11-03", opinion="补充死亡证明")
    assert back.state.next_step is not None and back.state.next_step.name == "入户核查"
    decide(r.hq, cid, r.cadre, "通过", "2026-11-04")
    decide(r.hq, cid, r.reviewer, "通过", "2026-11-05")
    decide(
        r.hq, cid, r.office, "通过", "2026-11-13", publicity=publicity("2026-11-06", "2026-11-12")
    )
    # 上级审批 returns to 基层工会审核 (return_to in procedures.yaml), not to 公示
    back = decide(r.hq, cid, r.office, "退回", "2026-11-14", opinion="重新审核")
    assert back.state.next_step is not None and back.state.next_step.name == "基层工会审核"
    ended = decide(r.hq, cid, r.reviewer, "不予通过", "2026-11-15", opinion="证明不实")
    assert ended.state.outcome == proc.REJECTED and r.hq.household(hid)["status"] == "在档"
    refused(
        r, "不予通过而结束", proc.take_step, cid, signer=r.reviewer, decision="通过", opinion="x"
    )
    again = proc.open_case(r.hq, hid, "exit", signer=r.cadre, target="注销")
    assert [c.case.id for c in proc.list_cases(r.hq, household=hid)] == [cid, again.id]
    assert [c.outcome for c in proc.list_cases(r.hq, household=hid)] == ["未通过", "办理中"]


def test_who_may_open_which_case(world: Region) -> None:
    r = world
    hid, cid = exit_case(r)
    refused(r, "已有办理中的退出案件", proc.open_case, hid, "exit", signer=r.cadre, target="注销")
    refused(r, "已有办理中的退出案件", proc.open_case, hid, "filing", signer=r.cadre)
    other = household(r.hq)
    refused(r, "须指定目标状态", proc.open_case, other, "exit", signer=r.cadre)
    refused(
        r,
        "目标状态只能是：已脱困、已解困、注销",
        proc.open_case,
        other,
        "exit",
        signer=r.cadre,
        target="在档",
    )
    refused(
        r, "只能由入户干部、上级工会审批人开立", proc.open_case, other, "filing", signer=r.reviewer
    )
    refused(r, "没有办理程序“transfer”", proc.open_case, other, "transfer", signer=r.cadre)
    filing = proc.open_case(r.hq, other, "filing", signer=r.cadre, opened_on=day("2026-10-01"))
    complete(r, r.hq, filing.id, start="2026-10-02")
    refused(r, "已完成建档", proc.open_case, other, "filing", signer=r.cadre)
    assert [h["status"] for h in r.hq.status_history(other)] == ["在档"]


def test_a_signer_this_headquarters_does_not_trust_is_refused(
    tmp_path: Path, world: Region
) -> None:
    elsewhere = region(tmp_path)
    hid = household(world.hq)
    refused(
        world,
        "不能签署：证书不受信任",
        proc.open_case,
        hid,
        "exit",
        signer=elsewhere.cadre,
        target="注销",
    )
    revoked = staff(world.hq, "赵离职", "cadre")
    identity.revoke_device(world.hq, revoked.name, reason="离职", author="办公室")
    refused(world, "证书已吊销", proc.open_case, hid, "exit", signer=revoked, target="注销")
    elsewhere.hq.close()


def test_a_changed_record_no_longer_verifies(world: Region) -> None:
    r = world
    _, cid = exit_case(r)
    step = decide(r.hq, cid, r.cadre, "通过", "2026-11-02", opinion="核查属实").step
    assert check_signature(r.hq, step).ok
    assert check_signature(r.hq, replace(step, opinion="核查不属实")).status == "invalid"
    forged = replace(step, signer=replace(step.signer, role="office"))
    assert "与证书不符" in check_signature(r.hq, forged).label
    with pytest.raises(Exception, match="append-only"):
        r.hq.db.execute("update procedure_steps set opinion = 'x'")


def test_to_do_lists_follow_the_step_each_case_waits_for(tmp_path: Path) -> None:
    r = region(tmp_path)
    first, second = household(r.hq), household(r.hq)
    a = proc.open_case(r.hq, first, "filing", signer=r.cadre, opened_on=day("2026-11-01"))
    b = proc.open_case(
        r.hq, second, "exit", signer=r.cadre, target="注销", opened_on=day("2026-11-01")
    )
    decide(r.hq, a.id, r.cadre, "通过", "2026-11-02")
    ids = lambda role: [c.case.id for c in proc.list_cases(r.hq, waiting_for=role)]  # noqa: E731
    assert ids("reviewer") == [a.id] and ids("cadre") == [b.id] and ids("office") == []
    summary = proc.list_cases(r.hq, waiting_for="reviewer")[0].to_dict()
    assert summary["next_step"] == "审核" and summary["household"]["id"] == first
    assert proc.case_view(r.hq, b.id).assessment is not None  # exit: the rules shown to approvers
    assert proc.case_view(r.hq, a.id).assessment is None


def test_concurrent_decisions_are_a_conflict_until_resolved() -> None:
    """Pure: two steps after the same one are branches; a resolution keeps one."""
    procedure = proc.default_procedures().get("exit")
    case = Case("c", "h", "exit", "注销", "2026-11-01", Signer(*[""] * 8))

    def step(sid: str, parent: str | None, name: str, decision: str, **data: object) -> Step:
        return Step(sid, "c", "h", "exit", name, parent, decision, "", "2026-11-02", dict(data))

    one = step("1", None, "入户核查", "approve")
    yes = step("2", "1", "基层工会审核", "approve")
    no = step("3", "1", "基层工会审核", "return")
    state = case_state(procedure, case, [one, yes, no])
    assert state.outcome == proc.CONFLICT and [s.id for s in state.branches] == ["2", "3"]
    assert state.next_step is None and [s.id for s in state.chain] == ["1"]
    settle = step("4", "2", "处理冲突", "resolve", supersedes=["3"])
    for order in ([one, yes, no, settle], [one, no, yes, settle]):
        state = case_state(procedure, case, order)
        assert state.outcome == proc.OPEN and [s.id for s in state.chain] == ["1", "2", "4"]
        assert state.next_step is not None and state.next_step.name == "公示"
        assert [s.id for s in state.superseded] == ["3"]


def test_the_ledger_prints_the_procedure_history(world: Region) -> None:
    r = world
    hid, cid = exit_case(r)
    complete(r, r.hq, cid)
    flowables = procedure_history(r.hq, hid)
    text = repr([getattr(f, "_cellvalues", "") for f in flowables])
    for expected in (
        "办理程序记录",
        "入户核查",
        "上级审批",
        "五华区总工会办公室",
        "签名有效",
        "公示 2026-11-04 至 2026-11-11，无异议",
        "档案状态变更为：注销",
    ):
        assert expected in text
    assert procedure_history(r.hq, household(r.hq)) == []


def test_a_province_can_change_the_procedures_and_mistakes_are_named(tmp_path: Path) -> None:
    doc = yaml.safe_load(PROCEDURES_FILE.read_text(encoding="utf-8"))
    doc["procedures"]["filing"]["steps"][2]["publicity"]["min_days"] = 5
    doc["procedures"]["filing"]["steps"].insert(1, {"name": "初审", "roles": ["office"]})
    changed = parse_procedures(doc)
    filing = changed.get("filing")
    assert [s.name for s in filing.steps] == ["申请", "初审", "审核", "公示", "录入"]
    assert filing.steps[3].publicity_days == 5
    bad = yaml.safe_load(PROCEDURES_FILE.read_text(encoding="utf-8"))
    bad["procedures"]["exit"]["steps"][3]["return_to"] = "复核"
    bad["procedures"]["exit"]["steps"][1]["roles"] = ["chief"]
    path = tmp_path / "procedures.yaml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    (problem,) = procedure_problems(path)
    assert "procedures.exit.steps[2]（基层工会审核）" in problem and "roles" in problem
    assert procedure_problems() == []


def test_stores_without_an_identity_cannot_sign(tmp_path: Path, world: Region) -> None:
    plain = open_test_store(tmp_path / "plain.db")
    hid = household(plain)
    with pytest.raises(ProcedureError, match="不能签署"):
        proc.open_case(plain, hid, "exit", signer=world.cadre, target="注销")
    assert plain.db.execute("select count(*) from procedure_cases").fetchone()[0] == 0
    plain.close()
