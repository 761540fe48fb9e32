"""`fieldapp forms check`: the shipped forms are clean, and each kind of editing mistake an office
can make in forms/ is reported as one precise ``file: field: message`` line.

Most mistakes do not interfere with each other, so they are made together in one copy of forms/
(checked once, module-scoped) and each is asserted by its own parametrized test; the exact total
list proves no mistake hides or garbles another. Mistakes that make a whole file unreadable, or
whose report depends on being alone, get a copy of their own.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from fieldapp import cli
from fieldapp.core.forms.engine import FormEngine
from fieldapp.core.forms.loader import (
    FormDefinitionError,
    FormProblem,
    check_survey,
    default_survey,
    load_survey,
)
from fieldapp.core.paths import FORMS_DIR

TODAY = date(2026, 11, 1)
FIELD_TYPES_IN_SCHEMA = (
    "['text', 'integer', 'money', 'date', 'month', 'select_one', 'select_multiple', "
    "'id_number', 'phone', 'region', 'repeat', 'signature', 'attachment', 'note']"
)

_real_safe_load = yaml.safe_load


@functools.lru_cache(maxsize=64)
def _parse_once(text: str) -> Any:
    return _real_safe_load(text)


def _cached_safe_load(text: str) -> Any:
    # Speed only: PyYAML's pure-Python parser dominates the checker's run time and most files in a
    # broken copy are unchanged. Same text -> same document; errors are not cached and re-raise.
    return copy.deepcopy(_parse_once(text))


@pytest.fixture(autouse=True, scope="module")
def _fast_yaml() -> Iterator[None]:
    patch = pytest.MonkeyPatch()
    patch.setattr(yaml, "safe_load", _cached_safe_load)
    yield
    patch.undo()


def copy_forms(target: Path) -> Path:
    shutil.copytree(FORMS_DIR, target)
    return target


@pytest.fixture
def forms(tmp_path: Path) -> Path:
    """A private copy of the shipped forms/ to break."""
    return copy_forms(tmp_path / "forms")


def edit(directory: Path, file: str, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``file`` (fails loudly if the forms changed)."""
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def lines(directory: Path) -> list[str]:
    return [str(p) for p in check_survey(directory)]


# -- the shipped forms ---------------------------------------------------------------------------


def test_shipped_forms_check_clean() -> None:
    assert check_survey(FORMS_DIR) == []


def test_shipped_forms_load() -> None:
    survey = default_survey()
    assert list(survey.forms) == ["A", "B", "C", "D", "E", "LQ", "BZ"]
    assert re.fullmatch(r"\d{4}\.\d+", survey.version)
    assert survey.household_index["name"] == ("A", "name")
    assert survey.household_index["region"] == ("A", "residence_region")
    # the alias resolves to the 2021 set
    assert [o.value for o in survey.options["hardship_category"]] == [
        "深度困难",
        "相对困难",
        "意外致困",
    ]
    category = survey.form("A").field("category")
    assert category is not None and category.options == survey.options["hardship_category"]


# -- many independent mistakes in one copy -------------------------------------------------------


class Mistake(NamedTuple):
    id: str
    file: str
    old: str
    new: str
    expected: tuple[str, ...]  # every line this mistake must produce, the first is the point


DISABILITY_RELEVANT = "options: disability_type\n        relevant: \"health == '残疾'\""

