"""One streaming pass over every household's current data, for headquarters reports.

Why: statistics and the exit review read 100,000 households at headquarters. Loading each
household with ``Store.current`` and parsing every form in Python costs a second per 10,000
households; instead one SQL statement picks each household's newest revision of forms A, B, D
and E (``max(rowid)`` per household and form, through the ``(household_id, form_id)`` index) and
lets SQLite's JSON functions cut out only the values the reports use, repeat rows included. What
reaches Python is one small JSON document per household, in the stored shapes (money in 分, dates
as ISO text), so ``rules.guarantee_checks`` and ``rules.exit_assessment`` run on it unchanged.

The values are the ones saved with each revision (calculated fields as the engine computed them
at save time). ``final_only`` reads each form's newest *final* revision instead of its newest one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldapp.core.store.sql import LIKE_PREFIX, like_prefix
from fieldapp.core.store.store import Store
from fieldapp.core.values.regions import code_prefix

# Top-level values read per form (the subset the reports use; see docs/statistics.md).
A_FIELDS = (
    "name",
    "archive_no",
    "id_number",
    "category",
    "birth_date",
    "health",
    "work_status",
    "medical_insurance",
    "serious_illness_insurance",
    "pension_insurance",
    "housing_type",
    "housing_safe",
    "floor_area",
    "residence_region",
    "employer",
    "main_cause",
    "family_size",
    "able_jobless_count",
    "secondary_causes",
)
MEMBER_FIELDS = (
    "_id",
    "name",
    "relation",
    "birth_date",
    "age",
    "health",
    "identity",
    "medical_insurance",
    "pension_insurance",
    "cohabiting",
    "deceased",
)
B_FIELDS = (
    "survey_date",
    "population",
    "monthly_per_capita",
    "dibao_standard",
    "hardship_band",
    "jobless_people",
    "min_wage_standard",
    "imputed_override",
    "imputed_used",
)
MONTH_FIELDS = ("month", "income", "expense")
C_FIELDS = ("total_amount",)
POLICY_FIELDS = (
    "date",
    "category",
    "policy_name",
    "implemented",
    "member",
    "counted_amount",
    "fund_source",
)
D_FIELDS = ("helper_name", "helper_unit")
VISIT_FIELDS = ("date", "method")
E_FIELDS = ("needs_found", "measures", "solved")
PROBLEM_FIELDS = (
    "_id",
    "category",
    "status",
    "measure_count",
    "has_measure",
    "is_solved",
    "solved_date",
)

BEIJING = "+8 hours"
"""Revision and status-change times are stored in UTC; report dates are Beijing dates."""


@dataclass
class HouseholdRecord:
    """What the reports need of one household: index columns and the current form values."""

    id: str
    status: str
    region_code: str | None
    category: str | None
    archive_no: str | None
    name: str | None
    id_number: str | None
    forms: dict[str, dict[str, Any]]
    """Form id -> the subset of values read (A, B, D, E; absent when never saved)."""
    status_changes: list[tuple[str, str]] = field(default_factory=list)
    """(status, Beijing date) of every status change, oldest first."""
    first_recorded: dict[str, str] = field(default_factory=dict)
    """Form E problem row id -> Beijing date of the first revision that holds it."""
    rowids: dict[str, int] = field(default_factory=dict)
    """Form id -> rowid of the revision read (what the facts cache is keyed on)."""
    versions: dict[str, str] = field(default_factory=dict)
    """Form id -> survey version the revision was saved under (older: recompute its values)."""


def _paths(names: Sequence[str]) -> str:
    return ", ".join(f"'$.{name}'" for name in names)


def _values(alias: str, names: Sequence[str]) -> str:
    """One JSON parse per revision: the listed top-level values as a JSON array."""
    return f"json_extract({alias}.data, {_paths(names)})"


def _rows(alias: str, path: str, names: Sequence[str]) -> str:
    """The listed cells of every row of a repeat group, as a JSON array of arrays."""
    return (
        f"(select json_group_array(json_extract(x.value, {_paths(names)})) "
        f"from json_each({alias}.data, '$.{path}') x)"
    )


def _current(alias: str, form_id: str, final_only: bool) -> str:
    state = " and state = 'final'" if final_only else ""
    return (
        f"left join revisions {alias} on {alias}.rowid = (select max(rowid) from revisions "
        f"where household_id = h.id and form_id = '{form_id}'{state})"
    )


def region_clause(region: str | None) -> tuple[str, list[str]]:
    """SQL condition on households.region_code for a region code or code prefix."""
    if not region:
        return "1", []
    return f"h.region_code {LIKE_PREFIX}", [like_prefix(code_prefix(region))]


FORM_PARTS: tuple[tuple[str, str, tuple[str, ...], str, tuple[str, ...], bool], ...] = (
    ("A", "fa", A_FIELDS, "members", MEMBER_FIELDS, False),
    ("B", "fb", B_FIELDS, "monthly_records", MONTH_FIELDS, False),
    ("C", "fc", C_FIELDS, "policies", POLICY_FIELDS, False),
    ("D", "fd", D_FIELDS, "visits", VISIT_FIELDS, True),
    ("E", "fe", E_FIELDS, "problems", PROBLEM_FIELDS, False),
)
FORM_IDS = tuple(part[0] for part in FORM_PARTS)
"""The forms statistics read (a new revision of one of them makes a cached entry stale)."""
WIDTH = 4
"""Columns per form in a row of build_query: rowid, form version, values, trimmed rows."""
"""(form, SQL alias, top-level values, repeat group, its cells, trim) read for each household.
Repeat rows come whole within the form's single JSON parse, except where ``trim`` asks SQLite to
cut out the cells first (visit rows may carry signature images)."""
FIRST = 11
"""Index of the first form column in a row of build_query."""


def _first_recorded_column(final_only: bool) -> str:
    """When each Form E row was first saved, for households with several E revisions: the
    earliest revision holding the row's id, as a JSON array of [row id, Beijing date] (SQLite
    skips the subquery for the others: the only E revision's day answers for every row)."""
    state = " and state = 'final'" if final_only else ""
    count = f"(select count(*) from revisions where household_id = h.id and form_id = 'E'{state})"
    return (
        f"case when {count} > 1 then (select json_group_array(json_array(k, d)) from "
        "(select json_extract(p.value, '$._id') as k, "
        f"date(min(r.created_at), '{BEIJING}') as d from revisions r, "
        "json_each(r.data, '$.problems') p where r.household_id = h.id and r.form_id = 'E'"
        f"{state.replace('state', 'r.state')} group by 1)) end"
    )


