"""The rules' parameters and classifications, as data: resources/rules.yaml and forms/options.yaml.

Why: an office must be able to change a number the policies leave open (the 渐退期 length, how
recent the six months must be, which Form C categories show 兜底 and 常态化帮扶) without a new
program, and the classifications the forms' expressions use (which 健康状况 is a serious illness,
which 人员身份 is employed) must be the very lists the Python rules read, written once. Every
value is cited in docs/rules.md. ``classification_problems`` tells an office when an option of
the forms is left out of the classification (a new 健康状况 nobody classified).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fieldapp.core.forms.loader import default_survey
from fieldapp.core.forms.model import Survey
from fieldapp.core.paths import RESOURCES_DIR

RULES_FILE = RESOURCES_DIR / "rules.yaml"

HEALTH_CLASSES = ("health_good", "health_serious", "health_chronic")
IDENTITY_CLASSES = (
    "identity_employed",
    "identity_jobless",
    "identity_student",
    "identity_not_working",
    "identity_other",
)
FACTOR_CHECKS = ("employment", "social_security", "education", "illness", "lasting", "problems")
"""What shows a 主要致困原因 is gone (resources/rules.yaml ``factors``, exits._factor_reasons)."""

CLASSIFIED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("health_status", HEALTH_CLASSES),
    ("person_identity", IDENTITY_CLASSES),
    ("work_status", IDENTITY_CLASSES),
)
"""Option lists whose every option must be in exactly one class (option lists of the classes)."""
PRESCHOOL = "学龄前"


class RulesError(Exception):
    """resources/rules.yaml cannot be used; the message names the key."""


@dataclass(frozen=True)
class RuleSet:
    """Everything the rules read besides a household's data and the local standards."""

    exit_months: int
    recent_within_months: int
    watch_months: int
    government_support: frozenset[str]
    union_support: frozenset[str]
    support_within_months: int
    working_ages: range
    school_ages: range
    min_floor_area_per_person: int
    health_serious: frozenset[str]
    health_good: frozenset[str]
    employed: frozenset[str]
    jobless: frozenset[str]
    students: frozenset[str]
    not_working: frozenset[str]
    factors: Mapping[str, str]
    """主要致困原因 -> one of FACTOR_CHECKS."""

    @property
    def in_school(self) -> frozenset[str]:
        return self.students - {PRESCHOOL}

    @property
    def unable_to_work(self) -> frozenset[str]:
        """人员身份 of people who are not expected to work (retired, ill, pupils …)."""
        return self.not_working | self.students


def _int(doc: Mapping[str, Any], section: str, key: str, low: int, high: int) -> int:
    value = (doc.get(section) or {}).get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RulesError(f"rules.yaml: {section}.{key} 应为 {low}–{high} 的整数（现为 {value!r}）")
    return value


def _words(doc: Mapping[str, Any], section: str, key: str) -> frozenset[str]:
    value = (doc.get(section) or {}).get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesError(f"rules.yaml: {section}.{key} 应为文字列表")
    return frozenset(value)


def _option_values(survey: Survey, name: str) -> frozenset[str]:
    return frozenset(o.value for o in survey.options.get(name, ()))


def _factors(doc: Mapping[str, Any]) -> dict[str, str]:
    raw = doc.get("factors")
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and v in FACTOR_CHECKS for k, v in raw.items()
    ):
        raise RulesError(
            f"rules.yaml: factors 应为“致困原因: 判断方式”，判断方式为 {'、'.join(FACTOR_CHECKS)}"
        )
    return dict(raw)


def parse_rules(doc: Any, survey: Survey) -> RuleSet:
    if not isinstance(doc, dict):
        raise RulesError("rules.yaml: 顶层应为对象（exit, factors, resolve, guarantees）")
    return RuleSet(
        exit_months=_int(doc, "exit", "months", 1, 36),
        recent_within_months=_int(doc, "exit", "recent_within_months", 0, 12),
        watch_months=_int(doc, "exit", "watch_months", 0, 60),
        government_support=_words(doc, "resolve", "government_support"),
        union_support=_words(doc, "resolve", "union_support"),
        support_within_months=_int(doc, "resolve", "support_within_months", 1, 120),
        working_ages=range(
            _int(doc, "guarantees", "working_age_from", 0, 100),
            _int(doc, "guarantees", "working_age_to", 0, 100) + 1,
        ),
        school_ages=range(
            _int(doc, "guarantees", "school_age_from", 0, 30),
            _int(doc, "guarantees", "school_age_to", 0, 30) + 1,
        ),
        min_floor_area_per_person=_int(doc, "guarantees", "min_floor_area_per_person", 0, 200),
        health_serious=_option_values(survey, "health_serious"),
        health_good=_option_values(survey, "health_good"),
        employed=_option_values(survey, "identity_employed"),
        jobless=_option_values(survey, "identity_jobless"),
        students=_option_values(survey, "identity_student"),
        not_working=_option_values(survey, "identity_not_working"),
        factors=_factors(doc),
    )


def load_rules(survey: Survey | None = None, path: Path = RULES_FILE) -> RuleSet:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"{path.name}: 无法读取：{exc}") from None
    return parse_rules(doc, survey or default_survey())


@functools.lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The shipped rules with the shipped forms (cached)."""
    return load_rules()


def classification_problems(survey: Survey, rules_file: Path = RULES_FILE) -> list[str]:
    """What an office must fix: an option of 健康状况 / 人员身份 / 工作状态 in none or several of
    its classes, a class naming an unknown option, a Form C category in rules.yaml that Form C
    does not offer, or a rules.yaml that cannot be read."""
    problems: list[str] = []
    for list_name, classes in CLASSIFIED:
        values = [o.value for o in survey.options.get(list_name, ())]
        for value in values:
            homes = [c for c in classes if value in _option_values(survey, c)]
            if len(homes) != 1:
                where = "、".join(homes) if homes else "任何分类"
                problems.append(
                    f"options.yaml: {list_name}: “{value}”应恰好属于一个分类，现属于{where}"
                )
    known = {o.value for name, _ in CLASSIFIED for o in survey.options.get(name, ())}
    for name in {c for _, classes in CLASSIFIED for c in classes}:
        for value in sorted(_option_values(survey, name) - known):
            problems.append(f"options.yaml: {name}: “{value}”不是任何选项")
    try:
        rules = load_rules(survey, rules_file)
    except RulesError as exc:
        return [*problems, str(exc)]
    for cause in sorted(_option_values(survey, "hardship_cause") - set(rules.factors)):
        problems.append(f"rules.yaml: factors: 致困原因“{cause}”没有写明消除的依据")
    c = survey.forms.get("C")
    rows = c.field("policies") if c is not None else None
    category = rows.child("category") if rows is not None else None
    offered = {o.value for o in category.options} if category is not None else set()
    for value in sorted((rules.government_support | rules.union_support) - offered):
        problems.append(f"rules.yaml: resolve: 项目类别“{value}”不是表C的选项")
    return sorted(problems)
