"""The checks and the calculated fields: 六清核查表 (LQ), 两有五保障核查表 (BZ) and ``compute``.

Why: the calculated fields are computed here with the forms' own arithmetic instead of by the
form engine, which costs about ten times as much per household (see ``generate``); this module
is the one place that must follow the forms' expressions, next to the two check forms whose
totals ``compute`` also fills in.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from fieldapp.core.demo.people import PeopleMixin, _Person
from fieldapp.core.demo.people_data import EMPLOYED, SERIOUS, STUDENT_COST
from fieldapp.core.demo.shared import Values, _age

NOT_CLEAR = {
    "basics_clear": "家庭成员收入证明未补齐",
    "policies_clear": "部分救助资金发放记录待核对",
    "difficulties_clear": "配偶病情待复查确认",
    "measures_clear": "住房问题的责任单位待明确",
    "effects_clear": "医疗救助办理结果尚未回访",
    "visits_clear": "部分走访记录缺职工签字",
}


class AssessmentMixin(PeopleMixin):
    """Draws the LQ and BZ checks and computes every form's calculated fields."""

    def form_lq(self, survey_date: date) -> Values:
        values = {**self.templates["LQ"]}
        for name, note in NOT_CLEAR.items():
            clear = self.chance(0.96)
            values[name] = "清" if clear else "不清"
            values[name + "_note"] = None if clear else note
        values["checked_by"] = self.cadre_name()
        values["checked_date"] = self.day_between(survey_date, self.today).isoformat()
        return values

    def form_bz(
        self,
        a: Values,
        b: Values,
        cohabiting: list[_Person],
        students: list[_Person],
        survey_date: date,
    ) -> Values:
        income = sum(r["annual_amount"] for r in b["incomes"])
        rigid = sum(r["annual_amount"] for r in b["expenses"])
        per_capita = (income - rigid) // len(cohabiting) // 12
        standard = self.dibao(a["residence_region"], survey_date)
        fed = standard is not None and per_capita > standard
        text = f"月人均收入{per_capita // 100}元，当地低保标准{(standard or 0) // 100}元/人·月。"
        able = [
            p
            for p in cohabiting
            if 16 <= p.age < 60
            and p.identity not in STUDENT_COST
            and (p.identity in EMPLOYED or p.identity != "无劳动能力" and p.health not in SERIOUS)
        ]
        working = [p for p in able if p.identity in EMPLOYED]
        employment = "不适用" if not able else "达标" if working else "未达标"
        insured = a["medical_insurance"] != "未参保" and a["serious_illness_insurance"] == "是"
        housing_ok = a["housing_safe"] == "安全"
        return {
            **self.templates["BZ"],
            "has_food": "达标" if fed else "未达标",
            "has_food_evidence": text,
            "has_clothing": "达标" if fed else "未达标",
            "has_clothing_evidence": text,
            "employment": employment,
            "employment_evidence": (
                f"{working[0].name}{working[0].identity}，月收入"
                f"{working[0].monthly_income // 100}元。"
                if working
                else "家庭成员均无劳动能力。"
                if not able
                else "有劳动能力成员未就业。"
            ),
            "medical": "达标" if insured else "未达标",
            "medical_evidence": (
                f"{a['medical_insurance']}，大病保险：{a['serious_illness_insurance']}。"
            ),
            "education": ("不适用" if not students else "达标" if self.chance(0.97) else "未达标"),
            "education_evidence": (
                f"{students[0].name}在{students[0].school or '学校'}就读。" if students else None
            ),
            "social_security": "未达标" if a["pension_insurance"] == "未参保" else "达标",
            "social_security_evidence": f"养老保险：{a['pension_insurance']}。",
            "housing": "达标" if housing_ok else "未达标",
            "housing_evidence": (
                f"{a['housing_type']}，{a['floor_area'] or 0}平方米，房屋安全。"
                if housing_ok
                else f"{a['housing_type']}，住房不安全或无房。"
            ),
            "checked_by": self.cadre_name(),
            "checked_date": self.day_between(survey_date, self.today).isoformat(),
        }

    @staticmethod
    def per_capita(income: int, expense: int, people: int, months: int) -> int:
        """(income − expense) ÷ people ÷ months in 分, rounded half up (away from zero) like
        ``yuan_to_fen``: exact integer arithmetic, equal to the expression language's 28-digit
        decimal result for these small divisors (the tests compare with the engine)."""
        numerator, denominator = income - expense, people * months
        whole = (2 * abs(numerator) + denominator) // (2 * denominator)
        return whole if numerator >= 0 else -whole

    def able_jobless(self, age: int, identity: str | None, health: str | None, income: Any) -> int:
        """A.worker_able_jobless / members.able_jobless: counted at the minimum wage."""
        return int(
            16 <= age < 60
            and identity in self.option_values("identity_jobless")
            and health not in self.option_values("health_serious")
            and not income
        )

    def compute_income(self, a: Values, b: Values, county: str) -> None:
        """Form B's income lines, the minimum-wage imputation and the annual total."""
        excluded = self.option_values("income_excluded")
        for r in b["incomes"]:
            item = r["item"] or ""
            skip = r["kind"] in excluded or any(w in item for w in ("贷款", "借款", "慰问金"))
            r["counted_amount"] = 0 if skip else r["annual_amount"]
        b["jobless_people"] = jobless = a["able_jobless_count"]
        wage = self.min_wage(county, date.fromisoformat(b["survey_date"])) if jobless else None
        b["min_wage_standard"] = wage
        b["imputed_income"] = imputed = (
            (None if wage is None else jobless * wage * 12) if jobless else 0
        )
        b["imputed_used"] = imputed
        counted = sum(r["counted_amount"] for r in b["incomes"])
        b["annual_income"] = None if jobless and imputed is None else counted + (imputed or 0)
        b["excluded_income"] = sum(r["annual_amount"] for r in b["incomes"]) - counted

    def compute(self, forms: Mapping[str, Values], county: str, as_of: date | None = None) -> None:
        """Every calculated field, as the engine computes them on day ``as_of`` (default: the
        reference day)."""
        a, b, c, d, e = (forms[k] for k in "ABCDE")
        today = as_of or self.today
        size = 1
        jobless = a["worker_able_jobless"] = self.able_jobless(
            _age(date.fromisoformat(a["birth_date"]), today),
            a["work_status"],
            a["health"],
            a["monthly_income"],
        )
        for m in a["members"]:
            m["age"] = _age(date.fromisoformat(m["birth_date"]), today)
            m["lives_together"] = 0 if m["cohabiting"] == "否" or m["deceased"] == "是" else 1
            size += m["lives_together"]
            m["able_jobless"] = m["lives_together"] and self.able_jobless(
                m["age"], m["identity"], m["health"], m["monthly_income"]
            )
            jobless += m["able_jobless"]
        a["family_size"] = size
        a["able_jobless_count"] = jobless

        b["population"] = size
        self.compute_income(a, b, county)
        income = b["annual_income"]
        b["rigid_expense"] = rigid = sum(r["annual_amount"] for r in b["expenses"])
        mpc = None if income is None else self.per_capita(income, rigid, size, 12)
        b["monthly_per_capita"] = mpc
        b["dibao_standard"] = std = self.dibao(county, date.fromisoformat(b["survey_date"]))
        b["hardship_band"] = band = (
            None
            if std is None or mpc is None
            else (
                "低于低保标准"
                if mpc < std
                else "低保1–1.5倍"
                if 2 * mpc < 3 * std
                else "低保1.5–2倍"
                if mpc < 2 * std
                else "高于低保2倍"
            )
        )
        for r in b["monthly_records"]:
            r["per_capita"] = pc = self.per_capita(r["income"], r["expense"] or 0, size, 1)
            year, month = r["month"].split("-")
            r["month_dibao"] = ms = self.dibao(county, date(int(year), int(month), 1))
            r["above_dibao"] = None if ms is None else "是" if pc > ms else "否"

        loans = self.option_values("loan_categories")
        for r in c["policies"]:
            loan = r["fund_kind"] == "贷款" or (
                r["fund_kind"] is None
                and (r["category"] in loans or "贷款" in (r["policy_name"] or ""))
            )
            r["is_loan"] = "是" if loan else "否"
            r["counted_amount"] = 0 if loan or r["implemented"] == "否" else r["amount"] or 0
            r["loan_amount"] = r["amount"] or 0 if loan else 0
        c["total_amount"] = sum(r["counted_amount"] for r in c["policies"])
        c["loan_total"] = sum(r["loan_amount"] for r in c["policies"])
        c["policy_count"] = sum(1 for r in c["policies"] if r["category"] is not None)
        d["visit_count"] = sum(1 for r in d["visits"] if r["date"] is not None)
        for r in e["problems"]:
            r["has_measure"] = 0 if not r["measure"] else (r["measure_count"] or 1)
            r["is_solved"] = 1 if r["status"] == "已解决" else 0
        e["needs_found"] = sum(1 for r in e["problems"] if r["category"] is not None)
        e["measures"] = sum(r["has_measure"] for r in e["problems"])
        e["solved"] = sum(r["is_solved"] for r in e["problems"])
        if "LQ" in forms:
            lq = forms["LQ"]
            lq["clear_count"] = sum(1 for name in NOT_CLEAR if lq[name] == "清")
        if "BZ" in forms:
            bz = forms["BZ"]
            bz["income_reference"] = band
            bz["unmet_count"] = sum(
                1
                for name in (
                    "has_food",
                    "has_clothing",
                    "employment",
                    "medical",
                    "education",
                    "social_security",
                    "housing",
                )
                if bz[name] == "未达标"
            )