MISTAKES = [
    Mistake(
        "yaml_syntax",
        "C.yaml",
        "title: 已享受帮扶",
        "title: 错误: 已享受帮扶",
        (
            "C.yaml: 第 2 行: YAML 格式错误 / YAML syntax error: mapping values are not allowed here",
        ),
    ),
    Mistake(
        "unknown_field_type",
        "E.yaml",
        "type: repeat\n        layout: grid\n        row_title: category",
        "type: table\n        layout: grid\n        row_title: category",
        (f"E.yaml: problems: 结构错误 / schema: 'table' is not one of {FIELD_TYPES_IN_SCHEMA}",),
    ),
    Mistake(
        "bad_field_name",
        "LQ.yaml",
        "name: basics_clear_note",
        "name: BasicsNote",
        (
            "LQ.yaml: BasicsNote: 结构错误 / schema: 'BasicsNote' does not match '^[a-z][a-z0-9_]*$'",
        ),
    ),
    Mistake(
        "form_id_not_file_name",
        "D.yaml",
        "id: D\n",
        "id: DD\n",
        ("D.yaml: id: 表单 id“DD”与文件名不一致",),
    ),
    Mistake(
        "duplicate_child_name",
        "A.yaml",
        "          - name: relation",
        "          - name: name",
        ("A.yaml: members.name: 字段名重复 / duplicate field name",),
    ),
    Mistake(
        "unknown_option_list",
        "A.yaml",
        "\n        options: disability_grade\n",
        "\n        options: disability_level\n",
        (
            "A.yaml: disability_grade: 选项表“disability_level”不存在 / unknown option list",
            "A.yaml: disability_grade: 单选/多选题需要选项 / select needs options",
        ),
    ),
    Mistake(
        "relevant_syntax",
        "A.yaml",
        DISABILITY_RELEVANT,
        DISABILITY_RELEVANT.replace("==", "="),
        (
            # the example line printed in forms/README.md
            "A.yaml: disability_type: relevant 表达式错误 / expression error: unexpected '=', use '==' "
            "to compare / 意外的 '='，比较请用 '==' (column 8 / 第 8 列)",
        ),
    ),
    Mistake(
        "required_syntax",
        "A.yaml",
        "required: true\n        hint: 以《残疾人证》",
        'required: "health =="\n        hint: 以《残疾人证》',
        (
            "A.yaml: disability_type: required 表达式错误 / expression error: unexpected end of "
            "expression / 表达式不完整 (column 10 / 第 10 列)",
        ),
    ),
    Mistake(
        "constraint_syntax",
        "A.yaml",
        'constraint: "age(birth_date) >= 16"',
        'constraint: "age(birth_date) >="',
        (
            "A.yaml: birth_date: constraint 表达式错误 / expression error: unexpected end of "
            "expression / 表达式不完整 (column 19 / 第 19 列)",
        ),
    ),
    Mistake(
        "calculate_syntax",
        "A.yaml",
        'calculate: "1 + sum(members.lives_together)"',
        'calculate: "1 + sum(members.lives_together"',
        (
            "A.yaml: family_size: calculate 表达式错误 / expression error: expected ',' or ')' but "
            "found end of expression / 此处应为 ',' 或 ')' (column 31 / 第 31 列)",
        ),
    ),
    Mistake(
        "full_width_quote",
        "A.yaml",
        "relevant: \"main_cause == '其他' or",
        'relevant: "main_cause == ‘其他’ or',
        (
            "A.yaml: cause_other: relevant 表达式错误 / expression error: full-width character "
            "'‘', use ASCII ''' / 全角字符“‘”，请改用半角 ''' (column 15 / 第 15 列)",
        ),
    ),
    Mistake(
        "unknown_function",
        "A.yaml",
        "not empty(number(bank_account))",
        "not empty(numbr(bank_account))",
        (
            "A.yaml: bank_account: constraint 表达式错误 / expression error: unknown function "
            "'numbr' / 未知函数 numbr (column 11 / 第 11 列)",
        ),
    ),
    Mistake(
        "wrong_arity",
        "A.yaml",
        "calculate: \"if(cohabiting == '否' or deceased == '是', 0, 1)\"",
        "calculate: \"if(cohabiting == '否' or deceased == '是', 0)\"",
        (
            "A.yaml: members.lives_together: calculate 表达式错误 / expression error: function "
            "'if' takes 3 argument(s), got 2 / 函数 if 需要 3 个参数，实际 2 个 (column 1 / 第 1 列)",
        ),
    ),
    Mistake(
        "unknown_field",
        "A.yaml",
        "relevant: \"housing_type != '无房'\"",
        "relevant: \"housing_kind != '无房'\"",
        ("A.yaml: floor_area: relevant 引用了不存在的字段“housing_kind” / unknown name",),
    ),
    Mistake(
        "repeat_column_outside_its_row",
        "A.yaml",
        "name: zero_employment\n        label: 是否零就业家庭\n",
        "name: zero_employment\n        label: 是否零就业家庭\n        relevant: \"identity == '学生'\"\n",
        ("A.yaml: zero_employment: relevant 引用了不存在的字段“identity” / unknown name",),
    ),
    Mistake(
        "unknown_repeat_column",
        "B.yaml",
        'calculate: "sum(expenses.annual_amount)"',
        'calculate: "sum(expenses.amount)"',
        ("B.yaml: rigid_expense: calculate 引用了不存在的字段“expenses.amount” / unknown name",),
    ),
    Mistake(
        "other_forms_unknown_field",
        "B.yaml",
        'calculate: "A.family_size"',
        'calculate: "A.family_count"',
        ("B.yaml: population: calculate 引用了不存在的字段“A.family_count” / unknown name",),
    ),
    Mistake(
        "unknown_form",
        "B.yaml",
        'calculate: "dibao(A.residence_region, month)"',
        'calculate: "dibao(Z.residence_region, month)"',
        (
            "B.yaml: monthly_records.month_dibao: calculate 引用了不存在的字段“Z.residence_region” "
            "/ unknown name",
        ),
    ),
    Mistake(
        "row_title",
        "A.yaml",
        "row_title: name",
        "row_title: nom",
        ("A.yaml: members: row_title 指向不存在的子字段“nom”",),
    ),
    Mistake(
        "default_not_an_option",
        "A.yaml",
        "default: 非劳模",
        "default: 劳模",
        ("A.yaml: model_worker: 默认值“劳模”不在选项中 / default not an option",),
    ),
    Mistake(
        "birth_date_field",
        "A.yaml",
        "birth_date_field: birth_date\n            gender_field",
        "birth_date_field: dob\n            gender_field",
        ("A.yaml: members.id_number: birth_date_field 指向不存在的字段“dob” / unknown field",),
    ),
    Mistake(
        "region_within",
        "A.yaml",
        "level: county\n        hint: 户口本",
        'level: county\n        within: "5x"\n        hint: 户口本',
        ("A.yaml: hukou_region: within 应为 2–6 位行政区划代码前缀",),
    ),
    Mistake(
        "date_min",
        "A.yaml",
        'min: "1900-01-01"\n        hint: 可由身份证号自动带出。',
        'min: "1900/01/01"\n        hint: 可由身份证号自动带出。',
        ("A.yaml: birth_date: min 应为 YYYY-MM-DD 日期",),
    ),
    Mistake(
        "money_min",
        "B.yaml",
        'min: 0\n            constraint: "income <= 100000"',
        'min: abc\n            constraint: "income <= 100000"',
        ("B.yaml: monthly_records.income: min 应为数字（元）",),
    ),
    Mistake(
        "missing_form_file",
        "survey.yaml",
        "  - BZ ",
        "  - ZZ\n  - BZ ",
        ("ZZ.yaml: -: 文件不存在 / file not found",),
    ),
    Mistake(
        "household_index_field",
        "survey.yaml",
        "phone: A.phone",
        "phone: A.mobile",
        ("survey.yaml: household_index.phone: “A.mobile”不是已有字段",),
    ),
    Mistake(
        "household_index_form",
        "survey.yaml",
        "worker_no: A.worker_no",
        "worker_no: Q.worker_no",
        ("survey.yaml: household_index.worker_no: “Q.worker_no”不是已有字段",),
    ),
    Mistake(
        "alias_to_missing_list",
        "options.yaml",
        "hardship_category: hardship_category_2021",
        "hardship_category: hardship_category_2030",
        (
            "options.yaml: hardship_category: 别名指向不存在的选项表“hardship_category_2030”",
            "A.yaml: category: 选项表“hardship_category”不存在 / unknown option list",
            "A.yaml: category: 单选/多选题需要选项 / select needs options",
        ),
    ),
    Mistake(
        "duplicate_option_values",
        "options.yaml",
        "    - 男\n    - 女\n",
        "    - 男\n    - 男\n",
        (
            "A.yaml: gender: 选项值重复 / duplicate option values",
            "A.yaml: members.gender: 选项值重复 / duplicate option values",
        ),
    ),
]


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    directory = copy_forms(tmp_path_factory.mktemp("broken") / "forms")
    for mistake in MISTAKES:
        edit(directory, mistake.file, mistake.old, mistake.new)
    return lines(directory)


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_mistake_is_reported(broken: list[str], mistake: Mistake) -> None:
    for line in mistake.expected:
        assert line in broken