def build_query(*, final_only: bool, where: str = "1", first_recorded: bool = False) -> str:
    """The streaming statement; ``where`` filters ``households h``. With ``first_recorded`` it
    also tells when each Form E row was first saved (column 10)."""
    columns = []
    for _, alias, names, repeat, cells, trim in FORM_PARTS:
        columns.append(f"{alias}.rowid")
        columns.append(f"{alias}.form_version")
        if trim:
            columns.append(_values(alias, names))
            columns.append(_rows(alias, repeat, cells))
        else:
            columns.append(_values(alias, (*names, repeat)))
            columns.append("null")
    status_changes = (
        "(select json_group_array(json_array(s.status, "
        f"date(s.changed_at, '{BEIJING}'))) from (select status, changed_at from status_changes "
        "where household_id = h.id order by rowid) s)"
    )
    state = " and state = 'final'" if final_only else ""
    e_revisions = (
        f"(select count(*) from revisions where household_id = h.id and form_id = 'E'{state})"
    )
    firsts = _first_recorded_column(final_only) if first_recorded else "null"
    joins = "\n".join(_current(alias, form_id, final_only) for form_id, alias, *_ in FORM_PARTS)
    return (
        "select h.id, h.status, h.region_code, h.category, h.archive_no, h.name, h.id_number, "
        f"{status_changes}, {e_revisions}, date(fe.created_at, '{BEIJING}'), {firsts}, "
        + ", ".join(columns)
        + f" from households h {joins} where {where} order by h.rowid"
    )


