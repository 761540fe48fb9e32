"""Opening a case and taking a step: every check first, then one signed row (or nothing).

Why: a step is evidence — who decided what, when, having seen which rules — so a step that breaks
the procedure is refused whole with a Chinese message and the database is left exactly as it
was. The checks, in order: the case is open and has no conflict; the step is the one due; the
signer's certificate role may take it; an opinion is given where the procedure asks for one; the
date is not in the future nor before the step it follows; a 公示 gives its dates, lasted the
minimum days and ended by the decision, and objections come with how they were handled; for an
exit, the 脱困/解困 rules are run (``rules.status_change``, the same check a status change
makes) and approving against them needs a reason, kept in the step. When the last step is
approved the household's 档案状态 changes through ``rules.status_change.change_status`` in the
same transaction, so the status history names the procedure.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from fieldapp.core.procedures import storage
from fieldapp.core.procedures.chain import OPEN, CaseState, refusal
from fieldapp.core.procedures.definitions import (
    EXIT,
    FILING,
    ProcedureError,
    ProcedureSet,
    StepSpec,
    default_procedures,
)
from fieldapp.core.procedures.forks import settle_conflicts, state_of
from fieldapp.core.procedures.records import (
    APPROVE,
    DECISION_NAMES,
    DECISION_WORDS,
    Case,
    Step,
)
from fieldapp.core.procedures.signing import signed, signer_for
from fieldapp.core.rules.status_change import (
    StatusCheck,
    change_status,
    check_status_change,
)
from fieldapp.core.store.store import Store
from fieldapp.core.trust.certificates import SigningIdentity

MAX_OPINION = 2000


@dataclass(frozen=True)
class Publicity:
    """What a 公示 step records."""

    start: date
    end: date
    objections: bool
    objection_note: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "publicity_from": self.start.isoformat(),
            "publicity_to": self.end.isoformat(),
            "objections": self.objections,
        }
        if self.objection_note.strip():
            data["objection_note"] = self.objection_note.strip()
        return data


@dataclass(frozen=True)
class StepResult:
    step: Step
    state: CaseState
    """The case after the step."""
    check: StatusCheck | None
    """What the 脱困/解困 rules said (exit cases)."""
    status_changed: str | None
    """The 档案状态 the household now has, when this step completed the case."""


def decision_of(text: str) -> str:
    decision = DECISION_WORDS.get(text.strip())
    if decision is None:
        raise ProcedureError(f"办理决定只能是：通过、退回、不予通过（收到“{text}”）")
    return decision


def open_case(
    store: Store,
    household_ref: str,
    procedure_key: str,
    *,
    signer: SigningIdentity,
    target: str | None = None,
    opened_on: date | None = None,
    procedures: ProcedureSet | None = None,
) -> Case:
    """Open a filing or exit case for a household (one open case per procedure at a time)."""
    procedures = procedures or default_procedures()
    procedure = procedures.get(procedure_key)
    day = opened_on or date.today()
    _not_future(day)
    with store.db.atomic():
        household = store.household(household_ref)
        hid, status = str(household["id"]), str(household["status"])
        if procedure.key == EXIT and target is None:
            raise ProcedureError(f"退出案件须指定目标状态：{'、'.join(procedure.targets)}")
        target = target or procedure.targets[0]
        if target not in procedure.targets:
            raise ProcedureError(
                f"{procedure.title}案件的目标状态只能是：{'、'.join(procedure.targets)}"
            )
        for case in storage.cases_of(store, hid):
            state = state_of(store, case, procedures)
            if state.outcome == OPEN or state.branches:
                title = procedures.get(case.procedure).title
                raise ProcedureError(
                    f"该户已有办理中的{title}案件 {case.id[:8]}，办结或不予通过后才能再开新案件"
                )
            if (
                case.procedure == FILING == procedure.key
                and state.completed_by
                and status == "在档"
            ):
                raise ProcedureError("该户已完成建档（档案状态：在档），不需要再办理建档")
        if procedure.key == EXIT and status != "在档":
            raise ProcedureError(f"该户档案状态是“{status}”，只有在档户才能办理退出")
        who = signer_for(signer, store.device_id)
        first = procedure.steps[0]
        if who.role != "office" and who.role not in first.roles:
            names = procedures.role_names(tuple(dict.fromkeys((*first.roles, "office"))))
            raise ProcedureError(f"{procedure.title}案件只能由{names}开立")
        case = Case(str(uuid.uuid4()), hid, procedure.key, target, day.isoformat(), who)
        case = signed(store, signer, case)
        storage.insert_case(store, case)
        store.audit(
            who.actor_name,
            "procedure_open",
            household_id=hid,
            detail={"case": case.id, "procedure": procedure.key, "target": target},
        )
    return case


def take_step(
    store: Store,
    case_ref: str,
    *,
    signer: SigningIdentity,
    decision: str,
    opinion: str = "",
    step: str | None = None,
    decided_on: date | None = None,
    publicity: Publicity | None = None,
    override_reason: str | None = None,
    procedures: ProcedureSet | None = None,
) -> StepResult:
    """Record one signed decision on a case; ProcedureError (nothing written) when refused.

    ``step`` names the step the person means (default: the one due); naming another is refused
    as out of order. ``decision`` is approve/return/reject or 通过/退回/不予通过."""
    procedures = procedures or default_procedures()
    decision = decision_of(decision)
    day = decided_on or date.today()
    _not_future(day)
    with store.db.atomic():
        case = storage.find_case(store, case_ref)
        state = state_of(store, case, procedures)
        procedure = state.procedure
        if state.branches:
            raise ProcedureError(
                f"案件 {case.id[:8]} 有两个并行的决定尚未处理（冲突），请先处理冲突"
                "（fieldapp conflicts list，或 fieldapp case resolve）"
            )
        who = signer_for(signer, store.device_id)
        expected = state.next_step
        name = (step or (expected.name if expected else "")).strip()
        why = refusal(
            procedures.roles, procedure, state.progress, step=name, decision=decision, role=who.role
        )
        if why is not None:
            raise ProcedureError(why)
        assert expected is not None
        opinion = _opinion(expected, opinion)
        previous = state.head.decided_on if state.head else case.opened_on
        if day.isoformat() < previous:
            raise ProcedureError(f"办理日期 {day} 早于上一步（{previous}）")
        data: dict[str, Any] = check_publicity(expected, publicity, decision, day, previous)
        check = None
        if procedure.assessment:
            check = check_status_change(store, case.household_id, case.target, day)
            reason = (override_reason or "").strip() if not check.met else ""
            if decision == APPROVE and not check.met and not reason:
                raise ProcedureError(
                    f"{check.summary}。如仍同意，请填写“不符合条件仍同意的理由”"
                    "（随办理记录保存，标为人工认定）"
                )
            data["rules_check"] = check.record(reason or None)
        completes = decision == APPROVE and state.progress.position == len(procedure.steps) - 1
        status = procedure.completion_status(case.target) if completes else None
        if status is not None and procedure.key == EXIT:
            current = str(store.household(case.household_id)["status"])
            if current != "在档":
                raise ProcedureError(f"该户档案状态已是“{current}”，不能再办结退出；可选“不予通过”")
        if status is not None:
            data["status_change"] = status
        new = Step(
            id=str(uuid.uuid4()),
            case_id=case.id,
            household_id=case.household_id,
            procedure=case.procedure,
            step=expected.name,
            parent_id=state.head.id if state.head else None,
            decision=decision,
            opinion=opinion,
            decided_on=day.isoformat(),
            data=data,
            signer=who,
        )
        new = signed(store, signer, new)
        storage.insert_step(store, new)
        if status is not None:
            change_status(
                store,
                case.household_id,
                status,
                reason=f"{procedure.title}程序办结：{expected.name}通过（案件 {case.id[:8]}）",
                author=who.actor_name,
                override_reason=(data.get("rules_check") or {}).get("override_reason"),
                on=day,
            )
        store.audit(
            who.actor_name,
            "procedure_step",
            household_id=case.household_id,
            detail={
                "case": case.id,
                "step": new.id,
                "name": expected.name,
                "decision": DECISION_NAMES[decision],
                **({"status": status} if status else {}),
            },
        )
        settle_conflicts(store, case, actor=who.actor_name)
        after = state_of(store, case, procedures)
    return StepResult(new, after, check, status)


def _not_future(day: date) -> None:
    if day > date.today():
        raise ProcedureError(f"办理日期 {day} 在今天之后")


def _opinion(spec: StepSpec, opinion: str) -> str:
    opinion = (opinion or "").strip()
    if spec.opinion_required and not opinion:
        raise ProcedureError(f"“{spec.name}”须填写意见")
    if len(opinion) > MAX_OPINION:
        raise ProcedureError(f"意见过长（最多 {MAX_OPINION} 字）")
    return opinion


def check_publicity(
    spec: StepSpec, publicity: Publicity | None, decision: str, day: date, previous: str
) -> dict[str, Any]:
    """The 公示 data of a step, checked against the procedure's minimum days."""
    if not spec.is_publicity:
        if publicity is not None:
            raise ProcedureError(f"“{spec.name}”不是公示步骤，不填公示日期")
        return {}
    if publicity is None:
        if decision == APPROVE:
            raise ProcedureError(f"“{spec.name}”须填写公示开始、结束日期和有无异议")
        return {}
    p, minimum = publicity, spec.publicity_days or 1
    if p.end < p.start:
        raise ProcedureError(f"公示结束日期 {p.end} 早于开始日期 {p.start}")
    if p.start.isoformat() < previous:
        raise ProcedureError(f"公示开始日期 {p.start} 早于上一步（{previous}）")
    if p.end > day:
        raise ProcedureError(f"公示到 {p.end} 才结束，不能在 {day} 办理“{spec.name}”")
    if decision == APPROVE and p.days < minimum:
        raise ProcedureError(
            f"公示期只有 {p.days} 天（{p.start} 至 {p.end}），至少应公示 {minimum} 天"
        )
    if decision == APPROVE and p.objections and not p.objection_note.strip():
        raise ProcedureError("公示期间有异议：须写明异议的核实和处理情况")
    return p.to_data()
