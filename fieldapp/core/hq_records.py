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
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldapp.core.store import Store

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
    "residence_region",
    "employer",
    "main_cause",
    "family_size",
)
A_LIST_FIELDS = ("secondary_causes",)
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
)
B_FIELDS = ("survey_date", "population", "monthly_per_capita", "dibao_standard", "hardship_band")
MONTH_FIELDS = ("month", "income", "expense")
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


def _object(alias: str, fields: Sequence[str], lists: Sequence[str] = ()) -> str:
    parts = [f"'{name}', json_extract({alias}.data, '$.{name}')" for name in fields]
    parts += [f"'{name}', json(json_extract({alias}.data, '$.{name}'))" for name in lists]
    return "json_object(" + ", ".join(parts) + ")"


def _rows(alias: str, path: str, fields: Sequence[str]) -> str:
    cells = ", ".join(f"'{name}', json_extract(x.value, '$.{name}')" for name in fields)
    return (
        f"(select json_group_array(json_object({cells})) "
        f"from json_each({alias}.data, '$.{path}') x)"
    )


def _current(alias: str, form_id: str, final_only: bool) -> str:
    state = " and state = 'final'" if final_only else ""
    return (
        f"left join revisions {alias} on {alias}.rowid = (select max(rowid) from revisions "
        f"where household_id = h.id and form_id = '{form_id}'{state})"
    )


def region_prefix(region: str) -> str:
    """The code prefix a region selects: '530000' -> '53', '530100' -> '5301', '530102' stays;
    shorter text ('5301') is taken as a prefix already."""
    code = region.strip()
    if len(code) == 6 and code.isdigit():
        if code[2:] == "0000":
            return code[:2]
        if code[4:] == "00":
            return code[:4]
    return code


def region_clause(region: str | None) -> tuple[str, list[str]]:
    """SQL condition on households.region_code for a region code or code prefix."""
    if not region:
        return "1", []
    return "h.region_code like ?", [region_prefix(region) + "%"]


def build_query(*, final_only: bool, first_recorded: bool, region: str | None) -> tuple[str, list[str]]:
    where, args = region_clause(region)
    a = _object("fa", A_FIELDS, A_LIST_FIELDS)
    b = _object("fb", B_FIELDS)
    d = _object("fd", D_FIELDS)
    e = _object("fe", E_FIELDS)
    status_changes = (
        "(select json_group_array(json_array(s.status, "
        f"date(s.changed_at, '{BEIJING}'))) from (select status, changed_at from status_changes "
        "where household_id = h.id order by rowid) s)"
    )
    first = "null"
    if first_recorded:
        state = " and r.state = 'final'" if final_only else ""
        first = (
            "(select json_group_object(rid, day) from (select json_extract(p.value, '$._id') rid, "
            f"date(min(r.created_at), '{BEIJING}') day from revisions r, "
            "json_each(r.data, '$.problems') p where r.household_id = h.id and r.form_id = 'E'"
            f"{state} group by rid))"
        )
    sql = f"""
        select h.id, h.status, h.region_code, h.category, h.archive_no, h.name, h.id_number,
            case when fa.rowid is null then null else json_set({a}, '$.members',
                json({_rows("fa", "members", MEMBER_FIELDS)})) end,
            case when fb.rowid is null then null else json_set({b}, '$.monthly_records',
                json({_rows("fb", "monthly_records", MONTH_FIELDS)})) end,
            case when fd.rowid is null then null else json_set({d}, '$.visits',
                json({_rows("fd", "visits", VISIT_FIELDS)})) end,
            case when fe.rowid is null then null else json_set({e}, '$.problems',
                json({_rows("fe", "problems", PROBLEM_FIELDS)})) end,
            {status_changes},
            {first}
        from households h
        {_current("fa", "A", final_only)}
        {_current("fb", "B", final_only)}
        {_current("fd", "D", final_only)}
        {_current("fe", "E", final_only)}
        where {where}
        order by h.rowid
    """
    return sql, args


def iter_records(
    store: Store,
    *,
    region: str | None = None,
    final_only: bool = False,
    first_recorded: bool = False,
) -> Iterator[HouseholdRecord]:
    """Every household (optionally those whose region code starts with ``region``), in the order
    they were added. ``first_recorded`` also reads when each Form E row was first saved."""
    sql, args = build_query(final_only=final_only, first_recorded=first_recorded, region=region)
    loads = json.loads
    cursor: sqlite3.Cursor = store.db.execute(sql, args)
    for row in cursor:
        forms: dict[str, dict[str, Any]] = {}
        for form_id, cell in (("A", row[7]), ("B", row[8]), ("D", row[9]), ("E", row[10])):
            if cell is not None:
                forms[form_id] = loads(cell)
        changes = [(str(s), str(d)) for s, d in loads(row[11] or "[]")]
        first = loads(row[12]) if row[12] else {}
        yield HouseholdRecord(
            id=row[0],
            status=row[1],
            region_code=row[2],
            category=row[3],
            archive_no=row[4],
            name=row[5],
            id_number=row[6],
            forms=forms,
            status_changes=changes,
            first_recorded=first,
        )
