"""Cases as people read them: where each stands, who signed what, what the rules say now.

One place for the command line, the GUI's 待办 view, the ledger and statistics: ``case_view``
(one case, every step with its signature checked), ``list_cases`` (many, with the step each is
waiting for; ``waiting_for=role`` is a to-do list), ``step_lines`` (a step in words).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fieldapp.core.procedures import storage
from fieldapp.core.procedures.chain import OPEN, CaseState
from fieldapp.core.procedures.definitions import ProcedureSet, default_procedures
from fieldapp.core.procedures.forks import state_of
from fieldapp.core.procedures.records import DECISION_NAMES, RESOLVE, Case, Step
from fieldapp.core.procedures.signing import SignatureCheck, check_signature
from fieldapp.core.rules.exits import EXITED_STATUSES, watch_ends
from fieldapp.core.rules.status_change import StatusCheck, check_status_change
from fieldapp.core.store.store import Store


@dataclass
class StepView:
    step: Step
    role_name: str
    signature: SignatureCheck
    in_force: bool
    """False for a decision set aside by a resolution (kept on file, shown struck out)."""

    def to_dict(self) -> dict[str, Any]:
        s = self.step
        return {
            "id": s.id,
            "step": s.step,
            "decision": s.decision,
            "decision_name": DECISION_NAMES.get(s.decision, s.decision),
            "opinion": s.opinion,
            "decided_on": s.decided_on,
            "actor_id": s.signer.actor_id,
            "actor": s.signer.actor_name,
            "role": s.signer.role,
            "role_name": self.role_name,
            "signed_at": s.signer.signed_at,
            "signature": self.signature.status,
            "signature_label": self.signature.label,
            "in_force": self.in_force,
            "parent_id": s.parent_id,
            "data": s.data,
        }


@dataclass
class CaseView:
    case: Case
    state: CaseState
    household: dict[str, Any]
    signature: SignatureCheck
    steps: list[StepView]
    assessment: StatusCheck | None = None
    """What the 脱困/解困 rules say today about the case's target (open exit cases)."""
    watch_until: str | None = None
    """End of the 渐退期 (exclusive) after a completed exit to 已脱困/已解困."""
    role_names: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.state.procedure.title

    def to_dict(self) -> dict[str, Any]:
        c, state = self.case, self.state
        nxt = state.next_step
        return {
            "id": c.id,
            "household_id": c.household_id,
            "household": self.household,
            "procedure": c.procedure,
            "title": self.title,
            "target": c.target,
            "opened_on": c.opened_on,
            "opened_by": c.signer.actor_name,
            "opened_signature": self.signature.status,
            "outcome": state.outcome,
            "next_step": nxt.name if nxt else None,
            "next_roles": [self.role_names.get(r, r) for r in nxt.roles] if nxt else [],
            "conflict": [s.id for s in state.branches],
            "steps": [s.to_dict() for s in self.steps],
            "assessment": None
            if self.assessment is None
            else {**self.assessment.record(None), "summary": self.assessment.summary},
            "watch_until": self.watch_until,
        }


def _household(store: Store, household_id: str) -> dict[str, Any]:
    row = store.db.execute(
        "select id, archive_no, name, status, region_code from households where id = ?",
        [household_id],
    ).fetchone()
    keys = ("id", "archive_no", "name", "status", "region_code")
    return dict(zip(keys, row, strict=True)) if row else {"id": household_id}


def view_of(
    store: Store, case: Case, *, on: date | None = None, procedures: ProcedureSet | None = None
) -> CaseView:
    procedures = procedures or default_procedures()
    state = state_of(store, case, procedures)
    in_force = {s.id for s in state.chain} | {s.id for s in state.branches}
    steps = [
        StepView(
            s, procedures.role_name(s.signer.role), check_signature(store, s), s.id in in_force
        )
        for s in state.steps
    ]
    view = CaseView(
        case, state, _household(store, case.household_id), check_signature(store, case), steps
    )
    view.role_names = dict(procedures.roles)
    if state.procedure.assessment and state.outcome == OPEN:
        view.assessment = check_status_change(store, case.household_id, case.target, on)
    done = state.completed_by
    if done is not None and case.target in EXITED_STATUSES and state.procedure.key == "exit":
        view.watch_until = watch_ends(done.decided_on)
    return view


