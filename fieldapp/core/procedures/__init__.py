"""Procedures, not a status field: filing and exit cases, each step signed by who decided it.

Owns: the procedure definitions (``definitions``: resources/procedures.yaml), cases and steps as
records (``records``) and their tables (``storage``), where a case stands (``chain``: order,
returns, concurrent decisions), signing and checking (``signing``), opening a case and taking a
step (``cases``), conflicts between concurrent decisions (``forks``) and cases as people read them
(``reading``). The last approval changes the 档案状态 through ``rules.status_change``.
May import: ``trust``, ``rules``, ``store`` and below. Sync, the ledger and reports build on it.

The public API (stable names; the GUI's 待办 view uses them):
``open_case``, ``take_step``, ``Publicity``, ``StepResult``, ``resolve_case``, ``case_view``,
``view_of``, ``CaseView``, ``StepView``, ``list_cases``, ``CaseSummary``, ``step_lines``, ``step_notes``,
``ProcedureError``, ``default_procedures``, ``FILING``, ``EXIT``, the decisions ``APPROVE``,
``RETURN``, ``REJECT`` and the outcomes ``OPEN``, ``COMPLETED``, ``REJECTED``, ``CONFLICT``.
"""

from fieldapp.core.procedures.cases import Publicity, StepResult, open_case, take_step
from fieldapp.core.procedures.chain import COMPLETED, CONFLICT, OPEN, REJECTED, CaseState
from fieldapp.core.procedures.definitions import (
    EXIT,
    FILING,
    Procedure,
    ProcedureError,
    ProcedureSet,
    default_procedures,
)
from fieldapp.core.procedures.forks import resolve_case
from fieldapp.core.procedures.reading import (
    CaseSummary,
    CaseView,
    StepView,
    case_view,
    list_cases,
    step_lines,
    step_notes,
    view_of,
)
from fieldapp.core.procedures.records import APPROVE, REJECT, RETURN, Case, Step

__all__ = [
    "APPROVE",
    "COMPLETED",
    "CONFLICT",
    "EXIT",
    "FILING",
    "OPEN",
    "REJECT",
    "REJECTED",
    "RETURN",
    "Case",
    "CaseState",
    "CaseSummary",
    "CaseView",
    "Procedure",
    "ProcedureError",
    "ProcedureSet",
    "Publicity",
    "Step",
    "StepResult",
    "StepView",
    "case_view",
    "default_procedures",
    "list_cases",
    "open_case",
    "resolve_case",
    "step_lines",
    "step_notes",
    "take_step",
    "view_of",
]
