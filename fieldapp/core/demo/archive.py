"""Form A (困难职工档案表): the worker's file, its member rows, employer, causes and key group.

Why: Form A is the largest form and the one the others refer to (housing, insurance, residence);
it turns the drawn people into the archive's fields, with the tables only it uses.
"""

from __future__ import annotations

from datetime import date, timedelta

from fieldapp.core.demo.people import PeopleMixin, _Person
from fieldapp.core.demo.people_data import (
    DISABILITY_GRADE,
    DISABILITY_TYPE,
    EMPLOYED,
    ENTERPRISE_STATUS,
    HUKOU_TYPE,
    MEDICAL_INSURANCE,
    PENSION,
    SECONDARY_COUNT,
    SERIOUS,
    STUDENT_COST,
)
from fieldapp.core.demo.places_data import (
    BANKS,
    CITY_LABELS,
    FIRMS,
    INDUSTRIES,
    KUNMING_CORE,
    ROADS,
    STREETS,
    TOWNS,
    VILLAGES,
)
from fieldapp.core.demo.shared import Values, _Weighted

FILING_STANDARD = _Weighted(
    [("全国级", 60.0), ("省级", 25.0), ("地市级", 10.0), ("区县级", 4.0), ("基层", 1.0)]
)
POLITICAL = _Weighted(
    [("群众", 74.0), ("中共党员", 20.0), ("共青团员", 3.0), ("民主党派", 1.0), ("其他", 2.0)]
)
HOUSING = _Weighted(
    [
        ("自购房", 28.0),
        ("自建房", 18.0),
        ("租房", 20.0),
        ("承租单位公房", 8.0),
        ("公租房/廉租房", 18.0),
        ("无房", 3.0),
        ("其他", 5.0),
    ]
)
UNION_OPINIONS = (
    "情况属实，同意建档。",
    "经入户核实，情况属实，同意纳入困难职工档案。",
    "经审核、公示无异议，同意建档。",
)
UPPER_OPINIONS = ("同意。", "同意建档，纳入帮扶。", "经审核，同意。")


