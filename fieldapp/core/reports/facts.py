"""Per-household facts for headquarters statistics, kept in a rebuildable cache table.

Why: at 100,000 households, reading every current revision's JSON costs SQLite and Python about
15 s, and running the 两有五保障 and 脱困 rules (``fieldapp.core.rules.assessment``, ``exit_rules``) on every
household as long again. Revisions never change once written, so what statistics need of a
household is computed once and kept in ``hq_facts`` (migration m004_hq_facts): its unit and
helper, its Form D visits and Form E rows, its guarantee statuses and 脱困/解困 outcome, and, as
canonical JSON text, its contributions to the all-time figures. Households with the same
contributions have the same text, so statistics count texts instead of parsing them (see
fieldapp.core.reports.stats). A later run recomputes only the households whose entry is stale.

An entry is used only while all of these still match, otherwise it is recomputed:
- it has seen the household's newest revision of A, B, D and E (revisions are append-only and
  each insert gets a higher rowid; a mark row keeps the rowid up to which a complete run found
  every entry current, so one range query above it finds the households to look at);
- the 低保 standards that can apply to its county (the county's, its city's, its province's rows);
- the code of the rules (a hash of rules.py, exit_rules.py, figures.py and this file), so a
  changed rule never serves an old answer;
- the evaluation day lies in the window where the ages of all its people stay the same and in
  the same month (the day enters the rules through ages and the evaluation month).
The cache is derived data: emptying the table loses nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fieldapp.core.forms.engine import FormEngine
from fieldapp.core.reports import aid, figures
from fieldapp.core.reports.figures import HOME_VISIT, SOLVED, Facts
from fieldapp.core.reports.records import (
    FORM_IDS,
    HouseholdRecord,
    current_forms,
    iter_records,
    region_clause,
)
from fieldapp.core.rules import assessment as rules
from fieldapp.core.rules import config as rule_config
from fieldapp.core.rules import exits as exit_rules
from fieldapp.core.rules import freshness, income
from fieldapp.core.rules.freshness import b_inputs_changed, current_values
from fieldapp.core.store import driver
from fieldapp.core.store.errors import CancelCheck, StoreError, stop_if_cancelled
from fieldapp.core.store.standards import DIBAO, MINIMUM_WAGE, standard_kind
from fieldapp.core.store.store import Store

VARIANTS = {False: "all", True: "final"}
_SAVE_EVERY = 5000
EARLIEST, LATEST = "0001-01-01", "9999-12-31"


def _code_fingerprint() -> str:
    digest = hashlib.sha256()
    for module in (rules, exit_rules, income, freshness, rule_config, figures, aid):
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(rule_config.RULES_FILE.read_bytes())
    digest.update(aid.STATISTICS_FILE.read_bytes())
    return digest.hexdigest()[:16]


CODE_FINGERPRINT = _code_fingerprint()


def canonical(doc: Any) -> str:
    """JSON text that is equal for equal documents (keys sorted, no spaces)."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


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
    start, end = date.min, date.max
    for text in birth_dates:
        try:
            born = date.fromisoformat(text) if isinstance(text, str) else None
        except ValueError:
            born = None
        if born is None:
            continue
        this_year = _birthday(born, on.year)
        if this_year <= on:
            last, following = this_year, _birthday(born, on.year + 1)
        else:
            last, following = _birthday(born, on.year - 1), this_year
        start, end = max(start, last), min(end, following)
    return (
        EARLIEST if start == date.min else start.isoformat(),
        LATEST if end == date.max else end.isoformat(),
    )


