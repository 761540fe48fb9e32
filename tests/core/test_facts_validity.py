"""A cached entry's validity window is exactly what running the rules on every day would give.

``facts.validity`` runs the rules on a later day only when that day can change their answer:
a month start at which the income run or the support window moves, or a birthday that moves
someone into or out of a working or school age. These tests hold it against a straightforward
reference that finds every day on which an age or the month changes by walking the calendar and
runs the rules on the first of them, as validity did before the shortcut, over demo households
and households built to sit on the edges (birthdays at the age limits, 29 February, birthdays on
a month start, members who moved out or died, unreadable birth dates, an income run going stale,
support leaving its window, a 低保 standard raised in a later month); and, for those, the facts
are checked day by day over the window.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest

from fieldapp.core.demo.generate import generate_demo
from fieldapp.core.reports import facts as facts_module
from fieldapp.core.reports.facts import CachedDibao, evaluate, validity
from fieldapp.core.reports.figures import Facts
from fieldapp.core.reports.records import HouseholdRecord, iter_records
from fieldapp.core.rules import exits
from fieldapp.core.rules.assessment import age_on
from fieldapp.core.store.store import Store
from tests.conftest import TODAY

HOUSEHOLDS = 40
ONE_DAY = timedelta(days=1)


def people_births(record: HouseholdRecord) -> list[Any]:
    a = record.forms.get("A") or {}
    return [a.get("birth_date"), *(m.get("birth_date") for m in a.get("members") or [])]


def age_changes(record: HouseholdRecord, day: date) -> bool:
    """Someone's age on ``day`` differs from the day before."""
    return any(age_on(b, day) != age_on(b, day - ONE_DAY) for b in people_births(record))


def reference_window(
    record: HouseholdRecord, on: date, facts: Facts | None, dibao: CachedDibao
) -> tuple[str, str]:
    """[from, to) found by walking the calendar: from the last day an age or the month changed;
    to the first later such day on which the rules decide differently (the rules run on the
    first one only, as ``PROBES`` = 1 says), else the next such day, else the horizon."""
    start = on
    while start.day != 1 and not age_changes(record, start):
        start -= ONE_DAY
    changes = None if facts is None else exits.change_months(record.forms)
    horizon = date(on.year + 2, 1, 1)
    probed = 0
    day = on + ONE_DAY
    while day < horizon:
        month_moves = day.day == 1 and (changes is None or day.year * 12 + day.month - 1 in changes)
        if month_moves or age_changes(record, day):
            if changes is None or facts is None:
                return start.isoformat(), day.isoformat()
            if probed >= facts_module.PROBES or evaluate(record, dibao, day) != facts:
                return start.isoformat(), day.isoformat()
            probed += 1
        day += ONE_DAY
    return start.isoformat(), horizon.isoformat()


@pytest.fixture
def demo(store: Store) -> Store:
    generate_demo(store, HOUSEHOLDS, author="测试员", today=TODAY)
    return store


def all_records(store: Store) -> list[HouseholdRecord]:
    return list(iter_records(store, first_recorded=True))


def test_windows_of_demo_households_match_the_calendar_walk(demo: Store) -> None:
    dibao = CachedDibao(demo)
    days = [TODAY + timedelta(days=n) for n in range(0, 730, 23)]
    for record in all_records(demo):
        for on in days:
            facts = evaluate(record, dibao, on)
            expected = reference_window(record, on, facts, dibao)
            assert validity(record, on, facts=facts, dibao=dibao) == expected, (record.id, on)
            assert validity(record, on) == reference_window(record, on, None, dibao)


def member(name: str, born: Any, identity: str, **more: Any) -> dict[str, Any]:
    return {
        "_id": name,
        "name": name,
        "relation": "子女",
        "birth_date": born,
        "health": "良好",
        "identity": identity,
        "medical_insurance": "城乡居民医保",
        "pension_insurance": "城乡居民养老保险",
        "cohabiting": "是",
        "deceased": None,
        **more,
    }


def months(first: str, count: int, income: int) -> list[dict[str, Any]]:
    year, month = map(int, first.split("-"))
    out = []
    for n in range(count):
        y, m = divmod(year * 12 + month - 1 + n, 12)
        out.append({"month": f"{y:04d}-{m + 1:02d}", "income": income, "expense": 0})
    return out