def test_every_mistake_is_reported_once_and_nothing_else(broken: list[str]) -> None:
    expected = sorted(line for m in MISTAKES for line in m.expected)
    keys = [tuple(line.split(": ", 2)) for line in broken]
    assert keys == sorted(keys)  # sorted by file, then field, then message
    assert sorted(broken) == expected
    assert len(MISTAKES) >= 12


# -- mistakes that need a copy of their own ------------------------------------------------------


def test_tab_indentation_is_a_yaml_error(forms: Path) -> None:
    edit(forms, "D.yaml", "sections:\n", "sections:\n\t- title: x\n")
    assert lines(forms) == [
        "D.yaml: 第 6 行: YAML 格式错误 / YAML syntax error: "
        "found character '\\t' that cannot start any token"
    ]


def test_yaml_error_in_options_file(forms: Path) -> None:
    edit(forms, "options.yaml", "  gender:\n", "  gender: [\n")
    problems = check_survey(forms)
    assert len(problems) == 1
    assert problems[0].file == "options.yaml"
    assert problems[0].field.startswith("第 ")
    assert "YAML 格式错误 / YAML syntax error" in problems[0].message


def test_non_utf8_file(forms: Path) -> None:
    (forms / "C.yaml").write_bytes("id: C\ntitle: 表\n".encode("gbk"))
    assert lines(forms) == ["C.yaml: -: 文件不是 UTF-8 编码 / not UTF-8 text"]


