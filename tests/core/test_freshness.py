"""Issue 12, item 3: derived values never stale; old revisions still read."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fieldapp.cli.main import main
from fieldapp.core.forms import expr
from fieldapp.core.forms.calculation import KNOWN_FUNCTIONS
from fieldapp.core.forms.loader import default_survey
from fieldapp.core.ledger.household import load_household
from fieldapp.core.reports.stats import compute_stats
from fieldapp.core.rules.freshness import B_COPIES, NEEDS_RECHECK, stale_forms
from fieldapp.core.store.records import now_iso
from fieldapp.core.store.store import Store
from tests.conftest import TODAY
from tests.core.households import complete_household
from tests.core.hq_households import clock


def three_then_one(store: Store) -> str:
    """Worker, spouse (尿毒症) and pupil; 18,000 元 a year, no rigid expenses: finalised B says
    18,000 ÷ 3 ÷ 12 = 500.00 元 < 590 (未达标). Then A is finalised with both members removed:
    18,000 ÷ 1 ÷ 12 = 1,500.00 元 > 590 (达标) — B itself is not saved again."""
    data = complete_household()
    data["B"]["incomes"] = [{"kind": "工资性收入", "item": "工资", "annual_amount": 1_800_000}]
    data["B"]["expenses"] = []
    hid = store.create_household("测试员")
    for form in ("A", "B", "E"):
        store.save_form(hid, form, data[form], author="测试员", final=True, today=TODAY)
    saved_b = store.current(hid)["B"]
    assert (saved_b["population"], saved_b["monthly_per_capita"]) == (3, 50_000)
    alone = {**data["A"], "members": [], "marital_status": "丧偶"}
    store.save_form(hid, "A", alone, author="测试员", final=True, today=TODAY)
    return hid


def test_a_finalised_form_whose_inputs_changed_needs_rechecking(store: Store) -> None:
    hid = three_then_one(store)
    stored = store.current(hid)
    assert stored["B"]["population"] == 3  # nothing saved is rewritten
    stale = stale_forms(store, hid)
    assert stale == {"B": ["共同生活人口", "月人均收入（元）", "对照低保"]}
    ledger = load_household(store, hid, TODAY)
    assert ledger.state_name("B") == f"已定稿（{NEEDS_RECHECK}）"
    assert ledger.value("B", "monthly_per_capita") == 150_000
    assert ledger.state_name("A") == "已定稿"
    # Finalising B again (same data) brings its stored values up to date.
    store.save_form(hid, "B", stored["B"], author="测试员", final=True, today=TODAY)
    assert stale_forms(store, hid) == {}


@pytest.mark.parametrize("final_only", [False, True])
def test_statistics_use_the_recomputed_values(store: Store, final_only: bool) -> None:
    three_then_one(store)
    total = compute_stats(store, on=TODAY, final_only=final_only).total
    food = next(g for g in total.guarantees if g.key == "has_food")
    assert food.counts["达标"] == 1 and food.counts["未达标"] == 0


def test_the_cheap_screen_covers_every_value_form_b_copies_from_form_a() -> None:
    """b_inputs_changed compares B's copies of A; a new cross-form calculation must be added."""
    survey = default_survey()
    b = survey.form("B")
    referenced: set[str] = set()
    fields = [*b.fields, *(c for f in b.fields for c in f.fields)]
    for f in fields:
        if f.calculate:
            parsed = expr.parse(f.calculate, KNOWN_FUNCTIONS)
            referenced |= {path[1] for path in parsed.names() if path[0] == "A"}
    screened = {a_name for _, a_name in B_COPIES} | {"residence_region"}
    assert referenced <= screened, referenced - screened


def test_a_revision_saved_under_the_old_version_still_reads(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 2026.1 Form B: no counted_amount, a loan counted in its stored total, a free-text member."""
    hid = store.create_household("测试员")
    a = copy.deepcopy(complete_household()["A"])
    store.save_form(hid, "A", a, author="测试员", final=True, today=TODAY)
    old_b: dict[str, Any] = {
        "survey_date": "2026-10-15",
        "surveyor": "李干事",
        "population": 3,
        "incomes": [
            {
                "_id": str(uuid.uuid4()),
                "member": "老张",
                "kind": "工资性收入",
                "item": "工资",
                "annual_amount": 1_200_000,
            },
            {
                "_id": str(uuid.uuid4()),
                "member": "全家",
                "kind": "经营性收入",
                "item": "创业贷款",
                "annual_amount": 5_000_000,
            },
        ],
        "expenses": [],
        "annual_income": 6_200_000,
        "monthly_per_capita": 172_222,
        "dibao_standard": 59_000,
        "hardship_band": "高于低保2倍",
        "monthly_records": [],
    }
    store.db.table("revisions").insert(
        {
            "id": str(uuid.uuid4()),
            "household_id": hid,
            "form_id": "B",
            "form_version": "2026.1",
            "state": "final",
            "data": json.dumps(old_b, ensure_ascii=False),
            "created_at": now_iso(),
            "author": "旧版本",
            "device_id": store.device_id,
            "device_seq": 99,
            "parent_id": None,
        }
    )
    result = store.engine(TODAY).validate_all(store.current(hid))["B"]
    assert result.errors == []
    assert result.values["monthly_per_capita"] == 33_333  # 12,000 ÷ 3 ÷ 12, the loan left out
    assert any(p.path == "incomes[1].member" and not p.blocking for p in result.problems)
    total = compute_stats(store, on=TODAY).total
    food = next(g for g in total.guarantees if g.key == "has_food")
    assert food.counts["未达标"] == 1  # 333.33 < 590, not the stored 1,722.22
    db = str(store.path)
    assert main(["--db", db, "show", hid]) == 0
    assert "高于低保2倍" in capsys.readouterr().out  # show prints what was saved, unchanged


def test_time_alone_does_not_make_a_form_stale(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ages move with the calendar; a form saved last year is not 需重新核对 for that."""
    hid = store.create_household("测试员")
    saved_on = date(2025, 6, 1)  # 张小明 (born 2013-05-20) was 12 then, 13 now
    with clock(monkeypatch, "2025-06-01T02:00:00.000+00:00"):
        store.save_form(
            hid, "A", complete_household()["A"], author="测试员", final=True, today=saved_on
        )
    assert store.current(hid)["A"]["members"][1]["age"] == 12
    assert stale_forms(store, hid) == {}
    # An input that did change is still found: a 低保 standard added for the survey day.
    store.save_form(hid, "B", complete_household()["B"], author="测试员", final=True, today=TODAY)
    store.add_dibao_standard("530102", "2026-10-01", 62_000, source="测试", author="测试员")
    assert stale_forms(store, hid) == {"B": ["当地低保标准（元/人·月）"]}  # 590 → 620 元
