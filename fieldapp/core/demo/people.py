"""People: names, ID numbers, phones, the worker and the members of the family.

Why: every form names people, and the family (who lives together, who studies, who is ill or
retired) drives incomes, policies, problems and checks; this module makes ``_Person`` values and
nothing else, so the form builders only read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fieldapp.core.demo.base import FactoryBase
from fieldapp.core.demo.people_data import (
    ADULT_IDENTITY,
    CHILDREN,
    DAI_PREFIX,
    DAI_SUFFIX,
    ELDER_HEALTH,
    FEMALE_CHARS,
    MALE_CHARS,
    MEMBER_HEALTH,
    MEMBER_INCOME,
    MINORITY_GIVEN,
    PARENTS,
    SERIOUS,
    SURNAMES,
    TIBETAN_NAMES,
    UNIVERSITIES,
)
from fieldapp.core.demo.places_data import CITY_LABELS, MOBILE_PREFIXES, TOWNS
from fieldapp.core.demo.shared import _age, _Weighted, _years_before
from fieldapp.core.values.idcard import make_id_number


@dataclass
class _Person:
    name: str
    gender: str
    birth: date
    age: int
    id_number: str
    ethnicity: str
    health: str
    identity: str
    relation: str = ""
    cohabiting: bool = True
    school: str | None = None
    monthly_income: int = 0  # 分


class PeopleMixin(FactoryBase):
    """Draws the people of a household."""

    def ethnicity(self, county: str) -> str:
        choice = self.ethnic_by_county.get(county)
        if choice is None:
            names = " ".join(r.name for r in self.regions.path(county))
            boosted = [
                (e, w * (12.0 if e in names and e != "汉族" else 1.0)) for e, w in self.ethnic_base
            ]
            choice = self.ethnic_by_county[county] = _Weighted(boosted)
        return choice.pick(self.rng)

    def person_name(self, gender: str, ethnicity: str, surname: str | None = None) -> str:
        rng = self.rng
        if ethnicity == "傣族" and surname is None and self.chance(0.6):
            given = self.choice(DAI_SUFFIX)
            if self.chance(0.4):
                given += self.choice(DAI_SUFFIX)
            return DAI_PREFIX[gender] + given
        if ethnicity == "藏族" and surname is None and self.chance(0.6):
            return self.choice(TIBETAN_NAMES[gender])
        family = surname or SURNAMES.pick(rng)
        if ethnicity != "汉族" and self.chance(0.25):
            return family + self.choice(MINORITY_GIVEN[gender])
        chars = MALE_CHARS if gender == "男" else FEMALE_CHARS
        if self.chance(0.3):
            return family + self.choice(chars)
        return family + self.choice(chars) + self.choice(chars)

    def cadre_name(self) -> str:
        return self.person_name("男" if self.chance(0.5) else "女", "汉族")

    def id_number(self, region: str, birth: date, gender: str, unique: bool = False) -> str:
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (1 if gender == "男" else 0)
            number = make_id_number(region, birth, seq)
            if not unique or number not in self.used_ids:
                break
        if unique:
            self.used_ids.add(number)
        return number

    def phone(self) -> str:
        return self.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def birth_for_age(self, low: int, high: int) -> date:
        """A birth date giving an age in [low, high] on the reference day."""
        start = _years_before(self.today, high + 1) + timedelta(days=1)
        end = _years_before(self.today, low)
        return self.day_between(start, end)

    def person(
        self,
        gender: str,
        low: int,
        high: int,
        region: str,
        ethnicity: str,
        health: str,
        identity: str,
        relation: str = "",
        surname: str | None = None,
        unique: bool = False,
    ) -> _Person:
        birth = self.birth_for_age(max(low, 0), high)
        return _Person(
            name=self.person_name(gender, ethnicity, surname),
            gender=gender,
            birth=birth,
            age=_age(birth, self.today),
            id_number=self.id_number(region, birth, gender, unique),
            ethnicity=ethnicity,
            health=health,
            identity=identity,
            relation=relation,
        )

    def members(
        self,
        worker: _Person,
        marital: str,
        hukou: str,
        county: str,
        city_short: str,
        county_name: str,
    ) -> list[_Person]:
        rng = self.rng
        out: list[_Person] = []
        other = "女" if worker.gender == "男" else "男"
        surname = worker.name[0] if worker.ethnicity in ("汉族", "白族", "回族") else None
        if marital == "已婚" and self.chance(0.95):
            spouse_region = hukou if self.chance(0.7) else self.choice(self.county_codes)
            spouse_eth = worker.ethnicity if self.chance(0.7) else "汉族"
            lo, hi = worker.age - 6, worker.age + 4
            spouse = self.person(
                other,
                max(lo, 20),
                max(hi, 22),
                spouse_region,
                spouse_eth,
                MEMBER_HEALTH.pick(rng),
                "",
                "配偶",
            )
            spouse.identity = self.adult_identity(spouse)
            out.append(spouse)
        if marital != "未婚" and worker.age >= 22:
            for _ in range(CHILDREN.pick(rng)):
                high = min(worker.age - 20, 30)
                low = max(worker.age - 40, 0)
                if high < low:
                    break
                gender = "男" if self.chance(0.52) else "女"
                child = self.person(
                    gender,
                    low,
                    high,
                    hukou,
                    worker.ethnicity,
                    MEMBER_HEALTH.pick(rng) if self.chance(0.2) else "良好",
                    "",
                    "子女",
                    surname=surname,
                )
                self.child_identity(child, county_name, city_short)
                out.append(child)
        if worker.age < 58 and len(out) < 5:
            for _ in range(PARENTS.pick(rng)):
                relation = "父母" if self.chance(0.7) else "岳父母或公婆"
                gender = "男" if self.chance(0.45) else "女"
                low, high = min(worker.age + 22, 95), min(worker.age + 35, 95)
                parent = self.person(
                    gender,
                    low,
                    high,
                    hukou if self.chance(0.6) else self.choice(self.county_codes),
                    worker.ethnicity,
                    ELDER_HEALTH.pick(rng),
                    "",
                    relation,
                )
                parent.identity = self.adult_identity(parent)
                parent.cohabiting = self.chance(0.75)
                out.append(parent)
        return out[:5]

    def adult_identity(self, p: _Person) -> str:
        rng = self.rng
        if p.age >= 60:
            identity = "退休" if self.chance(0.45) else self.choice(("务农", "无劳动能力", "其他"))
        elif p.health in SERIOUS or p.health == "残疾":
            identity = self.choice(("无劳动能力", "病休", "失(无)业", "灵活就业"))
        else:
            identity = ADULT_IDENTITY.pick(rng)
        if identity in MEMBER_INCOME:
            low, high = MEMBER_INCOME[identity][:2]
            p.monthly_income = self.yuan(low, high, 10)
        return identity

    def child_identity(self, child: _Person, county_name: str, city_short: str) -> None:
        age, city = child.age, CITY_LABELS.get(city_short, city_short)
        if age < 6:
            child.identity = "学龄前"
            child.school = f"{county_name}{self.choice(TOWNS)}幼儿园" if age >= 3 else None
        elif age < 12:
            child.identity = "小学"
            child.school = f"{county_name}{self.choice(TOWNS)}小学"
        elif age < 15:
            child.identity = "初中"
            child.school = f"{county_name}第{self.choice('一二三四五')}中学"
        elif age < 18:
            if self.chance(0.75):
                child.identity = "高中"
                child.school = f"{city}第{self.choice('一二三四五六七八')}中学"
            else:
                child.identity = "中职中技"
                child.school = f"{city}{self.choice(('工业', '农业', '财贸', '卫生'))}学校"
        elif age < 23 and self.chance(0.6):
            child.identity = "大学生"
            child.school = self.choice(UNIVERSITIES)
        elif age < 26 and self.chance(0.08):
            child.identity = "研究生"
            child.school = self.choice(UNIVERSITIES[:6])
        else:
            child.identity = self.adult_identity(child)
            child.cohabiting = self.chance(0.6)
