"""The provincial (and city) policy catalogs of resources/policies/*.yaml: loading and checking.

Why: each province lists the help a filed household is entitled to (seed 000: Yunnan's 20
policies; seed 001: Jiangsu's; seed 002: Anyang's measures; seed 003: Inner Mongolia's). Offices
keep the catalog as data (resources/policies/README.md): who qualifies is a condition in the form
expression language, so a changed rule or amount needs no new program. The hints themselves are
``rules.policies``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from fieldapp.core.forms import expr
from fieldapp.core.forms.engine import FormEngine
from fieldapp.core.forms.model import Survey
from fieldapp.core.paths import RESOURCES_DIR
from fieldapp.core.values.documents import read_yaml
from fieldapp.core.values.money import yuan_to_fen
from fieldapp.core.values.regions import RegionTable

POLICIES_DIR = RESOURCES_DIR / "policies"
SCOPES = ("person", "household")
RENEWALS = ("once", "yearly")


class CatalogError(Exception):
    """A catalog file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Policy:
    id: str
    number: str
    """The item's number in the source document."""
    name: str
    category: str
    """Form C 项目类别 of a row recording it."""
    department: str
    """Form C 实施部门 (option value)."""
    departments: str
    """Responsible departments as the document words it."""
    amount_fen: int | None
    """Standard amount per person (or household) and year, pre-filled in Form C; None if it varies."""
    amount_text: str
    scope: str
    """person or household."""
    qualifies: str | None
    """Condition (expression); None: listed in the catalog but never hinted (data not on the forms)."""
    problem: str
    """Form E 问题类别 when added as a need."""
    renew: str = "once"
    """yearly: only a Form C row dated within the last 365 days counts as received."""
    match: tuple[str, ...] = ()
    """A Form C row counts as this policy when its name contains one of these words (any row of
    the categories when empty)."""
    categories: tuple[str, ...] = ()
    """Form C categories that can record it (default: its own category)."""
    income_items: tuple[str, ...] = ()
    """Form B income items that also show it is received (e.g. 低保金)."""
    hint: str = ""
    fund_source: str | None = None
    covers: str = "person"
    """For a person policy: ``household`` when one Form C row covers everyone who qualifies
    (e.g. 就医优待 with the 困难职工证), ``person`` when each needs their own row."""

    @property
    def received_categories(self) -> tuple[str, ...]:
        return self.categories or (self.category,)


@dataclass(frozen=True)
class Catalog:
    province: str
    """The region the catalog applies to: a province (530000) or a city (410500 安阳市)."""
    name: str
    source: str
    policies: tuple[Policy, ...]
    path: Path | None = None

    def policy(self, policy_id: str) -> Policy:
        for policy in self.policies:
            if policy.id == policy_id:
                return policy
        raise KeyError(f"{self.name}政策目录中没有“{policy_id}”")


# -- loading ----------------------------------------------------------------------------------


def _words(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"{where}: 应为文字列表")
    return tuple(value)


