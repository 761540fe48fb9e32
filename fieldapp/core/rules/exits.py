"""Whether one household meets 脱困 or 解困, with the reasons, from its recorded data.

Sources (docs/rules.md cites each): seed 002 (安政办〔2019〕15号 一（三）): 脱困 = 家庭致困因素消除 and
家庭人均收入连续 6 个月超过当地低保标准; 解困 = a household that cannot leave hardship whose
per-capita living standard reaches the local 低保 standard 经政府救助和工会帮扶. Seed 004 (the
campaign report): 解困 through 政府兜底保障和工会常态化帮扶, and exited households get a 渐退期
"防止其返贫返困".

The income rule is ``fieldapp.core.rules.income`` and the 两有五保障 checklist
``fieldapp.core.rules.assessment`` (reused, not repeated). What stands for 致困因素消除 is decided
here, from what the forms record:

1. Form E (the problem list) has been filled in and none of its problems is still open
   (落实情况 待办, 办理中 or 无法解决);
2. the recorded 主要致困原因 (Form A) no longer shows in the data, as resources/rules.yaml
   ``factors`` says for each cause (every option listed): employment → 就业有保障 is not 未达标
   (下岗失业, 有劳动能力而未就业); social_security → 社保有保障 is 达标; education → 就学有保障 is not
   未达标 (子女上学); illness → nobody living in the household has a 健康状况 of ``health_serious``
   (患重特大疾病); lasting → never eliminated (无劳动能力: the household can reach 解困, not 脱困);
   problems → the problem list alone (灾害, 意外, 其他).

A household has a *lasting factor* when its main cause is ``lasting`` or someone living in it has a
health status of ``health_serious`` (forms/options.yaml, every 健康状况 classified). 解困 also needs
政府兜底 or 工会常态化帮扶 recorded as received in Form C (resources/rules.yaml: which categories,
how recent).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fieldapp.core.rules.assessment import (
    MET,
    NOT_MET,
    Check,
    guarantee_checks,
    household_people,
)
from fieldapp.core.rules.config import RuleSet, default_rules
from fieldapp.core.rules.income import MonthCheck, exit_assessment, month_index, month_text
from fieldapp.core.rules.income import change_months as income_change_months
from fieldapp.core.values.money import format_yuan

EXIT, RESOLVE, NEITHER = "脱困", "解困", "未达到"
OUTCOMES = (EXIT, RESOLVE, NEITHER)
MISSED_EXIT, WRONG_EXIT, WATCH = "漏退", "错退风险", "渐退期预警"
OPEN_PROBLEM_STATUSES = ("待办", "办理中", "无法解决")
EXITED_STATUSES = ("已脱困", "已解困")


_PLAIN_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
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
    support: list[str] = field(default_factory=list)
    """Form C rows showing 兜底 / 常态化帮扶 (what 解困 rests on)."""
    months: list[MonthCheck] = field(default_factory=list)
    """The monthly records the income condition read (``income.exit_assessment``)."""
    income_reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The shape of ``fieldapp assess --json`` (and the GUI's assessment panel)."""
        return {
            "outcome": self.outcome,
            "guarantees": [c.__dict__ for c in self.checks],
            "exit": {
                "income_condition_met": self.income_condition_met,
                "consecutive_months": self.consecutive_months,
                "reasons": self.income_reasons,
                "months": [m.__dict__ for m in self.months],
            },
            "factors_eliminated": self.factors_eliminated,
            "lasting_factor": self.lasting_factor,
            "reaches_dibao": self.reaches_dibao,
            "support": self.support,
            "reasons": self.reasons,
        }


def _names(people: Sequence[Mapping[str, Any]]) -> str:
    return "、".join(f"{p.get('name') or '未填姓名'}（{p.get('health')}）" for p in people)


