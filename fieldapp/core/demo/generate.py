"""Synthetic demo households: a store that looks like a county's 户户清 files, with no real people.

Why: trials, training sessions and benchmarks need thousands of households whose forms read like
the real thing (names, ID numbers, incomes against the local 低保 standard, policies, visits,
problems, the 六清 and 两有五保障 checks), but real casework data must never leave the union's
offices. Everything here is invented: names are drawn from common surnames, ID numbers are
synthetic (valid checksum and date, random sequence), phone numbers and bank cards are random.

The data is deterministic for a seed: one ``random.Random`` stream drives every choice, ids are
UUIDs taken from it, and dates count from a fixed reference day (``DEMO_TODAY`` unless given), so
two runs on two fresh databases give identical form data.

Speed: ``FormEngine.validate_all`` costs about 7 ms of CPU per household (``compute`` alone
4.4 ms), i.e. 12 minutes for 100,000 households, against 0.6 ms to generate one. So values are
generated directly in the stored shape the engine produces (money as int 分, ISO dates, option
values, every field present, repeat rows with ``_id``) and the calculated fields are computed
here with the forms' own arithmetic. The first ``ENGINE_SAMPLE``
households go through the engine anyway and are compared with the direct values; if the form
definitions have changed so that the two disagree, a ``DemoDataWarning`` is issued and every
remaining household is normalised by the engine instead (slow but correct; a form that then has
errors is saved as a draft).
"""

from __future__ import annotations

import bisect
import random
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import Any, Generic, TypeVar

from fieldapp.core.forms.engine import FormEngine
from fieldapp.core.forms.model import Field, Form
from fieldapp.core.store.records import BulkHousehold
from fieldapp.core.store.store import Store
from fieldapp.core.values.idcard import make_id_number

DEMO_TODAY = date(2026, 11, 1)
"""Default reference day: every generated date is on or before it (deadlines may be later)."""

DEMO_DIBAO_SOURCE = "演示数据（非真实标准）"
DEMO_DIBAO_SINCE = "2018-07-01"
ENGINE_SAMPLE = 20
"""How many households are normalised by the engine and compared with the direct values."""
PROGRESS_EVERY = 1000

T = TypeVar("T")
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (4 << 76) | (0x8000 << 48)
Values = dict[str, Any]


class DemoDataWarning(UserWarning):
    """The direct values disagree with the engine (forms changed): the engine is used instead."""


