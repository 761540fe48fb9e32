"""Where a case stands, computed from its steps alone (no database): the same answer everywhere.

Each step names the step it follows (``parent_id``), so a case's steps form a tree. Normally it is
a single line. Two steps with the same parent are concurrent decisions made in two places before
either knew of the other (a county office and a laptop, say): both are kept, the case shows a
conflict and takes no further step until a person settles it with a *resolution* (a signed step,
decision ``resolve``) that follows the decision kept and names the others it ``supersedes``.

The steps *in force* are the path from the first step to the one *live* leaf (a step nothing
follows and no resolution superseded); more than one live leaf is a conflict. Walking that path
gives the position: 通过 moves to the next step (after the last one the case is 已办结), 退回
moves back to the step the procedure names (``return_to``, by default the one before), 不予通过
ends the case without changing the household. The order of arrival never matters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fieldapp.core.procedures.definitions import Procedure, StepSpec
from fieldapp.core.procedures.records import APPROVE, REJECT, RESOLVE, RETURN, Case, Step

OPEN, COMPLETED, REJECTED, CONFLICT = "办理中", "已办结", "未通过", "有冲突"


@dataclass(frozen=True)
class Progress:
    """The result of walking a line of steps."""

    position: int
    """Index of the step to take next (== len(steps) once completed)."""
    outcome: str
    """办理中, 已办结 or 未通过."""
    last: Step | None

    @property
    def closed(self) -> bool:
        return self.outcome != OPEN


@dataclass
class CaseState:
    case: Case
    procedure: Procedure
    steps: list[Step]
    """Every step on file, in the order they were stored."""
    chain: list[Step]
    """The steps in force, first to last (with a conflict: those every branch shares)."""
    branches: list[Step] = field(default_factory=list)
    """The concurrent live leaves when there is a conflict (two or more), else empty."""
    progress: Progress = field(default_factory=lambda: Progress(0, OPEN, None))

    @property
    def outcome(self) -> str:
        return CONFLICT if self.branches else self.progress.outcome

    @property
    def head(self) -> Step | None:
        """The step the next one follows (None before the first); None during a conflict."""
        return None if self.branches else (self.chain[-1] if self.chain else None)

    @property
    def next_step(self) -> StepSpec | None:
        if self.branches or self.progress.closed:
            return None
        return self.procedure.steps[self.progress.position]

    @property
    def superseded(self) -> list[Step]:
        """Steps on file that are not in force (set aside by a resolution, or a branch)."""
        kept = {s.id for s in self.chain} | {s.id for s in self.branches}
        return [s for s in self.steps if s.id not in kept]

    @property
    def completed_by(self) -> Step | None:
        return self.progress.last if self.progress.outcome == COMPLETED else None


def walk(procedure: Procedure, line: Iterable[Step]) -> Progress:
    position, outcome, last = 0, OPEN, None
    for step in line:
        if step.decision == RESOLVE:
            continue
        index = procedure.step_index(step.step)
        if index is None:  # a step of an older version of the procedures: keep the position
            continue
        last = step
        if step.decision == APPROVE:
            position = index + 1
            outcome = OPEN if position < len(procedure.steps) else COMPLETED
        elif step.decision == RETURN:
            back = procedure.steps[index].return_to
            position = back if back is not None else index
            outcome = OPEN
        elif step.decision == REJECT:
            outcome = REJECTED
    return Progress(position, outcome, last)


def line_to(by_id: dict[str, Step], leaf: Step | None) -> list[Step]:
    """The path from the first step to ``leaf`` (parents that are not here end it)."""
    line: list[Step] = []
    seen: set[str] = set()
    step = leaf
    while step is not None and step.id not in seen:
        seen.add(step.id)
        line.append(step)
        step = by_id.get(step.parent_id) if step.parent_id else None
    line.reverse()
    return line


def case_state(procedure: Procedure, case: Case, steps: Sequence[Step]) -> CaseState:
    by_id = {s.id: s for s in steps}
    parents = {s.parent_id for s in steps if s.parent_id}
    superseded = {rid for s in steps for rid in s.supersedes}
    leaves = [s for s in steps if s.id not in parents]
    live = [s for s in leaves if s.id not in superseded] or leaves
    if len(live) <= 1:
        chain = line_to(by_id, live[0] if live else None)
        return CaseState(case, procedure, list(steps), chain, [], walk(procedure, chain))
    lines = [line_to(by_id, leaf) for leaf in live]
    shared: list[Step] = []
    for group in zip(*lines, strict=False):
        if any(s.id != group[0].id for s in group):
            break
        shared.append(group[0])
    return CaseState(case, procedure, list(steps), shared, live, walk(procedure, shared))


def refusal(
    names: dict[str, str],
    procedure: Procedure,
    progress: Progress,
    *,
    step: str,
    decision: str,
    role: str,
) -> str | None:
    """Why ``role`` may not take ``decision`` at ``step`` after ``progress`` (None: it may).
    ``names`` gives the role names to print (``ProcedureSet.roles``)."""
    if progress.outcome == COMPLETED:
        return f"{procedure.title}案件已办结，不能再办理"
    if progress.outcome == REJECTED:
        return f"{procedure.title}案件已不予通过而结束，不能再办理；如需重新办理请新开案件"
    expected = procedure.steps[progress.position]
    index = procedure.step_index(step)
    if index is None:
        known = "、".join(s.name for s in procedure.steps)
        return f"{procedure.title}程序没有“{step}”这一步（步骤：{known}）"
    if index != progress.position:
        return (
            f"办理顺序不对：现在应办理第 {progress.position + 1} 步“{expected.name}”，"
            f"不能办理“{step}”"
        )
    if role not in expected.roles:
        allowed = "、".join(names.get(r, r) for r in expected.roles)
        return f"“{expected.name}”只能由{allowed}办理，办理人的证书角色是{names.get(role, role)}"
    if decision == RETURN and expected.return_to is None:
        return f"“{expected.name}”是第一步，不能退回；如不予办理请选“不予通过”"
    if decision not in (APPROVE, RETURN, REJECT):
        return f"办理决定只能是通过、退回或不予通过（收到“{decision}”）"
    return None


def resolver_roles(procedure: Procedure, step: str) -> tuple[str, ...]:
    """Who may settle concurrent decisions on ``step``: its own roles and the office."""
    index = procedure.step_index(step)
    roles = procedure.steps[index].roles if index is not None else ()
    return tuple(dict.fromkeys(("office", *roles)))
