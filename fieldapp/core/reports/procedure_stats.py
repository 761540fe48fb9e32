"""Filings and exits as the procedures recorded them: how many, when, to which state.

Why: the campaign reports 新增建档 and 退出 per period (seed 004: 精准退出 8474 户、注销 2979 户、
新增 671 户). A status field cannot say when a household was filed or by which procedure it left;
the signed cases can. A case counts in the period of the day its last step was approved (the day
the 档案状态 changed); an exit counts under its target state. Definitions: docs/statistics.md,
"办理程序".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from fieldapp.core.procedures import COMPLETED, REJECTED, default_procedures
from fieldapp.core.procedures.chain import case_state
from fieldapp.core.procedures.definitions import EXIT, FILING
from fieldapp.core.procedures.records import Case, Step
from fieldapp.core.reports.figures import Period
from fieldapp.core.store.sql import LIKE_PREFIX, like_prefix
from fieldapp.core.store.store import Store

LABELS = {
    "filings": "新增建档户数（建档程序办结）",
    "exits": "退出户数（退出程序办结）",
    "exit_overrides": "其中不符合脱困/解困条件仍同意的",
    "rejected_filings": "建档不予通过",
    "rejected_exits": "退出不予通过",
    "open_filings": "办理中的建档案件（当前）",
    "open_exits": "办理中的退出案件（当前）",
}


@dataclass
class ProcedureFigures:
    filings: int = 0
    exits: int = 0
    exits_by_target: dict[str, int] = field(default_factory=dict)
    """已脱困 / 已解困 / 注销 -> exits completed in the period."""
    exit_overrides: int = 0
    rejected_filings: int = 0
    rejected_exits: int = 0
    open_filings: int = 0
    open_exits: int = 0
    """Cases not yet closed (or in conflict) now: a stock, whatever the period."""
    by_month: dict[str, dict[str, int]] = field(default_factory=dict)
    """"2026-11" -> {"filings": n, "已脱困": n, …}: completions per month of the period."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rows(store: Store, region: str | None) -> tuple[list[Case], dict[str, list[Step]]]:
    where, args = "", []
    if region:
        where = f"where h.region_code {LIKE_PREFIX}"
        args = [like_prefix(region)]
    cases = [
        Case.from_row(r)
        for r in store.db.query(
            "select c.* from procedure_cases c join households h on h.id = c.household_id "
            f"{where} order by c.rowid",
            args,
        )
    ]
    steps: dict[str, list[Step]] = defaultdict(list)
    for r in store.db.query(
        "select s.* from procedure_steps s join households h on h.id = s.household_id "
        f"{where} order by s.rowid",
        args,
    ):
        steps[r["case_id"]].append(Step.from_row(r))
    return cases, steps


def procedure_figures(
    store: Store,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    region: str | None = None,
) -> ProcedureFigures:
    """The figures for the households of ``region`` (a code prefix; all if None) in the period."""
    period = Period(date_from, date_to)
    procedures = default_procedures()
    out = ProcedureFigures(exits_by_target={t: 0 for t in procedures.get(EXIT).targets})
    cases, steps = _rows(store, region)
    for case in cases:
        state = case_state(procedures.get(case.procedure), case, steps.get(case.id, []))
        last = state.progress.last
        if state.branches or not state.progress.closed:
            out.open_filings += case.procedure == FILING
            out.open_exits += case.procedure == EXIT
            continue
        if last is None or not period.contains(last.decided_on):
            continue
        month = out.by_month.setdefault(last.decided_on[:7], {})
        if state.outcome == REJECTED:
            out.rejected_filings += case.procedure == FILING
            out.rejected_exits += case.procedure == EXIT
        elif state.outcome == COMPLETED and case.procedure == FILING:
            out.filings += 1
            month["filings"] = month.get("filings", 0) + 1
        elif state.outcome == COMPLETED:
            out.exits += 1
            out.exits_by_target[case.target] = out.exits_by_target.get(case.target, 0) + 1
            month[case.target] = month.get(case.target, 0) + 1
            check = last.data.get("rules_check")
            out.exit_overrides += isinstance(check, dict) and check.get("override") is True
    out.by_month = dict(sorted(out.by_month.items()))
    return out


def summary_lines(figures: dict[str, Any]) -> list[tuple[str, int]]:
    """(label, value) for the command line's text report."""
    if not figures:
        return []
    lines = [(LABELS["filings"], figures["filings"]), (LABELS["exits"], figures["exits"])]
    lines += [(f"  其中{target}", n) for target, n in figures["exits_by_target"].items()]
    lines += [(LABELS[k], figures[k]) for k in list(LABELS)[2:]]
    return lines
