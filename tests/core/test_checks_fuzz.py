"""Untrusted check files (a firm's workbook, a JSON document), damaged: ``fieldapp check import``
exits 0 or refuses with a message (exit 1), never a traceback, and a refusal changes nothing.

Fixed seed (derandomize), like tests/core/test_fuzz_inputs.py, whose damage generators it uses.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from fieldapp.core.reports.checks_import import (
    CHECK_COLUMNS,
    JSON_CHECK_KEYS,
    JSON_MISSED_KEYS,
    write_check_template,
)
from tests.core.fuzz_targets import PART_CONTENTS, PART_TARGETS, json_values
from tests.core.fuzzing import Outcome, byte_mutation, content_digest, mutate, run_cli
from tests.core.households import complete_household
from tests.stores import open_test_store

FUZZ = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
GOOD_CHECK = {
    "household": "YN-530102-2020-000001",
    "checker": "第三方甲",
    "date": "2026-06-01",
    "findings": ["错评"],
    "precise": "是",
    "satisfaction": "满意",
}
GOOD_MISSED = {
    "name": "王小芳",
    "region": "530102",
    "reason": "未申请",
    "checker": "第三方甲",
    "date": "2026-06-01",
}


class CheckImportTarget:
    """``fieldapp check import FILE`` on a database with one household (the complete one)."""

    def __init__(self, root: Path) -> None:
        self.root, self.db = root, root / "checks.db"
        store = open_test_store(self.db)
        hid = store.create_household("fuzz")
        for form_id, data in complete_household().items():
            store.save_form(hid, form_id, data, author="fuzz")
        store.close()
        template = write_check_template(root / "template.xlsx")
        wb = load_workbook(template)
        row = {"核查户（档案编号或身份证号）": GOOD_CHECK["household"], "核查人": "甲"}
        row.update({"核查日期": "2026-06-01", "发现问题": "错评", "满意度": "满意"})
        wb["核查结果"].append([row.get(h) for h in CHECK_COLUMNS])
        buffer = io.BytesIO()
        wb.save(buffer)
        self.good = buffer.getvalue()
        with zipfile.ZipFile(io.BytesIO(self.good)) as package:
            self.parts = [(i.filename, package.read(i.filename)) for i in package.infolist()]

    def xlsx(self, case: tuple[str, Any]) -> bytes:
        kind, changes = case
        if kind == "bytes":
            return mutate(self.good, changes)
        parts = dict(self.parts)
        for name, content in changes:
            parts[name] = content
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
            for name, content in parts.items():
                package.writestr(name, content)
        return buffer.getvalue()

    def run(self, name: str, data: bytes) -> tuple[Outcome, bool]:
        source = self.root / name
        source.write_bytes(data)
        before = content_digest(self.db)
        outcome = run_cli(["--db", str(self.db), "check", "import", str(source)])
        if outcome.code == 0:  # what was saved must be readable by what reads it
            for argv in (["check", "list", "--json"], ["stats", "--json"]):
                after = run_cli(["--db", str(self.db), *argv])
                if after.code != 0 or after.crashed:
                    return Outcome(after.code, True, f"{argv}: {after.detail}"), True
        return outcome, outcome.code != 1 or content_digest(self.db) == before


def _entry(good: dict[str, Any], keys: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    odd = st.one_of(json_values, st.sampled_from(["", "错评、漏退", "2026-02-30", "530000", "否"]))
    return st.fixed_dictionaries(
        {}, optional={k: st.just(good[k]) | odd if k in good else odd for k in keys}
    )


json_documents = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "checks": st.lists(_entry(GOOD_CHECK, JSON_CHECK_KEYS), max_size=3) | json_values,
            "missed": st.lists(_entry(GOOD_MISSED, JSON_MISSED_KEYS), max_size=2) | json_values,
        },
    ).map(lambda doc: json.dumps(doc, ensure_ascii=False).encode()),
    st.lists(byte_mutation, min_size=1, max_size=3).map(
        lambda m: mutate(json.dumps({"checks": [GOOD_CHECK]}).encode(), m)
    ),
    st.sampled_from([b"", b"[]", b'{"checks": [null]}', b'{"checks": 1e400}', b"\xff\xfe{}"]),
)
xlsx_cases = st.one_of(
    st.tuples(st.just("bytes"), st.lists(byte_mutation, min_size=1, max_size=3)),
    st.tuples(st.just("part"), st.lists(st.tuples(PART_TARGETS, PART_CONTENTS), max_size=2)),
)


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> CheckImportTarget:
    return CheckImportTarget(tmp_path_factory.mktemp("checks"))


def judge(result: tuple[Outcome, bool]) -> None:
    outcome, unchanged = result
    assert not outcome.crashed, outcome.detail
    assert unchanged, f"refused but the database changed: {outcome.detail}"


@settings(FUZZ, max_examples=40)
@given(data=json_documents)
def test_a_damaged_json_check_file_never_crashes(target: CheckImportTarget, data: bytes) -> None:
    judge(target.run("in.json", data))


@pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl warns about the damage it reads
@settings(FUZZ, max_examples=25)
@given(case=xlsx_cases)
def test_a_damaged_check_workbook_never_crashes(target: CheckImportTarget, case: Any) -> None:
    judge(target.run("in.xlsx", target.xlsx(case)))


def test_the_undamaged_files_are_accepted(target: CheckImportTarget) -> None:
    """Refusals above mean damage: the files they start from import."""
    outcome, _ = target.run("good.xlsx", target.good)
    assert outcome.kind == "accepted", outcome.detail
    doc = {"checks": [GOOD_CHECK], "missed": [GOOD_MISSED]}
    outcome, _ = target.run("good.json", json.dumps(doc, ensure_ascii=False).encode())
    assert outcome.kind == "accepted", outcome.detail
