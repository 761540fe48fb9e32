"""The same 身份证号 in two households: a reminder that links to the other one, and a confirmation
before finalising that is kept in the form data (so the history shows who confirmed it, and when).

Why: two cadres (or one, twice) can open a file for the same worker; the list then counts the
worker twice and help is paid twice. Sometimes two files are right (the worker moved county and
the old file is kept as 注销), so this warns and asks rather than forbids.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from fieldapp.core.store.store import Store
from fieldapp.ui.form_renderer import FormPage
from fieldapp.ui.problem_summary import Notice

CONFIRMED_FIELD = "id_duplicate_confirmed"
"""Hidden field of the form holding the ID number: the ID number confirmed as a true duplicate."""


def id_number_field(store: Store) -> tuple[str, str] | None:
    """(form id, field name) of the household's ID number, from survey.yaml's household_index."""
    return store.survey.household_index.get("id_number")


def duplicates(
    store: Store, household_id: str, form_id: str, values: dict[str, Any]
) -> list[Notice]:
    """A notice per other household with the ID number typed on this form (if it holds it)."""
    target = id_number_field(store)
    if target is None or target[0] != form_id:
        return []
    number = values.get(target[1])
    if not isinstance(number, str) or len(number.strip()) != 18:
        return []
    return [
        Notice(
            f"身份证号与另一户相同：{other['name'] or '（未填姓名）'}"
            f"（档案编号 {other['archive_no'] or '—'}，{other['status']}）",
            str(other["id"]),
        )
        for other in store.households_with_id_number(number, exclude=household_id)
    ]


def confirm_before_finalising(
    parent: QWidget, store: Store, notices: list[Notice], page: FormPage
) -> bool:
    """Ask once per ID number; on yes the number is written into the page's hidden field."""
    target = id_number_field(store)
    if not notices or target is None:
        return True
    values = page.values()
    number = str(values.get(target[1]) or "").strip().upper()
    form = store.survey.form(target[0])
    if form.field(CONFIRMED_FIELD) is None:
        return True  # the form cannot record a confirmation: warn only (the summary does)
    if str(values.get(CONFIRMED_FIELD) or "").upper() == number:
        return True
    others = "\n".join(f"· {n.text}" for n in notices)
    answer = QMessageBox.question(
        parent,
        "身份证号重复",
        f"身份证号 {number} 已用于其他户：\n{others}\n\n"
        "请先核实是否同一人重复建档（重复的应只保留一户）。\n"
        "确认这是应当另建的档案、仍要定稿吗？（确认将记入本表的修订历史）",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    if answer != QMessageBox.StandardButton.Yes:
        return False
    page.set_value(CONFIRMED_FIELD, number)
    return True
