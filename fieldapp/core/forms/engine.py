"""The form engine: calculations, relevance, required, constraints and type checks for a household.

The GUI, the CLI and bundle import all validate through this one place, so a record accepted by one
is accepted by all. Validation never stops at the first problem: it returns every problem with the
field's path, a Chinese message, and whether it blocks finalising (error) or only warns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fieldapp.core.forms import expr
from fieldapp.core.forms.calculation import DibaoLookup, calculation_order
from fieldapp.core.forms.defaults import static_default
from fieldapp.core.forms.fieldtypes import Context, coerce, is_empty, parse_iso_date
from fieldapp.core.forms.model import Field, Form, Survey
from fieldapp.core.values.money import fen_to_yuan, yuan_to_fen
from fieldapp.core.values.regions import RegionTable, load_regions

Household = Mapping[str, Mapping[str, Any]]
"""A household's current data: form id -> field name -> stored value."""


@dataclass(frozen=True)
class Problem:
    """One validation finding, addressed so the GUI can jump to the field."""

    form: str
    path: str
    label: str
    message: str
    blocking: bool
    code: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "path": self.path,
            "label": self.label,
            "message": self.message,
            "severity": "error" if self.blocking else "warning",
            "code": self.code,
        }

    def __str__(self) -> str:
        kind = "错误" if self.blocking else "提醒"
        return f"[{kind}] {self.form}.{self.path} {self.label}：{self.message}"


@dataclass
class FormResult:
    form: str
    values: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    hidden: set[str] = field(default_factory=set)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.blocking]

    @property
    def can_finalise(self) -> bool:
        return not self.errors


def _to_expr_value(f: Field, value: Any, valid: bool) -> Any:
    """Stored value -> what expressions see (money as exact 元, dates as dates)."""
    if value is None or not valid:
        return None
    if f.type == "money":
        return fen_to_yuan(value)
    if f.type == "date":
        return parse_iso_date(value)
    if f.type == "month":
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    return value


def _from_expr_value(f: Field, value: Any) -> Any:
    """Result of a calculation -> stored value of the field's type."""
    if value is None:
        return None
    if f.type == "money":
        return yuan_to_fen(Decimal(value))
    if f.type == "integer":
        return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if f.type == "date" and isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _standard_in_yuan(lookup: DibaoLookup | None) -> Callable[[object, object], object]:
    """A (county, day) -> 分 lookup as an expression function answering in 元 (None if unknown)."""

    def in_yuan(county: object, day: object) -> object:
        if lookup is None or not isinstance(county, str) or not isinstance(day, date):
            return None
        fen = lookup(county, day)
        return None if fen is None else fen_to_yuan(fen)

    return in_yuan


PICK_PEOPLE = "people"
WHOLE_HOUSEHOLD = "全家"
"""What a ``pick: people`` field may hold besides a person's name (income of the whole family)."""


def household_people(views: Mapping[str, Any]) -> list[str]:
    """Names a ``pick: people`` field offers: the worker, the family members who are alive, and
    全家 (from Form A as expressions see it)."""
    a = views.get("A") or {}
    names = [a.get("name")]
    names += [
        m.get("name")
        for m in a.get("members") or []
        if isinstance(m, Mapping) and m.get("deceased") != "是"
    ]
    return [str(n) for n in names if isinstance(n, str) and n.strip()] + [WHOLE_HOUSEHOLD]


def _truthy(value: Any) -> bool:
    return bool(value) if value is not None else False