def _factor_reasons(
    values: Values,
    checks: Mapping[str, Check],
    seriously_ill: Sequence[Mapping[str, Any]],
    rules: RuleSet,
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
    how = rules.factors.get(str(cause), "problems")
    still = {
        "employment": (checks["employment"].status == NOT_MET, checks["employment"].reason),
        "social_security": (
            checks["social_security"].status != MET,
            checks["social_security"].reason,
        ),
        "education": (checks["education"].status == NOT_MET, checks["education"].reason),
        "illness": (bool(seriously_ill), _names(seriously_ill)),
    }
    present, detail = still.get(how, (False, ""))
    if present:
        eliminated = False
        reasons.append(f"主要致困原因“{cause}”仍在：{detail}")
    if how == "lasting":
        eliminated = False
        reasons.append(f"主要致困原因“{cause}”属难以消除的因素")
    if eliminated:
        tail = (
            f"主要致困原因“{cause}”的情况在数据中已不存在"
            if how in still
            else f"主要致困原因“{cause or '未填写'}”以问题清单为准"
        )
        reasons.append(f"致困因素已消除：问题清单 {len(problems)} 项均已解决，{tail}")
    return eliminated, reasons


def support_rows(values: Values, on: date, rules: RuleSet) -> list[str]:
    """Form C rows of 政府兜底 or 工会常态化帮扶 received in the ``support_within_months`` months
    before the month of ``on`` or in it (a row marked 是否落实 = 否 is not received), as
    'date category name'."""
    wanted = rules.government_support | rules.union_support
    until = month_index(f"{on.year:04d}-{on.month:02d}")
    since, last = month_text(until - rules.support_within_months), month_text(until)
    out = []
    for row in (values.get("C") or {}).get("policies") or []:
        day = row.get("date")
        if row.get("category") not in wanted or row.get("implemented") == "否":
            continue
        if not isinstance(day, str) or not since <= day[:7] <= last:
            continue
        out.append(f"{day} {row.get('category')} {row.get('policy_name') or ''}".strip())
    return out


def support_change_months(values: Values, rules: RuleSet) -> set[int] | None:
    """Month indexes at which ``support_rows`` can answer differently from the month before: a
    counted row enters the window in its month and leaves ``support_within_months`` + 1 months
    later. None when a counted row's date is not a plain YYYY-MM-… (it can then change any month)."""
    wanted = rules.government_support | rules.union_support
    out: set[int] = set()
    for row in (values.get("C") or {}).get("policies") or []:
        day = row.get("date")
        if row.get("category") not in wanted or row.get("implemented") == "否":
            continue
        if not isinstance(day, str):
            continue
        if _PLAIN_MONTH.fullmatch(day[:7]) is None:
            return None
        index = month_index(day[:7])
        out.update((index, index + rules.support_within_months + 1))
    return out


def change_months(values: Values, rules: RuleSet | None = None) -> set[int] | None:
    """Month indexes at whose first day ``assess_exit`` can decide differently than in the month
    before, apart from birthdays (ages change on those): the income run's and the support
    window's. None: any month (statistics then keep an answer for its month only)."""
    rules = rules or default_rules()
    support = support_change_months(values, rules)
    if support is None:
        return None
    records = (values.get("B") or {}).get("monthly_records") or []
    return support | income_change_months(records, rules)


def assess_exit(
    values: Values, dibao: DibaoLookup, on: date, rules: RuleSet | None = None
) -> ExitOutcome:
    """脱困 / 解困 / 未达到 for one household's values (stored or computed shapes) on day ``on``."""
    rules = rules or default_rules()
    a, b = values.get("A") or {}, values.get("B") or {}
    people = household_people(values)
    checks = guarantee_checks(values, on, rules, people)
    by_key = {c.key: c for c in checks}
    population = b.get("population") if b else a.get("family_size")
    income = exit_assessment(
        b.get("monthly_records") or [],
        population if isinstance(population, int) else None,
        a.get("residence_region"),
        dibao,
        on,
        rules,
    )
    seriously_ill = [p for p in people if p.get("health") in rules.health_serious]
    eliminated, factor_reasons = _factor_reasons(values, by_key, seriously_ill, rules)
    main_lasting = rules.factors.get(str(a.get("main_cause"))) == "lasting"
    lasting = main_lasting or bool(seriously_ill)
    per_capita, standard = b.get("monthly_per_capita"), b.get("dibao_standard")
    reaches = isinstance(per_capita, int) and isinstance(standard, int) and per_capita >= standard
    support = support_rows(values, on, rules)

    reasons = [*income.reasons, *factor_reasons]
    if income.income_condition_met and eliminated:
        outcome = EXIT
        reasons.append(
            f"符合脱困标准：致困因素消除且人均收入连续 {rules.exit_months} 个月超过当地低保标准"
        )
    elif lasting and reaches and support:
        outcome = RESOLVE
        what = []
        if seriously_ill:
            what.append(_names(seriously_ill))
        if main_lasting:
            what.append(f"主要致困原因“{a.get('main_cause')}”")
        reasons.append(
            f"符合解困标准：有难以消除的致困因素（{'；'.join(what)}），"
            f"月人均收入 {format_yuan(per_capita)} 元已达到当地低保标准 {format_yuan(standard)} 元，"
            f"兜底和常态化帮扶已落实（{'；'.join(support[:3])}）"
        )
    else:
        outcome = NEITHER
        if lasting:
            reasons += _why_not_resolved(per_capita, standard, reaches, support, rules)
    return ExitOutcome(
        outcome=outcome,
        income_condition_met=income.income_condition_met,
        consecutive_months=income.consecutive_months,
        factors_eliminated=eliminated,
        lasting_factor=lasting,
        reaches_dibao=reaches,
        reasons=reasons,
        checks=checks,
        support=support,
        months=income.months,
        income_reasons=income.reasons,
    )


def _why_not_resolved(
    per_capita: Any, standard: Any, reaches: bool, support: list[str], rules: RuleSet
) -> list[str]:
    out = []
    if not reaches:
        if isinstance(per_capita, int) and isinstance(standard, int):
            out.append(
                f"未达到解困：月人均收入 {format_yuan(per_capita)} 元低于当地低保标准 "
                f"{format_yuan(standard)} 元"
            )
        else:
            out.append("未达到解困：缺少月人均收入或当地低保标准（表B）")
    if not support:
        out.append(
            f"未达到解困：表C近 {rules.support_within_months} 个月没有已落实的政府兜底"
            f"（{'、'.join(sorted(rules.government_support))}）或工会常态化帮扶"
            f"（{'、'.join(sorted(rules.union_support))}）记录"
        )
    return out


def watch_ends(exited_on: str, rules: RuleSet | None = None) -> str:
    """The day the 渐退期 after an exit on ``exited_on`` (ISO date) ends (exclusive)."""
    rules = rules or default_rules()
    day = date.fromisoformat(exited_on[:10])
    index = day.year * 12 + day.month - 1 + rules.watch_months
    year, month = divmod(index, 12)
    month += 1
    last = 31
    while True:
        try:
            return date(year, month, min(day.day, last)).isoformat()
        except ValueError:
            last -= 1


def exit_flag(
    status: str,
    outcome: str,
    *,
    exited_on: str | None = None,
    on: date | None = None,
    rules: RuleSet | None = None,
) -> str | None:
    """漏退 for a 在档 household that meets 脱困 or 解困. For an 已脱困 household that no longer
    meets 脱困 (an 已解困 one that meets neither): 渐退期预警 while the evaluation day ``on`` is
    within the 渐退期 after ``exited_on`` (the day of the status change), else 错退风险. None
    otherwise (注销 never)."""
    if status == "在档":
        return MISSED_EXIT if outcome in (EXIT, RESOLVE) else None
    failing = (status == "已脱困" and outcome != EXIT) or (
        status == "已解困" and outcome == NEITHER
    )
    if not failing:
        return None
    if exited_on and on is not None and on.isoformat() < watch_ends(exited_on, rules):
        return WATCH
    return WRONG_EXIT
