"""Per-household facts for headquarters statistics: what one household contributes, computed.

Why: at 100,000 households, reading every current revision's JSON costs SQLite and Python about
15 s, and running the 两有五保障 and 脱困 rules (``fieldapp.core.rules.assessment``, ``exit_rules``) on every
household as long again. Revisions never change once written, so what statistics need of a
household is computed once and kept in ``hq_facts`` (``facts_cache``): its unit and helper, its
Form D visits and Form E rows, its guarantee statuses and 脱困/解困 outcome, and, as canonical JSON
text, its contributions to the all-time figures. Households with the same contributions have the
same text, so statistics count texts instead of parsing them (see fieldapp.core.reports.stats).
This module computes one entry and the conditions under which it stays right (``validity``,
``cache_key``); ``facts_cache`` decides which entries are stale, ``facts_compute`` computes them.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fieldapp.core.forms.engine import FormEngine
from fieldapp.core.reports import aid, figures
from fieldapp.core.reports.figures import HOME_VISIT, SOLVED, Facts
from fieldapp.core.reports.records import HouseholdRecord, current_forms
from fieldapp.core.rules import assessment as rules
from fieldapp.core.rules import config as rule_config
from fieldapp.core.rules import exits as exit_rules
from fieldapp.core.rules import freshness, income
from fieldapp.core.rules.freshness import b_inputs_changed, current_values
from fieldapp.core.store.standards import DIBAO, MINIMUM_WAGE, standard_kind
from fieldapp.core.store.store import Store

VARIANTS = {False: "all", True: "final"}
EARLIEST, LATEST = "0001-01-01", "9999-12-31"
PROBES = 1
"""Later days (birthdays, month starts) on which ``validity`` evaluates the rules at most."""


def _code_fingerprint() -> str:
    digest = hashlib.sha256()
    for module in (rules, exit_rules, income, freshness, rule_config, figures, aid):
        digest.update(Path(str(module.__file__)).read_bytes())
    for name in (Path(__file__).name, "facts_compute.py", "facts_cache.py"):
        digest.update(Path(__file__).with_name(name).read_bytes())
    digest.update(rule_config.RULES_FILE.read_bytes())
    digest.update(aid.STATISTICS_FILE.read_bytes())
    return digest.hexdigest()[:16]


CODE_FINGERPRINT = _code_fingerprint()


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
"""One encoder for every text (``json.dumps`` with options builds one per call)."""


def canonical(doc: Any) -> str:
    """JSON text that is equal for equal documents (keys sorted, no spaces)."""
    return _CANONICAL.encode(doc)


@functools.lru_cache(maxsize=4096)
def _canonical_items(items: tuple[tuple[str, int], ...]) -> str:
    """``canonical`` of a flat document given as its items, remembered: households' standing
    contributions take a few hundred distinct values among many thousands of households."""
    return canonical(dict(items))


@dataclass
class HouseholdFacts:
    """One household as statistics see it: index columns and its cached entry."""

    id: str
    status: str
    region_code: str | None
    category: str | None
    unit: str | None
    """工作单位 (Form A)."""
    staff: str | None
    """帮扶责任人 (Form D)."""
    activity: str
    """canonical(figures.activity_contributions(facts)) — all-time visits and Form E counts."""
    standing: str
    """canonical(standing + all-time coverage contributions), what it adds when 在档."""
    facts_json: str | None
    standard: str | None = None
    """建档标准 (Form A, ``households.filing_standard``), the ``standard`` of --by standard."""

    @property
    def facts(self) -> Facts:
        if self.facts_json is None:
            raise ValueError("facts were not read (iter_household_facts(details=False))")
        return Facts.from_json(json.loads(self.facts_json))


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def evaluate(record: HouseholdRecord, dibao: exit_rules.DibaoLookup, on: date) -> Facts:
    """Compute one household's facts from its current values (no cache involved)."""
    a = record.forms.get("A") or {}
    d = record.forms.get("D") or {}
    e = record.forms.get("E") or {}
    decision = exit_rules.assess_exit(record.forms, dibao, on)
    visits = tuple(
        (str(v["date"]), v.get("method") == HOME_VISIT)
        for v in d.get("visits") or []
        if isinstance(v.get("date"), str)
    )
    problems = []
    for p in e.get("problems") or []:
        measures = p.get("has_measure")
        solved_on = p.get("solved_date")
        problems.append(
            (
                record.first_recorded.get(str(p.get("_id"))),
                measures if isinstance(measures, int) else 0,
                p.get("status") == SOLVED,
                solved_on if isinstance(solved_on, str) else None,
            )
        )
    return Facts(
        employer=_text(a.get("employer")),
        helper=_text(d.get("helper_name")),
        visits=visits,
        problems=tuple(problems),
        guarantees={c.key: c.status for c in decision.checks},
        income_met=decision.income_condition_met,
        outcome=decision.outcome,
        aid=aid.policy_rows(record.forms.get("C") or {}),
    )


