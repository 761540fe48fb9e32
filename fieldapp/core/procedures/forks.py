"""Concurrent decisions on one case: kept as a conflict (the store's ``conflicts``) until settled.

Why: a county office may approve a step while a laptop, not yet told, returns it; neither may be
written over the other. ``chain`` sees the two live branches; this module keeps the store's
conflict rows in step with that (one open row per case while it has branches, closed when they
are gone), so ``fieldapp conflicts list`` and the GUI's 处理冲突 show them beside the form
conflicts; and ``resolve_case`` writes the signed resolution step that keeps one branch.
Conflict rows name the case as their form: ``case:<case id>``.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fieldapp.core.procedures import storage
from fieldapp.core.procedures.chain import CaseState, case_state, resolver_roles
from fieldapp.core.procedures.definitions import ProcedureError, ProcedureSet, default_procedures
from fieldapp.core.procedures.records import DECISION_NAMES, RESOLVE, RESOLVE_STEP, Case, Step
from fieldapp.core.procedures.signing import signed, signer_for
from fieldapp.core.store.store import Store
from fieldapp.core.store.versions import close_conflict, open_conflict, open_conflicts
from fieldapp.core.trust.certificates import SigningIdentity

CASE_FORM_PREFIX = "case:"
CONFLICT_NOTE = "同一案件的同一步骤在两处作出了不同的决定（办理程序冲突）"


def conflict_form(case_id: str) -> str:
    return CASE_FORM_PREFIX + case_id


def conflict_case_id(form_id: str) -> str | None:
    """The case a conflict row is about, or None for a conflict between form revisions."""
    return form_id[len(CASE_FORM_PREFIX) :] if form_id.startswith(CASE_FORM_PREFIX) else None


def state_of(store: Store, case: Case, procedures: ProcedureSet | None = None) -> CaseState:
    procedure = (procedures or default_procedures()).get(case.procedure)
    return case_state(procedure, case, storage.steps_of(store, case.id))


def settle_conflicts(store: Store, case: Case, *, actor: str, bundle_id: str | None = None) -> bool:
    """Open a conflict row when the case has concurrent branches (True: one was opened); close
    the open ones when it has none."""
    state = state_of(store, case)
    form = conflict_form(case.id)
    rows = open_conflicts(store, case.household_id, form)
    if state.branches and not rows:
        open_conflict(
            store,
            household_id=case.household_id,
            form_id=form,
            current_id=state.branches[0].id,
            incoming_id=state.branches[-1].id,
            actor=actor,
            bundle_id=bundle_id,
            note=CONFLICT_NOTE,
        )
        return True
    if not state.branches:
        head = state.head.id if state.head else ""
        for row in rows:
            close_conflict(store, row["id"], "resolved", actor, head)
    return False


def describe_step(step: Step | None) -> dict[str, Any] | None:
    """A step in the shape the conflicts view shows a revision (``sync.merge``)."""
    if step is None:
        return None
    data: dict[str, Any] = {
        "步骤": step.step,
        "决定": DECISION_NAMES.get(step.decision, step.decision),
        "意见": step.opinion,
        "日期": step.decided_on,
        "办理人": step.signer.actor_name,
        **{k: v for k, v in step.data.items() if k != "rules_check"},
    }
    return {
        "id": step.id,
        "state": "final",
        "author": step.signer.actor_name,
        "device_id": step.signer.device_id,
        "created_at": step.signer.signed_at,
        "data": data,
    }


def resolve_case(
    store: Store,
    case_ref: str,
    *,
    keep: str,
    signer: SigningIdentity,
    opinion: str = "",
    procedures: ProcedureSet | None = None,
) -> Step:
    """Settle a case's conflict: a signed resolution that keeps the branch ``keep`` (a step id
    or a prefix of 6+ characters) and supersedes the others. Nothing is written on a refusal."""
    procedures = procedures or default_procedures()
    with store.db.atomic():
        case = storage.find_case(store, case_ref)
        state = state_of(store, case, procedures)
        if not state.branches:
            raise ProcedureError(f"案件 {case.id[:8]} 没有待处理的冲突")
        keep = keep.strip()
        chosen = [
            s for s in state.branches if s.id == keep or (len(keep) >= 6 and s.id.startswith(keep))
        ]
        if len(chosen) != 1:
            options = "、".join(s.id for s in state.branches)
            raise ProcedureError(f"“{keep}”不是这个冲突中的决定；可选：{options}")
        kept = chosen[0]
        allowed = resolver_roles(state.procedure, kept.step)
        if signer_for(signer, store.device_id).role not in allowed:
            raise ProcedureError(f"处理“{kept.step}”的冲突须由{procedures.role_names(allowed)}办理")
        step = Step(
            id=str(uuid.uuid4()),
            case_id=case.id,
            household_id=case.household_id,
            procedure=case.procedure,
            step=RESOLVE_STEP,
            parent_id=kept.id,
            decision=RESOLVE,
            opinion=opinion.strip(),
            decided_on=date.today().isoformat(),
            data={"kept": kept.id, "supersedes": [s.id for s in state.branches if s is not kept]},
            signer=signer_for(signer, store.device_id),
        )
        step = signed(store, signer, step)
        storage.insert_step(store, step)
        settle_conflicts(store, case, actor=step.signer.actor_name)
        store.audit(
            step.signer.actor_name,
            "procedure_resolve",
            household_id=case.household_id,
            form_id=conflict_form(case.id),
            detail={"case": case.id, "step": step.id, "kept": kept.id},
        )
    return step


def conflict_view(store: Store, entry: dict[str, Any], case_id: str) -> dict[str, Any]:
    """A case conflict row as ``sync.merge.list_conflicts`` shows every conflict: the two
    decisions side by side (``current``/``incoming``), the open branches, what differs."""
    entry["detected_current_id"] = entry["current_id"]
    case = storage.case_by_id(store, case_id)
    state = state_of(store, case) if case is not None else None
    if entry["status"] == "open" and state is not None and state.branches:
        entry["current_id"] = state.branches[0].id
        branches = state.branches
    else:
        branches = [s for s in [storage.step_by_id(store, entry["incoming_id"])] if s]
    current = describe_step(storage.step_by_id(store, entry["current_id"]))
    incoming = describe_step(storage.step_by_id(store, entry["incoming_id"]))
    entry["heads"] = [entry["current_id"]]
    entry["current"], entry["incoming"] = current, incoming
    entry["branches"] = [describe_step(s) for s in branches]
    ours, theirs = (current or {}).get("data", {}), (incoming or {}).get("data", {})
    entry["differences"] = sorted(
        k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k)
    )
    title = state.procedure.title if state is not None else "办理程序"
    entry["title"] = f"{title}案件 {case_id[:8]}（办理程序）"
    return entry