def test_unknown_field_type_in_a_referenced_form(forms: Path) -> None:
    edit(forms, "A.yaml", "type: phone", "type: telephone")
    found = lines(forms)
    assert (
        f"A.yaml: phone: 结构错误 / schema: 'telephone' is not one of {FIELD_TYPES_IN_SCHEMA}"
        in found
    )


def test_one_mistake_gives_one_line(forms: Path) -> None:
    edit(forms, "A.yaml", "type: phone", "type: telephone")
    assert [p.file for p in check_survey(forms)] == ["A.yaml"]


def test_duplicate_field_name(forms: Path) -> None:
    edit(forms, "A.yaml", "      - name: worker_no", "      - name: archive_no")
    # the index entry that pointed at the renamed field is reported too
    assert lines(forms) == [
        "A.yaml: archive_no: 字段名重复 / duplicate field name",
        "survey.yaml: household_index.worker_no: “A.worker_no”不是已有字段",
    ]


def test_select_without_options(forms: Path) -> None:
    edit(forms, "A.yaml", "\n        options: disability_grade\n", "\n")
    assert "A.yaml: disability_grade: 结构错误 / schema: 'options' is a required property" in lines(
        forms
    )


def test_bad_region_level(forms: Path) -> None:
    edit(
        forms,
        "A.yaml",
        "level: county\n        required: true",
        "level: town\n        required: true",
    )
    assert (
        "A.yaml: residence_region: 结构错误 / schema: 'town' is not one of "
        "['province', 'city', 'county']"
    ) in lines(forms)


