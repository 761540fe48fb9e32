"""Policy catalogs (resources/policies) and 应享未享 hints: situations taken from seeds 000 and 001.

The household of households.py (昆明五华区): worker 张建国 下(待)岗 without pension insurance, wife
王秀英 with 尿毒症, son 张小明 in 初中 (his 初中寄宿生生活补助 recorded in Form C on 2026-03-01),
renting, 月人均 500 元 < 低保 590 元.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from fieldapp.core.forms.engine import FormEngine
from fieldapp.core.forms.loader import default_survey
from fieldapp.core.rules.policies import (
    CatalogError,
    append_row,
    catalog_for,
    check_catalog,
    form_c_row,
    form_e_row,
    load_catalogs,
    parse_catalog,
    policy_hints,
    unclaimed_policies,
)
from fieldapp.core.values.idcard import make_id_number
from fieldapp.core.values.regions import load_regions
from tests.conftest import TODAY
from tests.core.households import complete_household

SURVEY = default_survey()


def dibao(county: str, day: date) -> int | None:
    return 59000


ENGINE = FormEngine(SURVEY, today=TODAY, dibao=dibao)


def member(name: str, identity: str, birth: str, **more: Any) -> dict[str, Any]:
    row = {
        "name": name,
        "relation": "子女",
        "gender": "女",
        "birth_date": birth,
        "health": "良好",
        "identity": identity,
        "medical_insurance": "城乡居民医保",
        "cohabiting": "是",
    }
    row.update(more)
    return row


def household(**changes: Any) -> dict[str, dict[str, Any]]:
    h = complete_household()
    for key, value in changes.items():
        form, _, name = key.partition("__")
        h.setdefault(form, {})[name] = copy.deepcopy(value)
    return h


def hints(h: dict[str, dict[str, Any]]) -> set[tuple[str, str | None]]:
    return {(x.policy_id, x.person) for x in unclaimed_policies(h, ENGINE, on=TODAY)}


def ids(h: dict[str, dict[str, Any]]) -> set[str]:
    return {policy for policy, _ in hints(h)}


def test_catalogs_load_and_check_clean() -> None:
    catalogs = load_catalogs()
    assert set(catalogs) == {"530000", "320000", "410500", "150000"}
    yunnan, jiangsu = catalogs["530000"], catalogs["320000"]
    # Yunnan's notice lists 20 policies; some are split (e.g. 10: 小学 / 初中).
    assert {p.number for p in yunnan.policies} == {str(n) for n in range(1, 21)}
    assert {p.number for p in jiangsu.policies} == {str(n) for n in range(3, 25)}
    assert yunnan.policy("yn-09").amount_fen == 30_000  # 学前 300 元
    assert jiangsu.policy("js-13").amount_fen == 100_000  # 学前 1000 元
    assert (
        yunnan.policy("yn-10b").amount_fen == 125_000
        and yunnan.policy("yn-13a").amount_fen == 330_000
    )
    for catalog in catalogs.values():
        assert check_catalog(catalog, SURVEY, ENGINE) == []
        assert all(p.department and p.departments for p in catalog.policies)
    # Every amount seed 000 states (元 a year): the scholarships too, merit-based so not hinted.
    amounts = {p.id: p.amount_fen for p in yunnan.policies}
    assert [amounts[k] for k in ("yn-13d", "yn-13e", "yn-13f", "yn-13g", "yn-13h")] == [
        800_000,
        500_000,
        600_000,
        400_000,
        500_000,
    ]
    assert (amounts["yn-14a"], amounts["yn-14b"], amounts["yn-14c"]) == (
        1_300_000,
        600_000,
        1_200_000,
    )
    assert "博士每生每年3万元，硕士每生每年2万元" in yunnan.policy("yn-14d").amount_text
    assert "博士每生每年2万元，硕士每生每年1万元" in yunnan.policy("yn-14e").amount_text
    assert amounts["yn-12c"] == 400_000 and amounts["yn-05"] == 15_000_000
    assert catalog_for("530102") == yunnan
    assert catalog_for("410522") == catalogs["410500"]  # 安阳县: Anyang's own catalog
    assert catalog_for("410102") is None  # 郑州: Henan has no province catalog
    assert catalog_for("150102") == catalogs["150000"]
    assert catalog_for("110101") is None


def test_the_sample_household() -> None:
    assert hints(household()) == {
        ("yn-01", "张建国"),  # 公益性岗位: 46, 下(待)岗, healthy
        ("yn-03", "张建国"),  # 失业登记和公共就业服务 (not registered yet)
        ("yn-06c", "王秀英"),  # 重特大疾病医疗救助 (尿毒症)
        ("yn-07a", None),  # 就医优待 for the worker and every member: one row covers all
        ("yn-07b", "王秀英"),  # 尿毒症 90% 报销
        ("yn-16", None),  # 500 元 < 590 元: 低保
        ("yn-18", None),  # 租房: 公租房或租赁补贴
    }  # not yn-04 (培训补贴: only once registered unemployed), not yn-15 (养老代缴: only
    # 重度残疾 or 低保/特困), not yn-10b (the son is not recorded as a boarder)


def test_junior_middle_school_boarder() -> None:
    assert "yn-10b" not in ids(household(C__policies=[]))  # not a boarder: 第10项 does not apply
    boarder = household()
    boarder["A"]["members"][1]["boarding"] = "是"
    assert "yn-10b" not in ids(boarder)  # his 初中寄宿生生活补助 is in Form C (2026-03-01)
    # Recorded more than a year ago: yearly grants must be received again this school year.
    old = copy.deepcopy(boarder)
    old["C"]["policies"][0]["date"] = "2025-09-01"
    found = [x for x in unclaimed_policies(old, ENGINE, on=TODAY) if x.policy_id == "yn-10b"]
    assert [(x.person, x.amount_fen) for x in found] == [("张小明", 125_000)]
    assert "寄宿" in found[0].reason
    # No Form C at all; a pupil of a special-education school qualifies without boarding.
    boarder["C"]["policies"] = []
    assert ("yn-10b", "张小明") in hints(boarder)
    special = household(C__policies=[])
    special["A"]["members"][1]["special_education"] = "是"
    assert ("yn-10b", "张小明") in hints(special)


def test_two_children_and_which_one_is_recorded() -> None:
    kids = [
        member("张一", "初中", "2012-01-01", boarding="是"),
        member("张二", "初中", "2013-06-01", boarding="是"),
        member("张三", "初中", "2014-03-01", boarding="是"),
    ]
    rows = [
        {
            "date": "2026-03-01",
            "category": "学生资助",
            "policy_name": "初中生活补助（张二）",
            "amount": 125000,
        },
        {
            "date": "2026-03-01",
            "category": "子女助学",
            "policy_name": "初中寄宿生生活补助",
            "amount": 125000,
        },
    ]
    h = household(A__members=kids, C__policies=rows)
    # 张二 is named; the anonymous row counts for the first one not covered (张一) → 张三 remains.
    assert {p for p in hints(h) if p[0] == "yn-10b"} == {("yn-10b", "张三")}


def test_member_with_uremia() -> None:
    assert {("yn-06c", "王秀英"), ("yn-07b", "王秀英")} <= hints(household())
    record = {
        "date": "2026-05-01",
        "category": "就医减免优待",
        "policy_name": "尿毒症透析费用按90%报销",
    }
    h = household()
    h["C"]["policies"].append(record)
    assert ("yn-07b", "王秀英") not in hints(h)


def test_pension_paid_only_for_whom_the_policy_names() -> None:
    # 第15项: 重度残疾人 (一级、二级) and 低保对象、特困人员 among those without pension insurance.
    assert "yn-15" not in ids(household())  # uninsured, but neither
    assert ("yn-15", "张建国") in hints(household(A__assistance_status="低保对象"))
    insured = household(A__assistance_status="低保对象", A__pension_insurance="职工养老保险")
    assert "yn-15" not in ids(insured)
    disabled = [
        member("张大伟", "无劳动能力", "1990-01-01", health="残疾", disability_grade="二级")
    ]
    disabled[0]["pension_insurance"] = "未参保"
    assert ("yn-15", "张大伟") in hints(household(A__members=disabled))
    disabled[0]["disability_grade"] = "四级"
    assert "yn-15" not in ids(household(A__members=disabled))


@pytest.mark.parametrize(
    ("identity", "birth", "more", "expected", "amount"),
    [
        ("学龄前", "2022-06-01", {}, {"yn-09"}, 30_000),  # 4 years old, kindergarten: 300 元
        ("学龄前", "2025-01-01", {}, set(), None),  # under 3: not yet
        ("小学", "2017-09-01", {}, set(), None),  # not a boarder
        ("小学", "2017-09-01", {"boarding": "是"}, {"yn-10a"}, 100_000),
        ("高中", "2009-09-01", {}, {"yn-11"}, None),  # 2500 / 1500 by grade
        ("中职中技", "2009-09-01", {"school_year": "二年级"}, {"yn-12a", "yn-12b"}, 200_000),
        ("中职中技", "2008-09-01", {"school_year": "三年级"}, {"yn-12b"}, None),  # 免学费 only
        ("大学生", "2005-09-01", {}, {"yn-13a", "yn-13b"}, 330_000),
        ("研究生", "2001-09-01", {}, {"yn-14b", "yn-14c"}, 600_000),  # 硕士 6000 元
        (
            "研究生",
            "1998-09-01",
            {"postgraduate_level": "博士研究生"},
            {"yn-14a", "yn-14c"},
            1_300_000,
        ),
    ],
)
def test_school_stages(
    identity: str, birth: str, more: dict[str, str], expected: set[str], amount: int | None
) -> None:
    kids = [member("张小华", identity, birth, **more)]
    found = {
        x.policy_id: x for x in unclaimed_policies(household(A__members=kids), ENGINE, on=TODAY)
    }
    school = {k for k, x in found.items() if x.problem_category == "就学"}
    assert school == expected
    if expected:
        first = found[sorted(expected)[0]]
        assert first.amount_fen == amount and first.person == "张小华"


def test_uninsured_member_and_unemployed_adult_child() -> None:
    kids = [
        member("张大伟", "失(无)业", "2000-01-01", medical_insurance="未参保", gender="男"),
    ]
    found = hints(household(A__members=kids))
    assert ("yn-06a", "张大伟") in found  # 参加基本医疗保险
    assert {("yn-01", "张大伟"), ("yn-03", "张大伟")} <= found
    assert ("yn-04", "张大伟") not in found  # 培训补贴 after registering as unemployed
    assert ("yn-15", "张大伟") not in found  # pension insurance not filled in → not judged
    kids[0]["registered_unemployed"] = "是"
    found = hints(household(A__members=kids))
    assert ("yn-04", "张大伟") in found and ("yn-03", "张大伟") not in found


def test_dibao_and_its_records() -> None:
    assert ("yn-16", None) in hints(household())
    # Already receiving 低保金 (Form B income) or recorded in Form C.
    b = household()
    b["B"]["incomes"].append({"kind": "转移性收入", "item": "低保金", "annual_amount": 120000})
    assert "yn-16" not in ids(b)
    c = household()
    c["C"]["policies"].append({"date": "2026-01-05", "category": "低保", "policy_name": "城市低保"})
    assert "yn-16" not in ids(c)
    # Income above the standard: no hint.
    rich = household(
        B__incomes=[{"kind": "工资性收入", "item": "工资", "annual_amount": 6_000_000}]
    )
    assert "yn-16" not in ids(rich)


def test_housing() -> None:
    assert ("yn-18", None) in hints(household())  # 租房
    owner = household(A__housing_type="自购房")
    assert {"yn-18", "yn-19"}.isdisjoint(ids(owner))
    public = household(A__housing_type="公租房/廉租房")  # and 500 < 590 元
    assert "yn-19" in ids(public) and "yn-18" not in ids(public)
    unsafe = household(A__housing_type="自建房", A__housing_safe="危房")
    assert "yn-18" in ids(unsafe)


def test_accident_temporary_assistance() -> None:
    assert "yn-17" not in ids(household())
    assert "yn-17" in ids(household(A__category="意外致困"))
    assert "yn-17" in ids(household(A__main_cause="遭受意外事故"))
    recorded = household(A__category="意外致困")
    recorded["C"]["policies"].append(
        {"date": "2026-06-01", "category": "临时救助", "policy_name": "临时救助", "amount": 300000}
    )
    assert "yn-17" not in ids(recorded)


def test_jiangsu_household_uses_jiangsu_catalog() -> None:
    kids = [member("王小妹", "学龄前", "2022-06-01"), member("王小弟", "初中", "2013-01-01")]
    a = household()["A"]
    a.update(
        {
            "residence_region": "320102",
            "id_number": make_id_number("320102", date(1980, 1, 1), 15),
            "members": kids,
        }
    )
    h = household(A=None)
    h["A"] = a
    h["C"] = {"policies": []}
    found = {x.policy_id: x for x in unclaimed_policies(h, ENGINE, on=TODAY)}
    assert found["js-13"].amount_fen == 100_000  # 学前 1000 元 in Jiangsu (300 in Yunnan)
    assert found["js-14b"].person == "王小弟"  # 初中 1250 元, no boarding condition
    assert "js-22" in found  # 工会定期生活补助: every household
    # 公益性岗位 is for 特困 (深度困难) families in Jiangsu: the worker 下(待)岗 qualifies …
    assert found["js-03"].person == "张建国" and "js-18" in found  # … and 水电气减免
    assert not any(policy.startswith("yn-") for policy in found)
    h["A"]["category"] = "相对困难"  # … but not in a 相对困难 family
    assert {"js-03", "js-18"}.isdisjoint(x.policy_id for x in unclaimed_policies(h, ENGINE))


def test_rows_to_add_validate_in_forms_c_and_e() -> None:
    h = household()
    found = unclaimed_policies(h, ENGINE, on=TODAY)
    uremia = next(x for x in found if x.policy_id == "yn-07b")
    c_add = form_c_row(uremia, TODAY)
    assert c_add.form_id == "C" and c_add.row["implemented"] == "否"
    assert c_add.row["policy_name"] == "尿毒症患者医疗费用按90%报销"
    assert "王秀英" in c_add.row["notes"]
    e_add = form_e_row(uremia, TODAY)
    assert e_add.row["category"] == "医疗" and e_add.row["status"] == "待办"
    h["C"] = append_row(h, c_add)
    h["E"] = append_row(h, e_add)
    results = ENGINE.validate_all(h, only=["C", "E"])
    assert [str(p) for r in results.values() for p in r.errors] == []
    assert results["E"].values["needs_found"] == 2 and results["E"].values["measures"] == 2
    # In Form C as applied for (未落实): still a hint, now pending; received (是): gone.
    [pending] = [x for x in unclaimed_policies(h, ENGINE, on=TODAY) if x.policy_id == "yn-07b"]
    assert pending.pending and pending.person == "王秀英"
    h["C"]["policies"][-1]["implemented"] = "是"
    assert ("yn-07b", "王秀英") not in hints(h)


def test_broken_catalogs_are_reported(tmp_path: Path) -> None:
    good = yaml.safe_load(
        (Path(__file__).parents[2] / "resources/policies/530000-yunnan.yaml").read_text("utf-8")
    )
    bad = copy.deepcopy(good)
    bad["policies"][0]["category"] = "天上掉馅饼"
    bad["policies"][1]["qualifies"] = "age >="
    catalog = parse_catalog(bad)
    problems = check_catalog(catalog, SURVEY, ENGINE)
    assert any("天上掉馅饼" in p for p in problems) and any("条件无法解析" in p for p in problems)
    broken = copy.deepcopy(good)
    broken["policies"][0]["for"] = "everyone"
    with pytest.raises(CatalogError, match="for 只能是"):
        parse_catalog(broken)
    broken = copy.deepcopy(good)
    broken["policies"][1]["id"] = broken["policies"][0]["id"]
    with pytest.raises(CatalogError, match="id 重复"):
        parse_catalog(broken)
    # A broken condition never hints.
    h = household()
    hinted = unclaimed_policies(h, ENGINE, on=TODAY, catalog=catalog)
    assert "yn-02" not in {x.policy_id for x in hinted}


def test_medical_preference_for_every_member_one_row_covers_all() -> None:
    [hint] = [
        x for x in unclaimed_policies(household(), ENGINE, on=TODAY) if x.policy_id == "yn-07a"
    ]
    assert hint.person is None and "张建国、王秀英、张小明" in hint.reason
    h = household()
    h["C"]["policies"].append(
        {"date": "2026-02-01", "category": "就医减免优待", "policy_name": "就医优待（免挂号费）"}
    )
    assert "yn-07a" not in ids(h)


def test_a_row_not_received_does_not_count() -> None:
    h = household()
    h["C"]["policies"][0]["implemented"] = "否"  # the 初中寄宿生生活补助: applied, not paid
    h["A"]["members"][1]["boarding"] = "是"
    [found] = [x for x in unclaimed_policies(h, ENGINE, on=TODAY) if x.policy_id == "yn-10b"]
    assert found.pending and found.person == "张小明"


def test_housing_fund_withdrawal_needs_a_fund() -> None:
    assert "yn-20" not in ids(household())
    assert ("yn-20", None) in hints(household(A__housing_fund="是"))  # renting, has a fund
    assert "yn-20" not in ids(household(A__housing_fund="是", A__housing_type="自购房"))


def moved(region: str, **changes: Any) -> dict[str, dict[str, Any]]:
    h = household(**changes)
    h["A"]["residence_region"] = region
    h["A"]["id_number"] = make_id_number(region, date(1980, 1, 1), 15)
    return h


def test_a_province_without_a_catalog_is_told_so() -> None:
    report = policy_hints(moved("410102"), ENGINE, on=TODAY, regions=load_regions())
    assert report.catalog is None and report.hints == []
    assert report.message.startswith("本户居住地（河南省）还没有帮扶政策目录")
    yunnan = policy_hints(household(C__policies=[]), ENGINE, on=TODAY)
    assert yunnan.catalog is not None and yunnan.message == ""


def test_anyang_and_inner_mongolia_households() -> None:
    anyang = {x.policy_id for x in unclaimed_policies(moved("410502", C__policies=[]), ENGINE)}
    # worker 下(待)岗, spouse with 尿毒症, pupil, 500 元 < 590 元, 深度困难
    assert {"ay-2a", "ay-3a", "ay-3b", "ay-5b", "ay-6a", "ay-7a", "ay-7b"} <= anyang
    assert not any(p.startswith(("yn-", "js-", "nm-")) for p in anyang)
    worker_ill = moved("150102", A__health="癌症/恶性肿瘤", A__work_status="病休", C__policies=[])
    mongolia = {x.policy_id: x for x in unclaimed_policies(worker_ill, ENGINE, on=TODAY)}
    assert mongolia["nm-2c"].person == "张建国"  # 在档大病困难职工全部纳入医疗互助
    assert {"nm-2b", "nm-4a", "nm-5a", "nm-6a"} <= set(mongolia)


def test_jiangsu_housing_fund_items() -> None:
    h = moved("320102", A__housing_fund="是", A__main_cause="患重特大疾病")
    found = ids(h)
    assert "js-21c" in found  # 提取公积金用于重大疾病治疗
    assert "js-21c" not in ids(moved("320102", A__main_cause="患重特大疾病"))
