"""Exit review: which households meet 脱困 or 解困, which 在档 ones should have left (漏退) and
which exited ones no longer qualify (错退风险) — the error rates the campaign was judged on.

The per-household decision is ``exit_rules.assess_exit`` (docs/statistics.md §8). Outcomes come
from the statistics cache (``hq_facts``), so only the flagged households (or every household, on
request) are read again in full to give their reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from fieldapp.core.reports.facts import CachedDibao, fresh_forms
from fieldapp.core.reports.facts_cache import iter_household_facts
from fieldapp.core.reports.records import HouseholdRecord, iter_records
from fieldapp.core.rules import exits as exit_rules
from fieldapp.core.rules.status_change import override_marks
from fieldapp.core.store.errors import CancelCheck
from fieldapp.core.store.records import STATUSES, now_iso
from fieldapp.core.store.store import Store

IN_ARCHIVE, EXITED, RESOLVED, CANCELLED = STATUSES


@dataclass
class ExitDecision:
    household_id: str
    archive_no: str | None
    name: str | None
    region_code: str | None
    region: str
    status: str
    outcome: str
    """脱困 / 解困 / 未达到."""
    flag: str | None
    """漏退 / 错退风险 / None."""
    income_condition_met: bool
    consecutive_months: int
    factors_eliminated: bool
    lasting_factor: bool
    reasons: list[str]


@dataclass
class ExitReview:
    generated_at: str
    as_of: str
    region: str | None
    final_only: bool
    by_status: dict[str, int]
    outcomes: dict[str, dict[str, int]]
    """archive status -> outcome -> households (注销 households are not assessed)."""
    missed: list[ExitDecision]
    """漏退: 在档 households that meet 脱困 or 解困."""
    wrong: list[ExitDecision]
    """错退风险: 已脱困 households that no longer meet 脱困, 已解困 ones that meet neither, once
    their 渐退期 is over."""
    watch: list[ExitDecision]
    """渐退期预警: the same, still within the 渐退期 after the exit (a warning, not 错退)."""
    missed_rate: float | None
    """len(missed) ÷ 在档 households."""
    wrong_rate: float | None
    """len(wrong) ÷ (已脱困 + 已解困 households)."""
    households: list[ExitDecision] = field(default_factory=list)
    """Every assessed household, when asked for."""
    overrides: int = 0
    """已脱困 / 已解困 households whose status change was made against the rules (人工认定)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _order(decision: ExitDecision) -> tuple[str, str, str]:
    return (decision.region_code or "", decision.archive_no or "", decision.household_id)


def _exited_on(record: HouseholdRecord) -> str | None:
    """Beijing date of the newest change to the household's current status (its 渐退期 start)."""
    days = [day for status, day in record.status_changes if status == record.status]
    return days[-1] if days else None


def decide_households(
    store: Store, ids: Iterable[str], *, on: date, final_only: bool = False
) -> list[ExitDecision]:
    """Full decisions, with reasons, for the given households (in archive-number order)."""
    dibao = CachedDibao(store)
    out: list[ExitDecision] = []
    for record in iter_records(store, ids=list(ids), final_only=final_only, first_recorded=False):
        record.forms = fresh_forms(store, record, dibao, on, final_only)
        result = exit_rules.assess_exit(record.forms, dibao, on)
        region = ""
        if record.region_code and store.regions.get(record.region_code) is not None:
            region = store.regions.full_name(record.region_code)
        out.append(
            ExitDecision(
                household_id=record.id,
                archive_no=record.archive_no,
                name=record.name,
                region_code=record.region_code,
                region=region,
                status=record.status,
                outcome=result.outcome,
                flag=exit_rules.exit_flag(
                    record.status, result.outcome, exited_on=_exited_on(record), on=on
                ),
                income_condition_met=result.income_condition_met,
                consecutive_months=result.consecutive_months,
                factors_eliminated=result.factors_eliminated,
                lasting_factor=result.lasting_factor,
                reasons=result.reasons,
            )
        )
    out.sort(key=_order)
    return out


def review_exits(
    store: Store,
    *,
    on: date | None = None,
    region: str | None = None,
    final_only: bool = False,
    include_all: bool = False,
    progress: Callable[[int], None] | None = None,
    cancelled: CancelCheck | None = None,
) -> ExitReview:
    """The review of every household of ``region`` (all if None) on day ``on`` (today)."""
    day = on or date.today()
    by_status = {s: 0 for s in STATUSES}
    outcomes: dict[str, dict[str, int]] = {
        s: {o: 0 for o in exit_rules.OUTCOMES} for s in STATUSES if s != CANCELLED
    }
    wanted: list[str] = []
    exited_ids: list[str] = []
    for h in iter_household_facts(
        store, on=day, region=region, final_only=final_only, progress=progress, cancelled=cancelled
    ):
        by_status[h.status] = by_status.get(h.status, 0) + 1
        if h.status == CANCELLED or h.status not in outcomes:
            continue
        if h.status in (EXITED, RESOLVED):
            exited_ids.append(h.id)
        outcome = h.facts.outcome
        outcomes[h.status][outcome] += 1
        if include_all or exit_rules.exit_flag(h.status, outcome) is not None:
            wanted.append(h.id)
    decisions = decide_households(store, wanted, on=day, final_only=final_only)
    missed = [d for d in decisions if d.flag == exit_rules.MISSED_EXIT]
    wrong = [d for d in decisions if d.flag == exit_rules.WRONG_EXIT]
    watch = [d for d in decisions if d.flag == exit_rules.WATCH]
    marks = override_marks(store)
    overrides = sum(1 for hid in exited_ids if marks.get(hid))
    in_archive = by_status.get(IN_ARCHIVE, 0)
    exited = by_status.get(EXITED, 0) + by_status.get(RESOLVED, 0)
    return ExitReview(
        generated_at=now_iso(),
        as_of=day.isoformat(),
        region=region,
        final_only=final_only,
        by_status=by_status,
        outcomes=outcomes,
        missed=missed,
        wrong=wrong,
        watch=watch,
        missed_rate=len(missed) / in_archive if in_archive else None,
        wrong_rate=len(wrong) / exited if exited else None,
        households=decisions if include_all else [],
        overrides=overrides,
    )