def test_calculation_cycle(forms: Path) -> None:
    edit(
        forms,
        "B.yaml",
        'calculate: "sum(expenses.annual_amount)"',
        'calculate: "sum(expenses.annual_amount) + monthly_per_capita"',
    )
    [problem] = check_survey(forms)
    assert (problem.file, problem.field) == ("B.yaml", "")
    assert problem.message.startswith("计算字段循环引用 / calculation cycle: ")
    cycle = problem.message.split(": ", 1)[1].split(" → ")
    assert set(cycle) == {"monthly_per_capita", "rigid_expense"}
    assert cycle[0] == cycle[-1]
    assert str(problem).startswith("B.yaml: -: 计算字段循环引用")


def test_calculation_cycle_inside_a_repeat(forms: Path) -> None:
    edit(forms, "A.yaml", 'calculate: "age(birth_date)"', 'calculate: "lives_together + 1"')
    edit(
        forms,
        "A.yaml",
        "calculate: \"if(cohabiting == '否' or deceased == '是', 0, 1)\"",
        'calculate: "age - 1"',
    )
    assert any("计算字段循环引用" in line for line in lines(forms))


def test_calculation_reading_itself(forms: Path) -> None:
    edit(
        forms,
        "B.yaml",
        'calculate: "sum(expenses.annual_amount)"',
        'calculate: "rigid_expense + 1"',
    )
    assert any("计算字段循环引用" in line and "rigid_expense" in line for line in lines(forms))


@pytest.mark.parametrize("version", ['"2026.1a"', '"2026..1"'])
def test_invalid_version_string(forms: Path, version: str) -> None:
    edit(forms, "survey.yaml", f'version: "{default_survey().version}"', f"version: {version}")
    assert lines(forms) == [
        f"survey.yaml: version: 结构错误 / schema: {version[1:-1]!r} does not match "
        "'^[0-9]+(\\\\.[0-9]+)*$'"
    ]


def test_unquoted_version_is_a_number(forms: Path) -> None:
    edit(forms, "survey.yaml", f'version: "{default_survey().version}"', "version: 2026.1")
    assert lines(forms) == [
        "survey.yaml: version: 结构错误 / schema: 2026.1 is not of type 'string'"
    ]


def test_household_index_malformed(forms: Path) -> None:
    edit(forms, "survey.yaml", "phone: A.phone", "phone: Aphone")
    assert lines(forms) == [
        "survey.yaml: household_index/phone: 结构错误 / schema: 'Aphone' does not match "
        "'^[A-Z][A-Z0-9]*\\\\.[a-z][a-z0-9_]*$'"
    ]


def test_household_index_without_name(forms: Path) -> None:
    edit(forms, "survey.yaml", "  name: A.name\n", "")
    assert lines(forms) == ["survey.yaml: household_index: 缺少 name / missing name"]


def test_duplicate_form_in_survey(forms: Path) -> None:
    edit(forms, "survey.yaml", "  - BZ ", "  - A\n  - BZ ")
    [line] = lines(forms)
    assert line.startswith("survey.yaml: forms: 结构错误 / schema: ")
    assert line.endswith("has non-unique elements")


def test_switching_alias_to_the_2016_set_is_clean(forms: Path) -> None:
    edit(
        forms,
        "options.yaml",
        "hardship_category: hardship_category_2021",
        "hardship_category: hardship_category_2016",
    )
    survey = load_survey(forms)
    assert [o.value for o in survey.options["hardship_category"]] == [
        "低保户",
        "低保边缘户",
        "意外致困户",
    ]


def test_not_a_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    assert check_survey(missing) == [FormProblem(str(missing), "", "不是目录 / not a directory")]


def test_empty_form_file_is_reported(forms: Path) -> None:
    (forms / "BZ.yaml").write_text("# 空\n", encoding="utf-8")
    assert any(p.file == "BZ.yaml" for p in check_survey(forms))