class ArchiveMixin(PeopleMixin):
    """Draws Form A and its member rows."""

    def employer(self, county_name: str, city_short: str) -> tuple[str, str]:
        rng = self.rng
        kind = rng.random()
        if kind < 0.12:
            return f"{county_name}环境卫生管理站", "机关事业"
        if kind < 0.2:
            return f"{county_name}{self.choice(TOWNS)}个体经营", "个体"
        suffix, nature = self.choice(INDUSTRIES)
        prefix = city_short if self.chance(0.5) else "云南"
        return f"{prefix}{self.choice(FIRMS)}{suffix}", nature

    def form_a(
        self,
        index: int,
        worker: _Person,
        members: list[_Person],
        county: str,
        city_short: str,
        county_name: str,
        hukou: str,
        category: str,
        filing_year: int,
        work: str,
        marital: str,
        employer: str,
        nature: str,
    ) -> Values:
        rng = self.rng
        serial = self.first_serial + index + 1
        housing = HOUSING.pick(rng)
        urban = county_name.endswith(("区", "市")) or county in KUNMING_CORE
        if urban or self.chance(0.3):
            address = (
                f"{CITY_LABELS.get(city_short, city_short)}{county_name}"
                f"{self.choice(STREETS)}街道{self.choice(ROADS)}"
                f"{self.randint(1, 400)}号{self.randint(1, 12)}幢{self.randint(1, 4)}单元"
                f"{self.randint(1, 7)}0{self.randint(1, 4)}室"
            )
        else:
            address = (
                f"{county_name}{self.choice(TOWNS)}镇{self.choice(VILLAGES)}村"
                f"{self.randint(1, 12)}组{self.randint(1, 120)}号"
            )
        has_children = any(m.relation == "子女" and m.age < 18 for m in members)
        serious = worker.health in SERIOUS
        cause = self.main_cause(worker, work, members, category)
        secondary_pool = [
            c
            for c in (
                "患重特大疾病",
                "子女上学",
                "下岗失业",
                "无劳动能力",
                "未参加社会保险",
                "有劳动能力而未就业",
            )
            if c != cause
        ]
        secondary = rng.sample(secondary_pool, SECONDARY_COUNT.pick(rng))
        if cause != "其他" and self.chance(0.03):
            secondary.append("其他")
        employed = any(
            p.identity in EMPLOYED for p in [worker, *members] if p.cohabiting and 16 <= p.age < 60
        )
        bank, card_prefix = self.choice(BANKS)
        basic_date = self.day_between(date(filing_year, 1, 5), date(filing_year, 11, 30))
        pension = "已领取养老金" if work == "退休" else PENSION.pick(rng)
        return {
            **self.templates["A"],
            "archive_no": f"YN-{county}-{filing_year}-{serial:06d}",
            "worker_no": (
                f"{county}{filing_year % 100:02d}{serial:08d}" if self.chance(0.85) else None
            ),
            "category": category,
            "standard": FILING_STANDARD.pick(rng),
            "key_group": self.key_group(work, serious or worker.health == "残疾", category),
            "name": worker.name,
            "gender": worker.gender,
            "ethnicity": worker.ethnicity,
            "political": POLITICAL.pick(rng) if worker.age >= 28 else "共青团员",
            "id_number": worker.id_number,
            "birth_date": worker.birth.isoformat(),
            "health": worker.health,
            "disability_type": DISABILITY_TYPE.pick(rng) if worker.health == "残疾" else None,
            "disability_grade": DISABILITY_GRADE.pick(rng) if worker.health == "残疾" else None,
            "work_status": work,
            "monthly_income": worker.monthly_income,
            "model_worker": "非劳模" if self.chance(0.98) else "地市级劳模",
            "marital_status": marital,
            "single_parent": "是" if marital in ("离异", "丧偶") and has_children else "否",
            "phone": self.phone(),
            "medical_insurance": MEDICAL_INSURANCE.pick(rng),
            "serious_illness_insurance": "是" if self.chance(0.9) else "否",
            "pension_insurance": pension,
            "housing_type": housing,
            "housing_safe": (
                "无房"
                if housing == "无房"
                else "危房"
                if housing in ("自建房", "其他") and self.chance(0.2)
                else "安全"
            ),
            "floor_area": None if housing == "无房" else self.randint(18, 110),
            "address": address,
            "residence_region": county,
            "hukou_type": HUKOU_TYPE.pick(rng),
            "hukou_region": hukou,
            "employer": employer,
            "employer_nature": nature,
            "enterprise_status": (
                ENTERPRISE_STATUS.pick(rng)
                if nature in ("国有企业", "集体企业", "私营企业", "外资企业")
                else None
            ),
            "bank": f"{bank}{city_short}{self.choice(STREETS)}支行",
            "bank_account": card_prefix + f"{rng.randrange(10**15):015d}",
            "members": [self.member_row(m) for m in members],
            "zero_employment": "否" if employed else "是",
            "main_cause": cause,
            "secondary_causes": secondary or None,
            "cause_other": (
                "家中老人长期卧床需专人照料" if cause == "其他" or "其他" in secondary else None
            ),
            "created_by": self.cadre_name(),
            "reviewer": self.cadre_name(),
            "entered_by": self.cadre_name(),
            "basic_union_opinion": self.choice(UNION_OPINIONS),
            "basic_union_date": basic_date.isoformat(),
            "upper_union_opinion": self.choice(UPPER_OPINIONS),
            "upper_union_date": (basic_date + timedelta(days=self.randint(3, 30))).isoformat(),
        }

    def member_row(self, m: _Person) -> Values:
        if m.age >= 16 and m.identity not in STUDENT_COST:
            medical = self.choice(("职工医保", "城乡居民医保")) if self.chance(0.95) else "未参保"
            pension = (
                "已领取养老金"
                if m.identity == "退休"
                else self.choice(("职工养老保险", "城乡居民养老保险", "未参保"))
            )
        else:
            medical, pension = ("城乡居民医保" if self.chance(0.97) else "未参保"), None
        notes = None
        if not m.cohabiting:
            notes = "在外地务工" if m.age < 60 else "随其他子女生活"
        return self.row(
            "A",
            "members",
            {
                "name": m.name,
                "relation": m.relation,
                "id_number": m.id_number,
                "gender": m.gender,
                "birth_date": m.birth.isoformat(),
                "health": m.health,
                "identity": m.identity,
                "school_or_employer": m.school,
                "monthly_income": m.monthly_income,
                "medical_insurance": medical,
                "pension_insurance": pension,
                "cohabiting": "是" if m.cohabiting else "否",
                "notes": notes,
            },
        )

    def main_cause(self, worker: _Person, work: str, members: list[_Person], category: str) -> str:
        if category in ("意外致困", "意外致困户"):
            return "遭受意外事故" if self.chance(0.7) else "遭受自然灾害"
        if worker.health in SERIOUS or any(m.health in SERIOUS for m in members if m.cohabiting):
            return "患重特大疾病"
        if worker.health == "残疾":
            return "无劳动能力"
        if work in ("下(待)岗", "失(无)业"):
            return "下岗失业" if self.chance(0.6) else "有劳动能力而未就业"
        if any(m.identity in ("高中", "中职中技", "大学生", "研究生") for m in members):
            return "子女上学"
        return self.choice(("社会保险待遇落实不到位", "未参加社会保险", "其他", "子女上学"))

    def key_group(self, work: str, ill: bool, category: str) -> str:
        if ill or category in ("意外致困", "意外致困户"):
            return "支出性困难（重病、灾害、意外）"
        if work == "农民工":
            return "城市困难农民工"
        if work in ("下(待)岗", "内退"):
            return "供给侧结构性改革中的困难职工"
        if category in ("深度困难", "低保户"):
            return self.choice(("低保内有劳动能力未充分就业", "收入低于低保线未纳入低保"))
        return "其他"
