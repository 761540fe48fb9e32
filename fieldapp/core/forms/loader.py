"""Form definitions: the YAML files in forms/ loaded into the objects of ``model``.

Offices edit forms without touching code, so loading is strict and every problem is reported at
once as ``file: field: message`` (see ``fieldapp forms check``). The shapes below mirror
docs/form-language.md and forms/schema.json.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from fieldapp.core.forms import expr
from fieldapp.core.forms.calculation import KNOWN_FUNCTIONS, calculation_order
from fieldapp.core.forms.defaults import DEFAULT_FROM_FUNCTIONS, TODAY, default_only_name
from fieldapp.core.forms.model import (
    GRID_TYPES,
    REGION_LEVELS,
    REPEAT_LAYOUTS,
    SIX_CLEARS,
    Field,
    Form,
    Option,
    Section,
    Survey,
)
from fieldapp.core.paths import FORMS_DIR, cache_dir
from fieldapp.core.values.documents import read_yaml


@dataclass(frozen=True, order=True)
class FormProblem:
    """A problem in a form definition file, printed as ``file: field: message``."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field or '-'}: {self.message}"


class FormDefinitionError(Exception):
    def __init__(self, problems: Sequence[FormProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class _Collector:
    problems: list[FormProblem] = field(default_factory=list)

    def add(self, file: str, where: str, message: str) -> None:
        self.problems.append(FormProblem(file, where, message))


def _read_yaml(path: Path, out: _Collector) -> Any:
    """The parsed file, or None with the problem added: missing, too large, too deeply nested,
    not UTF-8 or not YAML (a form file is edited by hand and must never crash the check)."""
    try:
        doc = read_yaml(path, "表单文件")
        if doc is None:
            out.add(path.name, "", "文件为空 / file is empty")
        return doc
    except FileNotFoundError:
        out.add(path.name, "", "文件不存在 / file not found")
    except IsADirectoryError:
        out.add(path.name, "", "是目录，不是文件 / is a directory")
    except OSError as exc:
        out.add(path.name, "", f"无法读取 / cannot read: {exc.strerror}")
    except UnicodeDecodeError:
        out.add(path.name, "", "文件不是 UTF-8 编码 / not UTF-8 text")
    except ValueError as exc:  # over a limit of values.limits, or text that cannot be stored
        out.add(path.name, "", f"{exc} / refused (docs/limits.md)")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        out.add(path.name, where, f"YAML 格式错误 / YAML syntax error: {problem}")
    return None


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    schema_path = FORMS_DIR / "schema.json"
    result: dict[str, Any] = json.loads(schema_path.read_text(encoding="utf-8"))
    return result


def _schema_problems(doc: Any, definition: str, file: str, out: _Collector) -> bool:
    """Structural check with the published JSON Schema; True when the document is usable.

    Checking takes about 30 ms a form in pure Python, a third of the application's start, and
    the forms rarely change: a document that passed is remembered by the hash of its content and
    of the schema (``paths.cache_dir() / forms-checked``), so the next start skips it. A changed
    form, or a changed schema, is checked again; failures are never remembered."""
    marker = _checked_marker(doc, definition)
    if marker is not None and marker.exists():
        return True
    import jsonschema

    schema = dict(_schema())
    schema["$ref"] = f"#/$defs/{definition}"
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    for error in errors:
        where = _json_path_to_field(doc, list(error.absolute_path))
        out.add(file, where, f"结构错误 / schema: {error.message}")
    if not errors and marker is not None:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:  # a read-only home: check again next time
            pass
    return not errors


def _checked_marker(doc: Any, definition: str) -> Path | None:
    """The file whose presence says this exact document passed the schema (None: no cache)."""
    try:
        content = json.dumps([definition, doc, _schema()], sort_keys=True, default=str)
    except (TypeError, ValueError):  # YAML that JSON cannot express: check it every time
        return None
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    return cache_dir() / "forms-checked" / digest


def _json_path_to_field(doc: Any, path: list[Any]) -> str:
    """Turn a JSON path into the nearest field name, which is what an editor looks for."""
    node = doc
    name = ""
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "type" in node and isinstance(node.get("name"), str):
            name = node["name"]
    return name or "/".join(str(s) for s in path)


def _parse_options(raw: Any) -> tuple[Option, ...]:
    options = []
    for item in raw or ():
        if isinstance(item, dict):
            options.append(Option(str(item["value"]), str(item.get("label", item["value"]))))
        else:
            options.append(Option(str(item), str(item)))
    return tuple(options)


def _load_option_lists(raw: Any) -> dict[str, tuple[Option, ...]]:
    lists = {name: _parse_options(items) for name, items in (raw.get("lists") or {}).items()}
    for alias, target in (raw.get("aliases") or {}).items():
        if target in lists:
            lists[alias] = lists[target]
    return lists


def _resolve_options(
    spec: Any,
    option_lists: Mapping[str, tuple[Option, ...]],
    file: str,
    where: str,
    out: _Collector,
) -> tuple[tuple[Option, ...], str | None]:
    if spec is None:
        return (), None
    if isinstance(spec, str):
        if spec not in option_lists:
            out.add(file, where, f"选项表“{spec}”不存在 / unknown option list")
            return (), spec
        return option_lists[spec], spec
    return _parse_options(spec), None


def _build_field(
    raw: dict[str, Any],
    section: str,
    option_lists: Mapping[str, tuple[Option, ...]],
    file: str,
    out: _Collector,
    prefix: str = "",
) -> Field:
    name = str(raw["name"])
    where = prefix + name
    options, options_name = _resolve_options(raw.get("options"), option_lists, file, where, out)
    kinds, _ = _resolve_options(raw.get("kinds"), option_lists, file, where, out)
    children = tuple(
        _build_field(child, section, option_lists, file, out, prefix=f"{where}.")
        for child in raw.get("fields") or ()
    )
    keys = {
        key: raw[key]
        for key in (
            "hint required relevant constraint constraint_message constraint_severity calculate "
            "default readonly max_length multiline charset min max allow_future max_selected "
            "birth_date_field gender_field level within min_rows max_rows row_title max_files "
            "layout default_from pick"
        ).split()
        if key in raw
    }
    choices = raw.get("choices_from")
    if choices is not None:
        keys["choices_from"] = tuple(
            str(c) for c in ([choices] if isinstance(choices, str) else choices)
        )
    return Field(
        name=name,
        label=str(raw["label"]),
        type=str(raw["type"]),
        options=options,
        options_name=options_name,
        kinds=kinds,
        fields=children,
        section=section,
        **keys,
    )


def _check_unique(fields: Sequence[Field], file: str, prefix: str, out: _Collector) -> None:
    seen: set[str] = set()
    for f in fields:
        if f.name in seen:
            out.add(file, prefix + f.name, "字段名重复 / duplicate field name")
        seen.add(f.name)
        if f.type == "repeat":
            if not f.fields:
                out.add(file, prefix + f.name, "重复组没有子字段 / repeat without fields")
            _check_unique(f.fields, file, f"{prefix}{f.name}.", out)


def _check_field_keys(
    f: Field, siblings: Sequence[Field], file: str, where: str, out: _Collector
) -> None:
    sibling_names = {s.name: s for s in siblings}
    if f.type in ("select_one", "select_multiple") and not f.options:
        out.add(file, where, "单选/多选题需要选项 / select needs options")
    values = [o.value for o in f.options]
    if len(values) != len(set(values)):
        out.add(file, where, "选项值重复 / duplicate option values")
    for key in ("birth_date_field", "gender_field"):
        target = getattr(f, key)
        if target is not None and target not in sibling_names:
            out.add(file, where, f"{key} 指向不存在的字段“{target}” / unknown field")
    if f.row_title is not None and f.child(f.row_title) is None:
        out.add(file, where, f"row_title 指向不存在的子字段“{f.row_title}”")
    if f.charset is not None and f.type != "text":
        out.add(file, where, "charset 只用于 text 字段 / charset applies to text fields only")
    if f.type == "region":
        if f.level not in REGION_LEVELS:
            out.add(file, where, f"level 只能是 {'/'.join(REGION_LEVELS)}")
        if f.within is not None and not re.fullmatch(r"\d{2,6}", str(f.within)):
            out.add(file, where, "within 应为 2–6 位行政区划代码前缀")
    if f.type == "money":
        for key in ("min", "max"):
            value = getattr(f, key)
            if value is not None:
                try:
                    Decimal(str(value))
                except InvalidOperation:
                    out.add(file, where, f"{key} 应为数字（元）")
    if f.type in ("date", "month"):
        for key in ("min", "max"):
            value = getattr(f, key)
            if value is not None and not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", str(value)):
                out.add(file, where, f"{key} 应为 YYYY-MM-DD 日期")
    if f.pick is not None and (f.pick != "people" or f.type != "text"):
        out.add(file, where, "pick 只能用于文字字段，且只能是 people（从档案表选择人员）")
    if f.constraint_severity not in ("error", "warning"):
        out.add(file, where, "constraint_severity 只能是 error 或 warning")
    _check_layout(f, file, where, out)
    if f.default == TODAY and f.type not in ("date", "month"):
        out.add(file, where, "default: today 只用于日期或月份字段 / only for date or month")
    if f.default is not None and f.options and f.type == "select_one":
        if str(f.default) not in values:
            out.add(file, where, f"默认值“{f.default}”不在选项中 / default not an option")


OPTIONS_CALL = re.compile(r"""options\(\s*['"]([^'"]*)['"]\s*\)""")
"""``options('list')`` in an expression: the list must exist in options.yaml."""


def _check_layout(f: Field, file: str, where: str, out: _Collector) -> None:
    """``layout`` belongs to repeat groups; a grid needs columns that have an in-cell editor."""
    if f.layout not in REPEAT_LAYOUTS:
        out.add(file, where, f"layout 只能是 {'/'.join(REPEAT_LAYOUTS)}")
    elif f.layout != "cards" and f.type != "repeat":
        out.add(file, where, "layout 只用于重复组（repeat） / only for repeat groups")
    elif f.layout == "grid":
        for child in f.fields:
            if child.type not in GRID_TYPES and child.type != "note":
                out.add(
                    file,
                    f"{where}.{child.name}",
                    f"表格布局（layout: grid）不支持 {child.type} 类型的列，请改用 layout: cards",
                )


def _expressions(f: Field) -> Iterator[tuple[str, str]]:
    if isinstance(f.required, str):
        yield "required", f.required
    for key in ("relevant", "constraint", "calculate", "default_from"):
        source = getattr(f, key)
        if source is not None:
            yield key, str(source)
    for source in f.choices_from:
        yield "choices_from", source


def _check_expressions(
    survey_forms: Mapping[str, Form],
    form: Form,
    file: str,
    out: _Collector,
    broken: set[str] | None = None,
    option_lists: Mapping[str, tuple[Option, ...]] | None = None,
) -> None:
    form_names = {f.name for f in form.fields}

    def name_exists(path: tuple[str, ...], row: Field | None) -> bool:
        head = path[0]
        if broken and head in broken:
            return True  # that form's own problems are reported; don't add echoes here
        if row is not None and row.child(head) is not None:
            return True
        if head in form_names:
            target = form.field(head)
            return target is not None and (len(path) == 1 or target.child(path[1]) is not None)
        if head in survey_forms:
            if len(path) < 2:
                return False
            target = survey_forms[head].field(path[1])
            return target is not None and (len(path) == 2 or target.child(path[2]) is not None)
        return False

    def visit(fields: Sequence[Field], row: Field | None, prefix: str) -> None:
        for f in fields:
            where = prefix + f.name
            for key, source in _expressions(f):
                functions = DEFAULT_FROM_FUNCTIONS if key == "default_from" else KNOWN_FUNCTIONS
                try:
                    parsed = expr.parse(source, functions)
                except expr.ExprError as exc:
                    out.add(file, where, f"{key} 表达式错误 / expression error: {exc}")
                    continue
                for path in sorted(parsed.names()):
                    if key == "default_from" and default_only_name(path, row):
                        continue
                    if not name_exists(path, row):
                        dotted = ".".join(path)
                        out.add(file, where, f"{key} 引用了不存在的字段“{dotted}” / unknown name")
                if "options" in parsed.functions():
                    for name in OPTIONS_CALL.findall(source):
                        if option_lists is not None and name not in option_lists:
                            out.add(file, where, f"{key} 引用了不存在的选项表“{name}”")
            if f.type == "repeat":
                visit(f.fields, f, f"{where}.")

    visit(form.fields, None, "")


def _check_cycles(form: Form, file: str, out: _Collector) -> None:
    groups: list[tuple[str, Sequence[Field]]] = [("", form.fields)]
    groups += [(f.name, f.fields) for f in form.fields if f.type == "repeat"]
    for where, fields in groups:
        try:
            calculation_order(fields)
        except ValueError as exc:
            out.add(file, where, str(exc))


def _clears(raw: Any, file: str, out: _Collector) -> tuple[str, ...]:
    names = [raw] if isinstance(raw, str) else list(raw or [])
    for name in names:
        if name not in SIX_CLEARS:
            out.add(file, "clear", f"“{name}”不是六清之一（{'、'.join(SIX_CLEARS)}）")
    return tuple(str(n) for n in names)


def load_survey(directory: Path | str = FORMS_DIR) -> Survey:
    """Load and check every form; raise FormDefinitionError listing all problems."""
    survey, problems = _load(Path(directory))
    if problems or survey is None:
        raise FormDefinitionError(problems)
    return survey


def check_survey(directory: Path | str = FORMS_DIR) -> list[FormProblem]:
    """Every problem in a forms directory, sorted; empty when the forms are good."""
    return _load(Path(directory))[1]


@lru_cache(maxsize=8)
def default_survey() -> Survey:
    return load_survey(FORMS_DIR)


def _load(directory: Path) -> tuple[Survey | None, list[FormProblem]]:
    out = _Collector()
    if not directory.is_dir():
        out.add(str(directory), "", "不是目录 / not a directory")
        return None, out.problems
    manifest = _read_yaml(directory / "survey.yaml", out)
    options_doc = _read_yaml(directory / "options.yaml", out)
    if manifest is None or options_doc is None:
        return None, sorted(out.problems)
    ok = _schema_problems(manifest, "survey", "survey.yaml", out)
    ok = _schema_problems(options_doc, "options", "options.yaml", out) and ok
    if not ok:
        return None, sorted(out.problems)
    for alias, target in (options_doc.get("aliases") or {}).items():
        if target not in (options_doc.get("lists") or {}):
            out.add("options.yaml", alias, f"别名指向不存在的选项表“{target}”")
    option_lists = _load_option_lists(options_doc)

    forms: dict[str, Form] = {}
    broken: set[str] = set()
    for form_id in manifest["forms"]:
        file = f"{form_id}.yaml"
        doc = _read_yaml(directory / file, out)
        if doc is None or not _schema_problems(doc, "form", file, out):
            broken.add(form_id)
            continue
        if doc["id"] != form_id:
            out.add(file, "id", f"表单 id“{doc['id']}”与文件名不一致")
        sections = tuple(
            Section(
                title=str(s["title"]),
                fields=tuple(
                    _build_field(f, str(s["title"]), option_lists, file, out) for f in s["fields"]
                ),
            )
            for s in doc["sections"]
        )
        forms[form_id] = Form(
            id=form_id,
            title=str(doc["title"]),
            sections=sections,
            clears=_clears(doc.get("clear"), file, out),
            description=str(doc.get("description", "")),
        )

    for form_id, form in forms.items():
        file = f"{form_id}.yaml"
        _check_unique(form.fields, file, "", out)

        def walk(fields: Sequence[Field], prefix: str, file: str = file) -> None:
            for f in fields:
                _check_field_keys(f, fields, file, prefix + f.name, out)
                if f.type == "repeat":
                    walk(f.fields, f"{prefix}{f.name}.")

        walk(form.fields, "")
        _check_expressions(forms, form, file, out, broken, option_lists)
        _check_cycles(form, file, out)

    index: dict[str, tuple[str, str]] = {}
    for key, target in (manifest.get("household_index") or {}).items():
        form_id, _, field_name = str(target).partition(".")
        if form_id in broken:
            continue
        if form_id not in forms or forms[form_id].field(field_name) is None:
            out.add("survey.yaml", f"household_index.{key}", f"“{target}”不是已有字段")
            continue
        index[key] = (form_id, field_name)
    for key in ("name", "region"):
        if (
            key not in index
            and not broken
            and not any(p.field.startswith("household_index") for p in out.problems)
        ):
            out.add("survey.yaml", "household_index", f"缺少 {key} / missing {key}")

    survey = Survey(
        id=str(manifest["id"]),
        title=str(manifest["title"]),
        version=str(manifest["version"]),
        forms=forms,
        options=option_lists,
        household_index=index,
        source_dir=directory,
    )
    return survey, sorted(set(out.problems))
