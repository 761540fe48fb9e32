"""Form C (已享受帮扶政策资金记录表): the policies and aid a household has received.

Why: which policies apply follows from the family (illness, students, 低保 category, housing,
unemployment, disability); this module holds that pool and the dated rows drawn from it.
"""

from __future__ import annotations

from datetime import date

from fieldapp.core.demo.base import FactoryBase
from fieldapp.core.demo.people import _Person
from fieldapp.core.demo.people_data import MEDICAL_COST, STUDENT_AID
from fieldapp.core.demo.shared import Values


class PolicyMixin(FactoryBase):
    """Draws Form C."""

    def form_c(
        self,
        worker: _Person,
        cohabiting: list[_Person],
        students: list[_Person],
        category: str,
        dibao: int,
        family_size: int,
        housing: str,
        survey_date: date,
    ) -> Values:
        rng = self.rng
        # (category, name, department, amount 分 or None, in kind, fund source)
        pool: list[tuple[str, str, str, int | None, str | None, str]] = [
            (
                "送温暖",
                "元旦春节送温暖慰问",
                "工会",
                self.yuan(500, 1000, 100),
                "大米50斤、食用油2桶" if self.chance(0.4) else None,
                "工会",
            ),
            ("生活救助", "工会困难职工生活救助", "工会", self.yuan(1000, 3000, 100), None, "工会"),
            ("临时救助", "临时救助", "民政", self.yuan(1000, 5000, 100), None, "民政"),
        ]
        if any(p.health in MEDICAL_COST for p in cohabiting):
            pool += [
                (
                    "医疗救助",
                    "重特大疾病医疗救助",
                    "医保",
                    self.yuan(3000, 30000, 10),
                    None,
                    "财政",
                ),
                ("医疗互助", "职工医疗互助保障", "工会", self.yuan(800, 8000, 10), None, "工会"),
                ("就医减免优待", "免收挂号费、减收检查费", "卫健", None, "就医减免", "财政"),
            ]
        for s in students:
            aid_name, aid = STUDENT_AID[s.identity]
            if s.identity == "高中" and self.chance(0.4):
                aid = 1500  # 二等
            pool.append(("子女助学", aid_name, "教育", aid * 100, None, "财政"))
            if s.identity in ("大学生", "高中", "中职中技") and self.chance(0.5):
                pool.append(
                    ("子女助学", "金秋助学", "工会", self.yuan(2000, 5000, 500), None, "工会")
                )
        if category in ("深度困难", "低保户"):
            pool.append(
                (
                    "低保",
                    "城乡最低生活保障金",
                    "民政",
                    int(dibao * family_size * rng.uniform(0.2, 0.5)) // 100 * 1200,
                    None,
                    "财政",
                )
            )
        if housing == "公租房/廉租房":
            pool.append(
                (
                    "公租房/租赁补贴",
                    "公共租赁住房租金减免",
                    "住建",
                    self.yuan(1200, 3600, 100),
                    None,
                    "财政",
                )
            )
        if worker.identity in ("失(无)业", "下(待)岗"):
            pool.append(
                ("就业创业服务", "免费职业技能培训", "人社", None, "育婴员培训一期", "财政")
            )
        if worker.health == "残疾":
            pool.append(
                ("养老保险代缴", "城乡居民养老保险代缴（重度残疾人）", "人社", 20000, None, "财政")
            )
        if self.chance(0.04):
            pool.append(("法律援助", "劳动争议法律援助", "司法", None, "代理劳动争议仲裁", "财政"))
        rng.shuffle(pool)
        chosen = pool[: self.randint(1, 5)]
        dated = sorted((self.day_between(date(2019, 1, 1), survey_date), item) for item in chosen)
        rows = []
        for day, (cat, name, dept, amount, in_kind, source) in dated:
            rows.append(
                self.row(
                    "C",
                    "policies",
                    {
                        "date": day.isoformat(),
                        "category": cat,
                        "policy_name": name,
                        "department": dept,
                        "amount": amount,
                        "in_kind": in_kind,
                        "fund_source": source,
                        "implemented": "是" if self.chance(0.92) else "否",
                        "notes": "按月发放，年度合并登记" if cat == "低保" else None,
                    },
                )
            )
        return {**self.templates["C"], "policies": rows}
