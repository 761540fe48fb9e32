"""Money: the income and rigid-expense lines of a household and Form B (家庭收支调查表).

Why: the income lines are scaled so that a household's per-capita net income lands in a band
that fits its category and archive status against the local 低保 standard; that arithmetic, and
the monthly records that follow from it, belong together and apart from the people who earn it.
"""

from __future__ import annotations

from datetime import date

from fieldapp.core.demo.people import PeopleMixin, _Person
from fieldapp.core.demo.people_data import MEDICAL_COST, MEMBER_INCOME, STUDENT_COST, WORK_INCOME
from fieldapp.core.demo.shared import Values, _month_first


class IncomeMixin(PeopleMixin):
    """Draws the money lines and Form B."""

    def money_lines(
        self,
        worker: _Person,
        work: str,
        cohabiting: list[_Person],
        category: str,
        dibao: int,
        status: str,
    ) -> tuple[list[Values], list[Values]]:
        """Income and rigid-expense rows of Form B, scaled so the household's per-capita net
        income lands in a band that fits its category and archive status."""
        rng = self.rng
        lines: list[tuple[str, str, str, int]] = []  # member, kind, item, annual 分
        low, high, kind, item = WORK_INCOME[work]
        if work != "失(无)业" or self.chance(0.4):
            worker.monthly_income = self.yuan(low, high, 10)
            lines.append((worker.name, kind, item, worker.monthly_income * 12))
        for m in cohabiting[1:]:
            if m.identity in MEMBER_INCOME and m.monthly_income:
                _, _, kind, item = MEMBER_INCOME[m.identity]
                lines.append((m.name, kind, item, m.monthly_income * 12))
            elif m.age >= 60 and m.identity != "退休":
                amount = self.yuan(110, 220, 10)
                m.monthly_income = amount
                lines.append((m.name, "转移性收入", "城乡居民基础养老金", amount * 12))
        if category in ("深度困难", "低保户") and self.chance(0.6):
            lines.append(
                (
                    "全家",
                    "转移性收入",
                    "低保金",
                    int(dibao * len(cohabiting) * rng.uniform(0.2, 0.5)) // 100 * 1200,
                )
            )
        if self.chance(0.1):
            lines.append(("全家", "财产性收入", "存款利息", self.yuan(30, 600)))
        if self.chance(0.06):
            lines.append(("全家", "转移性收入", "赡养费", self.yuan(1200, 6000, 100)))

        expenses: list[tuple[str, str, int]] = []
        for p in cohabiting:
            if p.health in MEDICAL_COST:
                lo, hi = MEDICAL_COST[p.health]
                expenses.append(
                    (
                        "自付医疗费",
                        f"{p.name}{p.health.split('/')[0]}自付医疗费",
                        self.yuan(lo, hi, 10),
                    )
                )
            elif p.health == "残疾":
                expenses.append(
                    ("残疾康复/长期照料", f"{p.name}康复和护理费用", self.yuan(2000, 15000, 10))
                )
            if p.identity in STUDENT_COST:
                lo, hi = STUDENT_COST[p.identity]
                what = "保教费" if p.identity == "学龄前" else "学杂费和住宿费"
                expenses.append(("子女教育", f"{p.name}{what}", self.yuan(lo, hi, 10)))
        if self.chance(0.15) and work in ("在岗", "农民工"):
            expenses.append(("必要就业成本", "上下班交通费", self.yuan(1200, 3600, 10)))

        # Scale incomes towards a target per-capita net income (× 低保 standard).
        factor = {
            "深度困难": (0.3, 1.05),
            "低保户": (0.3, 1.05),
            "意外致困": (0.2, 1.6),
            "意外致困户": (0.2, 1.6),
        }.get(category, (0.95, 2.1))
        if status == "已脱困":
            factor = (1.4, 2.6)
        elif status == "已解困":
            factor = (1.05, 1.6)
        target = dibao * rng.uniform(*factor) * len(cohabiting) * 12
        rigid = sum(amount for _, _, amount in expenses)
        natural = sum(line[3] for line in lines)
        wanted = max(target + rigid, 300000.0)
        if natural <= 0:
            lines.append(("全家", "转移性收入", "亲属资助", int(wanted * 0.6) // 100 * 100))
        else:
            scale = min(max(wanted / natural, 0.4), 2.2)
            lines = [
                (who, k, it, int(amount * scale) // 1000 * 1000) for who, k, it, amount in lines
            ]
        monthly = {
            who: amount // 12 // 100 * 100
            for who, _, it, amount in lines
            if it not in ("低保金", "存款利息", "赡养费", "亲属资助")
        }
        for p in cohabiting:
            if p.name in monthly:
                p.monthly_income = monthly[p.name]

        income_rows = [
            self.row(
                "B", "incomes", {"member": who, "kind": k, "item": it, "annual_amount": amount}
            )
            for who, k, it, amount in lines
            if amount > 0
        ]
        expense_rows = [
            self.row("B", "expenses", {"kind": k, "item": it, "annual_amount": amount})
            for k, it, amount in expenses
        ]
        return income_rows, expense_rows

    def form_b(
        self,
        survey_date: date,
        family_size: int,
        incomes: list[Values],
        expenses: list[Values],
        annual_income: int,
        rigid: int,
        county: str,
        status: str,
    ) -> Values:
        rng = self.rng
        months = self.randint(6, 12)
        keep_above = status in ("已脱困", "已解困") or self.chance(0.2)
        records = []
        for back in range(months - 1, -1, -1):
            first = _month_first(survey_date, back)
            income = int(annual_income / 12 * rng.uniform(0.85, 1.15)) // 100 * 100
            expense: int | None = int(rigid / 12 * rng.uniform(0.7, 1.3)) // 100 * 100
            if not rigid:
                expense = None
            standard = self.dibao(county, first)
            if keep_above and back < 6 and standard is not None:
                floor = standard * family_size + (expense or 0) + self.yuan(30, 300) * family_size
                income = max(income, floor // 100 * 100 + 100)
            records.append(
                self.row(
                    "B",
                    "monthly_records",
                    {
                        "month": f"{first.year:04d}-{first.month:02d}",
                        "income": income,
                        "expense": expense,
                    },
                )
            )
        return {
            **self.templates["B"],
            "survey_date": survey_date.isoformat(),
            "incomes": incomes,
            "expenses": expenses,
            "monthly_records": records,
            "surveyor": self.cadre_name(),
            "notes": "收入以工资条、养老金发放记录为准" if self.chance(0.1) else None,
        }
