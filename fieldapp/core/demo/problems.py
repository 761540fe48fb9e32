"""Form E (当前存在的问题清单和帮扶建议): problems, measures taken and their progress.

Why: the problems follow from the family and from Form A (illness, students, unemployment,
housing, pension), and their progress from the archive status; this module draws them.
"""

from __future__ import annotations

from datetime import date, timedelta

from fieldapp.core.demo.base import FactoryBase
from fieldapp.core.demo.people import _Person
from fieldapp.core.demo.people_data import MEDICAL_COST
from fieldapp.core.demo.shared import Values, _Weighted

PROBLEM_STATUS = _Weighted([("待办", 15.0), ("办理中", 30.0), ("已解决", 45.0), ("无法解决", 10.0)])


class ProblemMixin(FactoryBase):
    """Draws Form E."""

    def form_e(
        self,
        worker: _Person,
        cohabiting: list[_Person],
        students: list[_Person],
        county_name: str,
        a: Values,
        survey_date: date,
        status: str,
    ) -> Values:
        rng = self.rng
        ill = [p for p in cohabiting if p.health in MEDICAL_COST or p.health == "残疾"]
        # (category, description, suggestion, unit, measures)
        pool: list[tuple[str, str, str, str, tuple[str, ...]]] = [
            (
                "基本生活",
                "家庭收入低，日常生活开支紧张。",
                "纳入送温暖和生活救助，符合条件的申请低保。",
                f"{county_name}民政局",
                ("春节送温暖慰问", "协助申请最低生活保障", "申请临时救助"),
            ),
        ]
        for p in ill[:2]:
            pool.append(
                (
                    "医疗",
                    f"{p.name}患{p.health.split('/')[0]}，"
                    "医保报销后每年自付医疗费较多，"
                    "家庭负担重。",
                    "协助申请医疗救助和工会医疗互助。",
                    f"{county_name}医疗保障局",
                    ("申请重特大疾病医疗救助", "办理工会医疗互助理赔", "落实就医减免优待"),
                )
            )
        for s in students[:2]:
            pool.append(
                (
                    "就学",
                    f"{s.name}在{s.school or '学校'}就读（{s.identity}），学杂费和生活费开支较大。",
                    "申请国家助学金，纳入金秋助学。",
                    f"{county_name}教育体育局",
                    ("申请国家助学金", "纳入工会金秋助学"),
                )
            )
        jobless = [p for p in cohabiting if p.identity in ("失(无)业", "下(待)岗")]
        for p in jobless[:1]:
            pool.append(
                (
                    "就业",
                    f"{p.name}目前未就业，有就业意愿。",
                    "推荐参加职业技能培训，介绍公益性岗位。",
                    f"{county_name}人力资源和社会保障局",
                    ("推荐参加职业技能培训", "推荐公益性岗位", "提供招聘信息"),
                )
            )
        if a["housing_safe"] in ("危房", "无房") or a["housing_type"] == "租房":
            pool.append(
                (
                    "住房",
                    "现住房为危房或租房，居住条件差、房租负担重。",
                    "申请公租房或租赁补贴，危房申请改造。",
                    f"{county_name}住房和城乡建设局",
                    ("申请公共租赁住房", "申请住房租赁补贴"),
                )
            )
        if a["pension_insurance"] == "未参保":
            pool.append(
                (
                    "社保",
                    f"{worker.name}未参加养老保险。",
                    "协助参加城乡居民养老保险。",
                    f"{county_name}人力资源和社会保障局",
                    ("协助办理城乡居民养老保险参保",),
                )
            )
        if self.chance(0.08):
            pool.append(
                (
                    "其他",
                    "家中老人需长期照料，职工无法正常上班。",
                    "联系社区提供居家养老服务。",
                    f"{county_name}总工会",
                    ("对接社区居家养老服务",),
                )
            )
        rng.shuffle(pool)
        rows = []
        for cat, description, suggestion, unit, measures in pool[: self.randint(1, 4)]:
            progress = PROBLEM_STATUS.pick(rng)
            if status == "已脱困" and self.chance(0.85):
                progress = "已解决"
            count = self.randint(1, len(measures))
            has_measure = progress != "待办" or self.chance(0.5)
            solved = (
                self.day_between(survey_date, self.today - timedelta(days=1))
                if progress == "已解决"
                else None
            )
            if progress == "已解决":
                rating: str | None = "明显" if self.chance(0.7) else "一般"
            elif progress == "无法解决":
                rating = "无效"
            else:
                rating = "待评价" if self.chance(0.7) else None
            rows.append(
                self.row(
                    "E",
                    "problems",
                    {
                        "category": cat,
                        "description": description,
                        "suggestion": suggestion,
                        "responsible_unit": unit,
                        "measure": "；".join(rng.sample(measures, count)) if has_measure else None,
                        "measure_count": count if has_measure else None,
                        "deadline": (
                            survey_date + timedelta(days=self.randint(30, 240))
                        ).isoformat(),
                        "status": progress,
                        "solved_date": solved.isoformat() if solved else None,
                        "effect_rating": rating,
                    },
                )
            )
        return {**self.templates["E"], "problems": rows}
