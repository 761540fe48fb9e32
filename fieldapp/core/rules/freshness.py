"""Derived values that went stale: a finalised form whose inputs changed since it was saved.

Why: a revision keeps the calculated values the engine computed when it was saved (共同生活人口,
月人均收入, the local standards). When Form A loses two members after Form B was finalised, B's
stored 共同生活人口 and 月人均收入 are out of date although nobody touched B. Nothing saved is
rewritten; instead staleness is computed on read: the form is computed again from the current
inputs and compared with what was saved. The editor shows such a form as "需重新核对", the ledger
prints a note, and statistics use the recomputed values.

``stale_forms`` is exact (it runs the engine, about 8 ms a household); ``b_inputs_changed`` is
the cheap screen statistics use on 100,000 households: it compares the values Form B copied from
Form A and from the standards tables with their current sources, and only the households it
flags are computed again in full.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from fieldapp.core.forms.engine import FormEngine
from fieldapp.core.forms.model import Field, Form
from fieldapp.core.store.records import Revision
from fieldapp.core.store.store import Store

NEEDS_RECHECK = "需重新核对"
Lookup = Callable[[str, date], int | None]
Household = Mapping[str, Mapping[str, Any]]

B_COPIES = (("population", "family_size"), ("jobless_people", "able_jobless_count"))
"""(Form B field, Form A field it copies): checked by ``b_inputs_changed``; a test keeps this in
step with forms/B.yaml."""


def current_values(engine: FormEngine, household: Household) -> dict[str, dict[str, Any]]:
    """The household's forms computed afresh from their inputs (only the forms it has: a form
    never filled in stays absent, so "no Form E" is not mistaken for an empty problem list)."""
    computed = engine.compute(household)
    return {form_id: values for form_id, values in computed.items() if form_id in household}


def _changed_calculations(
    fields: tuple[Field, ...], saved: Mapping[str, Any], fresh: Mapping[str, Any], prefix: str
) -> list[str]:
    out: list[str] = []
    for f in fields:
        if f.type == "repeat":
            old_rows = saved.get(f.name) if isinstance(saved.get(f.name), list) else []
            new_rows = fresh.get(f.name) if isinstance(fresh.get(f.name), list) else []
            for i, (old, new) in enumerate(zip(old_rows or [], new_rows or [], strict=False)):
                if isinstance(old, Mapping) and isinstance(new, Mapping):
                    out += _changed_calculations(
                        f.fields, old, new, f"{prefix}{f.label}第{i + 1}行 "
                    )
        elif f.is_calculated and saved.get(f.name) != fresh.get(f.name):
            out.append(prefix + f.label)
    return out


def stale_fields(
    household: Household, finals: Mapping[str, date], engine_on: Callable[[date], FormEngine]
) -> dict[str, list[str]]:
    """Finalised form id -> labels of its calculated fields whose saved value differs from what
    the current inputs give. ``finals`` maps each finalised form to the day it was saved: it is
    computed again as of that day, so a value that moves only with time (an age) is not stale;
    a change of another form or of a standard is."""
    out: dict[str, list[str]] = {}
    fresh_by_day: dict[date, dict[str, dict[str, Any]]] = {}
    for form_id, saved_on in finals.items():
        form: Form | None = engine_on(saved_on).survey.forms.get(form_id)
        if form is None or form_id not in household:
            continue
        if saved_on not in fresh_by_day:
            fresh_by_day[saved_on] = engine_on(saved_on).compute(household)
        fresh = fresh_by_day[saved_on]
        changed = _changed_calculations(
            form.fields, household.get(form_id) or {}, fresh.get(form_id) or {}, ""
        )
        if changed:
            out[form_id] = changed
    return out


def stale_forms(store: Store, household_id: str) -> dict[str, list[str]]:
    """``stale_fields`` of a stored household: its finalised forms, each as of its save day."""
    return stale_of(store.current_revisions(household_id), store.engine)


def stale_of(
    revisions: Mapping[str, Revision], engine_on: Callable[[date], FormEngine]
) -> dict[str, list[str]]:
    """``stale_fields`` of a household's current revisions, as ``Store.current_revisions``
    reads them in one statement (the editor has just read them)."""
    finals = {
        form_id: local_day(revision.created_at)
        for form_id, revision in revisions.items()
        if revision.state == "final"
    }
    if not finals:
        return {}
    household = {form_id: revision.data for form_id, revision in revisions.items()}
    return stale_fields(household, finals, engine_on)


def local_day(stamp: str) -> date:
    """The laptop's calendar day of a stored UTC timestamp."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return date.today()
    return moment.astimezone().date() if moment.tzinfo is not None else moment.date()


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def b_inputs_changed(forms: Household, dibao: Lookup, minimum_wage: Lookup) -> list[str]:
    """What Form B copied from Form A or from the standards tables and is no longer current
    (labels; empty when B is up to date or missing). Reads stored values only."""
    a, b = forms.get("A"), forms.get("B")
    if not a or not b:
        return []
    changed = [
        f"{b_name}（表A {a_name}）"
        for b_name, a_name in B_COPIES
        if b.get(b_name) != a.get(a_name) and a.get(a_name) is not None
    ]
    county, day = a.get("residence_region"), _day(b.get("survey_date"))
    if isinstance(county, str) and day is not None:
        if b.get("dibao_standard") != dibao(county, day):
            changed.append("当地低保标准")
        jobless = a.get("able_jobless_count")
        if isinstance(jobless, int) and jobless > 0 and b.get("imputed_override") is None:
            if b.get("min_wage_standard") != minimum_wage(county, day):
                changed.append("当地最低工资标准")
    return changed
