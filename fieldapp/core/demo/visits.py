"""Form D (结对帮扶记录表): the assigned helper and the visits of the survey year.

Why: what a visit is about depends on the household's situation (illness, school, job, housing,
elders); the topics and the visit rows live here, apart from the archive and the problems.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from fieldapp.core.demo.people import PeopleMixin
from fieldapp.core.demo.places_data import CITY_LABELS
from fieldapp.core.demo.shared import Values, _Weighted

VISIT_METHOD = _Weighted([("入户走访", 70.0), ("电话", 25.0), ("其他", 5.0)])
HELPER_TITLES = (
    "主席",
    "副主席",
    "经审委员",
    "干事",
    "女职工委员会主任",
    "帮扶中心主任",
    "组织委员",
)
# What a visit is about, by the household's situation: (需求, 宣传的政策, 帮扶内容).
VISIT_TOPICS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "medical": (
        (
            "医疗费用负担重，希望申请医疗救助",
            "重特大疾病医疗救助、工会医疗互助",
            "协助办理医疗救助手续",
        ),
        ("药费开支大，医保报销后自付仍多", "就医减免优待、大病保险", "陪同到医保窗口办理报销"),
    ),
    "school": (("孩子开学在即，学费还有缺口", "金秋助学、国家助学金", "协调学校减免住宿费"),),
    "job": (("本人希望找一份离家近的工作", "职业技能培训补贴", "联系社区推荐公益性岗位"),),
    "house": (("房屋漏雨需要维修", "公租房申请条件", "联系住建部门查看房屋安全"),),
    "elder": (("家中老人需要照料，无法外出务工", "临时救助申请条件", "联系社区居家养老服务"),),
    "general": (
        ("暂无新的困难", "最低生活保障、临时救助申请条件", "了解近况，宣讲帮扶政策"),
        ("生活基本稳定，希望继续得到帮扶", "元旦春节送温暖", "送去大米一袋、食用油一桶"),
        ("节前生活开支较大", "工会困难职工生活救助", "送去慰问金500元"),
    ),
}
VISIT_EFFECT = (
    "职工表示满意",
    "问题已反映至相关部门，等待答复",
    "已领取救助金",
    "已落实岗位",
    "生活有所改善",
    "情绪稳定，对帮扶表示感谢",
)


class VisitMixin(PeopleMixin):
    """Draws Form D."""

    def form_d(
        self, county_name: str, city_short: str, employer: str, situations: Sequence[str]
    ) -> Values:
        rng = self.rng
        topics = [t for key in ("general", *situations) for t in VISIT_TOPICS[key]]
        city = CITY_LABELS.get(city_short, city_short)
        unit = self.choice((f"{county_name}总工会", f"{city}总工会", f"{employer}工会"))
        start = date(self.today.year, 1, 2)  # visits of the survey year ...
        if (self.today - start).days < 90:  # ... or of the last half year early in January
            start = self.today - timedelta(days=180)
        days = sorted(self.day_between(start, self.today) for _ in range(self.randint(1, 6)))
        visits = []
        for day in days:
            need, policies, help_given = self.choice(topics)
            visits.append(
                self.row(
                    "D",
                    "visits",
                    {
                        "date": day.isoformat(),
                        "method": VISIT_METHOD.pick(rng),
                        "problems_found": need,
                        "policies_explained": policies,
                        "help_content": help_given,
                        "effect": self.choice(VISIT_EFFECT) if self.chance(0.8) else None,
                    },
                )
            )
        return {
            **self.templates["D"],
            "helper_name": self.cadre_name(),
            "helper_unit": unit,
            "helper_title": self.choice(HELPER_TITLES),
            "helper_phone": self.phone(),
            "visits": visits,
        }