def _birthday(born: date, year: int) -> date:
    """The day in ``year`` on which the age counted by rules._age goes up (29 Feb → 1 Mar)."""
    try:
        return born.replace(year=year)
    except ValueError:
        return date(year, 3, 1)


def age_window(birth_dates: Sequence[Any], on: date) -> tuple[str, str]:
    """[from, to): the days around ``on`` during which nobody's age changes."""
    people = _people(birth_dates, on)
    start = max((last for _, last, _, _ in people), default=date.min)
    end = min((following for _, _, following, _ in people), default=date.max)
    return start.isoformat(), end.isoformat()  # date.min, date.max: EARLIEST, LATEST


Person = tuple[str, date, date, date | None]
"""A readable birth date as written, the last birthday on or before the day, the first after
it, and the one after that if it falls before the horizon (``validity``)."""


def _people(birth_dates: Sequence[Any], on: date) -> list[Person]:
    """Each readable birth date with its birthdays around ``on`` (each date parsed once)."""
    out: list[Person] = []
    horizon_year = min(on.year + 2, 9999)
    for text in birth_dates:
        if not isinstance(text, str):
            continue
        try:
            born = date.fromisoformat(text)
        except ValueError:
            continue
        this_year = _birthday(born, on.year)
        if this_year <= on:
            last, following = this_year, _birthday(born, on.year + 1)
        else:
            last, following = _birthday(born, on.year - 1), this_year
        after = following.year + 1
        out.append(
            (text, last, following, _birthday(born, after) if after < horizon_year else None)
        )
    return out


def validity(
    record: HouseholdRecord,
    on: date,
    *,
    facts: Facts | None = None,
    dibao: exit_rules.DibaoLookup | None = None,
) -> tuple[str, str]:
    """[from, to): days around ``on`` with the same facts. The day enters the rules only through
    ages (they change on birthdays: ``age_window``) and the evaluation month (the 6-month income
    run and the support window of 解困, counted in whole months: ``exits.change_months``).

    Without ``facts`` (or when the values were recomputed for ``on``: ``fresh_forms``) the answer
    is kept while no age and not the month changes. With them, the later days on which the rules
    could decide differently (birthdays, those month starts) are evaluated in order, at most
    ``PROBES`` of them, and the answer is kept up to the first that decides differently (or is
    not evaluated): the facts cannot change between two such days. So the first statistics run of
    a new month recomputes only the households whose facts change then. A day reached through
    birthdays alone that move nobody into or out of a working or school age decides as ``on``
    does without running the rules (``_same_age_classes``): the usual case, and what keeps a cold
    run from evaluating every household twice."""
    people = _people(birth_dates(record), on)
    first = on.replace(day=1)
    start = max(max((last for _, last, _, _ in people), default=date.min), first).isoformat()
    end = min((following for _, _, following, _ in people), default=date.max)
    month = on.year * 12 + on.month - 1
    changes = None if facts is None else exit_rules.change_months(record.forms)
    if facts is None or dibao is None or changes is None:
        return start, min(end, _month_start(month + 1)).isoformat()
    horizon = date(min(on.year + 2, 9999), 1, 1)  # birthdays are listed up to here
    month_starts = {_month_start(i) for i in changes if month < i < horizon.year * 12}
    days = set(month_starts)
    for _, _, following, after in people:
        days.add(following)
        if after is not None:
            days.add(after)
    month_changed = False
    for probes, day in enumerate(sorted(d for d in days if on < d < horizon)):
        if probes >= PROBES:
            return start, day.isoformat()
        month_changed = month_changed or day in month_starts
        if (month_changed or not _same_age_classes(people, on, day)) and evaluate(
            record, dibao, day
        ) != facts:
            return start, day.isoformat()
    return start, horizon.isoformat()


def _same_age_classes(people: Sequence[Person], on: date, day: date) -> bool:
    """Everyone's ages on ``day`` read by the rules as on ``on`` (``rules.age_classes``; only
    those with a birthday since can differ).

    Then, with no month start of ``exits.change_months`` from ``on`` to ``day``, the rules decide
    on ``day`` exactly as on ``on`` (ages and the month are all they read of the day), so
    ``validity`` need not run them: most birthdays change no age class."""
    settings = rule_config.default_rules()
    return all(
        rules.age_classes(text, on, settings) == rules.age_classes(text, day, settings)
        for text, _, following, _ in people
        if following <= day
    )


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def birth_dates(record: HouseholdRecord) -> list[Any]:
    a = record.forms.get("A") or {}
    return [a.get("birth_date"), *(m.get("birth_date") for m in a.get("members") or [])]


