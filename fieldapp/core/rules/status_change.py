"""Changing a household's 档案状态 with the 脱困/解困 rules run first (GUI and CLI alike).

Why: seed 000 asks for 精准退出 "严格退出的标准和程序", and the campaign was judged on 错退: a
household must not be set to 已脱困 or 已解困 just because someone typed a reason. So a change to
either runs ``exits.assess_exit`` on the household's current data on the day of the change; when
the rules are not met, the change needs an explicit override reason and is kept marked as an
override (``status_changes.rules_check``), so history and statistics can show it. The store stays
below the rules: it only records what this module hands it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fieldapp.core.rules.exits import EXIT, EXITED_STATUSES, NEITHER, ExitOutcome, assess_exit
from fieldapp.core.rules.freshness import current_values
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.history import rules_check
from fieldapp.core.store.store import Store


@dataclass
class StatusCheck:
    """What the rules say about a change to ``status`` on ``assessed_on``."""

    status: str
    assessed_on: str
    outcome: str | None = None
    """脱困 / 解困 / 未达到; None for 在档 and 注销 (no rule applies)."""
    met: bool = True
    reasons: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.outcome is None:
            return f"变更为“{self.status}”不需要核对脱困、解困条件"
        verdict = "符合" if self.met else "不符合"
        return f"{self.assessed_on} 按已录入数据核对：{verdict}“{self.status}”的条件（结果：{self.outcome}）"

    def record(self, override_reason: str | None) -> dict[str, Any]:
        """The JSON kept with the status change."""
        return {
            "assessed_on": self.assessed_on,
            "outcome": self.outcome,
            "met": self.met,
            "override": not self.met,
            "override_reason": (override_reason or "").strip() or None,
            "reasons": self.reasons,
        }


class OverrideRequired(StoreError):
    """The rules are not met: the change needs an override reason."""

    def __init__(self, check: StatusCheck) -> None:
        super().__init__(
            f"{check.summary}。如确需变更，请填写“不符合条件仍变更的理由”（将标记为人工认定）"
        )
        self.check = check


def household_outcome(store: Store, household_id: str, on: date) -> ExitOutcome:
    """脱困/解困 of a stored household, its values computed afresh for the day ``on``."""
    values = current_values(store.engine(on), store.current(household_id))
    return assess_exit(values, store.dibao_standard, on)


def check_status_change(
    store: Store, household_id: str, status: str, on: date | None = None
) -> StatusCheck:
    day = on or date.today()
    hid = str(store.household(household_id)["id"])
    if status not in EXITED_STATUSES:
        return StatusCheck(status, day.isoformat())
    result = household_outcome(store, hid, day)
    met = result.outcome == EXIT if status == "已脱困" else result.outcome != NEITHER
    return StatusCheck(status, day.isoformat(), result.outcome, met, result.reasons)


def change_status(
    store: Store,
    household_id: str,
    status: str,
    *,
    reason: str,
    author: str,
    override_reason: str | None = None,
    on: date | None = None,
) -> StatusCheck:
    """Run the rules, then record the change; OverrideRequired (nothing saved) when the rules
    are not met and no override reason is given."""
    check = check_status_change(store, household_id, status, on)
    if not check.met and not (override_reason or "").strip():
        raise OverrideRequired(check)
    record = check.record(override_reason) if check.outcome is not None else None
    hid = str(store.household(household_id)["id"])
    store.set_status(hid, status, reason=reason, author=author, check=record)
    return check


def exited_on(store: Store, household_id: str, status: str) -> str | None:
    """The Beijing date of the household's newest change to ``status`` (start of a 渐退期)."""
    row = store.db.execute(
        "select date(changed_at, '+8 hours') from status_changes where household_id = ? and "
        "status = ? order by rowid desc limit 1",
        [household_id, status],
    ).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def override_marks(store: Store) -> dict[str, bool]:
    """Household id -> whether its newest status change was made against the rules."""
    rows = store.db.execute(
        "select s.household_id, s.rules_check from status_changes s join (select household_id, "
        "max(rowid) as top from status_changes group by household_id) t on s.rowid = t.top"
    )
    return {
        str(hid): rules_check({"rules_check": text}).get("override") is True for hid, text in rows
    }