_DECODE = json.JSONDecoder().raw_decode


def _loads(text: str) -> Any:
    """``json.loads`` of SQLite's JSON text (no surrounding spaces to skip: a little faster,
    seven times per household)."""
    return _DECODE(text)[0]


def _record(row: Sequence[Any]) -> HouseholdRecord:
    loads = _loads
    forms: dict[str, dict[str, Any]] = {}
    rowids: dict[str, int] = {}
    versions: dict[str, str] = {}
    for i, (form_id, _, names, repeat, cells, trim) in enumerate(FORM_PARTS):
        rowid, version, values, rows = row[FIRST + WIDTH * i : FIRST + WIDTH * (i + 1)]
        if rowid is None:
            continue
        rowids[form_id] = rowid
        versions[form_id] = str(version or "")
        if trim:
            form = dict(zip(names, loads(values), strict=True))
            form[repeat] = [dict(zip(cells, r, strict=True)) for r in loads(rows or "[]")]
        else:
            *top, whole = loads(values)
            form = dict(zip(names, top, strict=True))
            form[repeat] = [
                {c: r.get(c) for c in cells} for r in whole or [] if isinstance(r, dict)
            ]
        forms[form_id] = form
    return HouseholdRecord(
        id=row[0],
        status=row[1],
        region_code=row[2],
        category=row[3],
        archive_no=row[4],
        name=row[5],
        id_number=row[6],
        forms=forms,
        status_changes=[(str(s), str(d)) for s, d in loads(row[7] or "[]")],
        rowids=rowids,
        versions=versions,
    )


def _with_first_recorded(record: HouseholdRecord, row: Sequence[Any]) -> HouseholdRecord:
    """When each Form E row was first saved: the day of the only E revision, or else (column 10
    of build_query) the earliest revision holding the row's id."""
    e_revisions, e_day, firsts = row[8], row[9], row[10]
    problems = (record.forms.get("E") or {}).get("problems") or []
    if e_revisions == 1:
        record.first_recorded = {str(p.get("_id")): str(e_day) for p in problems}
    elif e_revisions and e_revisions > 1:
        record.first_recorded = {str(rid): str(day) for rid, day in json.loads(firsts or "[]")}
    return record


def iter_records(
    store: Store,
    *,
    region: str | None = None,
    ids: Sequence[str] | None = None,
    final_only: bool = False,
    first_recorded: bool = False,
) -> Iterator[HouseholdRecord]:
    """Every household (or those whose region code starts with ``region``, or the given ``ids``),
    in the order they were added. ``first_recorded`` also tells when each Form E row was first
    saved (read in the same statement: SQLite looks at the Form E history of the households
    with several E revisions)."""
    batches: list[tuple[str, list[str]]]
    if ids is not None:
        batches = []
        for start in range(0, len(ids), 500):
            batch = list(ids[start : start + 500])
            batches.append((f"h.id in ({', '.join('?' * len(batch))})", batch))
    else:
        batches = [region_clause(region)]
    for where, args in batches:
        query = build_query(final_only=final_only, where=where, first_recorded=first_recorded)
        for row in store.db.execute(query, args):
            record = _record(row)
            if first_recorded:
                record = _with_first_recorded(record, row)
            yield record


def current_forms(
    store: Store, household_id: str, *, final_only: bool = False
) -> dict[str, dict[str, Any]]:
    """Every form's whole newest revision (newest final one with ``final_only``): for the few
    households whose derived values must be computed again."""
    state = " and state = 'final'" if final_only else ""
    rows = store.db.execute(
        "select r.form_id, r.data from revisions r join (select form_id, max(rowid) as top from "
        f"revisions where household_id = ?{state} group by form_id) t on r.rowid = t.top",
        [household_id],
    )
    return {str(form_id): json.loads(data) for form_id, data in rows}