def _amount(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise CatalogError(f"{where}: amount 应为金额（元）或 null")
    try:
        return yuan_to_fen(Decimal(str(value)))
    except ArithmeticError:
        raise CatalogError(f"{where}: amount “{value}”不是金额") from None


REQUIRED_KEYS = ("id", "name", "category", "department", "for", "problem")
KNOWN_KEYS = frozenset(
    {
        "id",
        "number",
        "name",
        "category",
        "department",
        "departments",
        "amount",
        "amount_text",
        "for",
        "qualifies",
        "problem",
        "renew",
        "match",
        "categories",
        "income_items",
        "hint",
        "fund_source",
        "covers",
    }
)


def parse_catalog(doc: Any, path: Path | None = None) -> Catalog:
    name = path.name if path else "目录"
    if not isinstance(doc, dict):
        raise CatalogError(f"{name}: 顶层应为对象（province, name, source, policies）")
    province = str(doc.get("province") or "")
    if not (len(province) == 6 and province.isdigit() and province.endswith("00")):
        raise CatalogError(f"{name}: province 应为6位省级或地市级行政区划代码")
    entries = doc.get("policies")
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{name}: policies 应为非空列表")
    policies: list[Policy] = []
    seen: set[str] = set()
    for i, raw in enumerate(entries, 1):
        where = f"{name}: 第 {i} 项"
        if not isinstance(raw, dict):
            raise CatalogError(f"{where}: 应为对象")
        missing = [k for k in REQUIRED_KEYS if not raw.get(k)]
        if missing:
            raise CatalogError(f"{where}: 缺少 {', '.join(missing)}")
        unknown = sorted(set(raw) - KNOWN_KEYS)
        if unknown:
            raise CatalogError(f"{where}（{raw['id']}）: 未知字段 {', '.join(unknown)}")
        pid = str(raw["id"])
        where = f"{name}: {pid}"
        if pid in seen:
            raise CatalogError(f"{where}: id 重复")
        seen.add(pid)
        if raw["for"] not in SCOPES:
            raise CatalogError(f"{where}: for 只能是 person 或 household")
        renew = raw.get("renew") or "once"
        if renew not in RENEWALS:
            raise CatalogError(f"{where}: renew 只能是 once 或 yearly")
        qualifies = raw.get("qualifies")
        if qualifies is not None and not isinstance(qualifies, str):
            raise CatalogError(f"{where}: qualifies 应为表达式文字或 null")
        covers = raw.get("covers") or "person"
        if covers not in SCOPES:
            raise CatalogError(f"{where}: covers 只能是 person 或 household")
        policies.append(
            Policy(
                id=pid,
                number=str(raw.get("number") or ""),
                name=str(raw["name"]),
                category=str(raw["category"]),
                department=str(raw["department"]),
                departments=str(raw.get("departments") or raw["department"]),
                amount_fen=_amount(raw.get("amount"), where),
                amount_text=str(raw.get("amount_text") or ""),
                scope=str(raw["for"]),
                qualifies=qualifies,
                problem=str(raw["problem"]),
                renew=renew,
                match=_words(raw.get("match"), f"{where}: match"),
                categories=_words(raw.get("categories"), f"{where}: categories"),
                income_items=_words(raw.get("income_items"), f"{where}: income_items"),
                hint=str(raw.get("hint") or ""),
                fund_source=raw.get("fund_source"),
                covers=covers,
            )
        )
    return Catalog(
        province=province,
        name=str(doc.get("name") or province),
        source=str(doc.get("source") or ""),
        policies=tuple(policies),
        path=path,
    )


def read_catalogs(directory: Path) -> dict[str, Catalog]:
    """Every ``*.yaml`` catalog in the directory, by province code."""
    out: dict[str, Catalog] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            doc = read_yaml(path, "政策目录文件")
        except yaml.YAMLError as exc:
            raise CatalogError(f"{path.name}: YAML 格式错误：{exc}") from None
        except UnicodeDecodeError:
            raise CatalogError(f"{path.name}: 文件不是 UTF-8 编码") from None
        except (OSError, ValueError) as exc:
            raise CatalogError(f"{path.name}: {exc}") from None
        catalog = parse_catalog(doc, path)
        if catalog.province in out:
            raise CatalogError(f"{path.name}: 省份 {catalog.province} 已有目录")
        out[catalog.province] = catalog
    return out


@functools.lru_cache(maxsize=1)
def _bundled() -> dict[str, Catalog]:
    return read_catalogs(POLICIES_DIR)


def load_catalogs(directory: Path | None = None) -> dict[str, Catalog]:
    """The catalogs shipped in resources/policies (cached), or those of another directory."""
    return dict(_bundled()) if directory is None else read_catalogs(directory)


def catalog_for(
    region_code: str | None, catalogs: Mapping[str, Catalog] | None = None
) -> Catalog | None:
    """The catalog that applies to a county: its city's if there is one (安阳), else its
    province's; None if there is none."""
    if not region_code or len(region_code) < 2:
        return None
    known = catalogs if catalogs is not None else load_catalogs()
    for code in (region_code[:4] + "00", region_code[:2] + "0000"):
        if code in known:
            return known[code]
    return None


def no_catalog_message(region_code: str | None, regions: RegionTable | None = None) -> str:
    """What to tell a cadre whose household has no catalog (instead of "nothing found")."""
    if not region_code:
        return "档案表未填居住地（区县），无法确定适用哪个省的帮扶政策目录"
    place = region_code[:2] + "0000"
    if regions is not None and regions.get(place) is not None:
        place = regions.full_name(place)
    return (
        f"本户居住地（{place}）还没有帮扶政策目录，无法提示应享未享的政策；"
        "请上级工会把本地政策整理到 resources/policies/ 中"
    )


def check_catalog(catalog: Catalog, survey: Survey, engine: FormEngine) -> list[str]:
    """Problems an office should fix: options that Forms C/E do not offer, broken conditions."""
    problems: list[str] = []
    c_fields = survey.form("C").field("policies")
    e_fields = survey.form("E").field("problems")
    assert c_fields is not None and e_fields is not None

    def options(parent: Any, name: str) -> set[str]:
        f = parent.child(name)
        return {o.value for o in f.options} if f is not None else set()

    categories = options(c_fields, "category")
    departments = options(c_fields, "department")
    sources = options(c_fields, "fund_source")
    problem_categories = options(e_fields, "category")
    name = catalog.path.name if catalog.path else catalog.name
    for p in catalog.policies:
        where = f"{name}: {p.id}"
        for category in (p.category, *p.categories):
            if category not in categories:
                problems.append(f"{where}: 项目类别“{category}”不是表C的选项")
        if p.department not in departments:
            problems.append(f"{where}: 实施部门“{p.department}”不是表C的选项")
        if p.fund_source is not None and p.fund_source not in sources:
            problems.append(f"{where}: 资金来源“{p.fund_source}”不是表C的选项")
        if p.problem not in problem_categories:
            problems.append(f"{where}: 问题类别“{p.problem}”不是表E的选项")
        if p.qualifies is not None:
            try:
                expr.parse(p.qualifies, engine.functions)
            except expr.ExprError as exc:
                problems.append(f"{where}: 条件无法解析：{exc}")
    return problems