def case_view(
    store: Store, case_ref: str, *, on: date | None = None, procedures: ProcedureSet | None = None
) -> CaseView:
    return view_of(store, storage.find_case(store, case_ref), on=on, procedures=procedures)


@dataclass(frozen=True)
class CaseSummary:
    case: Case
    title: str
    outcome: str
    next_step: str | None
    next_roles: tuple[str, ...]
    household: dict[str, Any]
    last_date: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.case.id,
            "household": self.household,
            "procedure": self.case.procedure,
            "title": self.title,
            "target": self.case.target,
            "opened_on": self.case.opened_on,
            "outcome": self.outcome,
            "next_step": self.next_step,
            "next_roles": list(self.next_roles),
            "last_date": self.last_date,
        }


def list_cases(
    store: Store,
    *,
    household: str | None = None,
    procedure: str | None = None,
    open_only: bool = False,
    waiting_for: str | None = None,
    procedures: ProcedureSet | None = None,
) -> list[CaseSummary]:
    """Cases, oldest first. ``waiting_for`` (a certificate role): the open cases whose next step
    that role takes — a reviewer's or approver's to-do list. Signatures are not checked here
    (``case_view`` does, per case)."""
    procedures = procedures or default_procedures()
    hid = str(store.household(household)["id"]) if household else None
    out: list[CaseSummary] = []
    for case in storage.cases_of(store, hid):
        if procedure is not None and case.procedure != procedure:
            continue
        state = state_of(store, case, procedures)
        nxt = state.next_step
        if (open_only or waiting_for) and state.progress.closed and not state.branches:
            continue
        if waiting_for is not None and (nxt is None or waiting_for not in nxt.roles):
            continue
        last = state.chain[-1].decided_on if state.chain else case.opened_on
        out.append(
            CaseSummary(
                case,
                state.procedure.title,
                state.outcome,
                nxt.name if nxt else None,
                nxt.roles if nxt else (),
                _household(store, case.household_id),
                last,
            )
        )
    return out


def step_notes(step: Step) -> list[str]:
    """What a step recorded besides its decision and opinion: 公示, the rules' check and the
    reason to approve against it, a resolution, the status change (command line and ledger)."""
    d, notes = step.data, []
    if "publicity_from" in d:
        objections = "有异议" if d.get("objections") else "无异议"
        notes.append(f"公示 {d['publicity_from']} 至 {d.get('publicity_to')}，{objections}")
        if d.get("objection_note"):
            notes.append(f"异议处理：{d['objection_note']}")
    check = d.get("rules_check")
    if isinstance(check, dict) and check.get("outcome") is not None:
        verdict = "符合" if check.get("met") else "不符合"
        notes.append(f"规则核对：{verdict}（{check['outcome']}，{check.get('assessed_on')}）")
        if check.get("override_reason"):
            notes.append(f"仍同意的理由：{check['override_reason']}")
    if step.decision == RESOLVE:
        notes.append(f"保留决定 {str(d.get('kept'))[:8]}，作废 {len(step.supersedes)} 个并行决定")
    if d.get("status_change"):
        notes.append(f"档案状态变更为：{d['status_change']}")
    return notes


def step_lines(step: Step, role_names: dict[str, str]) -> list[str]:
    """One step in words, for the command line: who decided what, the opinion, the notes."""
    s = step.signer
    head = f"{step.decided_on} {step.step} {DECISION_NAMES.get(step.decision, step.decision)}"
    lines = [f"{head}  {s.actor_name}（{role_names.get(s.role, s.role)}）"]
    if step.opinion:
        lines.append(f"意见：{step.opinion}")
    return lines + step_notes(step)
