"""Whether one household meets 脱困 or 解困, with the reasons, from its recorded data.

Sources: seed 002 (安政办〔2019〕15号): 脱困 = 家庭致困因素消除 and 家庭人均收入连续 6 个月超过当地低保标准;
解困 = a household that cannot leave hardship (重病, 残疾, 无劳动能力) whose per-capita living standard
reaches the local 低保 standard through government support and union help.

The income rule and the 两有五保障 checklist are ``fieldapp.core.rules.assessment`` (reused, not repeated).
What stands for 致困因素消除 is decided here, from what the forms record (docs/statistics.md §8):

1. Form E (the problem list) has been filled in and none of its problems is still open
   (落实情况 待办, 办理中 or 无法解决);
2. the recorded 主要致困原因 (Form A) no longer shows in the data:
   下岗失业 / 有劳动能力而未就业 → 就业有保障 is not 未达标;
   未参加社会保险 / 社会保险待遇落实不到位 → 社保有保障 is 达标;
   子女上学 → 就学有保障 is not 未达标;
   患重特大疾病 → nobody in the household still has a serious health condition (rules.SERIOUS_HEALTH);
   无劳动能力 → never eliminated (a lasting factor: the household can reach 解困, not 脱困).

A household has a *lasting factor* when its main cause is 无劳动能力 or someone living in it has a
serious health condition (rules.SERIOUS_HEALTH: 残疾, 癌症, 尿毒症, 精神病, 其他重病).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fieldapp.core.rules.assessment import (
    MET,
    NOT_MET,
    SERIOUS_HEALTH,
    Check,
    exit_assessment,
    guarantee_checks,
)
from fieldapp.core.values.money import format_yuan

EXIT, RESOLVE, NEITHER = "脱困", "解困", "未达到"
OUTCOMES = (EXIT, RESOLVE, NEITHER)
MISSED_EXIT, WRONG_EXIT = "漏退", "错退风险"
OPEN_PROBLEM_STATUSES = ("待办", "办理中", "无法解决")

EMPLOYMENT_CAUSES = frozenset({"下岗失业", "有劳动能力而未就业"})
INSURANCE_CAUSES = frozenset({"未参加社会保险", "社会保险待遇落实不到位"})
SCHOOL_CAUSES = frozenset({"子女上学"})
ILLNESS_CAUSES = frozenset({"患重特大疾病"})
LASTING_CAUSES = frozenset({"无劳动能力"})

DibaoLookup = Callable[[str, date], int | None]
Values = Mapping[str, Mapping[str, Any]]


@dataclass
class ExitOutcome:
    """The decision for one household and why."""

    outcome: str
    """脱困, 解困 or 未达到."""
    income_condition_met: bool
    consecutive_months: int
    factors_eliminated: bool
    lasting_factor: bool
    reaches_dibao: bool
    reasons: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    """The 两有五保障 checklist computed on the way (reused by statistics)."""


def household_people(values: Values) -> list[dict[str, Any]]:
    """The worker and the members living with the household (cohabiting not 否)."""
    a = values.get("A") or {}
    worker = {"name": a.get("name"), "health": a.get("health")}
    members = [m for m in a.get("members") or [] if m.get("cohabiting", "是") != "否"]
    return [worker, *members]


def _names(people: Sequence[Mapping[str, Any]]) -> str:
    return "、".join(f"{p.get('name') or '未填姓名'}（{p.get('health')}）" for p in people)


def _factor_reasons(
    values: Values, checks: Mapping[str, Check], seriously_ill: Sequence[Mapping[str, Any]]
) -> tuple[bool, list[str]]:
    a, e = values.get("A") or {}, values.get("E")
    reasons: list[str] = []
    eliminated = True
    problems = list((e or {}).get("problems") or [])
    if e is None:
        eliminated = False
        reasons.append("未填写问题清单（表E），不能确认致困因素已消除")
    else:
        open_rows = [p for p in problems if p.get("status") in OPEN_PROBLEM_STATUSES]
        if open_rows:
            eliminated = False
            listed = "、".join(
                f"{p.get('category') or '未分类'}（{p.get('status')}）" for p in open_rows
            )
            reasons.append(f"问题清单尚有 {len(open_rows)} 项未解决：{listed}")
    cause = a.get("main_cause")
    if cause in EMPLOYMENT_CAUSES and checks["employment"].status == NOT_MET:
        eliminated = False
        reasons.append(f"主要致困原因“{cause}”仍在：{checks['employment'].reason}")
    if cause in INSURANCE_CAUSES and checks["social_security"].status != MET:
        eliminated = False
        reasons.append(f"主要致困原因“{cause}”仍在：{checks['social_security'].reason}")
    if cause in SCHOOL_CAUSES and checks["education"].status == NOT_MET:
        eliminated = False
        reasons.append(f"主要致困原因“{cause}”仍在：{checks['education'].reason}")
    if cause in ILLNESS_CAUSES and seriously_ill:
        eliminated = False
        reasons.append(f"主要致困原因“{cause}”仍在：{_names(seriously_ill)}")
    if cause in LASTING_CAUSES:
        eliminated = False
        reasons.append(f"主要致困原因“{cause}”属难以消除的因素")
    if eliminated:
        checked = cause in EMPLOYMENT_CAUSES | INSURANCE_CAUSES | SCHOOL_CAUSES | ILLNESS_CAUSES
        tail = (
            f"主要致困原因“{cause}”的情况在数据中已不存在"
            if checked
            else f"主要致困原因“{cause or '未填写'}”以问题清单为准"
        )
        reasons.append(f"致困因素已消除：问题清单 {len(problems)} 项均已解决，{tail}")
    return eliminated, reasons


def assess_exit(values: Values, dibao: DibaoLookup, on: date) -> ExitOutcome:
    """脱困 / 解困 / 未达到 for one household's values (stored or computed shapes)."""
    a, b = values.get("A") or {}, values.get("B") or {}
    checks = guarantee_checks(values, on)
    by_key = {c.key: c for c in checks}
    population = b.get("population")
    income = exit_assessment(
        b.get("monthly_records") or [],
        population if isinstance(population, int) else None,
        a.get("residence_region"),
        dibao,
    )
    seriously_ill = [p for p in household_people(values) if p.get("health") in SERIOUS_HEALTH]
    eliminated, factor_reasons = _factor_reasons(values, by_key, seriously_ill)
    lasting = a.get("main_cause") in LASTING_CAUSES or bool(seriously_ill)
    per_capita, standard = b.get("monthly_per_capita"), b.get("dibao_standard")
    reaches = isinstance(per_capita, int) and isinstance(standard, int) and per_capita >= standard

    reasons = [r for r in income.reasons if r != "另须核实致困因素已消除"]
    reasons += factor_reasons
    if income.income_condition_met and eliminated:
        outcome = EXIT
        reasons.append("符合脱困标准：致困因素消除且人均收入连续 6 个月超过当地低保标准")
    elif lasting and reaches:
        outcome = RESOLVE
        what = []
        if seriously_ill:
            what.append(_names(seriously_ill))
        if a.get("main_cause") in LASTING_CAUSES:
            what.append(f"主要致困原因“{a.get('main_cause')}”")
        reasons.append(
            f"符合解困标准：有难以消除的致困因素（{'；'.join(what)}），"
            f"月人均收入 {format_yuan(per_capita)} 元已达到当地低保标准 {format_yuan(standard)} 元"
        )
    else:
        outcome = NEITHER
        if lasting and not reaches:
            if isinstance(per_capita, int) and isinstance(standard, int):
                reasons.append(
                    f"未达到解困：月人均收入 {format_yuan(per_capita)} 元低于当地低保标准 "
                    f"{format_yuan(standard)} 元"
                )
            else:
                reasons.append("未达到解困：缺少月人均收入或当地低保标准（表B）")
    return ExitOutcome(
        outcome=outcome,
        income_condition_met=income.income_condition_met,
        consecutive_months=income.consecutive_months,
        factors_eliminated=eliminated,
        lasting_factor=lasting,
        reaches_dibao=reaches,
        reasons=reasons,
        checks=checks,
    )


def exit_flag(status: str, outcome: str) -> str | None:
    """漏退 for a 在档 household that meets 脱困 or 解困; 错退风险 for an 已脱困 household that no
    longer meets 脱困, or an 已解困 household that meets neither; None otherwise (注销 never)."""
    if status == "在档" and outcome in (EXIT, RESOLVE):
        return MISSED_EXIT
    if status == "已脱困" and outcome != EXIT:
        return WRONG_EXIT
    if status == "已解困" and outcome == NEITHER:
        return WRONG_EXIT
    return None