def test_empty_survey_file_is_reported(forms: Path) -> None:
    (forms / "survey.yaml").write_text("", encoding="utf-8")
    assert any(p.file == "survey.yaml" for p in check_survey(forms))


def test_load_survey_raises_with_every_problem(forms: Path) -> None:
    edit(forms, "D.yaml", "id: D\n", "id: DD\n")
    edit(forms, "A.yaml", "row_title: name", "row_title: nom")
    with pytest.raises(FormDefinitionError) as caught:
        load_survey(forms)
    assert [str(p) for p in caught.value.problems] == [
        "A.yaml: members: row_title 指向不存在的子字段“nom”",
        "D.yaml: id: 表单 id“DD”与文件名不一致",
    ]
    assert str(caught.value) == "\n".join(str(p) for p in caught.value.problems)


def test_form_problem_str() -> None:
    assert str(FormProblem("A.yaml", "name", "说明")) == "A.yaml: name: 说明"
    assert str(FormProblem("B.yaml", "", "说明")) == "B.yaml: -: 说明"


def test_added_field_is_used_by_the_engine(forms: Path) -> None:
    """The README's example (add 是否退役军人) loads and is validated, with no code change."""
    edit(
        forms,
        "A.yaml",
        "      - name: serious_illness_insurance\n",
        "      - name: veteran\n        label: 是否退役军人\n        type: select_one\n"
        "        options: yes_no\n        required: true\n"
        "      - name: serious_illness_insurance\n",
    )
    survey = load_survey(forms)
    result = FormEngine(survey, today=TODAY).validate({}, "A")
    veteran = [p for p in result.problems if p.path == "veteran"]
    assert [(p.code, p.label, p.message) for p in veteran] == [
        ("required", "是否退役军人", "必填项未填写")
    ]
    assert default_survey().form("A").field("veteran") is None  # the shipped survey is untouched


# -- the CLI -------------------------------------------------------------------------------------


def test_cli_good_dir(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["forms", "check", str(FORMS_DIR)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(
        f"表单检查通过：户户清表册 版本 {default_survey().version}，7 张表，"
    )
    assert captured.out.rstrip().endswith("(forms OK)")
    assert captured.err == ""


def test_cli_default_dir(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["forms", "check"]) == 0
    assert "表单检查通过" in capsys.readouterr().out


def test_cli_broken_dir(forms: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(forms, "D.yaml", "id: D\n", "id: DD\n")
    edit(forms, "A.yaml", DISABILITY_RELEVANT, DISABILITY_RELEVANT.replace("==", "="))
    assert cli.main(["forms", "check", str(forms)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "A.yaml: disability_type: relevant 表达式错误 / expression error: unexpected '=', "
        "use '==' to compare / 意外的 '='，比较请用 '==' (column 8 / 第 8 列)",
        "D.yaml: id: 表单 id“DD”与文件名不一致",
    ]
    for line in out:
        file, field, message = line.split(": ", 2)
        assert file.endswith(".yaml") and field and message


def test_cli_json_broken(forms: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(forms, "D.yaml", "id: D\n", "id: DD\n")
    edit(forms, "survey.yaml", "phone: A.phone", "phone: A.mobile")
    assert cli.main(["forms", "check", "--json", str(forms)]) == 1
    assert json.loads(capsys.readouterr().out) == [
        {"file": "D.yaml", "field": "id", "message": "表单 id“DD”与文件名不一致"},
        {
            "file": "survey.yaml",
            "field": "household_index.phone",
            "message": "“A.mobile”不是已有字段",
        },
    ]


def test_cli_json_good(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["forms", "check", "--json", str(FORMS_DIR)]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_cli_empty_survey_file(forms: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (forms / "survey.yaml").write_text("", encoding="utf-8")
    assert cli.main(["forms", "check", str(forms)]) == 1
    assert "survey.yaml" in capsys.readouterr().out