EDGES: dict[str, dict[str, Any]] = {
    # The only able person turns 60 on 20 Nov 2026: 就业 goes from 未达标 to 不适用, and with
    # 下岗失业 as the main cause the factor is then gone.
    "worker turns 60": {
        "A": {"birth_date": "1966-11-20", "work_status": "失(无)业", "main_cause": "下岗失业"},
        "members": [],
    },
    # Children entering school age, leaving it for working age, and a birthday in between.
    "children at the limits": {
        "A": {"birth_date": "1980-05-05", "work_status": "退休", "main_cause": "子女上学"},
        "members": [
            member("六岁", "2020-12-05", "其他"),
            member("十六岁", "2010-11-15", "其他"),
            member("十岁", "2016-12-01", "小学"),
        ],
        "B": {"population": 4, "monthly_records": months("2026-01", 8, 300_000)},
        "C": {"policies": []},
    },
    # 29 February: 15 on 1 March 2027, 16 (working age) on 29 February 2028.
    "leap day": {
        "A": {"birth_date": "1970-03-31", "work_status": "退休", "main_cause": "下岗失业"},
        "members": [member("闰日", "2012-02-29", "失(无)业")],
    },
    # Turns 60 on 1 January 2027, the month start at which the income run goes stale.
    "birthday on a month start": {
        "A": {"birth_date": "1967-01-01", "work_status": "失(无)业", "main_cause": "其他"},
        "members": [],
        "B": {"population": 1, "monthly_records": months("2026-06", 6, 9_000_000)},
        "E": {"problems": []},
    },
    # People the rules do not count (moved out, died) crossing the limits, and dates no one can read.
    "not counted, unreadable": {
        "A": {"birth_date": "1990-13-01", "work_status": "失(无)业", "main_cause": "下岗失业"},
        "members": [
            member("外出", "2010-11-30", "其他", cohabiting="否"),
            member("已故", "1966-12-31", "失(无)业", deceased="是"),
            member("空", "", "其他"),
            member("无", None, "其他"),
            member("数字", 20101130, "其他"),
            member("二月三十", "2010-02-30", "其他"),
            member("七岁", "2019-11-25", "初中"),
        ],
    },
    # 解困 resting on a 低保 row that leaves the 12-month window, income recorded months ahead
    # (usable once reached), under a standard raised from January 2027.
    "support and standards": {
        "A": {"birth_date": "1975-02-28", "work_status": "无劳动能力", "main_cause": "无劳动能力"},
        "members": [member("女儿", "2011-01-31", "初中")],
        "B": {
            "population": 2,
            "monthly_per_capita": 80_000,
            "dibao_standard": 60_000,
            "monthly_records": months("2026-05", 10, 180_000),
        },
        "C": {
            "policies": [
                {
                    "date": "2025-12-10",
                    "category": "低保",
                    "policy_name": "低保",
                    "implemented": "是",
                },
                {"date": "2026-12-20", "category": "送温暖", "policy_name": "慰问"},
            ]
        },
        "E": {"problems": []},
    },
}


def edge_record(base: HouseholdRecord, changes: dict[str, Any]) -> HouseholdRecord:
    record = copy.deepcopy(base)
    a = record.forms["A"]
    a.update(changes["A"])
    a["members"] = changes["members"]
    for form in ("B", "C", "E"):
        if form in changes:
            record.forms[form] = {**record.forms.get(form, {}), **changes[form]}
    return record


@pytest.fixture
def edges(demo: Store) -> dict[str, HouseholdRecord]:
    # 90,000 分 from January 2027: the income recorded for then (90,000 per person) no longer
    # exceeds it.
    county = "532331"
    demo.add_standard("dibao", county, "2027-01-01", 90_000, source="测试", author="测试员")
    base = all_records(demo)[0]
    base.forms["A"]["residence_region"] = county
    return {name: edge_record(base, changes) for name, changes in EDGES.items()}


def test_edge_windows_match_the_calendar_walk_every_day(
    demo: Store, edges: dict[str, HouseholdRecord]
) -> None:
    dibao = CachedDibao(demo)
    seen: set[tuple[str, str, str]] = set()
    days = [date(2026, 10, 20) + timedelta(days=n) for n in range(170)]
    days += [date(2028, 2, 1) + timedelta(days=n) for n in range(50)]
    for name, record in edges.items():
        for on in days:
            facts = evaluate(record, dibao, on)
            guarantees = facts.guarantees
            seen.add((facts.outcome, guarantees["employment"], guarantees["education"]))
            expected = reference_window(record, on, facts, dibao)
            assert validity(record, on, facts=facts, dibao=dibao) == expected, (name, on)
    # The edges do move the rules' answers: every outcome, and the age-bound checks both ways.
    assert {outcome for outcome, _, _ in seen} == {"脱困", "解困", "未达到"}
    assert {employment for _, employment, _ in seen} >= {"未达标", "不适用"}
    assert {education for _, _, education in seen} == {"达标", "未达标", "不适用"}


def test_edge_facts_hold_on_every_day_of_their_window(
    demo: Store, edges: dict[str, HouseholdRecord]
) -> None:
    dibao = CachedDibao(demo)
    starts = [date(2026, 11, 1), date(2026, 11, 19), date(2026, 11, 30), date(2026, 12, 31)]
    starts += [date(2027, 2, 28), date(2028, 2, 28)]
    for name, record in edges.items():
        for on in starts:
            facts = evaluate(record, dibao, on)
            start, end = validity(record, on, facts=facts, dibao=dibao)
            day = date.fromisoformat(start)
            last = min(date.fromisoformat(end), on + timedelta(days=400))
            while day < last:
                assert evaluate(record, dibao, day) == facts, (name, on, day)
                day += ONE_DAY


def test_birthdays_that_change_no_age_class_run_no_rules(
    demo: Store, edges: dict[str, HouseholdRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    dibao = CachedDibao(demo)
    record = edges["children at the limits"]
    on = date(2026, 11, 20)  # next: the ten-year-old's birthday on 1 December (still school age)
    facts = evaluate(record, dibao, on)
    runs: list[date] = []

    def counted(record: HouseholdRecord, dibao: Any, day: date) -> Facts:
        runs.append(day)
        return evaluate(record, dibao, day)

    monkeypatch.setattr(facts_module, "evaluate", counted)
    assert validity(record, on, facts=facts, dibao=dibao) == ("2026-11-15", "2026-12-05")
    assert runs == []
    # The six-year-old's birthday (school age from then) is run, and decides differently.
    on = date(2026, 12, 2)
    facts = evaluate(record, dibao, on)
    assert validity(record, on, facts=facts, dibao=dibao) == ("2026-12-01", "2026-12-05")
    assert runs == [date(2026, 12, 5)]