class _Weighted(Generic[T]):
    """Weighted choice with precomputed cumulative weights (``random.choices`` redoes them)."""

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cum = list(accumulate(weight for _, weight in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


# -- people ------------------------------------------------------------------------------------

SURNAMES = _Weighted(
    [
        ("王", 7.1),
        ("李", 7.9),
        ("张", 6.9),
        ("刘", 5.4),
        ("陈", 4.5),
        ("杨", 5.1),
        ("赵", 2.6),
        ("黄", 2.2),
        ("周", 2.1),
        ("吴", 2.0),
        ("徐", 1.3),
        ("孙", 1.2),
        ("马", 1.6),
        ("朱", 1.2),
        ("胡", 1.1),
        ("郭", 1.0),
        ("何", 1.2),
        ("罗", 1.3),
        ("高", 1.0),
        ("林", 0.9),
        ("段", 0.6),
        ("普", 0.4),
        ("字", 0.3),
        ("者", 0.2),
        ("起", 0.2),
        ("鲁", 0.3),
        ("余", 0.6),
        ("施", 0.4),
        ("尹", 0.4),
        ("苏", 0.5),
        ("郑", 0.8),
        ("谢", 0.7),
        ("唐", 0.7),
        ("许", 0.7),
        ("邓", 0.7),
        ("冯", 0.6),
        ("韩", 0.5),
        ("曹", 0.5),
        ("彭", 0.5),
        ("董", 0.6),
        ("付", 0.5),
        ("沈", 0.4),
        ("蒋", 0.4),
        ("丁", 0.4),
        ("范", 0.4),
        ("方", 0.4),
        ("石", 0.4),
        ("姚", 0.3),
        ("谭", 0.3),
        ("毛", 0.3),
        ("熊", 0.4),
        ("孔", 0.2),
        ("白", 0.3),
        ("田", 0.4),
        ("龙", 0.3),
        ("保", 0.2),
    ]
)
MALE_CHARS = "伟强军勇磊涛斌杰明超刚平辉鹏华飞鑫波宇浩凯健俊文海林云龙春德贵荣昌福祥志国兴成才庆丰"
FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲英秀红梅琳婷雪慧萍兰琼莲凤珍翠仙月美娥花春云丹"
MINORITY_GIVEN = {
    "男": ("阿龙", "阿木", "木呷", "拉博", "者黑", "阿普", "尔古", "阿果", "沙玛", "阿鲁"),
    "女": ("阿依", "阿呷", "依娜", "咪波", "娜珠", "阿诗", "阿妹", "阿兰", "咪娜", "娜依"),
}
DAI_PREFIX = {"男": "岩", "女": "玉"}
DAI_SUFFIX = "温罕香光叫应保丙坎拉旺南万胆庄亮"
TIBETAN_NAMES = {
    "男": ("扎西", "次仁", "格桑", "多吉", "旺堆"),
    "女": ("卓玛", "央金", "拉姆", "格桑梅朵"),
}

ETHNICITY = [
    ("汉族", 66.0),
    ("彝族", 11.0),
    ("白族", 3.5),
    ("哈尼族", 3.5),
    ("壮族", 2.7),
    ("傣族", 2.6),
    ("苗族", 2.7),
    ("回族", 1.5),
    ("傈僳族", 1.5),
    ("拉祜族", 1.0),
    ("佤族", 0.9),
    ("纳西族", 0.7),
    ("瑶族", 0.5),
    ("景颇族", 0.3),
    ("藏族", 0.3),
    ("布朗族", 0.3),
    ("布依族", 0.1),
    ("阿昌族", 0.1),
    ("普米族", 0.1),
    ("怒族", 0.1),
    ("德昂族", 0.05),
    ("基诺族", 0.05),
    ("独龙族", 0.02),
    ("蒙古族", 0.05),
    ("水族", 0.02),
    ("满族", 0.05),
]

HEALTH = _Weighted(
    [
        ("良好", 60.0),
        ("一般疾病", 8.0),
        ("残疾", 9.0),
        ("癌症/恶性肿瘤", 6.0),
        ("尿毒症/终末期肾病", 4.0),
        ("心脑血管病", 4.5),
        ("精神病", 1.5),
        ("肝病", 1.5),
        ("血液病", 1.0),
        ("糖尿病", 3.5),
        ("高血压病", 3.0),
        ("肺病", 1.5),
        ("腰颈椎病", 2.0),
        ("其他重病", 1.0),
    ]
)
SERIOUS = ("癌症/恶性肿瘤", "尿毒症/终末期肾病", "心脑血管病", "精神病", "血液病", "其他重病")
MEMBER_HEALTH = _Weighted(
    [
        ("良好", 70.0),
        ("一般疾病", 8.0),
        ("残疾", 5.0),
        ("癌症/恶性肿瘤", 3.0),
        ("尿毒症/终末期肾病", 2.0),
        ("心脑血管病", 3.0),
        ("精神病", 1.0),
        ("糖尿病", 2.0),
        ("高血压病", 3.0),
        ("肺病", 1.0),
        ("腰颈椎病", 1.0),
        ("其他重病", 1.0),
    ]
)
ELDER_HEALTH = _Weighted(
    [
        ("良好", 30.0),
        ("一般疾病", 15.0),
        ("高血压病", 15.0),
        ("糖尿病", 8.0),
        ("心脑血管病", 10.0),
        ("残疾", 5.0),
        ("肺病", 5.0),
        ("腰颈椎病", 7.0),
        ("癌症/恶性肿瘤", 3.0),
        ("其他重病", 2.0),
    ]
)
DISABILITY_TYPE = _Weighted(
    [
        ("肢体残疾", 45.0),
        ("视力残疾", 12.0),
        ("听力残疾", 12.0),
        ("言语残疾", 3.0),
        ("智力残疾", 8.0),
        ("精神残疾", 10.0),
        ("多重残疾", 10.0),
    ]
)
DISABILITY_GRADE = _Weighted([("一级", 15.0), ("二级", 25.0), ("三级", 30.0), ("四级", 30.0)])
# Yearly self-paid medical cost after insurance, 元 (low, high).
MEDICAL_COST = {
    "一般疾病": (1500, 6000),
    "癌症/恶性肿瘤": (20000, 80000),
    "尿毒症/终末期肾病": (15000, 45000),
    "心脑血管病": (6000, 30000),
    "精神病": (4000, 15000),
    "肝病": (5000, 20000),
    "血液病": (10000, 50000),
    "糖尿病": (2500, 9000),
    "高血压病": (1500, 5000),
    "肺病": (3000, 12000),
    "腰颈椎病": (1500, 6000),
    "其他重病": (10000, 40000),
}

WORK_NORMAL = _Weighted(
    [
        ("在岗", 48.0),
        ("农民工", 18.0),
        ("下(待)岗", 7.0),
        ("失(无)业", 15.0),
        ("内退", 5.0),
        ("病休", 4.0),
    ]
)
WORK_ILL = _Weighted(
    [
        ("病休", 35.0),
        ("失(无)业", 22.0),
        ("在岗", 25.0),
        ("内退", 10.0),
        ("下(待)岗", 8.0),
    ]
)
# Worker's own monthly income by work status, 元 (low, high), income kind and item.
WORK_INCOME = {
    "在岗": (1800, 3600, "工资性收入", "工资"),
    "农民工": (2000, 4200, "工资性收入", "务工收入"),
    "下(待)岗": (700, 1300, "转移性收入", "下岗生活费"),
    "失(无)业": (1200, 1500, "转移性收入", "失业保险金"),
    "退休": (1900, 3400, "转移性收入", "离退休金"),
    "病休": (1000, 1900, "工资性收入", "病假工资"),
    "内退": (1500, 2300, "转移性收入", "内退生活费"),
}
MEMBER_INCOME = {
    "在岗": (1800, 3500, "工资性收入", "工资"),
    "农民工": (2000, 4000, "工资性收入", "务工收入"),
    "灵活就业": (900, 2400, "经营性收入", "零工收入"),
    "务农": (400, 1100, "经营性收入", "种植养殖收入"),
    "退休": (1800, 3200, "转移性收入", "离退休金"),
    "内退": (1500, 2200, "转移性收入", "内退生活费"),
}
EMPLOYED = frozenset({"在岗", "农民工", "灵活就业", "务农", "病休"})
STUDENT_COST = {  # 子女教育, 元 a year (low, high)
    "学龄前": (2000, 6000),
    "小学": (500, 1500),
    "初中": (1000, 3000),
    "高中": (3000, 8000),
    "中职中技": (2500, 6000),
    "大学生": (8000, 15000),
    "研究生": (8000, 14000),
}
STUDENT_AID = {  # seed 000 (云工发〔2019〕27号): 资助标准, 元 a year
    "学龄前": ("学前教育家庭经济困难儿童助学金", 300),
    "小学": ("义务教育寄宿生生活费补助（小学）", 1000),
    "初中": ("义务教育寄宿生生活费补助（初中）", 1250),
    "高中": ("普通高中国家助学金", 2500),
    "中职中技": ("中等职业学校国家助学金", 2000),
    "大学生": ("普通本专科国家助学金", 3300),
    "研究生": ("硕士研究生国家助学金", 6000),
}
UNIVERSITIES = (
    "云南大学",
    "昆明理工大学",
    "云南师范大学",
    "云南农业大学",
    "云南财经大学",
    "昆明医科大学",
    "云南民族大学",
    "大理大学",
    "曲靖师范学院",
    "红河学院",
    "昆明学院",
    "玉溪师范学院",
    "西南林业大学",
    "云南艺术学院",
)

MARITAL = _Weighted([("已婚", 72.0), ("离异", 13.0), ("丧偶", 8.0), ("未婚", 5.0), ("其他", 2.0)])
CHILDREN = _Weighted([(0, 15.0), (1, 50.0), (2, 30.0), (3, 5.0)])
PARENTS = _Weighted([(0, 55.0), (1, 30.0), (2, 15.0)])
ADULT_IDENTITY = _Weighted(
    [
        ("在岗", 30.0),
        ("灵活就业", 22.0),
        ("务农", 10.0),
        ("农民工", 12.0),
        ("失(无)业", 18.0),
        ("下(待)岗", 4.0),
        ("内退", 4.0),
    ]
)
SECONDARY_COUNT = _Weighted([(0, 40.0), (1, 40.0), (2, 20.0)])
PENSION = _Weighted([("职工养老保险", 75.0), ("城乡居民养老保险", 13.0), ("未参保", 12.0)])
MEDICAL_INSURANCE = _Weighted([("职工医保", 80.0), ("城乡居民医保", 17.0), ("未参保", 3.0)])
HUKOU_TYPE = _Weighted([("非农业", 55.0), ("农业", 35.0), ("农转居", 10.0)])
ENTERPRISE_STATUS = _Weighted([("正常", 55.0), ("亏损", 25.0), ("改制", 10.0), ("关闭破产", 10.0)])

# -- places ------------------------------------------------------------------------------------

PREFECTURES = {  # code: (short name, share of demo households)
    "530100": ("昆明", 40.0),
    "530300": ("曲靖", 8.0),
    "530400": ("玉溪", 3.5),
    "530500": ("保山", 3.5),
    "530600": ("昭通", 7.0),
    "530700": ("丽江", 1.5),
    "530800": ("普洱", 3.0),
    "530900": ("临沧", 3.0),
    "532300": ("楚雄", 3.5),
    "532500": ("红河", 7.0),
    "532600": ("文山", 5.0),
    "532800": ("西双版纳", 1.5),
    "532900": ("大理", 5.5),
    "533100": ("德宏", 2.0),
    "533300": ("怒江", 0.8),
    "533400": ("迪庆", 0.6),
}
CITY_LABELS = {
    short: short + ("市" if code.startswith("530") else "州")  # 红河州, 大理州
    for code, (short, _) in PREFECTURES.items()
}
KUNMING_CORE = frozenset({"530102", "530103", "530111", "530112", "530114"})
TOWNS = (
    "龙泉",
    "金马",
    "大营",
    "马街",
    "新街",
    "板桥",
    "羊街",
    "双龙",
    "三合",
    "永安",
    "太平",
    "和平",
    "团结",
    "中和",
    "凤凰",
    "龙山",
    "金沙",
    "清水",
    "白塔",
    "松华",
    "河口",
    "小街",
)
VILLAGES = (
    "大村",
    "小村",
    "新村",
    "上村",
    "下村",
    "龙潭",
    "松林",
    "石桥",
    "水井",
    "杨柳",
    "桃园",
    "白石",
    "中寨",
    "大坪",
    "凉水",
    "核桃",
    "箐口",
    "田心",
    "土桥",
    "麦地",
)
ROADS = (
    "人民路",
    "建设路",
    "环城南路",
    "北京路",
    "东风路",
    "新华路",
    "学府路",
    "滨江路",
    "迎春路",
    "青年路",
    "园西路",
    "金碧路",
    "文化路",
    "民族路",
    "团结路",
    "振兴路",
)
STREETS = (
    "华山",
    "龙翔",
    "护国",
    "大观",
    "西华",
    "东华",
    "金星",
    "太和",
    "拓东",
    "关上",
    "吴井",
    "碧鸡",
    "前卫",
    "永昌",
    "南屏",
    "北门",
)
FIRMS = (
    "滇源",
    "金山",
    "红土",
    "彩云",
    "高原",
    "春城",
    "滇池",
    "石林",
    "玉龙",
    "苍山",
    "金沙",
    "澜沧",
    "南盘",
    "乌蒙",
    "哀牢",
    "云岭",
)
INDUSTRIES = (
    ("建材有限公司", "私营企业"),
    ("物业服务有限公司", "私营企业"),
    ("商贸有限公司", "私营企业"),
    ("食品有限公司", "私营企业"),
    ("机械制造有限公司", "国有企业"),
    ("煤业有限责任公司", "国有企业"),
    ("纺织厂", "集体企业"),
    ("运输有限公司", "国有企业"),
    ("电子有限公司", "外资企业"),
    ("建筑工程有限公司", "私营企业"),
    ("农机修造厂", "集体企业"),
)
BANKS = (
    ("中国工商银行", "6222"),
    ("中国农业银行", "6228"),
    ("中国建设银行", "6217"),
    ("中国银行", "6216"),
    ("中国邮政储蓄银行", "6221"),
    ("云南省农村信用社", "6224"),
    ("富滇银行", "6223"),
)
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "157",
    "158",
    "159",
    "166",
    "173",
    "177",
    "180",
    "181",
    "182",
    "183",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)

# -- archive, policies, visits, problems --------------------------------------------------------

STATUSES = _Weighted([("在档", 82.0), ("已脱困", 10.0), ("已解困", 5.0), ("注销", 3.0)])
STATUS_REASONS = {
    "已脱困": ("致困因素消除，家庭人均收入连续6个月超过当地低保标准，经入户核查、公示后脱困",),
    "已解困": ("重病（残疾）无法脱困，经政府兜底保障和工会常态化帮扶，家庭人均收入达到低保水平",),
    "注销": ("职工本人去世，注销档案", "经复核不符合建档条件，注销档案", "家庭迁出本地，转出档案"),
}
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
VISIT_METHOD = _Weighted([("入户走访", 70.0), ("电话", 25.0), ("其他", 5.0)])
PROBLEM_STATUS = _Weighted([("待办", 15.0), ("办理中", 30.0), ("已解决", 45.0), ("无法解决", 10.0)])
HELPER_TITLES = (
    "主席",
    "副主席",
    "经审委员",
    "干事",
    "女职工委员会主任",
    "帮扶中心主任",
    "组织委员",
)
UNION_OPINIONS = (
    "情况属实，同意建档。",
    "经入户核实，情况属实，同意纳入困难职工档案。",
    "经审核、公示无异议，同意建档。",
)
UPPER_OPINIONS = ("同意。", "同意建档，纳入帮扶。", "经审核，同意。")
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
NOT_CLEAR = {
    "basics_clear": "家庭成员收入证明未补齐",
    "policies_clear": "部分救助资金发放记录待核对",
    "difficulties_clear": "配偶病情待复查确认",
    "measures_clear": "住房问题的责任单位待明确",
    "effects_clear": "医疗救助办理结果尚未回访",
    "visits_clear": "部分走访记录缺职工签字",
}


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


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _template(fields: Sequence[Field]) -> Values:
    """Every stored field of a form (or a repeat row) with its empty value."""
    return {f.name: [] if f.type == "repeat" else None for f in fields if f.has_value}


def _month_first(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


class _Factory:
    """Builds one household at a time from the shared random stream."""

    def __init__(self, store: Store, rng: random.Random, today: date, first_serial: int) -> None:
        self.store = store
        self.rng = rng
        self.today = today
        self.first_serial = first_serial
        self.regions = store.regions
        forms = store.survey.forms
        self.templates = {fid: _template(form.fields) for fid, form in forms.items()}
        self.row_templates = {
            (fid, f.name): _template(f.fields)
            for fid, form in forms.items()
            for f in form.fields
            if f.type == "repeat"
        }
        self.categories = self._category_choice(forms.get("A"))
        counties: list[tuple[str, float]] = []
        for city, (_, share) in PREFECTURES.items():
            children = [r for r in self.regions.counties(city) if r.level == "county"]
            if not children:
                continue
            weights = [
                3.0 if r.code in KUNMING_CORE else 2.0 if r.name.endswith("区") else 1.0
                for r in children
            ]
            total = sum(weights)
            counties += [
                (r.code, share * w / total) for r, w in zip(children, weights, strict=True)
            ]
        self.county_choice = _Weighted(counties)
        self.county_codes = [code for code, _ in counties]
        self.ethnic_base = ETHNICITY
        self.ethnic_by_county: dict[str, _Weighted[str]] = {}
        self.dibao_cache: dict[tuple[str, date], int | None] = {}
        self.used_ids: set[str] = set()

    # -- small helpers ------------------------------------------------------------------------

    def uuid(self) -> str:
        """``str(uuid.UUID(int=rng.getrandbits(128), version=4))``, without the object."""
        bits = self.rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def randint(self, low: int, high: int) -> int:
        """Like ``Random.randint`` (inclusive), a few times faster."""
        return low + int(self.rng.random() * (high - low + 1))

    def choice(self, seq: Sequence[T]) -> T:
        return seq[int(self.rng.random() * len(seq))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def day_between(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.randint(0, (end - start).days))

    def yuan(self, low: float, high: float, step: int = 1) -> int:
        """A whole amount in 元 (multiple of ``step``) between low and high, as 分."""
        return int(self.rng.uniform(low, high) / step) * step * 100

    def dibao(self, county: str, day: date) -> int | None:
        key = (county, day)
        if key not in self.dibao_cache:
            self.dibao_cache[key] = self.store.dibao_standard(county, day)
        return self.dibao_cache[key]

    def _category_choice(self, form: Form | None) -> _Weighted[str]:
        f = form.field("category") if form is not None else None
        values = [o.value for o in f.options] if f is not None else []
        preferred = {
            "深度困难": 35.0,
            "相对困难": 50.0,
            "意外致困": 15.0,
            "低保户": 35.0,
            "低保边缘户": 50.0,
            "意外致困户": 15.0,
        }
        return _Weighted([(v, preferred.get(v, 10.0)) for v in values] or [("相对困难", 1.0)])

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

    def row(self, form_id: str, repeat: str, values: Values) -> Values:
        return {**self.row_templates[(form_id, repeat)], "_id": self.uuid(), **values}

    def short_county(self, county: str) -> str:
        region = self.regions.get(county)
        return region.name if region is not None else ""

    # -- the household -------------------------------------------------------------------------

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
        self.compute(forms, county)

        states = {fid: "final" for fid in forms}
        if self.chance(0.1):
            for fid in rng.sample(sorted(forms), self.randint(1, 2)):
                states[fid] = "draft"
                self.make_incomplete(fid, forms[fid])
        hour, minute = self.randint(8, 18), self.randint(0, 59)
        created = f"{survey_date.isoformat()}T{hour:02d}:{minute:02d}:{self.randint(0, 59):02d}"
        return BulkHousehold(
            id=hid,
            forms=forms,
            states=states,
            created_at=created + ".000+00:00",
            status=status,
            status_reason=self.choice(STATUS_REASONS[status]) if status != "在档" else "演示数据",
            revision_ids={fid: self.uuid() for fid in sorted(forms)},
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

    # -- forms ----------------------------------------------------------------------------------

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

    # -- calculated fields (the forms' expressions, in Python) ----------------------------------

    @staticmethod
    def per_capita(income: int, expense: int, people: int, months: int) -> int:
        """(income − expense) ÷ people ÷ months in 分, rounded half up (away from zero) like
        ``yuan_to_fen``: exact integer arithmetic, equal to the expression language's 28-digit
        decimal result for these small divisors (the tests compare with the engine)."""
        numerator, denominator = income - expense, people * months
        whole = (2 * abs(numerator) + denominator) // (2 * denominator)
        return whole if numerator >= 0 else -whole

    def compute(self, forms: Mapping[str, Values], county: str) -> None:
        a, b, c, d, e = (forms[k] for k in "ABCDE")
        today = self.today
        size = 1
        for m in a["members"]:
            m["age"] = _age(date.fromisoformat(m["birth_date"]), today)
            m["lives_together"] = 0 if m["cohabiting"] == "否" else 1
            size += m["lives_together"]
        a["family_size"] = size

        b["population"] = size
        b["annual_income"] = income = sum(r["annual_amount"] for r in b["incomes"])
        b["rigid_expense"] = rigid = sum(r["annual_amount"] for r in b["expenses"])
        b["monthly_per_capita"] = mpc = self.per_capita(income, rigid, size, 12)
        b["dibao_standard"] = std = self.dibao(county, date.fromisoformat(b["survey_date"]))
        b["hardship_band"] = band = (
            None
            if std is None
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

        c["total_amount"] = sum(r["amount"] or 0 for r in c["policies"])
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


def ensure_demo_dibao(store: Store, counties: Sequence[str], on: date, *, author: str) -> list[str]:
    """Give every demo county a 低保 standard in force on ``on``: where none applies, add a
    clearly labelled demo value for its prefecture, unless that code already has any entry
    (real standards always stay). Returns the codes added."""
    added: list[str] = []
    for county in counties:
        if store.dibao_standard(county, on) is not None:
            continue
        city = county[:4] + "00"
        if city in added or store.regions.get(city) is None:
            continue
        if store.db.execute(
            "select 1 from dibao_standards where county_code = ? limit 1", [city]
        ).fetchone():
            continue
        amount = 50000 + random.Random(int(city)).randrange(0, 11) * 1000  # 500–600 元
        store.add_dibao_standard(
            city, DEMO_DIBAO_SINCE, amount, source=DEMO_DIBAO_SOURCE, author=author
        )
        added.append(city)
    return added


def _engine_normalise(engine: FormEngine, item: BulkHousehold) -> bool:
    """Replace the household's values with the engine's; a final form with errors becomes a
    draft. True when the engine agreed with the direct values and found no error."""
    results = engine.validate_all(item.forms, only=list(item.forms))
    same = True
    for form_id, result in results.items():
        if result.values != item.forms[form_id]:
            same = False
        if item.states.get(form_id) == "final" and result.errors:
            same = False
            item.states[form_id] = "draft"
        item.forms[form_id] = result.values
    return same


def generate_demo(
    store: Store,
    households: int,
    *,
    seed: int = 1,
    author: str,
    progress: Callable[[int, int], None] | None = None,
    today: date | None = None,
) -> int:
    """Fill the store with ``households`` synthetic households and return how many were added.

    Same seed, same reference day and a fresh store give identical form data. A store that
    already holds households gets a different stream (and archive numbers after the existing
    ones), so demo data can be added twice without clashing ids.
    """
    if households < 0:
        raise ValueError("households must be >= 0")
    today = today or DEMO_TODAY
    existing = store.count_households()
    rng = random.Random(seed if existing == 0 else f"{seed}/{existing}")
    factory = _Factory(store, rng, today, existing)
    earliest = _month_first(today - timedelta(days=245), 12)
    ensure_demo_dibao(store, factory.county_codes, earliest, author=author)
    engine = store.engine(today)

    def stream() -> Iterator[BulkHousehold]:
        use_engine = False
        for index in range(households):
            item = factory.household(index)
            if index < ENGINE_SAMPLE or use_engine:
                agreed = _engine_normalise(engine, item)
                if not agreed and not use_engine:
                    warnings.warn(
                        "演示数据与表单计算结果不一致（表单定义可能已修改），改为逐户经表单引擎校验，"
                        "速度较慢",
                        DemoDataWarning,
                        stacklevel=3,
                    )
                    use_engine = True
            yield item
            done = index + 1
            if progress is not None and done % PROGRESS_EVERY == 0 and done < households:
                progress(done, households)

    count = store.bulk_insert_households(stream(), author=author)
    if progress is not None:
        progress(count, households)
    return count
