"""What a ledger prints about one household, read once from the store and made printable.

Every text the ledger draws from stored data passes through here, so this is where a character
the bundled font cannot draw is caught: it is printed as a visible "[U+1F600]" instead of the
blank the font would give, and listed (``Household.unprintable``) so the ledger can say so in a
note and the command line can warn. Names with such characters are refused on entry (forms
engine); this catches what older data or other fields still hold.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fieldapp.core.forms.model import Field, Survey
from fieldapp.core.rules.freshness import NEEDS_RECHECK, stale_forms
from fieldapp.core.store.records import Revision
from fieldapp.core.store.store import Store
from fieldapp.core.values.glyphs import code_name, printable, undrawable

STATE_NAMES = {"final": "已定稿", "draft": "草稿（未定稿）"}


@dataclass
class Household:
    """One household's data as the ledger prints it."""

    id: str
    row: dict[str, Any]
    values: dict[str, dict[str, Any]]
    states: dict[str, str]
    revisions: dict[str, Revision]
    unprintable: list[str] = field(default_factory=list)
    """'[U+1F600]（困难职工档案表·姓名）' for every stand-in printed, in order."""
    stale: dict[str, list[str]] = field(default_factory=dict)
    """Finalised forms whose calculated values changed with their inputs (rules.freshness)."""

    def value(self, form_id: str, name: str) -> Any:
        return (self.values.get(form_id) or {}).get(name)

    def state_name(self, form_id: str) -> str:
        name = STATE_NAMES.get(self.states.get(form_id) or "", "未填写")
        return f"{name}（{NEEDS_RECHECK}）" if form_id in self.stale else name


def load_household(store: Store, household_id: str, today: date) -> Household:
    row = store.household(household_id)
    hid = str(row["id"])
    values = store.engine(today).compute(store.current(hid))
    states = store.current_states(hid)
    revisions = {
        form_id: rev
        for form_id in states
        if (rev := store.current_revision(hid, form_id)) is not None
    }
    found: list[str] = []
    values = {
        form_id: _printable_form(store.survey, form_id, data, found)
        for form_id, data in values.items()
    }
    row = {key: _printable(value, "", []) for key, value in row.items()}  # mirrors the forms
    revisions = {
        form_id: dataclasses.replace(rev, author=_printable(rev.author, "填写人", found))
        for form_id, rev in revisions.items()
    }
    found_list = list(dict.fromkeys(found))
    return Household(hid, row, values, states, revisions, found_list, stale_forms(store, hid))


def _printable_form(
    survey: Survey, form_id: str, data: dict[str, Any], found: list[str]
) -> dict[str, Any]:
    form = survey.forms.get(form_id)
    title = form.title if form is not None else form_id
    fields = {f.name: f for f in form.fields} if form is not None else {}
    return {
        key: _printable_value(fields.get(key), value, f"{title}·", found)
        for key, value in data.items()
    }


def _printable_value(f: Field | None, value: Any, where: str, found: list[str]) -> Any:
    label = where + (f.label if f is not None else "")
    if f is not None and f.type == "repeat" and isinstance(value, list):
        children = {c.name: c for c in f.fields}
        return [
            {
                key: _printable_value(children.get(key), cell, f"{label}第 {i} 行·", found)
                for key, cell in row.items()
            }
            if isinstance(row, dict)
            else _printable(row, label, found)
            for i, row in enumerate(value, 1)
        ]
    return _printable(value, label, found)


def _printable(value: Any, where: str, found: list[str]) -> Any:
    """``value`` with undrawable characters in its strings made visible; each one noted."""
    if isinstance(value, str):
        missing = undrawable(value)
        if not missing:
            return value
        found.extend(f"[{code_name(c)}]（{where}）" for c in missing)
        return printable(value)
    if isinstance(value, list):
        return [_printable(item, where, found) for item in value]
    if isinstance(value, dict):
        return {key: _printable(item, where, found) for key, item in value.items()}
    return value
