"""Taking in a case or a step made elsewhere (a sync bundle): the same rules as taking it here.

Why: a bundle is untrusted. A received step is kept only if it could have been taken here: its
signature is valid and trusted (``signing``); in a laptop's bundle it is the sender's own (a
laptop cannot pass on, let alone forge, a county approval); its case and the step it follows are
known; and, at the point in the case it follows, it is the step due, taken by a role allowed to
take it, with its 公示 long enough and an override reason where the rules were not met
(``chain.refusal``, ``cases``' checks). A record already here must be identical. Every refusal is
a ProcedureError; the caller rolls the whole bundle back. Concurrent steps are kept (``forks``).
"""

from __future__ import annotations

from datetime import date

from fieldapp.core.procedures import storage
from fieldapp.core.procedures.cases import Publicity, check_publicity
from fieldapp.core.procedures.chain import line_to, refusal, resolver_roles, walk
from fieldapp.core.procedures.definitions import (
    ProcedureError,
    ProcedureSet,
    StepSpec,
    default_procedures,
)
from fieldapp.core.procedures.records import APPROVE, RESOLVE, Case, Step
from fieldapp.core.procedures.signing import check_signature
from fieldapp.core.store.store import Store


def _label(record: Case | Step) -> str:
    kind = "案件" if isinstance(record, Case) else "办理步骤"
    return f"{kind} {record.id[:8]}"


def _common(store: Store, record: Case | Step, sender: str | None) -> None:
    if sender is not None and record.signer.actor_id != sender:
        raise ProcedureError(
            f"{_label(record)} 由 {record.signer.actor_name} 签署，不是发送数据包的人员本人；"
            "笔记本数据包只能带本机人员办理的步骤，拒绝导入"
        )
    check = check_signature(store, record)
    if not check.ok:
        raise ProcedureError(f"{_label(record)} 的{check.label}，拒绝导入")


def accept_case(
    store: Store, case: Case, *, sender: str | None, procedures: ProcedureSet | None = None
) -> bool:
    """Keep a received case (False: it is here already). ``sender``: the staff id a laptop
    bundle came from (its records must be their own); None for an assignment bundle."""
    procedure = (procedures or default_procedures()).get(case.procedure)
    if case.target not in procedure.targets:
        raise ProcedureError(f"{_label(case)} 的目标状态“{case.target}”不是{procedure.title}的目标")
    known = storage.case_by_id(store, case.id)
    if known is not None:
        if known != case:
            raise ProcedureError(f"{_label(case)} 与本处已有的同一案件不符，拒绝导入")
        return False
    _common(store, case, sender)
    storage.insert_case(store, case)
    return True


def accept_step(
    store: Store, step: Step, *, sender: str | None, procedures: ProcedureSet | None = None
) -> bool:
    """Keep a received step (False: it is here already); see the module doc for the checks."""
    procedures = procedures or default_procedures()
    known = storage.step_by_id(store, step.id)
    if known is not None:
        if known != step:
            raise ProcedureError(f"{_label(step)} 与本处已有的同一步骤不符，拒绝导入")
        return False
    case = storage.case_by_id(store, step.case_id)
    if case is None:
        raise ProcedureError(f"{_label(step)} 所属的案件没有随包提供，也不在本处，拒绝导入")
    if (step.household_id, step.procedure) != (case.household_id, case.procedure):
        raise ProcedureError(f"{_label(step)} 与其案件的户或程序不符，拒绝导入")
    steps = {s.id: s for s in storage.steps_of(store, case.id)}
    parent = steps.get(step.parent_id) if step.parent_id else None
    if step.parent_id and parent is None:
        raise ProcedureError(f"{_label(step)} 接在一个本处没有的步骤之后，请先导入更早的数据包")
    procedure = procedures.get(case.procedure)
    if step.decision == RESOLVE:
        _check_resolution(step, steps, procedures)
    else:
        progress = walk(procedure, line_to(steps, parent))
        why = refusal(
            procedures.roles,
            procedure,
            progress,
            step=step.step,
            decision=step.decision,
            role=step.signer.role,
        )
        if why is not None:
            raise ProcedureError(f"{_label(step)}：{why}，拒绝导入")
        _check_content(step, procedure.steps[progress.position], parent, case)
    _common(store, step, sender)
    storage.insert_step(store, step)
    return True


def _check_content(step: Step, spec: StepSpec, parent: Step | None, case: Case) -> None:
    d = step.data
    try:
        day = date.fromisoformat(step.decided_on)
        publicity = None
        if "publicity_from" in d:
            publicity = Publicity(
                date.fromisoformat(str(d["publicity_from"])),
                date.fromisoformat(str(d.get("publicity_to"))),
                d.get("objections") is True,
                str(d.get("objection_note") or ""),
            )
    except ValueError:
        raise ProcedureError(f"{_label(step)} 的日期格式不正确，拒绝导入") from None
    previous = parent.decided_on if parent else case.opened_on
    if step.decided_on < previous:
        raise ProcedureError(f"{_label(step)} 的办理日期早于上一步（{previous}），拒绝导入")
    try:
        check_publicity(spec, publicity, step.decision, day, previous)
    except ProcedureError as exc:
        raise ProcedureError(f"{_label(step)}：{exc}，拒绝导入") from None
    check = d.get("rules_check")
    if step.decision == APPROVE and isinstance(check, dict) and check.get("met") is False:
        if not str(check.get("override_reason") or "").strip():
            raise ProcedureError(f"{_label(step)} 在不符合条件时同意却没有理由，拒绝导入")


def _check_resolution(step: Step, steps: dict[str, Step], procedures: ProcedureSet) -> None:
    others = step.supersedes
    if step.parent_id is None or not others or any(o not in steps for o in others):
        raise ProcedureError(f"{_label(step)}（处理冲突）所指的决定不在本处，拒绝导入")
    allowed = resolver_roles(procedures.get(step.procedure), steps[step.parent_id].step)
    if step.signer.role not in allowed:
        raise ProcedureError(f"{_label(step)}（处理冲突）的办理人无权处理这个冲突，拒绝导入")
