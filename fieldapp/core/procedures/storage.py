"""Reading and appending cases and steps: the only module that touches their two tables.

Both tables are append-only (migration m011): a row is inserted once and never changed, so what
a case is now is always computed from its steps (``chain``).
"""

from __future__ import annotations

from collections.abc import Iterable

from fieldapp.core.procedures.definitions import ProcedureError
from fieldapp.core.procedures.records import CASE_FIELDS, STEP_FIELDS, Case, Step
from fieldapp.core.store.base import StoreBase
from fieldapp.core.store.sql import LIKE_PREFIX, like_prefix

CASES, STEPS = "procedure_cases", "procedure_steps"


def _insert(store: StoreBase, table: str, fields: Iterable[str], row: dict[str, object]) -> None:
    names = list(fields)
    store.db.conn.execute(
        f"insert into {table} ({', '.join(names)}) values ({', '.join('?' for _ in names)})",
        [row[k] for k in names],
    )


def insert_case(store: StoreBase, case: Case) -> None:
    _insert(store, CASES, CASE_FIELDS, case.row())


def insert_step(store: StoreBase, step: Step) -> None:
    _insert(store, STEPS, STEP_FIELDS, step.row())


def case_by_id(store: StoreBase, case_id: str) -> Case | None:
    rows = list(store.db.query(f"select * from {CASES} where id = ?", [case_id]))
    return Case.from_row(rows[0]) if rows else None


def step_by_id(store: StoreBase, step_id: str) -> Step | None:
    rows = list(store.db.query(f"select * from {STEPS} where id = ?", [step_id]))
    return Step.from_row(rows[0]) if rows else None


def find_case(store: StoreBase, ref: str) -> Case:
    """A case by its id or a prefix of at least 6 characters; a clear refusal otherwise."""
    ref = ref.strip()
    rows = list(
        store.db.query(
            f"select * from {CASES} where id = ? or (length(?) >= 6 and id {LIKE_PREFIX}) limit 2",
            [ref, ref, like_prefix(ref)],
        )
    )
    if not rows:
        raise ProcedureError(f"没有案件“{ref}”（fieldapp case list 可列出案件）")
    if len(rows) > 1:
        raise ProcedureError(f"“{ref}”对应多个案件，请写完整的案件 ID")
    return Case.from_row(rows[0])


def steps_of(store: StoreBase, case_id: str) -> list[Step]:
    """Every step of a case in the order stored here (a parent always before its children)."""
    rows = store.db.query(f"select * from {STEPS} where case_id = ? order by rowid", [case_id])
    return [Step.from_row(r) for r in rows]


def cases_of(store: StoreBase, household_id: str | None = None) -> list[Case]:
    where, args = ("where household_id = ?", [household_id]) if household_id else ("", [])
    rows = store.db.query(f"select * from {CASES} {where} order by rowid", args)
    return [Case.from_row(r) for r in rows]