class CachedDibao:
    """store's 低保 and minimum-wage lookups remembered per (county, day) for one run; called, it
    answers the 低保 standard (the rules' ``dibao``), ``minimum_wage`` the other."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.memo: dict[tuple[str, str, date], int | None] = {}
        self.versions: dict[str, str] = {}
        for kind in (DIBAO, MINIMUM_WAGE):
            rows = store.db.execute(
                f"select county_code, count(*), max(rowid) from {standard_kind(kind).table} "
                "group by county_code"
            ).fetchall()
            for code, count, top in rows:
                self.versions[f"{kind}:{code}"] = f"{count}.{top}"
        self.by_county: dict[str | None, str] = {}
        self._engines: dict[date, FormEngine] = {}
        self.tables = {kind: store.standard_table(kind) for kind in (DIBAO, MINIMUM_WAGE)}

    def lookup(self, kind: str, county: str, day: date) -> int | None:
        key = (kind, county, day)
        try:
            return self.memo[key]
        except KeyError:
            found = self.memo[key] = self.tables[kind].lookup(county, day)
            return found

    def __call__(self, county: str, day: date) -> int | None:
        try:  # the rules ask this for every recorded month of every household
            return self.memo[(DIBAO, county, day)]
        except KeyError:
            return self.lookup(DIBAO, county, day)

    def minimum_wage(self, county: str, day: date) -> int | None:
        return self.lookup(MINIMUM_WAGE, county, day)

    def version(self, county: str | None) -> str:
        """Which standard rows can answer for this county (its own, its city's, its province's)."""
        known = self.by_county.get(county)
        if known is None:
            if not county:
                known = "-"
            else:
                codes = (county, county[:4] + "00", county[:2] + "0000")
                known = ",".join(
                    self.versions.get(f"{kind}:{code}", "0")
                    for kind in (DIBAO, MINIMUM_WAGE)
                    for code in codes
                )
            self.by_county[county] = known
        return known

    def engine(self, on: date) -> FormEngine:
        """A form engine for day ``on`` answering from these cached lookups."""
        if on not in self._engines:
            self._engines[on] = FormEngine(
                self.store.survey,
                regions=self.store.regions,
                dibao=self,
                minimum_wage=self.minimum_wage,
                today=on,
            )
        return self._engines[on]


def fresh_forms(
    store: Store, record: HouseholdRecord, standards: CachedDibao, on: date, final_only: bool
) -> dict[str, dict[str, Any]]:
    """The household's values with derived values current (rules.freshness): the values read,
    unless Form B's copies of Form A or of the standards are out of date or a form was saved under
    an older survey version; then all its forms are read and computed again for day ``on``."""
    version = store.survey.version
    stale = any(record.versions.get(f, version) != version for f in ("A", "B", "C"))
    if not stale and not b_inputs_changed(record.forms, standards, standards.minimum_wage):
        return record.forms
    data = current_forms(store, record.id, final_only=final_only)
    return current_values(standards.engine(on), data)


def cache_key(dibao_version: str, survey_version: str) -> str:
    return f"{CODE_FINGERPRINT}|{survey_version}|{dibao_version}"


@functools.cache
def _activity_keys() -> frozenset[str]:
    return frozenset(figures.activity_keys())


def entry(
    record: HouseholdRecord, dibao: exit_rules.DibaoLookup, on: date, facts: Facts | None = None
) -> HouseholdFacts:
    """A fresh cache entry for one household (``facts``: already evaluated for ``on``)."""
    facts = facts if facts is not None else evaluate(record, dibao, on)
    standing = {**figures.standing_contributions(facts), **figures.coverage_contributions(facts)}
    activity = figures.activity_contributions(facts)
    unknown = set(activity) - _activity_keys()
    if unknown:  # statistics sum the known keys only (facts_totals): a new one must be listed
        raise ValueError(f"figures.activity_keys() lacks {sorted(unknown)}")
    return HouseholdFacts(
        id=record.id,
        status=record.status,
        region_code=record.region_code,
        category=record.category,
        unit=facts.employer,
        staff=facts.helper,
        activity=canonical(activity),
        standing=_canonical_items(tuple(standing.items())),
        facts_json=canonical(facts.to_json()),
    )
