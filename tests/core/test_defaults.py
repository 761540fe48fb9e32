"""Starting values, choices, the new form-language keys, empty drafts and duplicate ID numbers."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from pathlib import Path

import pytest

from fieldapp.core.forms.defaults import (
    Defaults,
    add_months,
    is_default_only,
    static_default,
    surname,
)
from fieldapp.core.forms.loader import check_survey, default_survey
from fieldapp.core.paths import FORMS_DIR
from fieldapp.core.store.errors import StoreError
from fieldapp.core.store.store import Store
from tests.conftest import TODAY
from tests.core.households import complete_household

PROFILE = {"name": "李干事", "unit": "五华区总工会", "region": "530102", "phone": None}


def defaults_for(store: Store, household: dict[str, dict[str, object]]) -> Defaults:
    views = store.engine(TODAY).expression_views(household)
    return Defaults(views, PROFILE, TODAY)


def test_surname_and_add_months() -> None:
    assert surname("赵红梅") == "赵" and surname("欧阳修") == "欧阳" and surname("欧阳") == "欧"
    assert surname("") is None and surname(None) is None and surname("Li Lei") is None
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)
    assert add_months(None, 1) is None


def test_a_new_form_starts_from_the_profile_and_today(store: Store) -> None:
    survey = store.survey
    start = defaults_for(store, {})
    a = start.initial_values(survey.form("A"))
    assert a["created_by"] == "李干事" and a["entered_by"] == "李干事"
    assert a["residence_region"] == "530102" and a["model_worker"] == "非劳模"
    b = start.initial_values(survey.form("B"))
    assert b == {"survey_date": TODAY.isoformat(), "surveyor": "李干事"}
    assert start.initial_values(survey.form("D"))["helper_name"] == "李干事"
    assert static_default(survey.form("D").field("visits").child("date"), TODAY) == "2026-11-01"  # type: ignore[union-attr]


def test_a_new_row_carries_over_from_the_row_above(store: Store) -> None:
    survey = store.survey
    household = {
        "A": {"name": "赵红梅", "members": [{"name": "赵小军"}]},
        "B": {"monthly_records": [{"month": "2026-09", "income": 150000, "expense": 30000}]},
    }
    start = defaults_for(store, household)
    b, a = survey.form("B"), survey.form("A")
    records = b.field("monthly_records")
    assert records is not None
    assert start.row_values(b, records, 0) == {"month": "2026-10", "expense": 30000}
    assert start.row_values(b, records, None) == {}  # the first row: nothing above it
    members = a.field("members")
    assert members is not None
    assert start.row_values(a, members, 0) == {"name": "赵", "cohabiting": "是"}
    incomes = b.field("incomes")
    assert incomes is not None and incomes.child("member") is not None
    # B's 成员 is a ``pick: people`` field (issue 12); the same column with ``choices_from``:
    member = dataclasses.replace(
        incomes.child("member"),  # type: ignore[arg-type]
        pick=None,
        choices_from=("A.name", "A.members.name"),
    )
    assert start.choices(b, member) == ["赵红梅", "赵小军"]


def test_only_defaults_is_not_worth_saving(store: Store) -> None:
    form = store.survey.form("A")
    start = {"created_by": "李干事", "model_worker": "非劳模"}
    assert is_default_only(form, dict(start, name=None, members=[]), start, {})
    assert not is_default_only(form, dict(start, name="赵红梅"), start, {})
    assert not is_default_only(form, dict(start, created_by="王干事"), start, {})
    row = {"_id": "r1", "name": "赵", "cohabiting": "是"}
    started = {"r1": {"name": "赵", "cohabiting": "是"}}
    assert is_default_only(form, dict(start, members=[row]), start, started)
    assert not is_default_only(
        form, dict(start, members=[dict(row, name="赵小军")]), start, started
    )
    assert not is_default_only(form, dict(start, members=[row]), start, {})  # a saved row


def test_the_engine_reads_default_today(store: Store) -> None:
    hid = store.create_household("甲")
    store.save_form(hid, "D", {"visits": [{"method": "入户走访"}]}, author="甲", today=TODAY)
    assert store.current(hid)["D"]["visits"][0]["date"] == "2026-11-01"


@pytest.fixture
def forms(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FORMS_DIR, tmp_path / "forms"))


def replace(directory: Path, file: str, old: str, new: str) -> None:
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_new_keys_are_checked(forms: Path) -> None:
    replace(forms, "D.yaml", "        label: 单位\n", "        label: 单位\n        layout: grid\n")
    replace(
        forms,
        "A.yaml",
        "        max_length: 50\n        default_from: profile.name\n      - name: reviewer",
        "        max_length: 50\n        default_from: profile.nam\n      - name: reviewer",
    )
    replace(forms, "B.yaml", "            pick: people\n", "            choices_from: [A.nam]\n")
    replace(
        forms,
        "A.yaml",
        '            default_from: "surname(A.name)"\n',
        '            default_from: "surname(previous.nme)"\n',
    )
    replace(
        forms,
        "C.yaml",
        "        max_rows: 200\n",
        "        max_rows: 200\n        fields_extra: 1\n",
    )
    lines = [str(p) for p in check_survey(forms)]
    assert "D.yaml: helper_unit: layout 只用于重复组（repeat） / only for repeat groups" in lines
    assert any(
        "A.yaml: created_by: default_from 引用了不存在的字段“profile.nam”" in line for line in lines
    )
    assert any(
        "members.name: default_from 引用了不存在的字段“previous.nme”" in line for line in lines
    )
    assert any(
        "B.yaml: incomes.member: choices_from 引用了不存在的字段“A.nam”" in line for line in lines
    )
    assert any("C.yaml" in line and "fields_extra" in line for line in lines)


def test_a_grid_needs_columns_with_cell_editors(forms: Path) -> None:
    replace(
        forms,
        "A.yaml",
        "        max_length: 50\n        default_from: profile.name\n      - name: reviewer",
        "        max_length: 50\n        default: today\n      - name: reviewer",
    )
    replace(
        forms,
        "E.yaml",
        "          - name: effect_rating\n",
        "          - name: photos\n            label: 照片\n            type: attachment\n"
        "          - name: effect_rating\n",
    )
    lines = [str(p) for p in check_survey(forms)]
    assert (
        "A.yaml: created_by: default: today 只用于日期或月份字段 / only for date or month" in lines
    )
    assert any(
        line.startswith("E.yaml: problems.photos: 表格布局（layout: grid）不支持 attachment")
        for line in lines
    )


def test_shipped_grids_and_defaults() -> None:
    survey = default_survey()
    grids = {
        f"{fid}.{f.name}"
        for fid, form in survey.forms.items()
        for f in form.fields
        if f.layout == "grid"
    }
    assert grids == {
        "A.members",
        "B.incomes",
        "B.expenses",
        "B.monthly_records",
        "C.policies",
        "D.visits",
        "E.problems",
    }


def test_empty_drafts_are_found_and_only_they_can_be_discarded(store: Store) -> None:
    empty = store.create_household("甲")
    kept = store.create_household("甲")
    store.save_form(kept, "A", {"name": "赵红梅"}, author="甲", today=TODAY)
    status_only = store.create_household("甲")
    store.set_status(status_only, "注销", reason="重复建档", author="甲")
    assert store.empty_drafts() == [empty]
    assert store.is_empty_draft(empty) and not store.is_empty_draft(kept)
    with pytest.raises(StoreError, match="只能删除没有保存任何内容的空草稿"):
        store.discard_empty_draft(kept, author="甲")
    store.discard_empty_draft(empty, author="甲")
    assert store.count_households() == 2 and not store.is_empty_draft(empty)
    assert [a["action"] for a in store.audit_log(empty)][-1] == "discard_empty_draft"


def test_other_households_with_the_same_id_number(store: Store) -> None:
    data = complete_household()["A"]
    first = store.create_household("甲")
    store.save_form(first, "A", data, author="甲", today=TODAY)
    second = store.create_household("甲")
    store.save_form(second, "A", dict(data, name="张建国二"), author="甲", today=TODAY)
    number = str(data["id_number"])
    others = store.households_with_id_number(number.lower(), exclude=second)
    assert [o["id"] for o in others] == [first] and others[0]["name"] == data["name"]
    assert store.households_with_id_number("") == []