def validity(record: HouseholdRecord, on: date) -> tuple[str, str]:
    """[from, to): the days around ``on`` with the same facts: nobody's age changes and the
    evaluation month stays the same (the 6-month income run and the 12 months of support for
    解困 are counted in whole months up to it)."""
    start, end = age_window(birth_dates(record), on)
    first = on.replace(day=1)
    following = date(on.year + on.month // 12, on.month % 12 + 1, 1)
    return max(start, first.isoformat()), min(end, following.isoformat())


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
        if key not in self.memo:
            self.memo[key] = self.tables[kind].lookup(county, day)
        return self.memo[key]

    def __call__(self, county: str, day: date) -> int | None:
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


def _key(dibao_version: str, survey_version: str) -> str:
    return f"{CODE_FINGERPRINT}|{survey_version}|{dibao_version}"


MARK = ""
"""household_id of the row whose key is the revisions rowid up to which all entries are current."""


def _index_query(details: bool, where: str) -> str:
    facts = ", c.facts" if details else ", null"
    return (
        "select h.id, h.status, h.region_code, h.category, c.key, c.valid_from, c.valid_to, "
        f"c.unit, c.staff, c.activity, c.standing{facts}, h.filing_standard from households h "
        "left join hq_facts c on c.household_id = h.id and c.variant = ? "
        f"where {where} order by h.rowid"
    )


def _changed_since(store: Store, variant: str, final_only: bool) -> tuple[dict[str, int], int]:
    """Households with a revision of A, B, D or E above the mark (with their newest such rowid),
    and the newest rowid now.

    Revisions are append-only and every insert gets a higher rowid, so an entry computed before
    the mark can only have gone stale through a revision above it.
    """
    row = store.db.execute(
        "select key from hq_facts where household_id = ? and variant = ?", [MARK, variant]
    ).fetchone()
    mark = int(row[0]) if row is not None and str(row[0]).isdigit() else 0
    top = store.db.execute("select coalesce(max(rowid), 0) from revisions").fetchone()[0]
    state = " and state = 'final'" if final_only else ""
    changed = {
        str(hid): int(newest)
        for hid, newest in store.db.execute(
            "select household_id, max(rowid) from revisions where rowid > ? "
            f"and form_id in ({', '.join(repr(f) for f in FORM_IDS)}){state} group by household_id",
            [mark],
        )
    }
    return changed, int(top)


def _fresh(cached_key: str | None, expected: str, newer: int | None) -> bool:
    """The entry's rules and 低保 rows still apply, and it saw the household's newest revision."""
    if cached_key is None:
        return False
    prefix, _, seen = cached_key.rpartition("|")
    return prefix == expected and (newer is None or (seen.isdigit() and int(seen) >= newer))


def entry(record: HouseholdRecord, dibao: exit_rules.DibaoLookup, on: date) -> HouseholdFacts:
    """A fresh cache entry for one household."""
    facts = evaluate(record, dibao, on)
    standing = {**figures.standing_contributions(facts), **figures.coverage_contributions(facts)}
    return HouseholdFacts(
        id=record.id,
        status=record.status,
        region_code=record.region_code,
        category=record.category,
        unit=facts.employer,
        staff=facts.helper,
        activity=canonical(figures.activity_contributions(facts)),
        standing=canonical(standing),
        facts_json=canonical(facts.to_json()),
    )


def iter_household_facts(
    store: Store,
    *,
    on: date,
    region: str | None = None,
    standard: str | None = None,
    final_only: bool = False,
    details: bool = True,
    use_cache: bool = True,
    progress: Callable[[int], None] | None = None,
    cancelled: CancelCheck | None = None,
) -> Iterator[HouseholdFacts]:
    """Every household's facts (those whose region code starts with ``region``, and with
    ``standard`` only those filed at that 建档标准, ``households.filing_standard``). Stale or missing
    cache entries are recomputed and saved; fresh ones come first, then the recomputed ones.
    Without ``details`` the facts document is not read (``.facts`` is then unavailable).
    ``cancelled()`` is polled for every household (``Cancelled`` stops the iteration)."""
    variant = VARIANTS[final_only]
    version = store.survey.version
    dibao = CachedDibao(store)
    where, args = region_clause(region)
    if standard is not None:
        where, args = f"{where} and h.filing_standard = ?", [*args, standard]
    day = on.isoformat()
    changed, top = _changed_since(store, variant, final_only)
    stale: list[str] = []
    standards: dict[str, str | None] = {}
    for row in store.db.execute(_index_query(details, where), [variant, *args]):
        stop_if_cancelled(cancelled)
        hid, status, region_code, category, cached_key, valid_from, valid_to = row[:7]
        if (
            use_cache
            and _fresh(cached_key, _key(dibao.version(region_code), version), changed.get(hid))
            and valid_from <= day < valid_to
        ):
            yield HouseholdFacts(hid, status, region_code, category, *row[7:])
        else:
            stale.append(hid)
            standards[hid] = row[-1]
    saved = True
    fresh: list[tuple[Any, ...]] = []
    done = 0
    for record in iter_records(store, ids=stale, final_only=final_only, first_recorded=True):
        stop_if_cancelled(cancelled)
        record.forms = fresh_forms(store, record, dibao, on, final_only)
        item = entry(record, dibao, on)
        item.standard = standards.get(record.id)
        yield item
        seen = max(record.rowids.values(), default=0)
        if use_cache:
            fresh.append(
                (
                    item.id,
                    variant,
                    f"{_key(dibao.version(record.region_code), version)}|{seen}",
                    *validity(record, on),
                    item.unit,
                    item.staff,
                    item.activity,
                    item.standing,
                    item.facts_json,
                )
            )
        done += 1
        if progress is not None and done % 1000 == 0:
            progress(done)
        if len(fresh) >= _SAVE_EVERY:
            saved = _save(store, fresh) and saved
    saved = _save(store, fresh) and saved
    if use_cache and saved and region is None and standard is None:
        # Every household was just checked: entries are current up to the rowid seen at the start.
        _save(store, [(MARK, variant, str(top), EARLIEST, LATEST, None, None, None, None, "{}")])


def _save(store: Store, rows: list[tuple[Any, ...]]) -> bool:
    """Keep recomputed entries; a store that cannot be written (opened read-only while another
    program holds it, a read-only copy, or busy) just misses out."""
    if not rows:
        return True
    if store.readonly:
        rows.clear()
        return False
    try:
        with store.db.atomic():
            store.db.conn.executemany(
                "insert or replace into hq_facts (household_id, variant, key, valid_from, "
                "valid_to, unit, staff, activity, standing, facts) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    except (driver.OperationalError, StoreError):
        rows.clear()
        return False
    rows.clear()
    return True


def clear_cache(store: Store) -> int:
    """Empty the cache (it is rebuilt on the next run); returns how many entries were dropped."""
    with store.db.atomic():
        cursor = store.db.execute("delete from hq_facts")
    return int(cursor.rowcount)
