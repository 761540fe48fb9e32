"""Six hand-made households for the headquarters tests (statistics, export, exit review).

Every figure the tests expect is worked out by hand in tests/core/test_stats.py from what is
written here. The store's clock is set for each save (revision times and status changes are
stored in UTC; statistics use the Beijing date), so "first recorded" days are known.

H1  在档   530102 五华区  深度困难  the complete household of households.py (1 visit, 1 need solved)
H2  在档   530103 盘龙区  相对困难  worker alone, employed, 6 months above 低保 → meets 脱困
H3  已脱困 530102 五华区  相对困难  income below 低保, an open need, exited 2026-07-01 → 渐退期预警
                                   on 2026-11-01 (its 6-month 渐退期 ends 2027-01-01)
H4  注销   530111 官渡区  意外致困  visits and a solved need, cancelled
H5  在档   530302 麒麟区  意外致困  disabled worker, no helper, 危房, income ≥ 低保, a union
                                   living allowance in Form C → meets 解困
H6  已解困 530102 五华区  深度困难  Form A only (no income data) → 错退风险
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from fieldapp.core.store import store as store_module
from fieldapp.core.store.store import Store
from fieldapp.core.values.idcard import make_id_number
from tests.conftest import TODAY
from tests.core.households import complete_household


@contextmanager
def clock(monkeypatch: pytest.MonkeyPatch, stamp: str) -> Iterator[None]:
    """Saves and status changes inside the block are recorded at ``stamp`` (UTC)."""
    with monkeypatch.context() as m:
        m.setattr(store_module, "now_iso", lambda: stamp)
        yield


def person_a(
    *,
    region: str,
    birth: date,
    seq: int,
    name: str,
    archive_no: str,
    gender: str = "男",
    **changes: Any,
) -> dict[str, Any]:
    a = copy.deepcopy(complete_household()["A"])
    a.update(
        {
            "archive_no": archive_no,
            "name": name,
            "gender": gender,
            "id_number": make_id_number(region, birth, seq),
            "birth_date": birth.isoformat(),
            "residence_region": region,
        }
    )
    a.update(changes)
    return a


@dataclass
class Built:
    ids: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.ids[key]


def build(store: Store, monkeypatch: pytest.MonkeyPatch) -> Built:
    ids: dict[str, str] = {}

    def save(
        hid: str, form: str, data: dict[str, Any], *, final: bool = True, today: date = TODAY
    ) -> None:
        store.save_form(hid, form, data, author="测试员", final=final, today=today)

    def household(key: str, stamp: str, forms: dict[str, dict[str, Any]]) -> str:
        with clock(monkeypatch, stamp):
            hid = store.create_household("测试员")
            for form_id, data in forms.items():
                save(hid, form_id, data)
        ids[key] = hid
        return hid

    # H1: the complete household as written in households.py, employer added.
    h1 = complete_household()
    h1["A"]["employer"] = "昆明机床厂"
    household("H1", "2026-10-15T02:00:00.000+00:00", h1)

    # H2: worker alone, employed; E first saved on Beijing 2026-01-01 (UTC 2025-12-31), a
    # second need added on Beijing 2026-11-01 (UTC 2026-10-31); a draft visit after two final ones.
    a2 = person_a(
        region="530103",
        birth=date(1985, 3, 3),
        seq=11,
        name="李红兵",
        archive_no="YN-530103-2020-000002",
        category="相对困难",
        work_status="在岗",
        pension_insurance="职工养老保险",
        housing_type="自购房",
        members=[],
        main_cause="下岗失业",
        employer="昆明机床厂",
    )
    b2 = {
        "survey_date": "2026-09-30",
        "surveyor": "赵干事",
        "incomes": [{"kind": "工资性收入", "item": "工资", "annual_amount": 4_800_000}],
        "expenses": [],
        # six months up to October: the run ends within a month of the evaluation day 2026-11-01
        "monthly_records": [{"month": f"2026-{m:02d}", "income": 400_000} for m in range(5, 11)],
    }
    d2 = {
        "helper_name": "赵干事",
        "visits": [
            {"date": "2026-03-10", "method": "电话"},
            {"date": "2026-09-20", "method": "入户走访"},
        ],
    }
    need_r1 = {
        "category": "就业",
        "description": "下岗后未就业",
        "measure": "推荐岗位；参加培训",
        "measure_count": 2,
        "status": "已解决",
        "solved_date": "2026-08-01",
    }
    need_r2 = {
        "category": "基本生活",
        "description": "生活开支紧张",
        "status": "已解决",
        "solved_date": "2026-06-15",
    }
    h2 = household("H2", "2026-09-30T03:00:00.000+00:00", {"A": a2, "B": b2, "D": d2})
    with clock(monkeypatch, "2025-12-31T17:30:00.000+00:00"):
        save(h2, "E", {"problems": [need_r1]})
    with clock(monkeypatch, "2026-10-31T17:00:00.000+00:00"):
        current = store.current(h2)["E"]["problems"]
        save(h2, "E", {"problems": [*current, need_r2]})
    with clock(monkeypatch, "2026-10-26T01:00:00.000+00:00"):
        visits = [*d2["visits"], {"date": "2026-10-25", "method": "入户走访"}]
        save(h2, "D", {**d2, "visits": visits}, final=False)

    # H3: 已脱困 (Beijing 2026-07-01), below 低保, an open need with 3 measures.
    h3 = complete_household()
    h3["A"] = person_a(
        region="530102",
        birth=date(1982, 2, 2),
        seq=21,
        name="刘建军",
        archive_no="YN-530102-2019-000003",
        category="相对困难",
    )
    h3["D"] = {"helper_name": "王干事", "visits": [{"date": "2025-12-20", "method": "入户走访"}]}
    h3["E"] = {
        "problems": [
            {
                "category": "社保",
                "description": "未参加养老保险",
                "measure": "协助参保",
                "measure_count": 3,
                "status": "待办",
            }
        ]
    }
    hid3 = household("H3", "2026-05-01T00:00:00.000+00:00", h3)
    with clock(monkeypatch, "2026-06-30T17:00:00.000+00:00"):
        store.set_status(hid3, "已脱困", reason="收入超过低保标准", author="测试员")

    # H4: 注销 on Beijing 2025-12-31 23:00 (UTC 15:00), two visits, one need solved.
    h4 = complete_household()
    h4["A"] = person_a(
        region="530111",
        birth=date(1970, 7, 7),
        seq=31,
        name="孙德胜",
        archive_no="YN-530111-2018-000004",
        category="意外致困",
    )
    h4["D"] = {
        "helper_name": "孙干事",
        "visits": [
            {"date": "2026-02-01", "method": "入户走访"},
            {"date": "2026-02-15", "method": "其他"},
        ],
    }
    h4["E"] = {
        "problems": [
            {
                "category": "医疗",
                "description": "住院费用",
                "measure": "医疗救助",
                "status": "已解决",
                "solved_date": "2026-02-20",
            }
        ]
    }
    del h4["C"]
    hid4 = household("H4", "2026-02-20T00:00:00.000+00:00", h4)
    with clock(monkeypatch, "2025-12-31T15:00:00.000+00:00"):
        store.set_status(hid4, "注销", reason="职工死亡", author="测试员")

    # H5: 麒麟区 (低保 557 元), disabled worker on sick leave, no Form D, 危房.
    a5 = person_a(
        region="530302",
        birth=date(1975, 5, 5),
        seq=41,
        name="杨正华",
        archive_no="YN-530302-2021-000005",
        category="意外致困",
        health="残疾",
        disability_type="肢体残疾",
        disability_grade="二级",
        work_status="病休",
        pension_insurance="职工养老保险",
        housing_type="自建房",
        housing_safe="危房",
        members=[],
        main_cause="遭受意外事故",
    )
    b5 = {
        "survey_date": "2026-10-01",
        "surveyor": "杨干事",
        "incomes": [{"kind": "转移性收入", "item": "工会救助金", "annual_amount": 1_200_000}],
        "expenses": [],
    }
    e5 = {
        "problems": [
            {
                "category": "住房",
                "description": "住房为危房",
                "measure": "申请危房改造",
                "status": "办理中",
            }
        ]
    }
    # 解困 rests on help actually received: a union living allowance recorded in Form C.
    c5 = {
        "policies": [
            {
                "date": "2026-09-01",
                "category": "生活救助",
                "policy_name": "工会困难职工生活救助",
                "amount": 200_000,
                "implemented": "是",
            }
        ]
    }
    household("H5", "2026-10-01T00:00:00.000+00:00", {"A": a5, "B": b5, "C": c5, "E": e5})

    # H6: 已解困 (Beijing 2026-03-01), Form A only.
    a6 = person_a(
        region="530102",
        birth=date(1968, 8, 8),
        seq=51,
        name="周永福",
        archive_no="YN-530102-2017-000006",
        category="深度困难",
        members=[],
    )
    hid6 = household("H6", "2026-02-01T00:00:00.000+00:00", {"A": a6})
    with clock(monkeypatch, "2026-03-01T00:00:00.000+00:00"):
        store.set_status(hid6, "已解困", reason="重病纳入常态化帮扶", author="测试员")
    return Built(ids)


Builder = Callable[[Store, pytest.MonkeyPatch], Built]
