"""The factory: one object built from the per-form mixins, and the household it assembles.

Why: ``household`` fixes the order in which the parts draw from the shared random stream (the
worker, the family, dates, money, then Forms A to E, the checks, drafts and ids), which is what
makes a seed reproducible; keeping that order in one short method makes it visible.
"""

from __future__ import annotations

from datetime import timedelta

from fieldapp.core.demo.archive import ArchiveMixin
from fieldapp.core.demo.assessment import AssessmentMixin
from fieldapp.core.demo.incomes import IncomeMixin
from fieldapp.core.demo.people_data import (
    HEALTH,
    MARITAL,
    SERIOUS,
    STUDENT_COST,
    WORK_ILL,
    WORK_NORMAL,
)
from fieldapp.core.demo.places_data import PREFECTURES
from fieldapp.core.demo.policies import PolicyMixin
from fieldapp.core.demo.problems import ProblemMixin
from fieldapp.core.demo.shared import Values, _latest_day, _Weighted
from fieldapp.core.demo.visits import VisitMixin
from fieldapp.core.store.records import BulkHousehold

STATUSES = _Weighted([("在档", 82.0), ("已脱困", 10.0), ("已解困", 5.0), ("注销", 3.0)])
RELATIVE = {"相对困难": "深度困难", "低保边缘户": "低保户"}
STATUS_REASONS = {
    "已脱困": ("致困因素消除，家庭人均收入连续6个月超过当地低保标准，经入户核查、公示后脱困",),
    "已解困": ("重病（残疾）无法脱困，经政府兜底保障和工会常态化帮扶，家庭人均收入达到低保水平",),
    "注销": ("职工本人去世，注销档案", "经复核不符合建档条件，注销档案", "家庭迁出本地，转出档案"),
}


class _Factory(ArchiveMixin, IncomeMixin, PolicyMixin, VisitMixin, ProblemMixin, AssessmentMixin):
    """Builds one household at a time from the shared random stream."""

    def household(self, index: int) -> BulkHousehold:
        rng = self.rng
        hid = self.uuid()
        county = self.county_choice.pick(rng)
        city = county[:4] + "00"
        city_short = PREFECTURES.get(city, ("云南", 0.0))[0]
        county_name = self.short_county(county)
        status = STATUSES.pick(rng)
        category = self.categories.pick(rng)
        hukou = county if self.chance(0.85) else self.choice(self.county_codes)

        # The worker.
        gender = "男" if self.chance(0.56) else "女"
        ethnicity = self.ethnicity(county)
        health = self.choice(SERIOUS + ("残疾",)) if status == "已解困" else HEALTH.pick(rng)
        age_high = 62 if gender == "男" else 57
        worker = self.person(gender, 24, age_high, hukou, ethnicity, health, "", unique=True)
        retire_age = 60 if gender == "男" else 50
        if worker.age >= retire_age and self.chance(0.75):
            work = "退休"
        elif health in SERIOUS or health == "残疾":
            work = WORK_ILL.pick(rng)
        else:
            work = WORK_NORMAL.pick(rng)
        worker.identity = work
        if worker.age < 30 and self.chance(0.5):
            marital = "未婚"
        else:
            marital = MARITAL.pick(rng)

        members = self.members(worker, marital, hukou, county, city_short, county_name)
        cohabiting = [worker] + [m for m in members if m.cohabiting]
        family_size = len(cohabiting)
        students = [m for m in cohabiting if m.identity in STUDENT_COST]

        # Dates of the survey year.
        filing_year = self.randint(2016, min(2025, self.today.year - 1))
        survey_date = self.day_between(
            self.today - timedelta(days=245), self.today - timedelta(days=1)
        )
        dibao_now = self.dibao(county, survey_date) or 55000

        # Incomes and rigid expenses (annual, 分).
        employer_name, nature = self.employer(county_name, city_short)
        incomes, expenses = self.money_lines(worker, work, cohabiting, category, dibao_now, status)
        annual_income = sum(r["annual_amount"] for r in incomes)
        rigid = sum(r["annual_amount"] for r in expenses)

        a = self.form_a(
            index,
            worker,
            members,
            county,
            city_short,
            county_name,
            hukou,
            category,
            filing_year,
            work,
            marital,
            employer_name,
            nature,
        )
        b = self.form_b(
            survey_date, family_size, incomes, expenses, annual_income, rigid, county, status
        )
        c = self.form_c(
            worker,
            cohabiting,
            students,
            category,
            dibao_now,
            family_size,
            a["housing_type"],
            survey_date,
        )
        situations = [
            key
            for key, present in (
                ("medical", any(p.health != "良好" for p in cohabiting)),
                ("school", bool(students)),
                ("job", any(p.identity in ("失(无)业", "下(待)岗") for p in cohabiting)),
                ("house", a["housing_safe"] != "安全"),
                ("elder", any(p.relation in ("父母", "岳父母或公婆") for p in cohabiting)),
            )
            if present
        ]
        d = self.form_d(county_name, city_short, employer_name, situations)
        e = self.form_e(worker, cohabiting, students, county_name, a, survey_date, status)
        forms: dict[str, Values] = {"A": a, "B": b, "C": c, "D": d, "E": e}
        if self.chance(0.88):
            forms["LQ"] = self.form_lq(survey_date)
            forms["BZ"] = self.form_bz(a, b, cohabiting, students, survey_date)
        # The forms are "saved" on the last day they mention, and computed as of that day, so a
        # revision never holds a date after its save nor ages of another day (rules.freshness).
        saved_on = _latest_day(forms, self.today) or survey_date
        self.compute(forms, county, as_of=saved_on)
        mpc, std = b["monthly_per_capita"], b["dibao_standard"]
        if category in RELATIVE and mpc is not None and std is not None and mpc < std:
            # below the 低保 line is deep hardship (Form B warns about the other reading)
            a["category"] = RELATIVE[category]

        states = {fid: "final" for fid in forms}
        if self.chance(0.1):
            for fid in rng.sample(sorted(forms), self.randint(1, 2)):
                states[fid] = "draft"
                self.make_incomplete(fid, forms[fid])
        hour, minute = self.randint(8, 18), self.randint(0, 59)
        created = f"{saved_on.isoformat()}T{hour:02d}:{minute:02d}:{self.randint(0, 59):02d}"
        return BulkHousehold(
            id=hid,
            forms=forms,
            states=states,
            created_at=created + ".000+00:00",
            status=status,
            status_reason=self.choice(STATUS_REASONS[status]) if status != "在档" else "演示数据",
            revision_ids={fid: self.uuid() for fid in sorted(forms)},
        )

    def make_incomplete(self, form_id: str, values: Values) -> None:
        """A draft is usually a form the cadre has not finished: leave one answer blank."""
        blank = {
            "A": "political",
            "B": "surveyor",
            "D": "helper_phone",
            "LQ": "checked_date",
            "BZ": "checked_date",
        }.get(form_id)
        if blank is not None and self.chance(0.7):
            values[blank] = None