class FormEngine:
    """Validates and computes forms of one survey; cheap to create, safe to reuse."""

    def __init__(
        self,
        survey: Survey,
        *,
        regions: RegionTable | None = None,
        dibao: DibaoLookup | None = None,
        minimum_wage: DibaoLookup | None = None,
        today: date | None = None,
    ) -> None:
        self.survey = survey
        self.regions = regions or load_regions()
        self.today = today or date.today()
        self._ctx = Context(today=self.today, regions=self.regions)
        self.functions: Mapping[str, expr.FunctionSpec] = {
            **expr.DEFAULT_FUNCTIONS,
            "dibao": expr.FunctionSpec(_standard_in_yuan(dibao), 2, 2),
            "min_wage": expr.FunctionSpec(_standard_in_yuan(minimum_wage), 2, 2),
            "options": expr.FunctionSpec(self._option_values, 1, 1),
        }
        self._orders = {fid: calculation_order(form) for fid, form in survey.forms.items()}

    def _option_values(self, name: object) -> list[str]:
        """``options('health_serious')``: the values of an option list of forms/options.yaml."""
        found = self.survey.options.get(name) if isinstance(name, str) else None
        if found is None:
            raise expr.ExprError(f"unknown option list {name!r} / 没有选项表“{name}”")
        return [o.value for o in found]

    # -- public API -------------------------------------------------------------------------

    def validate(self, household: Household, form_id: str) -> FormResult:
        """Compute and check one form of a household (other forms feed cross-form expressions)."""
        return self.validate_all(household, only=(form_id,))[form_id]

    def validate_all(
        self,
        household: Household,
        only: Iterable[str] | None = None,
        *,
        views_out: dict[str, dict[str, Any]] | None = None,
    ) -> dict[str, FormResult]:
        """Compute and check the forms (all, or ``only`` these); ``views_out`` receives what
        expressions see of every form (``expression_views``), computed on the way."""
        wanted = set(only) if only is not None else set(self.survey.forms)
        unknown = wanted - set(self.survey.forms)
        if unknown:
            raise KeyError(f"没有表单：{'、'.join(sorted(unknown))}")
        views: dict[str, dict[str, Any]] = {}
        results: dict[str, FormResult] = {}
        for form_id, form in self.survey.forms.items():
            result = FormResult(form_id, {})
            self._compute(form, household.get(form_id) or {}, result, views)
            if form_id in wanted:
                self._check_fields(
                    form, form.fields, result.values, views[form_id], views, None, "", result
                )
                results[form_id] = result
        if views_out is not None:
            views_out.update(views)
        return results

    def compute(self, household: Household) -> dict[str, dict[str, Any]]:
        """Every form's values with calculations filled in (what ledgers and statistics read)."""
        views: dict[str, dict[str, Any]] = {}
        out: dict[str, dict[str, Any]] = {}
        for form_id, form in self.survey.forms.items():
            result = FormResult(form_id, {})
            self._compute(form, household.get(form_id) or {}, result, views)
            out[form_id] = result.values
        return out

    def expression_views(self, household: Household) -> dict[str, dict[str, Any]]:
        """What expressions see for every form (money as 元, dates as dates, calculations done):
        for conditions kept outside the forms, e.g. the policy catalog's "who qualifies"."""
        views: dict[str, dict[str, Any]] = {}
        for form_id, form in self.survey.forms.items():
            self._compute(form, household.get(form_id) or {}, FormResult(form_id, {}), views)
        return views

    def unknown_fields(self, form_id: str, data: Mapping[str, Any]) -> list[str]:
        """Keys in submitted data that the form does not define (typos in a JSON file)."""
        form = self.survey.form(form_id)
        problems = []
        for key, value in data.items():
            f = form.field(key)
            if f is None:
                problems.append(key)
            elif f.type == "repeat" and isinstance(value, list):
                for i, row in enumerate(value):
                    if isinstance(row, dict):
                        problems += [
                            f"{key}[{i + 1}].{k}" for k in row if k != "_id" and f.child(k) is None
                        ]
        return problems

    # -- internals -------------------------------------------------------------------------

    def _normalise(
        self, fields: Sequence[Field], data: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, bool]]:
        """Stored values, expression view and validity for one level (form or repeat row)."""
        values: dict[str, Any] = {k: v for k, v in data.items() if k.startswith("_")}
        view: dict[str, Any] = {}
        valid: dict[str, bool] = {}
        for f in fields:
            if not f.has_value:
                continue
            raw = data.get(f.name)
            if f.name not in data and f.default is not None and not f.is_calculated:
                raw = static_default(f, self.today)  # a new record or row starts from it
            if is_empty(raw):
                values[f.name], view[f.name], valid[f.name] = None, None, True
                if f.type == "repeat":
                    values[f.name], view[f.name] = [], []
                continue
            coerced = coerce(f, raw, self._ctx)
            if f.type == "repeat" and coerced.valid:
                rows, row_views = [], []
                for row in coerced.value:
                    row_values, row_view, _ = self._normalise(f.fields, row)
                    rows.append(row_values)
                    row_views.append(row_view)
                values[f.name], view[f.name], valid[f.name] = rows, row_views, True
                continue
            values[f.name] = coerced.value
            valid[f.name] = coerced.valid
            view[f.name] = _to_expr_value(f, coerced.value, coerced.valid)
        return values, view, valid

    def _evaluate(self, source: str, layers: Sequence[Mapping[str, Any]]) -> Any:
        return expr.evaluate(
            source, expr.DictScope(*layers), today=self.today, functions=self.functions
        )

    def _compute(
        self,
        form: Form,
        data: Mapping[str, Any],
        result: FormResult,
        views: dict[str, dict[str, Any]],
    ) -> None:
        values, view, valid = self._normalise(form.fields, data)
        views[form.id] = view
        # Row-level calculations first, so form-level sums over repeat columns see them. A repeat
        # that is not a list of rows (kept as given in a draft) has no rows to calculate.
        for f in form.fields:
            if f.type != "repeat" or not valid.get(f.name, True):
                continue
            if not any(c.is_calculated for c in f.fields):
                continue
            order = calculation_order(f.fields)
            for row_values, row_view in zip(values[f.name], view[f.name], strict=True):
                for child in order:
                    self._calculate(
                        form,
                        child,
                        row_values,
                        row_view,
                        [row_view, view, views],
                        result,
                        f"{f.name}[]",
                    )
        for f in self._orders[form.id]:
            self._calculate(form, f, values, view, [view, views], result, "")
        result.values = values

    def _calculate(
        self,
        form: Form,
        f: Field,
        values: dict[str, Any],
        view: dict[str, Any],
        layers: Sequence[Mapping[str, Any]],
        result: FormResult,
        prefix: str,
    ) -> None:
        assert f.calculate is not None
        try:
            value = self._evaluate(f.calculate, layers)
            stored = _from_expr_value(f, value)
        except (expr.ExprError, ArithmeticError, ValueError, TypeError) as exc:
            result.problems.append(
                Problem(form.id, prefix + f.name, f.label, f"无法计算：{exc}", False, "calculate")
            )
            stored = None
        values[f.name] = stored
        view[f.name] = _to_expr_value(f, stored, True)

    def _check_fields(
        self,
        form: Form,
        fields: Sequence[Field],
        values: Mapping[str, Any],
        view: Mapping[str, Any],
        views: Mapping[str, Any],
        row_view: Mapping[str, Any] | None,
        prefix: str,
        result: FormResult,
    ) -> None:
        layers: list[Mapping[str, Any]] = [row_view, view, views] if row_view else [view, views]
        for f in fields:
            path = prefix + f.name
            if not f.has_value:
                continue

            def report(
                code: str, message: str, blocking: bool = True, path: str = path, f: Field = f
            ) -> None:
                result.problems.append(Problem(form.id, path, f.label, message, blocking, code))

            if f.relevant is not None:
                try:
                    shown = _truthy(self._evaluate(f.relevant, layers))
                except expr.ExprError as exc:
                    report("relevant", f"显示条件无法判断：{exc}", False)
                    shown = True
                if not shown:
                    result.hidden.add(path)
                    continue
            raw = values.get(f.name)
            if f.is_calculated and f.constraint is not None:
                # checked whether or not a result came out: "no 低保 standard found" is the point
                self._check_constraint(f, layers, report)
            if is_empty(raw):
                if self._is_required(f, layers, report):
                    report("required", "必填项未填写" if f.type != "repeat" else "至少填写一行")
                continue
            if f.is_calculated:
                continue
            coerced = coerce(f, raw, self._ctx)
            for issue in coerced.issues:
                report(issue.code, issue.message, issue.blocking)
            if not coerced.valid:
                continue
            if f.type == "id_number" and coerced.id_info is not None:
                self._check_id_agreement(f, coerced.id_info, values, fields, prefix, result, form)
            if f.type == "repeat":
                self._check_rows(
                    form, f, values.get(f.name) or [], path, view, views, result, report
                )
            if f.pick == PICK_PEOPLE and coerced.value not in household_people(views):
                report("pick", "不是档案表中登记的职工本人或家庭成员，请从下拉列表选择", False)
            if f.constraint is not None:
                self._check_constraint(f, layers, report)

    def _check_constraint(
        self, f: Field, layers: Sequence[Mapping[str, Any]], report: Callable[..., None]
    ) -> None:
        assert f.constraint is not None
        try:
            ok = self._evaluate(f.constraint, layers)
        except expr.ExprError as exc:
            report("constraint", f"校验条件无法判断：{exc}", False)
            return
        if ok is not None and not _truthy(ok):
            report(
                "constraint",
                f.constraint_message or "填写内容不符合要求",
                f.constraint_severity == "error",
            )

    def _is_required(
        self, f: Field, layers: Sequence[Mapping[str, Any]], report: Callable[..., None]
    ) -> bool:
        if isinstance(f.required, bool):
            return f.required
        try:
            return _truthy(self._evaluate(f.required, layers))
        except expr.ExprError as exc:
            report("required_expr", f"必填条件无法判断：{exc}", False)
            return False

    def _check_rows(
        self,
        form: Form,
        f: Field,
        rows: list[dict[str, Any]],
        path: str,
        view: Mapping[str, Any],
        views: Mapping[str, Any],
        result: FormResult,
        report: Callable[..., None],
    ) -> None:
        if len(rows) < f.min_rows:
            report("too_few_rows", f"至少需要 {f.min_rows} 行")
        if f.max_rows is not None and len(rows) > f.max_rows:
            report("too_many_rows", f"最多 {f.max_rows} 行，现有 {len(rows)} 行")
        row_views = view.get(f.name) or []
        for i, row in enumerate(rows):
            row_view = row_views[i] if i < len(row_views) else {}
            self._check_fields(
                form, f.fields, row, view, views, row_view, f"{path}[{i + 1}].", result
            )

    def _check_id_agreement(
        self,
        f: Field,
        info: Any,
        values: Mapping[str, Any],
        fields: Sequence[Field],
        prefix: str,
        result: FormResult,
        form: Form,
    ) -> None:
        """Birth date and gender typed on the form must agree with the ID number."""
        by_name = {s.name: s for s in fields}
        if f.birth_date_field and (target := by_name.get(f.birth_date_field)) is not None:
            typed = values.get(f.birth_date_field)
            if not is_empty(typed) and typed != info.birth_date.isoformat():
                result.problems.append(
                    Problem(
                        form.id,
                        prefix + target.name,
                        target.label,
                        f"出生日期与身份证号不一致（身份证号为 {info.birth_date.isoformat()}）",
                        True,
                        "id_birth_mismatch",
                    )
                )
        if f.gender_field and (target := by_name.get(f.gender_field)) is not None:
            typed = values.get(f.gender_field)
            if not is_empty(typed) and typed != info.gender:
                result.problems.append(
                    Problem(
                        form.id,
                        prefix + target.name,
                        target.label,
                        f"性别与身份证号不一致（身份证号为{info.gender}性）",
                        True,
                        "id_gender_mismatch",
                    )
                )
